"""The neuron-level page and frames speak the notation asked for: Nielsen's BP1–BP4 for a plain MLP.

Every number is checked against backward() (z.grad is Nielsen's δ^l_j) and against BP1–BP4
computed here with numpy from the weights, never against what the page itself computes.
"""

import json
import re

import numpy as np
import pytest
from test_page_in_browser import assert_step_readable, browser, marked, severe  # noqa: F401

from nn import MLP, examples, quadratic_cost
from tinygrad_like.explain import explain

SUP = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
SUB = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def nielsen(letter, l, j):  # z³₁ as the terminal text writes z^3_1
    return letter + SUP[str(l)] + SUB[str(j)]


def factor(x):  # a number in a product, as the page writes it: negatives in parentheses
    return f"({x:.4g})" if x < 0 else f"{x:.4g}"


def sigma(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def net_and_cost():
    net = MLP(2, [3, 2], seed=0)
    x, y = np.array([1.0, 0.5]), np.array([1.0, 0.0])
    C = quadratic_cost([net(list(x))], [list(y)])
    hidden, output = net.layers
    W2 = np.array([[w.data for w in n.w] for n in hidden.neurons])
    b2 = np.array([n.b.data for n in hidden.neurons])
    W3 = np.array([[w.data for w in n.w] for n in output.neurons])
    b3 = np.array([n.b.data for n in output.neurons])
    z2 = W2 @ x + b2
    a2 = sigma(z2)
    z3 = W3 @ a2 + b3
    a3 = sigma(z3)
    assert C.data == pytest.approx(0.5 * np.sum((a3 - y) ** 2), rel=1e-12)
    nabla = a3 - y  # ∇ₐC for C = ½‖y − a³‖²
    d3 = nabla * sigma(z3) * (1 - sigma(z3))  # BP1
    d2 = (W3.T @ d3) * sigma(z2) * (1 - sigma(z2))  # BP2
    numbers = dict(x=x, a2=a2, nabla=nabla, d3=d3, d2=d2, W3=W3, z2=z2, z3=z3)
    numbers["dW3"], numbers["dW2"] = np.outer(d3, a2), np.outer(d2, x)  # BP4
    return net, C, numbers


def test_a_plain_mlps_neuron_frames_are_bp1_bp2_then_bp4_with_numpys_numbers(net_and_cost):
    net, C, n = net_and_cost
    frames = explain(C).frames(model=net, level="neuron")  # a plain MLP: Nielsen's notation by default
    assert len(frames) == 1 + 5 + 6 + 6
    sp3 = sigma(n["z3"]) * (1 - sigma(n["z3"]))
    sp2 = sigma(n["z2"]) * (1 - sigma(n["z2"]))
    assert frames[0].equation.startswith(f"∂C/∂a³₁ = {n['nabla'][0]:.6g}, ∂C/∂a³₂ = {n['nabla'][1]:.6g}")
    for j in (1, 2):  # ∇ₐC written under the output neurons, then BP1 for them; BP3 beside it
        assert f">∂C/∂a³{SUB[str(j)]} = {n['nabla'][j - 1]:.4g}<" in frames[0].svg
    for j in (1, 2):
        d = nielsen("δ", 3, j)
        assert frames[j].title == f"{d} at the output layer"
        assert frames[j].equation == (
            f"BP1: {d} = ∂C/∂{nielsen('a', 3, j)}·σ′({nielsen('z', 3, j)}) = "
            f"{factor(n['nabla'][j - 1])}·{factor(sp3[j - 1])} = {n['d3'][j - 1]:.6g} = "
            f"∂C/∂{nielsen('b', 3, j)} (BP3)"
        )
    for j in (1, 2, 3):  # then BP2 for the hidden layer, Σ_k w³_kj δ³_k · σ′(z²_j)
        d, W3, d3 = nielsen("δ", 2, j), n["W3"], n["d3"]
        assert frames[2 + j].title == f"{d}, from layer 3"
        assert frames[2 + j].equation == (
            f"BP2: {d} = (w3_1,{j}·δ³₁ + w3_2,{j}·δ³₂)·σ′({nielsen('z', 2, j)}) = "
            f"({factor(W3[0, j - 1])}·{factor(d3[0])} + {factor(W3[1, j - 1])}·{factor(d3[1])})·"
            f"{factor(sp2[j - 1])} = {n['d2'][j - 1]:.6g} = ∂C/∂{nielsen('b', 2, j)} (BP3)"
        )
    weights = frames[6:]  # then BP4, the output layer's weights first, each ∂C/∂w^l_jk = a^{l−1}_k δ^l_j
    expected = [(3, j, k) for j in (1, 2) for k in (1, 2, 3)] + [(2, j, k) for j in (1, 2, 3) for k in (1, 2)]
    for frame, (l, j, k) in zip(weights, expected):
        a = nielsen("a", 2, k) if l == 3 else "x" + SUB[str(k)]
        assert frame.title == f"the gradient of w{l}_{j},{k}"
        assert frame.equation.startswith(f"BP4: ∂C/∂w{l}_{j},{k} = {a}·{nielsen('δ', l, j)} = ")
        shown = float(frame.equation.rsplit(" = ", 1)[1])
        assert shown == pytest.approx(n[f"dW{l}"][j - 1, k - 1], rel=1e-5)
    last = frames[-1].svg  # every neuron's δ^l_j is written under it, and the neurons are a^l_j
    for l, d in ((3, n["d3"]), (2, n["d2"])):
        for j, value in enumerate(d, 1):
            assert f">{nielsen('δ', l, j)} = {value:.4g}<" in last
            assert f">{nielsen('a', l, j)}<" in last
    assert "g′" not in " ".join(f.equation for f in frames) and "r_" not in last  # none of the blog's names


def test_the_numbers_are_backwards_z_grad_and_gradients(net_and_cost):
    net, C, n = net_and_cost
    frames = explain(C).frames(model=net, level="neuron", notation="nielsen")
    C.backward()
    hidden, output = net.layers
    for j, neuron in enumerate(output.neurons, 1):  # z.grad is δ³_j
        assert f"= {neuron.z.grad:.6g} = ∂C/∂b³{SUB[str(j)]}" in frames[j].equation
        assert neuron.b.grad == pytest.approx(n["d3"][j - 1], rel=1e-12)  # BP3
    for j, neuron in enumerate(hidden.neurons, 1):
        assert f"= {neuron.z.grad:.6g} = ∂C/∂b²{SUB[str(j)]}" in frames[2 + j].equation
    grads = [w.grad for neuron in output.neurons for w in neuron.w] + [
        w.grad for neuron in hidden.neurons for w in neuron.w
    ]
    for frame, grad in zip(frames[6:], grads):
        assert frame.equation.endswith(f" = {grad:.6g}")


def test_the_page_and_the_practice_page_speak_nielsen_and_the_blogs_network_keeps_the_blogs(
    net_and_cost, tmp_path
):
    net, C, n = net_and_cost
    page = explain(C).to_html(tmp_path / "n.html", model=net, level="neuron").read_text(encoding="utf-8")
    assert "BP2: δ²₁ = (w3_1,1·δ³₁ + w3_2,1·δ³₂)·σ′(z²₁)" in page and "the sample: x₁ = 1, x₂ = 0.5" in page
    blog = explain(C).to_html(tmp_path / "b.html", model=net, level="neuron", notation="blog")
    text = blog.read_text(encoding="utf-8")
    assert "g′(r_4)" in text and "BP2" not in text and "δ²₁" not in text  # asked for: the blog's words
    practice = explain(C).to_html(tmp_path / "p.html", model=net, level="neuron", practice=True)
    data = re.search(r'id="page-data"[^>]*>(.*?)</script>', practice.read_text(encoding="utf-8"), re.S)
    asked = [q for step in json.loads(data.group(1))["steps"] for q in step["practice"]]
    assert [q["prompt"] for q in asked[2:7]] == ["δ³₁ = ?", "δ³₂ = ?", "δ²₁ = ?", "δ²₂ = ?", "δ²₃ = ?"]
    expected = [*n["nabla"], *n["d3"], *n["d2"], *n["dW3"].ravel(), *n["dW2"].ravel()]
    assert [q["expected"] for q in asked] == pytest.approx(expected, rel=1e-9)
    assert asked[7]["prompt"] == "∂C/∂w3_1,1 = ?" and asked[7]["hints"][0] == "the rule: ∂C/∂w3_1,1 = a²₁·δ³₁"
    three = examples.three_layer(seed=0)  # the blog's network keeps the blog's words by default
    from nn import sum_squared_error

    E = sum_squared_error([three([1.0, 0.0])], [1.0])
    frames = explain(E).frames(model=three, level="neuron")
    assert frames[2].equation.startswith("δ_3 = δ·g′(r_5)·w_3,5 = ")


def test_in_the_browser_the_arrows_step_through_nielsens_frames_readably(net_and_cost, tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    net, C, n = net_and_cost
    page = explain(C).to_html(tmp_path / "n.html", model=net, level="neuron", notation="nielsen")
    browser.get(page.as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    for k in range(1, 19):
        assert_step_readable(browser, k)
        text = browser.find_element(By.ID, "explain-step").text
        if k == 4:  # BP2 for a²₁, the neuron named and highlighted, δ²₁ numpy's
            assert marked(browser, ".active")[0]["name"] == "a²₁"
            assert "BP2: δ²₁ = (w3_1,1·δ³₁ + w3_2,1·δ³₂)·σ′(z²₁)" in text and f"{n['d2'][0]:.6g}" in text
            assert browser.find_element(By.ID, "f1-delta").text == f"δ²₁ = {n['d2'][0]:.4g}"
        if k == 7:  # BP4 for w3_1,1, received by its label
            assert "BP4: ∂C/∂w3_1,1 = a²₁·δ³₁" in text and f"{n['dW3'][0, 0]:.6g}" in text
            assert marked(browser, ".target")[0]["name"].startswith("w3_1,1 = ")
        body.send_keys(Keys.ARROW_RIGHT)
    assert severe(browser) == []


def test_the_practice_page_checks_nielsens_delta_against_numpy(net_and_cost, tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from test_practice_page_in_browser import texts, type_answer

    net, C, n = net_and_cost
    page = explain(C).to_html(tmp_path / "p.html", model=net, level="neuron", practice=True)
    browser.get(page.as_uri() + "#step=2")  # after ∇ₐC (frame 1), δ³₁
    assert browser.find_element(By.CSS_SELECTOR, ".question.open .prompt").text == "δ³₁ = ?"
    type_answer(browser, f"{n['nabla'][0]:.6g}")  # ∂C/∂a³₁ without σ′(z³₁): named
    assert texts(browser, ".verdict.wrong") == [
        f"✗ wrong: {n['nabla'][0]:.6g} is not δ³₁ (∂C/∂a³₁ without σ′(z³₁))"
    ]
    type_answer(browser, f"{n['d3'][0]:.6g}")
    assert len(texts(browser, ".verdict.right")) == 1
    assert browser.find_element(By.ID, "f4-delta").text == f"δ³₁ = {n['d3'][0]:.4g}"
    assert severe(browser) == []
