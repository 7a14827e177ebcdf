"""The Value contract: construction, attributes, operators, errors, backward semantics, no_grad."""

import math
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_like import Value, no_grad, topological_order


@pytest.mark.parametrize(
    "data", [2, 2.5, True, np.float64(1.5), np.float32(0.5), np.int64(3), np.bool_(True), Fraction(1, 4)]
)
def test_value_accepts_real_numbers_and_stores_a_float(data):
    v = Value(data, label="v")
    assert type(v.data) is float and v.data == float(data)
    assert v.grad == 0.0 and type(v.grad) is float
    assert (v.label, v.op, v.children, v.local_grads) == ("v", "", (), ())


@pytest.mark.parametrize("bad", ["2", None, 1 + 2j, [1.0], Value(1.0), np.array([1.0, 2.0])])
def test_value_refuses_anything_else_with_a_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_operation_records_children_in_operand_order_and_local_grads():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    c = a * b
    assert c.op == "*" and c.children == (a, b) and c.local_grads == (5.0, 2.0)
    d = a / b
    assert d.op == "/" and d.local_grads == pytest.approx((1 / 5, -2 / 25))


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda a: a + 1, 4.0),
        (lambda a: 1 + a, 4.0),
        (lambda a: a - 1, 2.0),
        (lambda a: 1 - a, -2.0),
        (lambda a: a * 2, 6.0),
        (lambda a: 2 * a, 6.0),
        (lambda a: a / 2, 1.5),
        (lambda a: 6 / a, 2.0),
        (lambda a: a**2, 9.0),
        (lambda a: 2**a, 8.0),
        (lambda a: a ** Value(2.0), 9.0),
        (lambda a: -a, -3.0),
        (lambda a: abs(-a), 3.0),
        (lambda a: a.sqrt() ** 2, pytest.approx(3.0)),
    ],
)
def test_operators_work_with_numbers_on_either_side(expr, expected):
    assert expr(Value(3.0)).data == expected


def test_operators_refuse_non_numbers():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        None * Value(1.0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda a, z, n: z.log(), r"log.*0\.0"),
        (lambda a, z, n: n.log(), r"log.*-2\.0"),
        (lambda a, z, n: a / z, r"division by zero"),
        (lambda a, z, n: 1 / z, r"division by zero"),
        (lambda a, z, n: z**-1, r"\*\*-1.*0 to the negative power"),
        (lambda a, z, n: z ** Value(-2.0), r"0 to the negative power"),
        (lambda a, z, n: n**0.5, r"negative base -2\.0.*non-integer"),
        (lambda a, z, n: n ** Value(1.5), r"negative base -2\.0"),
        (lambda a, z, n: n.sqrt(), r"sqrt.*-2\.0"),
    ],
)
def test_undefined_inputs_raise_value_error_and_leave_the_graph_untouched(make, message):
    a, z, n = Value(3.0, label="a"), Value(0.0, label="z"), Value(-2.0, label="n")
    before = [(v.data, v.grad, v.op, v.children) for v in (a, z, n)]
    with pytest.raises(ValueError, match=message):
        make(a, z, n)
    assert [(v.data, v.grad, v.op, v.children) for v in (a, z, n)] == before


def test_sigmoid_and_exp_never_raise_on_extreme_inputs():
    s = Value(-1000.0).sigmoid()
    assert s.data == 0.0 and s.local_grads == (0.0,)
    s = Value(1000.0).sigmoid()
    assert s.data == 1.0 and math.isfinite(s.local_grads[0])
    x = Value(1000.0)
    e = x.exp()
    assert e.data == math.inf
    e.backward()
    assert x.grad == math.inf


def test_negative_base_with_integer_exponent_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


def test_backward_sums_over_paths_for_reused_nodes():
    a = Value(3.0, label="a")
    (a + a).backward()
    assert a.grad == 2.0
    # diamond: b and c both depend on a; d = b * c = (2a)(a + 1) → ∂d/∂a = 4a + 2
    a = Value(3.0)
    b, c = a * 2, a + 1
    (b * c).backward()
    assert a.grad == 14.0


def test_backward_twice_leaves_interior_nodes_and_accumulates_leaves():
    x = Value(2.0, label="x")
    m = x * x
    y = m * 3  # y = 3x², ∂y/∂m = 3, ∂y/∂x = 6x = 12
    y.backward()
    assert (y.grad, m.grad, x.grad) == (1.0, 3.0, 12.0)
    y.backward()
    assert (y.grad, m.grad, x.grad) == (1.0, 3.0, 24.0)


def test_backward_on_a_chain_of_a_million_nodes():
    x = Value(1.0, label="x")
    y = x
    for _ in range(500_000):
        y = y * 1.0 + 0.0  # two nodes per step, plus two constant leaves
    y.backward()
    assert x.grad == 1.0


def test_no_grad_records_nothing_and_restores_recording():
    a = Value(2.0)
    with no_grad():
        b = (a * a).tanh() + 1
        assert b.children == () and b.op == ""
    assert b.data == pytest.approx(math.tanh(4) + 1)
    c = a * a
    assert c.children == (a, a)


def test_no_grad_restores_recording_after_an_error():
    with pytest.raises(ValueError):
        with no_grad():
            Value(0.0).log()
    assert (Value(1.0) * 2).op == "*"


def test_values_hash_by_identity_and_repr_shows_label_data_grad():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    assert repr(Value(2.0, label="x")) == "Value(label='x', data=2.0, grad=0.0)"


def test_topological_order_is_deterministic_and_children_first():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order == topological_order(d)
    position = {v: i for i, v in enumerate(order)}
    for v in order:
        for child in v.children:
            assert position[child] < position[v]
    assert order[-1] is d and len(order) == 4


def test_weighted_sum_is_z_of_a_neuron():
    w1, x1, w2, x2, b = (Value(v) for v in (0.5, 2.0, -1.0, 3.0, 0.25))
    z = Value.weighted_sum([w1, w2], [x1, x2], b)
    assert z.data == 0.5 * 2 - 3 + 0.25
    z.backward()
    assert (w1.grad, x1.grad, w2.grad, x2.grad, b.grad) == (2.0, 0.5, 3.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        Value.weighted_sum([w1, w2], [x1])


def test_comparisons_and_truth_are_about_the_number():
    a, b = Value(2.0), Value(3.0)
    assert a < b and b > 2 and a <= 2.0 and not (a >= b)
    assert bool(Value(0.0)) is False and bool(Value(-1.0)) is True
    assert a != Value(2.0)  # == stays identity, so Values work as dict keys


def test_division_by_zero_is_both_a_domain_error_and_a_zero_division_error():
    import pytest

    from tinygrad_like.ops import DomainError

    for undefined in (lambda: Value(1.0) / 0, lambda: Value(0.0) ** -1, lambda: Value(0.0) ** Value(-2.0)):
        with pytest.raises(ZeroDivisionError) as caught:
            undefined()
        assert isinstance(caught.value, DomainError) and "division by zero" in str(caught.value)
