"""Forward values and every gradient against PyTorch in float64, within 1e-9 relative error."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import instructions, run_both

from tinygrad_like import Value, topological_order

pytestmark = pytest.mark.torch  # every test here runs PyTorch as the oracle

REL = 1e-9
FLOOR = 1e-3  # below this size compare absolutely (1e-12): sums that cancel to ~0 differ in the last bits


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= REL * max(abs(a), abs(b), FLOOR)


def check_against_torch(leaves, program):
    our_nodes, torch_nodes, leaf_pairs = run_both(leaves, program)
    root, troot = our_nodes[-1], torch_nodes[-1]
    if not root.children:
        return 0
    assert close(root.data, troot.item())
    root.backward()
    troot.backward()
    undefined = infinity_on_the_way(root)
    for v, t in leaf_pairs:
        expected = 0.0 if t.grad is None else t.grad.item()
        if undefined and math.isnan(v.grad) != math.isnan(expected):
            continue  # ∞ on the way (0·∞, ∞ − ∞): the engine says nan, PyTorch's relu may mask it
        assert close(v.grad, expected), (v.label, v.grad, expected)
    return len(our_nodes)


def infinity_on_the_way(root):
    """Whether backward met an infinite gradient or local derivative. Only then may the engine
    and PyTorch part on nan: the engine's chain rule multiplies and adds as IEEE says (0·∞ and
    ∞ − ∞ are nan), where PyTorch's relu masks what it passes back (0 for x ≤ 0, even a nan)."""
    return any(
        math.isinf(node.grad) or any(math.isinf(local) for local in node.local_grads)
        for node in topological_order(root)
    )


def test_where_the_engine_and_torch_part_on_nan():
    x = Value(-1.0)
    y = x.relu().sqrt()  # ∂y/∂relu = 1/(2·√0) = ∞, ∂relu/∂x = 0 at x < 0: 0·∞
    y.backward()
    assert math.isnan(x.grad) and infinity_on_the_way(y)
    r = Value(-1.0).relu()
    w = (r - r).sqrt()  # ∞ − ∞ into relu
    w.backward()
    assert math.isnan(r.grad) and infinity_on_the_way(w)
    z = Value(2.0).relu().sqrt()
    z.backward()
    assert not infinity_on_the_way(z)


HAND_WRITTEN = {
    "micrograd's first test": ([-4.0, 2.0], [("*", [0, 1])]),
    "neuron with tanh": (
        [2.0, -3.0, 0.0, 1.0, 6.881373587],
        [("weighted_sum", [0, 1, 2, 3, 4]), ("tanh", [-1])],
    ),
    "reused node": ([3.0], [("*", [0, 0]), ("+", [-1, 0]), ("*", [-1, 0])]),
    "division and powers": ([1.5, -0.75], [("/", [0, 1]), ("**2", [-1]), ("**", [0, 2.5]), ("+", [-1, -2])]),
    "constant on the left": ([0.3], [("-", [2.0, 0]), ("/", [1.0, -1]), ("**", [2.0, -1])]),
    "sigmoid of log of exp": ([0.7, 1.1], [("exp", [0]), ("log", [-1]), ("*", [-1, 1]), ("sigmoid", [-1])]),
    "relu, abs, sqrt": ([-1.3, 2.2], [("relu", [0]), ("abs", [0]), ("sqrt", [1]), ("sum", [2, 3, 4, 1])]),
}


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_hand_written_expressions_match_torch(name):
    leaves, program = HAND_WRITTEN[name]
    assert check_against_torch(leaves, program) > len(leaves)


def test_micrograd_sanity_check_numbers(torch):
    # micrograd's test_more_ops, written with our Values, against PyTorch
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    at, bt = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (-4.0, 2.0))
    ct = at + bt
    dt = at * bt + bt**3
    ct = ct + ct + 1
    ct = ct + 1 + ct + (-at)
    dt = dt + dt * 2 + (bt + at).relu()
    dt = dt + 3 * dt + (bt - at).relu()
    et = ct - dt
    ft = et**2
    gt = ft / 2.0
    gt = gt + 10.0 / ft
    gt.backward()
    assert close(g.data, gt.item()) and close(a.grad, at.grad.item()) and close(b.grad, bt.grad.item())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    leaves=st.lists(
        st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 1e-3), min_size=1, max_size=4
    ),
    program=st.lists(instructions, min_size=1, max_size=25),
)
def test_random_expressions_match_torch(leaves, program):
    check_against_torch(leaves, program)
