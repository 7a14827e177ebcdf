"""Every op in the table against central differences, so the suite is not blind without PyTorch."""

import pytest

from tinygrad_like import Value, gradcheck, numerical_grad
from tinygrad_like.ops import TABLE

CASES = {
    "+": (lambda a, b: a + b, [(1.5, -2.0)]),
    "-": (lambda a, b: a - b, [(1.5, -2.0)]),
    "*": (lambda a, b: a * b, [(1.5, -2.0)]),
    "/": (lambda a, b: a / b, [(1.5, -2.0), (-0.3, 0.7)]),
    "neg": (lambda a: -a, [(0.4,)]),
    "sum": (lambda a, b, c: Value.sum([a, b, c, a]), [(0.1, 0.2, -0.3)]),
    "weighted_sum": (
        lambda w1, x1, w2, x2, b: Value.weighted_sum([w1, w2], [x1, x2], b),
        [(0.5, 2, -1, 3, 0.2)],
    ),
    "**": (lambda a, b: a**b, [(1.7, 2.3), (0.5, -1.5)]),
    "**n": (lambda a: a**3 + a**0.5 + a**-2, [(1.3,), (0.4,)]),
    "exp": (lambda a: a.exp(), [(0.7,), (-3.0,)]),
    "log": (lambda a: a.log(), [(0.7,), (12.0,)]),
    "tanh": (lambda a: a.tanh(), [(0.7,), (-2.0,)]),
    "sigmoid": (lambda a: a.sigmoid(), [(0.7,), (-30.0,)]),
    "relu": (lambda a: a.relu(), [(0.7,), (-2.0,)]),
    "abs": (lambda a: a.abs(), [(0.7,), (-2.0,)]),
    "sqrt": (lambda a: a.sqrt(), [(0.7,), (9.0,)]),
}


def test_every_op_in_the_table_has_a_finite_difference_case():
    assert set(CASES) == set(TABLE) | {"**n"}


@pytest.mark.parametrize("op", sorted(CASES))
def test_op_gradient_matches_central_differences(op):
    f, points = CASES[op]
    for point in points:
        report = gradcheck(f, *point)
        assert report.ok, f"{op} at {point}:\n{report}"


def test_gradcheck_catches_a_wrong_hand_written_derivative():
    # A learner's formula with a slip: d/dx tanh(x) written as 1 − tanh(x), not 1 − tanh²(x).
    def f(x):
        t = x.tanh()
        t.local_grads = (1 - t.data,)  # deliberately wrong local derivative
        return t

    report = gradcheck(f, 0.8)
    assert not report.ok and report.max_rel_error > 0.1
    assert "MISMATCH" in str(report)


def test_numerical_grad_of_a_known_polynomial():
    # d/dx (x³ + 2xy) = 3x² + 2y = 3·4 + 2·3 = 18; d/dy = 2x = 4
    gx, gy = numerical_grad(lambda x, y: x**3 + 2 * x * y, 2.0, 3.0)
    assert gx == pytest.approx(18.0, rel=1e-7) and gy == pytest.approx(4.0, rel=1e-7)


def test_gradcheck_report_names_inputs_after_the_function_parameters():
    report = gradcheck(lambda x, w: x * w, 2.0, -3.0)
    assert [r.name for r in report.rows] == ["x", "w"]
    assert [r.analytic for r in report.rows] == [-3.0, 2.0]


def test_gradcheck_refuses_a_function_that_returns_no_value():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 3.0, 1.0)
