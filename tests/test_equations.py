"""backprop_equations: Nielsen's BP1–BP4 read from the graph, evaluated, and checked three ways."""

import random

import numpy as np
import pytest
from latex import compile_latex

from nn import MLP, backprop_equations, examples, quadratic_cost, sum_squared_error
from tinygrad_like import Value

COSTS = [quadratic_cost, sum_squared_error]


def random_case(seed):
    rng = random.Random(seed)
    sizes = [rng.randint(1, 4) for _ in range(rng.randint(2, 4))]
    nin = rng.randint(1, 4)
    activation = rng.choice(["sigmoid", "tanh"])
    model = MLP(nin, sizes, activation=activation, seed=seed)
    for p in model.parameters():  # biases away from 0, so BP3 is tested on real numbers
        p.data = rng.uniform(-1.5, 1.5)
    m = rng.randint(1, 3)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(m)]
    Y = [[rng.uniform(0, 1) for _ in range(sizes[-1])] for _ in range(m)]
    return model, X, Y, activation


def numpy_backprop(model, X, Y, reduction, activation):
    """The matrix form, computed independently: weights read by index from the model's layers."""
    W = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    B = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    if activation == "sigmoid":
        g = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
        gp = lambda z: g(z) * (1 - g(z))  # noqa: E731
    else:
        g, gp = np.tanh, lambda z: 1 - np.tanh(z) ** 2  # noqa: E731
    scale = 1 / len(X) if reduction == "mean" else 1.0
    deltas, gw, gb = [], [np.zeros_like(w) for w in W], [np.zeros_like(b) for b in B]
    for x, y in zip(X, Y):
        a, zs, acts = np.array(x), [], [np.array(x)]
        for w, b in zip(W, B):
            z = w @ a + b
            a = g(z)
            zs.append(z)
            acts.append(a)
        d = [None] * len(W)
        d[-1] = scale * (acts[-1] - np.array(y)) * gp(zs[-1])  # BP1, ∇_a C = (a − y)/n or a − y
        for i in range(len(W) - 2, -1, -1):
            d[i] = (W[i + 1].T @ d[i + 1]) * gp(zs[i])  # BP2
        for i in range(len(W)):
            gb[i] += d[i]  # BP3
            gw[i] += np.outer(d[i], acts[i])  # BP4
        deltas.append(d)
    return deltas, gw, gb


@pytest.mark.parametrize("cost", COSTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", range(8))
def test_equations_agree_with_backward_and_with_numpy(cost, seed):
    model, X, Y, activation = random_case(seed)
    C = cost([model(x) for x in X], Y)
    grads_before = [p.grad for p in model.parameters()]
    eq = backprop_equations(C, model)
    assert [p.grad for p in model.parameters()] == grads_before  # it changes no grad
    model.zero_grad()
    C.backward()
    L = len(model.layers) + 1
    for l, layer in enumerate(model.layers, 2):
        scale = max(1e-300, *(abs(p.grad) for p in layer.parameters()))
        engine_b = [n.b.grad for n in layer.neurons]
        engine_w = [[w.grad for w in n.w] for n in layer.neurons]
        assert np.allclose(eq.grad_b[l], engine_b, rtol=1e-12, atol=1e-12 * scale)
        assert np.allclose(eq.grad_w[l], engine_w, rtol=1e-12, atol=1e-12 * scale)
    assert eq.largest_difference <= 1e-12 * max(1e-300, *(abs(p.grad) for p in model.parameters()))
    # the matrix form against numpy, computed independently
    deltas, gw, gb = numpy_backprop(model, X, Y, cost.reduction, activation)
    for s, d in enumerate(deltas, 1):
        for l in range(2, L + 1):
            np.testing.assert_allclose(eq.delta[l][s], d[l - 2], rtol=1e-12, atol=1e-15)
    for l in range(2, L + 1):
        np.testing.assert_allclose(eq.grad_w[l], gw[l - 2], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(eq.grad_b[l], gb[l - 2], rtol=1e-12, atol=1e-15)


def test_the_text_labels_bp1_to_bp4_in_both_forms_and_shows_the_difference():
    model = MLP(3, [4, 3, 2], seed=7)
    C = quadratic_cost([model([0.3, -0.8, 0.5])], [[1.0, 0.0]])
    eq = backprop_equations(C, model)
    text = str(eq)
    for line in ("BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)", "BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)", "BP3  ∂C/∂bˡ = δˡ"):
        assert line in text
    assert "BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ" in text and "∂C/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ" in text
    assert "largest difference from backward()" in text
    tex = eq.latex()
    assert r"\delta^{l} = \left((w^{l+1})^{T} \delta^{l+1}\right) \odot \sigma'(z^{l})" in tex
    assert all(rf"\text{{BP{i}}}" in tex for i in range(1, 5))
    assert "BP3" in eq._repr_markdown_() and eq._repr_latex_().startswith(r"\begin{align*}")
    assert [e.name for e in eq] == ["BP1", "BP2", "BP3", "BP4"]


def test_several_samples_sum_in_bp3_and_bp4():
    net = examples.three_layer(seed=0)
    X, T = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
    E = sum_squared_error([net(x) for x in X], T)
    eq = backprop_equations(E, net)
    assert "∂E/∂bˡ = Σᵢ δˡ⁽ⁱ⁾" in str(eq) and len(eq.delta[4]) == 4


def test_refuses_a_graph_that_is_not_a_layered_network():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="not a layered network: no neuron"):
        backprop_equations(Value(1.0) * Value(2.0), model)
    # a skip connection: the output neuron reads an input and a hidden neuron
    x1, x2 = Value(0.5, label="x1"), Value(-0.5, label="x2")
    w = [Value(0.1), Value(0.2), Value(0.3)]
    h = Value.weighted_sum(w[:2], [x1, x2], Value(0.0)).sigmoid()
    out = Value.weighted_sum([w[2], Value(0.4)], [h, x1], Value(0.0)).sigmoid()
    with pytest.raises(ValueError, match="reads both inputs and neurons' outputs"):
        backprop_equations((out - 1.0) ** 2, model)
    other = MLP(2, [2, 1], seed=1)
    with pytest.raises(ValueError, match="model's parameters differ"):
        backprop_equations(quadratic_cost([other([1.0, 0.0])], [1.0]), model)


def test_the_latex_compiles():
    model = MLP(2, [3, 2], seed=1)
    X = [[0.5, -1.0], [1.0, 0.2]]
    eq = backprop_equations(quadratic_cost([model(x) for x in X], [[1, 0], [0, 1]]), model)
    compile_latex(eq.latex(), math=False)
    cells = [cell.strip() for cell in eq._repr_markdown_().split("|")]
    compile_latex(*(cell.strip("$") for cell in cells if cell.startswith("$")))


def test_jupyter_and_text_show_the_numbers_and_name_each_row_of_a_weight_matrix_once():
    """Jupyter shows what the text shows (each equation's numbers), and the rows j of ∂C/∂w^l are
    told apart (not two rows both called ∂C/∂w³); numbers checked against numpy."""
    model = MLP(2, [3, 2], seed=1)
    X, Y = [[0.5, -1.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]
    eq = backprop_equations(quadratic_cost([model(x) for x in X], Y), model)
    _deltas, gw, _gb = numpy_backprop(model, X, Y, "mean", "sigmoid")
    text, markdown = str(eq), eq._repr_markdown_()
    assert "∂C/∂w³     j = 1: [" in text and "           j = 2: [" in text
    row2 = "[" + ", ".join(f"{x:+.6g}" for x in gw[1][1]) + "]"  # ∂C/∂w³ row j = 2, by numpy
    assert f"| ∂C/∂w³, j = 2 | {row2} |" in markdown and f"j = 2: {row2}" in text
    assert "| δ³⁽²⁾ |" in markdown
    assert r"0.0 \times 10^{0}" not in eq.latex()  # an exact agreement reads 0
