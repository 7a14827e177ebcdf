"""Samples as the blog writes them: per-sample names with ⁽ⁱ⁾, one Σᵢ, ½·2 cancelled, E named."""

import math
import re

import pytest
from latex import compile_latex

from nn import MLP, data, examples, quadratic_cost, sum_squared_error
from tinygrad_like import derive, explain, numerical_grad

# The blog's closing expression for ∂E/∂w_x1,1 ("Putting it together"), typed from the document
# with its missing (i) put back on g′(r_5) and the sum over the samples written Σᵢ.
BLOG_XOR = "Σᵢ δ⁽ⁱ⁾·g′(r_5⁽ⁱ⁾)·g′(r_1⁽ⁱ⁾)·x1⁽ⁱ⁾·(w_3,5·g′(r_3⁽ⁱ⁾)·w_1,3 + w_4,5·g′(r_4⁽ⁱ⁾)·w_1,4)"


def xor_error(seed=0):
    net = examples.three_layer(seed=seed)
    X, T = data.xor()
    return net, X, T, sum_squared_error([net(x) for x in X], T)


def test_xor_derivation_prints_the_blogs_sum_over_samples_and_its_value_is_the_gradient():
    net, X, T, E = xor_error()
    w = net.parameter("w_x1,1")
    d = derive(E, w)
    assert str(d).splitlines()[0] == f"∂E/∂w_x1,1 = {BLOG_XOR}"
    assert d.expression == BLOG_XOR
    assert d.path_count == 8  # two paths per sample, four samples
    net.zero_grad()
    E.backward()
    assert d.value == pytest.approx(w.grad, rel=1e-12)
    saved = w.data

    def E_of(value):
        w.data = value.data
        try:
            return sum_squared_error([net(x) for x in X], T)
        finally:
            w.data = saved

    (finite,) = numerical_grad(E_of, saved)
    assert d.value == pytest.approx(finite, rel=1e-6)
    # and the blog's formula by hand, sample by sample, with g = σ and δ⁽ⁱ⁾ = y⁽ⁱ⁾ − t⁽ⁱ⁾
    f = {p.label: p.data for p in net.parameters()}
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    ds = lambda z: s(z) * (1 - s(z))  # noqa: E731
    total = 0.0
    for (x1, x2), t in zip(X, T):
        r1 = f["w_x1,1"] * x1 + f["w_x2,1"] * x2 + f["b_1"]
        r2 = f["w_x1,2"] * x1 + f["w_x2,2"] * x2 + f["b_2"]
        r3 = f["w_1,3"] * s(r1) + f["w_2,3"] * s(r2) + f["b_3"]
        r4 = f["w_1,4"] * s(r1) + f["w_2,4"] * s(r2) + f["b_4"]
        r5 = f["w_3,5"] * s(r3) + f["w_4,5"] * s(r4) + f["b_5"]
        total += (
            (s(r5) - t)
            * ds(r5)
            * ds(r1)
            * x1
            * (f["w_3,5"] * ds(r3) * f["w_1,3"] + f["w_4,5"] * ds(r4) * f["w_1,4"])
        )
    assert d.value == pytest.approx(total, rel=1e-12)


def test_the_xor_derivation_in_latex_has_real_sample_superscripts():
    net, *_, E = xor_error()
    tex = derive(E, net.parameter("w_x1,1")).latex()
    assert tex.startswith(
        r"\frac{\partial E}{\partial w_{x_{1},1}} = \sum_{i} \delta^{(i)} \cdot g'(r_{5}^{(i)})"
    )
    assert "⁽" not in tex and "ᵢ" not in tex
    # the value as a handout writes it: a power of ten, not the terminal's e-05 (read as e − 05)
    mantissa, power = re.fullmatch(r".* = (-?[\d.]+) \\times 10\^\{(-\d+)\}", tex).groups()
    net.zero_grad()
    E.backward()
    assert float(mantissa) * 10 ** int(power) == pytest.approx(net.parameter("w_x1,1").grad, rel=1e-5)


def test_samples_are_numbered_in_call_order_and_labels_stay_as_they_were():
    net, X, T, E = xor_error()
    steps = explain(E)
    names = {s.child_name for s in steps} | {s.node_name for s in steps}
    for i in range(1, 5):
        mark = "⁽" + "⁰¹²³⁴⁵⁶⁷⁸⁹"[i] + "⁾"
        assert {f"r_5{mark}", f"δ{mark}", f"x1{mark}", f"g(r_1{mark})"} <= names
    # sample i is the i-th call: its x1 is X[i−1][0]
    x1 = {s.child_name: s.child.data for s in steps if s.child_name.startswith("x1")}
    assert [x1[f"x1⁽{c}⁾"] for c in "¹²³⁴"] == [x[0] for x in X]
    assert {s.child.label for s in steps if s.child_name.startswith("r_5")} == {"r_5"}
    assert E.label == "E"


def test_one_sample_has_no_index_and_half_times_two_cancels():
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.5])], [1.0])
    d = derive(E, net.parameter("w_x1,1"))
    assert d.expression == "δ·g′(r_5)·g′(r_1)·x1·(w_3,5·g′(r_3)·w_1,3 + w_4,5·g′(r_4)·w_1,4)"
    assert "⁽" not in str(explain(E))


def test_several_outputs_fold_into_one_sum_over_samples_with_the_mean_in_front():
    model = MLP(2, [2, 2], seed=0)
    X, Y = [[0.3, -0.2], [0.9, 0.4], [-0.5, 0.1]], [[1, 0], [0, 1], [1, 1]]
    C = quadratic_cost([model(x) for x in X], Y)
    w = model.parameter("w2_1,1")
    d = derive(C, w)
    # C = 1/n Σₓ ½‖a − y‖²: the ½ and the 2 of the square cancel, 1/n = 1/3 stays in front
    assert re.fullmatch(r"\(1/3\)·Σᵢ \(.*\)", d.expression)
    assert d.latex().split(" = ", 1)[1].startswith(r"\frac{1}{3} \cdot \sum_{i} (")
    assert "(a³₁⁽ⁱ⁾ − y₁⁽ⁱ⁾)·σ′(z³₁⁽ⁱ⁾)" in d.expression and "(a³₂⁽ⁱ⁾ − y₂⁽ⁱ⁾)" in d.expression
    model.zero_grad()
    C.backward()
    assert d.value == pytest.approx(w.grad, rel=1e-12)


def test_terms_that_differ_in_more_than_the_sample_are_not_folded():
    # the same weight in two samples, but sample 2 also multiplies by a second weight
    net = examples.three_layer(seed=1)
    ys = [net([1.0, 0.0]), net([0.0, 1.0])]
    E = sum_squared_error(ys, [1.0, 0.0])
    d = derive(E, net.parameter("w_x2,1"))  # x1 … sample 1 has x2 = 0, but the path is there
    assert d.expression.startswith("Σᵢ δ⁽ⁱ⁾")
    from tinygrad_like import Value

    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    assert "Σ" not in derive(a * b + a * a, a).expression


def test_derivations_latex_compiles_in_both_notations():
    net, *_, E = xor_error()
    w = net.parameter("w_x1,1")
    model = MLP(2, [2, 2], seed=0)
    C = quadratic_cost([model(x) for x in [[0.3, -0.2], [0.9, 0.4]]], [[1, 0], [0, 1]])
    compile_latex(
        derive(E, w).latex(),
        derive(E, w, notation="nielsen").latex(),
        derive(C, model.parameter("w3_2,1")).latex(),
        derive(C, model.parameter("b2_1"), notation="blog").latex(),
    )


def test_the_readme_shows_what_derive_prints_over_the_four_samples():
    import contextlib
    import io
    import pathlib

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    part = readme.split("over XOR's four samples, `derive` gives the")[1]
    code = re.search(r"```python\n(.*?)```", part, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", part, re.S).group(1).strip()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("from tinygrad_like import derive\n" + code, "README.md", "exec"), {})
    assert out.getvalue().strip() == shown
    assert shown.splitlines()[0] == f"∂E/∂w_x1,1 = {BLOG_XOR}"


def test_the_backpropagation_form_names_gradients_not_deltas_and_folds_the_samples():
    model = MLP(2, [8, 8, 8, 1], seed=0)
    C = quadratic_cost([model([0.5, -0.5]), model([1.0, 0.0])], [1.0, 0.0])
    w = model.parameter("w2_1,1")
    d = derive(C, w)
    assert d.form == "backpropagation" and d.path_count == 2 * 8 * 8
    assert d.expression == "Σᵢ ∂C/∂z²₁⁽ⁱ⁾·x₁⁽ⁱ⁾"  # BP4, summed over the samples
    assert "δ" not in str(d)  # δ is kept for the documents' δs
    model.zero_grad()
    C.backward()
    assert d.value == pytest.approx(w.grad, rel=1e-12)
    compile_latex(d.latex())


def test_the_losss_sum_over_the_samples_is_named_as_a_sum_not_a_place_name():
    """explain's first rows read E = 0.5·Σᵢ δ⁽ⁱ⁾^2 (the blog's ½ Σᵢ (y⁽ⁱ⁾ − t⁽ⁱ⁾)²), not 0.5·v76."""
    net, X, T, E = xor_error()
    steps = explain(E)
    first = steps[1]  # E → its sum over the samples
    assert (first.node_name, first.child_name) == ("E", "Σᵢ δ⁽ⁱ⁾^2")
    by_hand = sum((net(x).data - t) ** 2 for x, t in zip(X, T))
    assert first.child.data == pytest.approx(by_hand, rel=1e-12)
    nielsen = explain(E, notation="nielsen")
    assert nielsen[1].child_name == "Σᵢ (a⁴₁⁽ⁱ⁾ − y₁⁽ⁱ⁾)^2"
    compile_latex(steps.to_latex(), nielsen.to_latex(), math=False)
    # a sum whose terms are not one template over the samples keeps a place name
    from tinygrad_like import Value

    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    assert "Σ" not in " ".join(s.child_name for s in explain(Value.sum([a * b, a * a, b * b, a * b * b])))
