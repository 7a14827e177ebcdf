"""derive's backpropagation form on a deep network: every line names a node as the documents do
(or writes its operation out), never an internal v402, and says no "= 0.5 = 0.5"."""

import re

import pytest
from latex import compile_latex

from nn import MLP, data, quadratic_cost
from tinygrad_like import derive, explain, topological_order
from tinygrad_like.notation import node_names

PLACE_NAME = re.compile(r"(?<![\w′])v\d+\b")
TAUTOLOGY = re.compile(r"= (\S+) = \1$")  # a line whose right-hand side is only its own value


def handwritten_cost(sizes=(8, 8, 8, 1)):
    """C = ½ Σᵢ (a⁽ⁱ⁾ − y⁽ⁱ⁾)² as a learner types it, with Python's sum() (a chain of +, from 0)."""
    X, Y = data.xor()
    net = MLP(2, list(sizes), seed=0)
    outputs = [net(x) for x in X]
    return net, X, Y, 0.5 * sum((a - y) ** 2 for a, y in zip(outputs, Y))


@pytest.mark.parametrize(
    "notation, sum_name",
    [(None, "Σᵢ (a⁵₁⁽ⁱ⁾ − y₁⁽ⁱ⁾)^2"), ("nielsen", "Σᵢ (a⁵₁⁽ⁱ⁾ − y₁⁽ⁱ⁾)^2"), ("blog", "Σᵢ δ⁽ⁱ⁾^2")],
)
def test_a_handwritten_half_sum_of_squares_is_named_and_said_once(notation, sum_name):
    net, X, Y, C = handwritten_cost()
    w = net.parameter("w2_1,1")
    d = derive(C, w, notation=notation)
    assert d.form == "backpropagation"
    text = str(d)
    assert not PLACE_NAME.search(text), PLACE_NAME.findall(text)  # was ∂C/∂v402 = 0.5 = 0.5
    assert not [line for line in text.splitlines() if TAUTOLOGY.search(line)]
    cost = "E" if notation == "blog" else "C"
    # C = 0.5·S, so ∂C/∂S = 0.5 by hand; said once
    assert f"  ∂{cost}/∂({sum_name}) = 0.5" in text.splitlines()

    # the name is the right node: the sum of the four squares, by hand, whose gradient is 0.5
    net.zero_grad()
    C.backward()
    names = node_names(topological_order(C), notation)
    (total,) = [v for v, name in names.items() if name == sum_name]
    assert total.data == pytest.approx(sum((net(x).data - y) ** 2 for x, y in zip(X, Y)), rel=1e-12)
    assert total.grad == 0.5
    assert d.value == pytest.approx(w.grad, rel=1e-12)


def test_the_partial_sums_of_pythons_sum_are_written_out_not_numbered():
    net, X, Y, C = handwritten_cost()
    names = node_names(topological_order(C))
    assert not [n for n in names.values() if PLACE_NAME.fullmatch(n)]
    squares = [(net(x).data - y) ** 2 for x, y in zip(X, Y)]
    first_three = "(a⁵₁⁽¹⁾ − y₁⁽¹⁾)^2 + … + (a⁵₁⁽³⁾ − y₁⁽³⁾)^2"  # Σ over samples 1–3 only: no Σᵢ
    (partial,) = [v for v, name in names.items() if name == first_three]
    assert partial.data == pytest.approx(sum(squares[:3]), rel=1e-12)


def test_nns_quadratic_cost_says_its_half_over_n_once():
    X, Y = data.xor()
    net = MLP(2, [8, 8, 8, 1], seed=0)
    C = quadratic_cost([net(x) for x in X], Y)  # C = 1/(2·4) Σᵢ (a − y)²
    d = derive(C, net.parameter("w2_1,1"))
    lines = str(d).splitlines()
    assert "  ∂C/∂(Σᵢ (a⁵₁⁽ⁱ⁾ − y₁⁽ⁱ⁾)^2) = 0.125" in lines  # 1/(2·4), by hand
    assert not [line for line in lines if TAUTOLOGY.search(line)]


def test_a_sum_written_first_to_last_compiles_in_latex():
    _, _, _, C = handwritten_cost(sizes=(2, 1))
    table = explain(C).to_latex()
    assert r"\ldots" in table  # the partial sums' "… + …"
    compile_latex(table, math=False)


def test_an_operation_on_a_long_sum_is_written_out_with_the_sum_elided():
    """micrograd's L2 term, 1e-4·Σp² summed with sum(), was v1088 on the moons page: now 0.0001·Σ…"""
    from nn import hinge_loss
    from tinygrad_like import Value

    X, Y = data.moons(10)
    net = MLP(2, [4, 4, 1], activation="relu", output_activation="linear", seed=0)
    loss = hinge_loss([net(X[0])], [Y[0]]) + 1e-4 * sum((p * p for p in net.parameters()), Value(0.0))
    loss.label = "E"
    names = node_names(topological_order(loss))
    assert not [n for n in names.values() if PLACE_NAME.fullmatch(n)]
    (l2,) = [v for v, name in names.items() if name == "0.0001·Σ…"]
    assert l2.data == pytest.approx(1e-4 * sum(p.data**2 for p in net.parameters()), rel=1e-12)
    compile_latex(explain(loss).to_latex(), math=False)
