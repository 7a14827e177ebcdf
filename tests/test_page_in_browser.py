"""The step-through pages in a real headless browser (Debian's chromium and chromedriver; CI installs them).

At a 1280×720 window, for each step: the node passing the gradient (.active) and the one
receiving it (.target) lie inside the drawing's visible area, with text at least 11 CSS px tall.
"""

import time

import pytest
from conftest import require_program, tanh_neuron
from selenium import webdriver

from nn import examples, sum_squared_error
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
    driver.set_window_size(1280, 720)
    # the window's inner size is what a reader sees: make it 1280×720 exactly
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    outer = driver.get_window_size()
    driver.set_window_size(outer["width"] + 1280 - inner[0], outer["height"] + 720 - inner[1])
    yield driver
    driver.quit()


MARKED = """
const stage = document.getElementById('stage').getBoundingClientRect();
const view = [window.innerWidth, window.innerHeight];
return Array.from(document.querySelectorAll(arguments[0])).map(g => {
  const r = g.getBoundingClientRect();
  const texts = Array.from(g.querySelectorAll('text')).map(t => t.getBoundingClientRect().height);
  return {tag: g.tagName, cls: g.getAttribute('class'), id: g.id,
          name: (g.querySelector('text.name') || g.querySelector('text')).textContent,
          inside: r.left >= stage.left && r.right <= stage.right && r.top >= stage.top
                  && r.bottom <= stage.bottom && stage.right <= view[0] && stage.bottom <= view[1],
          rect: [r.left, r.top, r.right, r.bottom], smallest_text: Math.min(...texts)};
});
"""


def marked(driver, selector):
    return driver.execute_script(MARKED, selector)


def severe(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_step_readable(driver, step, selectors=(".active", ".target")):
    for selector in selectors:
        found = marked(driver, selector)
        assert found, f"step {step}: no {selector} element"
        for node in found:
            assert node["tag"] == "g" and "node" in node["cls"].split(), f"step {step}: {node}"
            assert node["inside"], f"step {step}: {selector} {node['name']!r} at {node['rect']} is off-screen"
            assert node["smallest_text"] >= 11, f"step {step}: {selector} text {node['smallest_text']:.1f} px"


def demo_graph():
    """The demo's graph: the blog's network, its E on the sample x = (1, 0), t = 1."""
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    E.label = "E"
    return net, E


def test_next_and_arrows_move_the_marked_nodes_along_the_backward_order(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    y, *_ = tanh_neuron()
    steps = explain(y)
    page = steps.to_html(tmp_path / "backprop.html")
    browser.get(page.as_uri())
    assert severe(browser) == []
    assert browser.find_element(By.ID, "counter").text == f"1 / {len(steps)}"

    seen = []
    for _ in range(len(steps)):
        seen.append((marked(browser, ".active")[0]["name"], marked(browser, ".target")[0]["name"]))
        browser.find_element(By.ID, "next").click()
    assert seen == [(s.node_name, s.child_name) for s in steps]
    assert seen == [("y", "n"), ("n", "x·w"), ("n", "b"), ("x·w", "x"), ("x·w", "w")]

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)  # step 4: x·w sends to x
    body.send_keys(Keys.ARROW_LEFT)  # step 3: n sends to b
    assert browser.find_element(By.ID, "counter").text == f"3 / {len(steps)}"
    assert marked(browser, ".target")[0]["name"] == "b"
    # the grads known so far: b has its grad, x not yet (x is reached at step 4)
    grads = browser.execute_script(
        "return Array.from(document.querySelectorAll('g.node')).map(g => "
        "[g.querySelector('text.name').textContent, g.querySelector('text.grad').textContent])"
    )
    grads = dict(grads)
    assert grads["x"] == "grad 0" and grads["b"] == f"grad {steps[2].child_grad:.4g}"
    # exactly one node carries each class, and only node groups carry them
    assert len(marked(browser, ".active")) == len(marked(browser, ".target")) == 1
    assert severe(browser) == []


def test_the_view_follows_every_step_of_the_demo_page_at_1280x720(tmp_path, browser):
    from selenium.webdriver.common.by import By

    net, E = demo_graph()
    steps = explain(E)
    page = steps.to_html(tmp_path / "backprop.html", model=net)
    assert page.stat().st_size <= 300_000
    browser.get(page.as_uri())
    assert browser.execute_script("return [window.innerWidth, window.innerHeight]") == [1280, 720]
    text = browser.find_element(By.TAG_NAME, "header").text
    assert "x1 = 1, x2 = 0" in text and f"E = {E.data:.4g};" in text
    # one quantity, one format: the header's E is written as E's node writes its data
    data = browser.execute_script(
        "return Array.from(document.querySelectorAll('g.node')).filter("
        "g => g.querySelector('text.name').textContent === 'E')[0].querySelector('text.data').textContent"
    )
    assert data == f"data {E.data:.4g}"
    for k in range(min(40, len(steps))):
        assert_step_readable(browser, k + 1)
        assert marked(browser, ".active")[0]["name"] == steps[k].node_name
        assert marked(browser, ".target")[0]["name"] == steps[k].child_name
        if k + 1 < len(steps):
            browser.find_element(By.ID, "next").click()
    # the reader can zoom out to the overview (key O) and follow the step again (F)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("o")
    box = marked(browser, ".active")[0]
    assert box["smallest_text"] < 11  # the whole graph: smaller than when following
    body.send_keys("f")
    assert_step_readable(browser, len(steps))
    assert severe(browser) == []


def test_the_demos_own_pages_keep_the_first_40_steps_readable(tmp_path, browser, capsys):
    """What `tinygrad-like demo` writes: backprop.html and neurons.html, each ≤ 300 KB, read at 1280×720."""
    from selenium.webdriver.common.by import By

    from nn.demo import run_demo

    assert run_demo(tmp_path, progress=False) == 0
    capsys.readouterr()
    pages = sorted(tmp_path.glob("*.html"))
    assert [p.name for p in pages] == ["backprop.html", "neurons.html"]
    for page in pages:
        assert page.stat().st_size <= 300_000
        browser.get(page.as_uri())
        total = int(browser.find_element(By.ID, "counter").text.split("/")[1])
        for k in range(min(40, total)):
            assert_step_readable(browser, k + 1)  # .active and .target in view, text ≥ 11 px
            if k + 1 < total:
                browser.find_element(By.ID, "next").click()
        assert severe(browser) == [], page.name


def test_the_moons_page_of_about_2000_steps_is_written_and_opens_without_errors(tmp_path, browser):
    """micrograd's moons network, one sample, hinge loss plus its L2 term 1e-4·Σp² (summed as micrograd)."""
    from selenium.webdriver.common.by import By

    from nn import MLP, data, hinge_loss
    from tinygrad_like import Value

    X, Y = data.moons(100)
    net = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    loss = hinge_loss([net(X[0])], [Y[0]]) + 1e-4 * sum((p * p for p in net.parameters()), Value(0.0))
    loss.label = "E"
    start = time.perf_counter()
    steps = explain(loss)
    # by hand: weighted sums 16·5 + 16·33 + 33 = 641 edges, relu 32, the hinge term 8,
    # p·p 2·337, the running sum 2·337, and 4 joining them: 2033
    assert len(steps) == 2033
    page = steps.to_html(tmp_path / "moons.html", model=net)
    assert time.perf_counter() - start < 60  # the bar; it takes well under a second
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "counter").text == "1 / 2033"
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue010")  # End: the last step
    assert browser.find_element(By.ID, "counter").text == "2033 / 2033"
    assert marked(browser, ".target")[0]["name"] == steps[-1].child_name
    assert_step_readable(browser, 2033)
    # the steps whose two nodes lie farthest apart in the drawing (a parameter used by its neuron
    # and by the L2 term across the graph), and every 50th: both in view, text ≥ 11 px
    far = browser.execute_script(FARTHEST, 40)
    assert len(far) == 40
    for k in sorted(set(far) | set(range(0, 2033, 50))):
        browser.execute_script(GO_TO, k)
        assert browser.find_element(By.ID, "counter").text == f"{k + 1} / 2033"
        assert_step_readable(browser, k + 1)
    assert severe(browser) == []


FARTHEST = """
const data = JSON.parse(document.getElementById('page-data').textContent);
const centre = id => { const [x, y, w, h] = data.boxes[id]; return [x + w / 2, y + h / 2]; };
const apart = data.steps.map((s, i) => {
  const [a, b] = [centre(s.active[0]), centre(s.target[0])];
  return [Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])), i];
});
return apart.sort((p, q) => q[0] - p[0]).slice(0, arguments[0]).map(p => p[1]);
"""
GO_TO = """
const slider = document.getElementById('slider');
slider.value = arguments[0];
slider.dispatchEvent(new Event('input'));
"""


def test_the_neuron_level_page_follows_the_blogs_order_with_the_blogs_numbers(tmp_path, browser):
    import math

    from selenium.webdriver.common.by import By

    net, E = demo_graph()
    page = explain(E).to_html(tmp_path / "neurons.html", model=net, level="neuron")
    assert page.stat().st_size <= 300_000
    browser.get(page.as_uri())
    seen = []
    frames = int(browser.find_element(By.ID, "counter").text.split("/")[1])
    for k in range(min(40, frames)):
        assert_step_readable(
            browser, k + 1, selectors=(".active", ".target", ".source") if k else (".active", ".target")
        )
        seen.append(marked(browser, ".active")[0]["name"])
        if k == 2:  # δ_3 = δ·g′(r_5)·w_3,5, by hand with g = σ
            f = {p.label: p.data for p in net.parameters()}
            s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
            a1, a2 = s(f["w_x1,1"] + f["b_1"]), s(f["w_x1,2"] + f["b_2"])
            a3 = s(f["w_1,3"] * a1 + f["w_2,3"] * a2 + f["b_3"])
            a4 = s(f["w_1,4"] * a1 + f["w_2,4"] * a2 + f["b_4"])
            y = s(f["w_3,5"] * a3 + f["w_4,5"] * a4 + f["b_5"])
            delta3 = (y - 1.0) * y * (1 - y) * f["w_3,5"]
            text = browser.find_element(By.ID, "explain-step").text
            assert f"{delta3:.6g}" in text and "δ_3 = δ·g′(r_5)·w_3,5" in text  # the blog's own words
            assert marked(browser, ".target")[0]["name"] == "f3"  # it receives δ_3
        if k == 6:  # the first weight: ∂E/∂w_3,5 = g(r_3)·g′(r_5)·δ, received by w_3,5's label
            dw35 = a3 * y * (1 - y) * (y - 1.0)
            text = browser.find_element(By.ID, "explain-step").text
            assert "∂E/∂w_3,5 = g(r_3)·g′(r_5)·δ" in text and f"{dw35:.6g}" in text
            target = marked(browser, ".target")[0]
            assert target["name"].startswith("w_3,5 = ") and "weight" in target["cls"].split()
            grad = browser.find_element(By.ID, target["id"]).find_element(By.CLASS_NAME, "wgrad").text
            assert grad == f"∂E/∂w = {dw35:.3g}"
        browser.find_element(By.ID, "next").click()
    assert seen[:6] == ["E", "f5", "f3", "f4", "f1", "f2"]  # y → f5 → f3, f4 → f1, f2, then the weights
    assert len(seen) == 6 + 10 and severe(browser) == []


TERMS = """
return Array.from(document.querySelectorAll(arguments[0] + ' .term')).map(
  s => [s.textContent, Array.from(s.getClientRects()).map(r => Math.round(r.top))]);
"""


def test_a_formula_breaks_only_between_its_terms(tmp_path, browser):
    """δ_1 = δ_3·g′(r_3)·w_1,3 + δ_4·g′(r_4)·w_1,4 does not fit the side panel's line: it wraps
    between terms, never inside one (no "δ_4·g′" on one line and "(r_4)·w_1,4" on the next)."""
    from selenium.webdriver.common.by import By

    net, E = demo_graph()
    page = explain(E).to_html(tmp_path / "neurons.html", model=net, level="neuron")
    browser.get(page.as_uri())
    total = int(browser.find_element(By.ID, "counter").text.split("/")[1])
    wrapped = 0
    for k in range(total):
        rule = browser.find_element(By.CSS_SELECTOR, "#explain-step .rule")
        line = float(
            browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight)", rule)
        )
        wrapped += rule.size["height"] > 1.5 * line
        for where in ("#explain-step", "header"):
            for term, tops in browser.execute_script(TERMS, where):
                assert len(tops) == 1, f"frame {k + 1}: {term!r} is split over lines at {tops}"
        if k == 4:
            terms = [t for t, _ in browser.execute_script(TERMS, "#explain-step .rule")]
            assert terms == ["δ_1", "=", "δ_3·g′(r_3)·w_1,3", "+", "δ_4·g′(r_4)·w_1,4"]
        browser.find_element(By.ID, "next").click()
    assert wrapped >= 2  # the long formulas (δ_1, δ_2) did need more than one line
    assert severe(browser) == []


CUT = """
const stage = document.getElementById('stage').getBoundingClientRect();
// what a person sees of a node: its circles, its texts, its rectangles with a border
const drawn = e => e.tagName === 'text' ? e.textContent.trim() !== ''
                   : e.tagName === 'circle' || getComputedStyle(e).stroke !== 'none';
return Array.from(document.querySelectorAll('#stage g.node')).map(g => {
  const parts = Array.from(g.querySelectorAll('text, circle, rect')).filter(drawn)
    .map(e => e.getBoundingClientRect());
  const r = {left: Math.min(...parts.map(p => p.left)), right: Math.max(...parts.map(p => p.right)),
             top: Math.min(...parts.map(p => p.top)), bottom: Math.max(...parts.map(p => p.bottom))};
  const label = g.querySelector('text').textContent;
  const overlaps = r.right > stage.left + 1 && r.left < stage.right - 1 && r.bottom > stage.top + 1
                   && r.top < stage.bottom - 1;
  const inside = r.left >= stage.left - 1 && r.right <= stage.right + 1 && r.top >= stage.top - 1
                 && r.bottom <= stage.bottom + 1;
  return overlaps && !inside ? [label, [r.left, r.top, r.right, r.bottom].map(Math.round)] : null;
}).filter(x => x);
"""


def test_the_followed_view_shows_every_box_whole_or_not_at_all(tmp_path, browser, capsys):
    """No record cut at the edge of the view ("ata 0.0019"), none hidden under the toolbar: at
    1280×720, for the first 40 steps of both demo pages, every node the drawing area shows, it shows
    whole, below the toolbar and left of the side panel."""
    from selenium.webdriver.common.by import By

    from nn.demo import run_demo

    assert run_demo(tmp_path, progress=False) == 0
    capsys.readouterr()
    for name in ("backprop.html", "neurons.html"):
        browser.get((tmp_path / name).as_uri())
        below = browser.execute_script(
            "return document.getElementById('stage').getBoundingClientRect().top"
            " >= document.querySelector('.controls').getBoundingClientRect().bottom"
        )
        assert below  # the drawing area starts under the toolbar
        total = int(browser.find_element(By.ID, "counter").text.split("/")[1])
        for k in range(min(40, total)):
            assert browser.execute_script(CUT) == [], f"{name} step {k + 1}"
            if k + 1 < total:
                browser.find_element(By.ID, "next").click()


INK = """
// each op circle of the page and the ink of its mark, in CSS px: the canvas measures the glyphs of
// the mark's own font, scaled to the text's width on screen (the text's box is its font's box)
const ctx = document.createElement('canvas').getContext('2d');
return Array.from(document.querySelectorAll('g.node')).filter(g => g.querySelector('circle.op')).map(g => {
  const c = g.querySelector('circle.op').getBoundingClientRect();
  const t = g.querySelector('text.opsym'), r = t.getBoundingClientRect(), style = getComputedStyle(t);
  ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const m = ctx.measureText(t.textContent), s = r.width / m.width;
  const baseline = r.top + s * m.fontBoundingBoxAscent;
  return {mark: t.textContent, name: g.querySelector('text.name').textContent,
          centre: [(c.left + c.right) / 2, (c.top + c.bottom) / 2], radius: c.width / 2,
          box: g.querySelector('rect').getBoundingClientRect().left,
          ink: [r.left - s * m.actualBoundingBoxLeft, baseline - s * m.actualBoundingBoxAscent,
                r.left + s * m.actualBoundingBoxRight, baseline + s * m.actualBoundingBoxDescent],
          font_box: [r.height, s * (m.fontBoundingBoxAscent + m.fontBoundingBoxDescent)],
          font: parseFloat(style.fontSize),
          name_font: parseFloat(getComputedStyle(g.querySelector('text.name')).fontSize)};
});
"""


def every_op():
    """One graph with every op of the engine, each mark drawn once at least."""
    from tinygrad_like import Value

    x, w, b = Value(0.7, label="x"), Value(-1.3, label="w"), Value(0.4, label="b")
    terms = [x.tanh(), (x * w).sigmoid(), w.relu(), x.exp(), (x + 2).log(), abs(w), (x**2).sqrt()]
    terms += [x / w, -w, w**-1, x ** (1 / 3)]  # x^0.3333333333333333: too long, cut to fit
    z = x * w + b - Value.sum(terms)
    z.label = "z"
    return z


def test_every_op_mark_lies_inside_its_circle(tmp_path, browser):
    """tanh, relu, sqrt, ^(-1) … on the edge-level page: every letter inside its op's circle, the circle
    clear of its node's box, the mark as large as the other texts (13 px in 14 px boxes); a mark too
    long for that (x^0.3333333333333333) smaller, at least 10 px, and cut with … (its name says it whole)."""
    net, E = demo_graph()
    pages = [
        explain(every_op()).to_html(tmp_path / "ops.html"),
        explain(E, notation="blog").to_html(tmp_path / "blog.html", model=net),
        explain(E, notation="nielsen").to_html(tmp_path / "nielsen.html", model=net),
    ]
    seen = set()
    for page in pages:
        browser.get(page.as_uri())
        assert severe(browser) == []
        for op in browser.execute_script(INK):
            seen.add(op["mark"])
            height, font_box = op["font_box"]
            assert abs(height - font_box) < 1, op  # the text's box is its font's box: the ink is placed right
            (cx, cy), r = op["centre"], op["radius"]
            left, top, right, bottom = op["ink"]
            for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
                inside = (x - cx) ** 2 + (y - cy) ** 2 <= (r - 1) ** 2
                assert inside, f"{op['mark']!r} of {op['name']} spills out of its circle: {op}"
            assert cx + r <= op["box"], f"the circle of {op['name']} runs into its box: {op}"
            smallest = 10 if op["mark"].endswith("…") else 13 / 14 * op["name_font"]
            assert op["font"] >= smallest, f"{op['mark']!r} shrunk to fit: {op}"
    assert "^0.3333…" in seen  # the circle grows with its mark up to the box's height, then the font shrinks
    expected = {"tanh", "σ", "relu", "exp", "log", "abs", "sqrt", "^2", "÷", "−", "^(-1)", "Σ", "×", "+", "g"}
    assert expected <= seen, expected - seen
