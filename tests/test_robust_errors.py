"""Clear errors for bad arguments: each names the function, the argument and the value, and
changes nothing (issue 16, items 6 and 13–16)."""

import math
from fractions import Fraction

import numpy as np
import pytest

from nn import MLP, cross_entropy, fit, hinge_loss, quadratic_cost, sum_squared_error
from tinygrad_like import Value, gradcheck, numerical_grad
from tinygrad_like.ops import DomainError

# ---- numbers too large for a float (item 13) ----------------------------------------------------


@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: Value(10**400), r"Value\(data\)"),
        (lambda: Value(2.0) + 10**400, r"\+ \(the right operand\)"),
        (lambda: 10**400 * Value(2.0), r"\* \(the left operand\)"),
        (lambda: Value(2.0) ** 10**400, r"\*\* \(the exponent\)"),
        (lambda: Value.sum([Value(1.0), 10**400]), r"sum \(an operand\)"),
        (lambda: Value(Fraction(10**400, 3)), r"Value\(data\)"),
    ],
)
def test_a_number_too_large_for_a_float_is_refused_by_name(make, where):
    with pytest.raises(
        OverflowError, match=where + r": .* too large for a Value, whose data is a 64-bit float"
    ):
        make()


def test_a_compiled_program_names_the_input_too_large_for_a_float():
    from tinygrad_like import trace

    program = trace(lambda x, y: x * y, [], x=1.0, y=2.0)
    with pytest.raises(
        OverflowError, match=r"program input 'y': the int 10\*\*400 \(401 digits\) is too large"
    ):
        program(1.0, 10**400)


def test_the_message_says_how_large_the_int_is_without_printing_it():
    with pytest.raises(OverflowError, match=r"the int 10\*\*400 \(401 digits\)"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"an int of about 9031 digits") as caught:
        Value(7 * 10**9030)  # beyond the 4,300 digits str() of an int allows
    assert len(str(caught.value)) < 200


def test_a_comparison_with_a_huge_number_answers_as_python_does():
    # Python compares a float with an int exactly: no float holds 10**400, yet 2.0 < 10**400
    assert (Value(2.0) < 10**400) is (2.0 < 10**400) is True
    assert (Value(2.0) < -(10**400)) is False and (Value(-1e308) > -(10**400)) is True
    assert (Value(math.inf) <= 10**400) is (math.inf <= 10**400) is False


def test_a_traced_comparison_with_a_number_too_large_for_a_float_is_refused_by_name():
    from tinygrad_like import trace

    with pytest.raises(OverflowError, match=r"< \(the right operand\): the int 10\*\*400"):
        trace(lambda x: x * 2 if x < 10**400 else x, [], x=1.0)


def test_large_but_representable_ints_still_work():
    assert Value(10**300).data == 1e300
    assert (Value(1.0) + 2**1000).data == float(2**1000)


# ---- gradcheck (item 14) ------------------------------------------------------------------------


def test_gradcheck_stepping_outside_the_domain_names_the_input_the_step_and_a_step_that_works():
    with pytest.raises(DomainError) as caught:
        gradcheck(lambda x: x.log(), 1e-7)
    message = str(caught.value)
    assert message.startswith("gradcheck: the central difference for input x = 1e-07")
    assert "h=1e-06" in message and "use a smaller step, e.g. h=1e-10" in message
    # the advice works: with that step log's gradient 1/x = 1e7 is checked
    report = gradcheck(lambda x: x.log(), 1e-7, h=1e-10)
    assert report.rows[0].analytic == pytest.approx(1e7)
    assert report.ok


@pytest.mark.parametrize("h", [0, 0.0, -1e-6, math.nan, math.inf])
def test_gradcheck_refuses_a_step_that_is_not_positive_and_finite(h):
    with pytest.raises(ValueError, match=r"gradcheck: h must be a finite number > 0, got"):
        gradcheck(lambda x: x * x, 1.0, h=h)
    with pytest.raises(ValueError, match=r"numerical_grad: h must be a finite number > 0"):
        numerical_grad(lambda x: x * x, 1.0, h=h)


@pytest.mark.parametrize("bad", ["a", None, math.nan, -math.inf])
def test_gradcheck_refuses_an_input_that_is_not_a_finite_number_by_its_name(bad):
    with pytest.raises((TypeError, ValueError), match=r"gradcheck: input w must be a (finite )?number"):
        gradcheck(lambda x, w: x * w, 1.0, bad)


# ---- MLP arguments (item 15) --------------------------------------------------------------------


def test_mlp_with_an_int_for_the_layer_sizes_says_how_to_write_it():
    with pytest.raises(
        TypeError, match=r"MLP\(nouts\) is the list of layer sizes, got the int 3: write MLP\(2, \[3\]\)"
    ):
        MLP(2, 3)


@pytest.mark.parametrize("name", ["", "Sigmoid", 1])
def test_mlp_refuses_an_unknown_activation_naming_the_argument(name):
    with pytest.raises(
        ValueError, match=r"MLP\(output_activation\): unknown activation .*valid ones are: sigmoid"
    ):
        MLP(2, [1], output_activation=name)
    with pytest.raises(ValueError, match=r"MLP\(activation\): unknown activation .*valid ones are: sigmoid"):
        MLP(2, [1], activation=name)


@pytest.mark.parametrize("nouts", ["3", [True], [0], [], [2.0]])
def test_mlp_refuses_layer_sizes_that_are_not_positive_ints(nouts):
    with pytest.raises((TypeError, ValueError), match=r"MLP\(nouts\)"):
        MLP(2, nouts)


def test_mlp_takes_layer_sizes_as_any_sequence_of_ints():
    assert MLP(np.int64(2), np.array([3, 1])).nouts == [3, 1]
    assert MLP(2, (3, 1)).nouts == [3, 1]


# ---- loss targets (item 16) ---------------------------------------------------------------------


@pytest.mark.parametrize("loss", [sum_squared_error, quadratic_cost, hinge_loss])
@pytest.mark.parametrize("target", ["a", None, "12", b"1"])
def test_a_loss_target_that_is_not_a_number_is_named(loss, target):
    with pytest.raises(TypeError, match=rf"{loss.__name__}: the target of sample 1 is {target!r}"):
        loss([Value(0.5), Value(0.5)], [1.0, target])


def test_a_target_row_with_a_string_names_the_row():
    with pytest.raises(TypeError, match=r"cross_entropy: the target of sample 0 is \[1, 'x'\]"):
        cross_entropy([[Value(0.5), Value(0.5)]], [[1, "x"]])


# ---- fit: bad data and rates refused up front, the model unchanged (items 6 and 16) -------------

X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [1.0, 1.0, 0.0]


def _weights(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("compiled", [False, True, None])
@pytest.mark.parametrize(
    "xs, ys, message",
    [
        ([[0.0, 1.0], [1.0, math.nan], [1.0, 1.0]], Y, r"X\[1\]\[1\] \(sample 1, column 1\) is nan"),
        ([[0.0, 1.0], [1.0, 0.0], [math.inf, 1.0]], Y, r"X\[2\]\[0\] \(sample 2, column 0\) is inf"),
        (X, [1.0, -math.inf, 0.0], r"Y\[1\] \(sample 1\) is -inf"),
        (X, [[1.0], [1.0], [math.nan]], r"Y\[2\]\[0\] \(sample 2, column 0\) is nan"),
        (
            np.array([[0.0, 1.0], [1.0, 0.0], [1.0, np.nan]]),
            Y,
            r"X\[2\]\[1\] \(sample 2, column 1\) is nan",
        ),
    ],
)
def test_fit_refuses_non_finite_data_naming_sample_and_column_and_changes_nothing(xs, ys, message, compiled):
    model = MLP(2, [2, 1], seed=0)
    before = _weights(model)
    with pytest.raises(
        ValueError, match=r"fit: " + message + r": .*finite numbers; the model was not changed"
    ):
        fit(model, xs, ys, epochs=2, progress=False, compiled=compiled)
    assert _weights(model) == before


@pytest.mark.parametrize("lr", [math.inf, -math.inf, math.nan, -0.1, 10**400])
@pytest.mark.parametrize("compiled", [False, True])
def test_fit_refuses_a_learning_rate_that_is_not_finite_and_non_negative(lr, compiled):
    model = MLP(2, [2, 1], seed=0)
    before = _weights(model)
    with pytest.raises(ValueError, match=r"fit: lr must be a finite number ≥ 0, got"):
        fit(model, X, Y, lr=lr, epochs=1, progress=False, compiled=compiled)
    assert _weights(model) == before


@pytest.mark.parametrize(
    "xs, ys, error, message",
    [
        (
            [[0.0, 1.0], [1.0], [1.0, 1.0]],
            Y,
            ValueError,
            r"sample 1 has 1 inputs \(X\[1\]\) but the model takes 2",
        ),
        (
            [[0.0, 1.0, 2.0]] * 3,
            Y,
            ValueError,
            r"sample 0 has 3 inputs \(X\[0\]\) but the model takes 2",
        ),
        (
            X,
            [[1.0, 0.0]] * 3,
            ValueError,
            r"sample 0 has 2 targets \(Y\[0\]\) but the model has 1 outputs",
        ),
        (
            X,
            [1.0, [1.0, 0.0], 0.0],
            ValueError,
            r"sample 1 has 2 targets \(Y\[1\]\) but the model has 1",
        ),
        (
            [[0.0, 1.0], "ab", [1.0, 1.0]],
            Y,
            TypeError,
            r"X\[1\] is 'ab': each sample's inputs must be a list",
        ),
        (
            [[0.0, 1.0], 2.0, [1.0, 1.0]],
            Y,
            TypeError,
            r"X\[1\] is 2.0: each sample's inputs must be a list",
        ),
        (
            X,
            [1.0, "1", 0.0],
            TypeError,
            r"Y\[1\] is '1': each sample's targets must be a list of numbers",
        ),
        (X, [1.0, None, 0.0], TypeError, r"Y\[1\] is None"),
        (
            [[0.0, 1.0], [1.0, "0"], [1.0, 1.0]],
            Y,
            TypeError,
            r"X\[1\]\[1\] \(sample 1, column 1\) is '0' \(str\)",
        ),
        (X, Y[:2], ValueError, r"X has 3 samples and Y has 2"),
    ],
)
def test_fit_refuses_badly_shaped_data_by_sample(xs, ys, error, message):
    model = MLP(2, [2, 1], seed=0)
    before = _weights(model)
    with pytest.raises(error, match="fit: " + message):
        fit(model, xs, ys, epochs=1, progress=False)
    assert _weights(model) == before


def test_fit_still_trains_on_numpy_arrays_and_plain_numbers():
    model = MLP(2, [2, 1], seed=3)
    history = fit(model, np.array(X), np.array(Y), lr=0.5, epochs=3, progress=False)
    assert len(history.loss) == 3 and all(math.isfinite(v) for v in history.loss)
