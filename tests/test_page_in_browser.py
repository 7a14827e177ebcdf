"""The step-through page in a real headless browser (Debian's chromium and chromedriver; CI installs them)."""

import pytest
from conftest import require_program, tanh_neuron
from selenium import webdriver

from tinygrad_like.explain import explain


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    BROWSER = require_program("chromium", "chromium")
    DRIVER = require_program("chromedriver", "chromium-driver")

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def highlighted_node(driver):
    """The name written in the highlighted record of the visible frame."""
    return driver.execute_script(
        """
        const frame = document.querySelector('.frame.current');
        const marked = g => Array.from(g.querySelectorAll('polygon, path'))
            .some(p => p.getAttribute('fill') === '#ffd54f');
        const node = Array.from(frame.querySelectorAll('g.node')).find(marked);
        return node ? node.querySelector('text').textContent : null;
        """
    )


def test_next_moves_the_highlighted_node_along_the_backward_order(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    y, *_ = tanh_neuron()
    steps = explain(y)
    page = steps.to_html(tmp_path / "backprop.html")
    browser.get(page.as_uri())

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert browser.find_element(By.ID, "counter").text == f"1 / {len(steps)}"

    seen = [highlighted_node(browser)]
    for _ in range(len(steps) - 1):
        browser.find_element(By.ID, "next").click()
        seen.append(highlighted_node(browser))
    assert seen == [s.node_name for s in steps] == ["y", "n", "n", "x·w", "x·w"]
    assert browser.find_element(By.ID, "current-node").text == "x·w"

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)  # step 4: x·w again (it sends to x, then to w)
    body.send_keys(Keys.ARROW_LEFT)  # step 3: n sends to b
    assert browser.find_element(By.ID, "counter").text == f"3 / {len(steps)}"
    assert highlighted_node(browser) == "n"

    browser.find_element(By.ID, "zoom").click()  # full size: the highlighted node is scrolled into view
    assert "zoomed" in browser.find_element(By.TAG_NAME, "body").get_attribute("class")
    browser.find_element(By.ID, "next").click()
    assert highlighted_node(browser) == "x·w"
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
