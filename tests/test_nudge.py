"""nudge: Nielsen's demon. ΔC from re-evaluating the graph, beside δ·Δz, and the graph put back."""

import math

import pytest

from nn import MLP, quadratic_cost
from tinygrad_like import Value, nudge


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_nudging_z_changes_the_cost_by_delta_dz_and_restores_the_graph():
    model = MLP(2, [2, 1], seed=4)
    x, y = [0.3, -0.8], 1.0
    C = quadratic_cost([model(x)], [y])
    z = model.layers[0].neurons[0].z  # z2_1 of this call
    snapshot = {id(v): (v.data, v.local_grads) for v in (C, z, *model.parameters())}
    ratios = []
    for dz in (1e-1, 1e-2, 1e-3, 1e-4):
        n = nudge(C, z, dz)
        # the same change by hand: the network's forward pass with z2_1 moved by dz
        labels = ("w2_2,1", "w2_2,2", "b2_2", "w3_1,1", "w3_1,2", "b3_1")
        p = {lab: model.parameter(lab).data for lab in labels}
        a2 = sigmoid(z.data + dz), sigmoid(p["w2_2,1"] * x[0] + p["w2_2,2"] * x[1] + p["b2_2"])
        a3 = sigmoid(p["w3_1,1"] * a2[0] + p["w3_1,2"] * a2[1] + p["b3_1"])
        assert n.dC == pytest.approx(0.5 * (a3 - y) ** 2 - C.data, rel=1e-9, abs=1e-15)
        assert isinstance(n.dC, float) and n.predicted == n.delta * dz
        ratios.append(n.dC / dz)
    # the graph is as it was: same numbers, same local derivatives
    assert snapshot == {id(v): (v.data, v.local_grads) for v in (C, z, *model.parameters())}
    model.zero_grad()
    C.backward()
    errors = [abs(r - z.grad) for r in ratios]
    assert n.delta == pytest.approx(z.grad, rel=1e-12)  # δ^2_1 = ∂C/∂z^2_1
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-4 * abs(z.grad) + 1e-12
    text = str(n)
    # named as derive and delta_table name them: Nielsen's δ²₁ for ∂C/∂z²₁
    assert "ΔC =" in text and "δ²₁·Δz²₁ =" in text and "nudge z²₁" in text


def test_nudge_in_the_blogs_notation_does_not_call_dE_dr_delta():
    """The blog's δ is y − t and δ_j is ∂E/∂g(r_j): ∂E/∂r_3 is printed as such, the cost as E."""
    from nn import examples, sum_squared_error

    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.5])], [1.0])
    r3 = net.layers[1].neurons[0].z
    text = str(nudge(E, r3, 0.01))
    assert "ΔE =" in text and "∂E/∂r_3·Δr_3 =" in text and "δ" not in text


def test_nudge_refuses_a_node_outside_the_graph_and_a_bad_dz():
    a = Value(1.0, label="a")
    C = a * a
    with pytest.raises(ValueError, match="not in the graph"):
        nudge(C, Value(2.0, label="q"), 0.1)
    with pytest.raises(ValueError, match="finite"):
        nudge(C, a, float("nan"))
