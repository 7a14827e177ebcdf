"""The practice page in a real headless browser: the learner types, the page checks.

The right answers are worked out by hand for y = tanh(m), m = x·w + b at x = 2, w = −3, b = 1
(∂y/∂m = 1 − tanh²(−5)) and, on the neuron level, for the blog's network with g = σ.
"""

import math

from test_page_in_browser import browser, demo_graph, severe  # noqa: F401  (the browser fixture)

from tinygrad_like import Value
from tinygrad_like.explain import explain

D = 1 - math.tanh(-5.0) ** 2  # ∂y/∂m


def neuron(label_m="m"):
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    m = x * w + b
    m.label = label_m
    y = m.tanh()
    y.label = "y"
    return y


def type_answer(driver, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element(By.CSS_SELECTOR, ".question.open input.answer")
    field.clear()
    field.send_keys(text + Keys.ENTER)


def texts(driver, selector):
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


def grad_of(driver, name):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('g.node')).filter(g => g.querySelector('text.name')"
        ".textContent === arguments[0])[0].querySelector('text.grad').textContent",
        name,
    )


def test_a_wrong_answer_is_marked_a_right_one_reveals_the_frame_and_the_score_counts(tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    page = explain(neuron()).to_html(tmp_path / "practice.html", practice=True)
    browser.get(page.as_uri())
    assert severe(browser) == []
    assert browser.find_element(By.ID, "score").text.startswith("score: 0 of 10 right the first time")
    assert grad_of(browser, "m") == "grad ?"  # the number is hidden until the step is answered
    field = browser.find_element(By.CSS_SELECTOR, "input.answer")
    panel = browser.find_element(By.ID, "explain-step").rect
    box = field.rect  # the answer field lies in the side panel, wide enough to type an expression
    assert panel["x"] <= box["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"]
    assert box["y"] + box["height"] <= 720 and box["width"] >= 200

    type_answer(browser, "0.5")  # wrong: the verdict, the mark on the field, the rule from the op table
    assert texts(browser, ".verdict.wrong") == ["✗ wrong: 0.5 is not ∂y/∂m"]
    assert "wrong" in browser.find_element(By.CSS_SELECTOR, "input.answer").get_attribute("class").split()
    assert texts(browser, ".hint") == ["hint 1/3: the rule: ∂tanh(x)/∂x = 1 − tanh²(x)"]
    assert texts(browser, ".solution") == [] and grad_of(browser, "m") == "grad ?"

    for attempt, message in [
        ("__import__('os')", 'unknown function "__import__"'),
        ("m.__class__", "not allowed: attribute access"),
        ("q + 1", '"q" is not a name in this graph'),
        ("0,5", "write a decimal with a point: 0.5, not 0,5"),
    ]:
        type_answer(browser, attempt)  # refused, with a message, and the session goes on
        assert message in texts(browser, ".verdict.refused")[-1]

    type_answer(browser, "1 - tanh(m)**2")  # an expression, computed at the graph's values
    assert texts(browser, ".verdict.right") == [f"✓ right: ∂y/∂m = {D:.8g}"]
    type_answer(browser, f"{D:.4g}")  # the contribution D × 1, to the precision typed
    assert len(texts(browser, ".verdict.right")) == 2
    solution = browser.find_element(By.CSS_SELECTOR, ".solution")
    assert solution.is_displayed() and "1 − tanh²(m)" in solution.text  # the frame: its equation
    assert grad_of(browser, "m") == "grad 0.0001816"  # and the grad drawn in the graph
    score = browser.find_element(By.ID, "score").text
    assert score.startswith("score: 1 of 10 right the first time · 1 of 5 steps done · 1 hint · 0 skipped")
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-done") == "1"

    browser.find_element(By.CSS_SELECTOR, "button.next-step").click()  # step 2: m → x·w
    assert browser.find_element(By.ID, "counter").text == "2 / 5"
    browser.find_element(By.CSS_SELECTOR, ".question.open button.skip").click()
    assert texts(browser, ".verdict.skipped") == ["skipped: ∂m/∂(x·w) = 1"]
    type_answer(browser, "-1")  # wrong: the contribution is D × 1
    assert texts(browser, ".verdict.wrong") == ["✗ wrong: -1 is not the contribution to (x·w).grad"]
    type_answer(browser, f"{D:.10g}")
    assert "1 skipped" in browser.find_element(By.ID, "score").text
    assert severe(browser) == []


def test_the_keys_typed_into_an_answer_do_not_move_the_view(tmp_path, browser):  # noqa: F811
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def view():
        return browser.execute_script("return document.querySelector('#stage svg').getAttribute('viewBox')")

    def settled(_):  # the score is written into the header, and the view fitted to the stage it leaves
        first = view()
        time.sleep(0.3)
        return browser.find_element(By.ID, "score").text and view() == first

    page = explain(neuron()).to_html(tmp_path / "practice.html", practice=True)
    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(settled)
    before = view()
    field = browser.find_element(By.CSS_SELECTOR, ".question.open input.answer")
    field.send_keys("w")  # 'w' pans the page elsewhere; here it is the name w
    time.sleep(0.3)
    assert view() == before and field.get_attribute("value") == "w"
    field.send_keys(Keys.ENTER)  # checked: ∂y/∂m is 1 − tanh²(m), not w = −3
    assert texts(browser, ".verdict.wrong") == ["✗ wrong: -3 is not ∂y/∂m"]


def test_nothing_a_label_says_executes(tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    evil = '<img src=x onerror="window.hacked=1"></script><script>window.hacked=2</script><!--'
    page = explain(neuron(evil)).to_html(tmp_path / "evil.html", practice=True)
    browser.get(page.as_uri())
    assert evil in browser.find_element(By.ID, "explain-step").text  # step 1: y = tanh(<the label>)
    for _ in range(5):
        while browser.find_elements(By.CSS_SELECTOR, ".question.open button.skip"):
            browser.find_element(By.CSS_SELECTOR, ".question.open button.skip").click()
        browser.find_element(By.ID, "next").click()
    assert browser.execute_script("return window.hacked === undefined")
    assert "5 of 5 steps done" in browser.find_element(By.ID, "score").text
    assert severe(browser) == []


def test_the_neuron_level_practice_page_asks_the_blogs_deltas(tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    net, E = demo_graph()
    page = explain(E).to_html(tmp_path / "neurons.html", model=net, level="neuron", practice=True)
    browser.get(page.as_uri())
    f = {p.label: p.data for p in net.parameters()}
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    a1, a2 = s(f["w_x1,1"] + f["b_1"]), s(f["w_x1,2"] + f["b_2"])
    a3 = s(f["w_1,3"] * a1 + f["w_2,3"] * a2 + f["b_3"])
    a4 = s(f["w_1,4"] * a1 + f["w_2,4"] * a2 + f["b_4"])
    y = s(f["w_3,5"] * a3 + f["w_4,5"] * a4 + f["b_5"])
    delta = y - 1.0  # E = ½(y − t)², t = 1
    intro = browser.find_element(By.CSS_SELECTOR, "#explain-step .intro").text
    assert intro == f"with y = {y:.6g}, t = 1"  # what δ = y − t needs, the drawing does not show
    type_answer(browser, f"{delta:.6g}")
    assert len(texts(browser, ".verdict.right")) == 1
    assert browser.find_element(By.ID, "loss-delta").text == f"δ = {delta:.4g}"
    browser.find_element(By.CSS_SELECTOR, "button.next-step").click()
    type_answer(browser, f"{delta:.6g}")  # f5 is the output: its δ is the error signal δ
    browser.find_element(By.CSS_SELECTOR, "button.next-step").click()
    assert browser.find_element(By.ID, "f3-delta").text == "δ_3 = ?"  # the name stays, the number hides
    r5 = f["w_3,5"] * a3 + f["w_4,5"] * a4 + f["b_5"]  # the blog's δ_3 = δ·g′(r_5)·w_3,5: r_5, g(r_5), δ
    intro = browser.find_element(By.CSS_SELECTOR, "#explain-step .intro").text
    assert intro == f"with r_5 = {r5:.6g}, g(r_5) = {y:.6g}, δ = {delta:.6g}, w_3,5 = {f['w_3,5']:.6g}"
    delta3 = delta * y * (1 - y) * f["w_3,5"]
    type_answer(browser, f"{-delta3:.6g}")
    assert texts(browser, ".verdict.wrong") == [f"✗ wrong: {-delta3:.6g} is not δ_3 (wrong sign)"]
    assert texts(browser, ".hint") == ["hint 1/3: the rule: δ_3 = δ·g′(r_5)·w_3,5"]
    type_answer(browser, f"{delta:.6g}*{y:.6g}*(1-{y:.6g})*{f['w_3,5']:.6g}")  # arithmetic is read too
    assert len(texts(browser, ".verdict.right")) == 1
    assert browser.find_element(By.ID, "f3-delta").text == f"δ_3 = {delta3:.4g}"
    score = browser.find_element(By.ID, "score").text  # 1 + 5 + 10 frames, one question each
    assert score.startswith("score: 2 of 16 right the first time · 3 of 16 steps done · 1 hint")
    assert severe(browser) == []


def test_answers_typed_as_the_rules_write_them_with_the_graphs_own_names(tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    from nn import examples

    page = explain(neuron()).to_html(tmp_path / "neuron.html", practice=True)
    browser.get(page.as_uri())
    type_answer(browser, "1 − tanh²(m)")  # as the hint's rule writes it: − and ²
    assert texts(browser, ".verdict.right") == [f"✓ right: ∂y/∂m = {D:.8g}"]

    ex = examples.three_layer_exercise()  # E = ½·Σ(δ²): step 4 is δ² → δ, ∂(δ^2)/∂δ = 2·δ
    page = ex.to_html(tmp_path / "exercise.html")
    browser.get(page.as_uri())
    assert "x = (1, 0.5), t = 1" in browser.find_element(By.TAG_NAME, "header").text
    browser.find_element(By.ID, "next").click()  # step 1 goes into the constant ½: done for you
    for _ in range(2):  # steps 2 and 3, skipped
        while browser.find_elements(By.CSS_SELECTOR, ".question.open button.skip"):
            browser.find_element(By.CSS_SELECTOR, ".question.open button.skip").click()
        browser.find_element(By.CSS_SELECTOR, "button.next-step").click()
    assert browser.find_element(By.ID, "counter").text == "4 / 36"
    type_answer(browser, "2·δ")  # the blog's error signal by its name, δ = y − t
    delta = ex.forward()["y"] - 1.0
    assert texts(browser, ".verdict.right") == [f"✓ right: ∂(δ^2)/∂δ = {2 * delta:.8g}"]
    assert severe(browser) == []

    nielsen = examples.nielsen_exercise()  # names shown typeset: a³₁ = σ(z³₁)
    step = next(k for k, s in enumerate(explain(nielsen.loss), 1) if s.child.label == "z3_1")
    url = nielsen.to_html(tmp_path / "nielsen.html").as_uri() + f"#step={step}"
    a = nielsen.forward()["a3_1"]
    for typed in ["σ(z³₁)·(1 − σ(z³₁))", "a3_1*(1 - a3_1)"]:  # as shown, and by the label
        browser.get("about:blank")
        browser.get(url)  # a fresh page at the step a³₁ → z³₁
        type_answer(browser, typed)
        assert texts(browser, ".verdict.right") == [f"✓ right: ∂a³₁/∂z³₁ = {a * (1 - a):.8g}"], typed
    assert severe(browser) == []


def test_the_neuron_page_names_delta_1_from_one_path_only_a_forgotten_accumulation(tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    from nn import examples

    ex = examples.three_layer_exercise()  # f1 feeds f3 and f4: the blog's δ_1 adds both paths
    f = {p.label: p.data for p in ex.model.parameters()}
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    (x1, x2), t = ex.x, ex.t[0]
    g1 = s(f["w_x1,1"] * x1 + f["w_x2,1"] * x2 + f["b_1"])
    g2 = s(f["w_x1,2"] * x1 + f["w_x2,2"] * x2 + f["b_2"])
    g3 = s(f["w_1,3"] * g1 + f["w_2,3"] * g2 + f["b_3"])
    g4 = s(f["w_1,4"] * g1 + f["w_2,4"] * g2 + f["b_4"])
    y = s(f["w_3,5"] * g3 + f["w_4,5"] * g4 + f["b_5"])
    delta = y - t
    delta_3, delta_4 = delta * y * (1 - y) * f["w_3,5"], delta * y * (1 - y) * f["w_4,5"]
    via_3, via_4 = delta_3 * g3 * (1 - g3) * f["w_1,3"], delta_4 * g4 * (1 - g4) * f["w_1,4"]
    page = ex.to_html(tmp_path / "neurons.html", level="neuron")
    browser.get(page.as_uri() + "#step=5")  # the error signal, δ_5, δ_3, δ_4, then δ_1
    assert browser.find_element(By.CSS_SELECTOR, ".question.open .prompt").text == "δ_1 = ?"
    type_answer(browser, f"{via_3:.6g}")  # only the path through f3
    wrong = f"✗ wrong: {via_3:.6g} is not δ_1 (forgotten accumulation at a reused node)"
    assert texts(browser, ".verdict.wrong") == [wrong]
    type_answer(browser, f"{via_3 + via_4:.6g}")  # both paths: δ_1
    assert len(texts(browser, ".verdict.right")) == 1
    assert "mistakes: forgotten accumulation at a reused node ×1" in browser.find_element(By.ID, "score").text
    assert severe(browser) == []


PLACEHOLDER = """
// the answer field's hint as the field draws it: its own font, beside the width inside its padding
const f = document.querySelector('.question.open input.answer'), st = getComputedStyle(f);
const ctx = document.createElement('canvas').getContext('2d');
ctx.font = st.font;
return {hint: f.placeholder, width: ctx.measureText(f.placeholder).width,
        room: f.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight),
        right: f.getBoundingClientRect().right, value: f.value};
"""


def test_the_answer_fields_hint_is_whole_at_1280x720(tmp_path, browser):  # noqa: F811
    """The grey hint in an empty answer field is read whole, not cut off ("…; Enter ch"), on both levels."""
    net, E = demo_graph()
    pages = [
        explain(neuron()).to_html(tmp_path / "edges.html", practice=True),
        explain(E).to_html(tmp_path / "neurons.html", model=net, level="neuron", practice=True),
    ]
    for page in pages:
        browser.get(page.as_uri())
        field = browser.execute_script(PLACEHOLDER)
        assert field["value"] == "" and "number" in field["hint"], field  # the hint shows: nothing is typed
        assert field["width"] <= field["room"], f"{page.name}: the hint is cut: {field}"
        assert field["right"] <= 1280, field
