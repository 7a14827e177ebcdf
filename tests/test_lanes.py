"""The batch program's fast forms: the batch as one matrix, a layer's parameters as views, and what
a loss does for every output written once over a matrix (lanes). The oracle is backward()."""

import numpy as np
import pytest

from nn import MLP, hinge_loss, quadratic_cost, sum_squared_error
from nn.compiled import batch_gradients, compile_loss
from tinygrad_like import Value


def batch(n=7, nin=5, nout=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, nin)).tolist()
    Y = np.eye(nout)[rng.integers(0, nout, n)].tolist()
    return X, Y


def graph_gradients(model, loss, X, Y):
    value = loss([model(x) for x in X], Y)
    model.zero_grad()
    value.backward()
    return value.data, [p.grad for p in model.parameters()]


@pytest.mark.parametrize("loss", [quadratic_cost, sum_squared_error], ids=lambda f: f.__name__)
def test_the_loss_over_the_outputs_is_three_statements_on_matrices_with_backwards_gradients(loss):
    X, Y = batch()
    model = MLP(5, [6, 4], seed=1)
    program = compile_loss(model, loss)
    src = program.batch_source
    assert "X2 = inputs[0:5]" in src  # the layer reads the batch's rows as they are
    assert "V1 = A3 - inputs[5:9]" in src  # a^L − y, for the 4 outputs at once
    assert "V2, (L0_V2,) = power_2(V1)" in src and "= total_lanes(V2)" in src
    assert src.count("power_2(") == 2  # once in forward, once in forward_backward: not once per output
    value, grads = graph_gradients(model, loss, X, Y)
    got, got_grads = batch_gradients(program, loss, X, Y, range(len(X)))
    assert got == pytest.approx(value, rel=1e-12)
    assert got_grads == pytest.approx(grads, rel=1e-12, abs=1e-15)


def test_outputs_read_both_lane_by_lane_and_one_by_one():
    """The first output also enters the loss on its own: its gradient is the sum of both paths."""

    def loss(outputs, targets):
        return sum_squared_error(outputs, targets) + 0.3 * Value.sum([ys[0] * ys[0] for ys in outputs])

    loss.reduction = "sum"
    X, Y = batch(seed=3)
    model = MLP(5, [6, 4], activation="tanh", seed=2)
    program = compile_loss(model, loss)
    assert "total_lanes(" in program.batch_source
    value, grads = graph_gradients(model, loss, X, Y)
    got, got_grads = batch_gradients(program, loss, X, Y, range(len(X)))
    assert got == pytest.approx(value, rel=1e-12)
    assert got_grads == pytest.approx(grads, rel=1e-12, abs=1e-15)


def test_program_batch_reads_the_parameter_array_and_takes_rows_as_a_matrix_or_a_list():
    X, Y = batch(n=5, nin=3, nout=1)
    Y = [2 * y[0] - 1 for y in Y]  # hinge targets −1, +1
    model = MLP(3, [4, 1], activation="relu", output_activation="linear", seed=4)
    program = compile_loss(model, hinge_loss)
    theta = np.array([p.data for p in model.parameters()])
    rows = np.concatenate([np.array(X).T, [Y]])
    as_matrix = program.batch(rows, theta)
    as_list = program.batch(list(rows), theta)
    assert np.array_equal(as_matrix.grads, as_list.grads)
    _, grads = graph_gradients(model, hinge_loss, X, Y)
    assert as_matrix.grads / len(X) == pytest.approx(grads, rel=1e-12, abs=1e-15)
    moved = theta.copy()
    moved[0] += 0.5  # w2_1,1: the program reads the array, not the Values
    assert not np.array_equal(program.batch(rows, moved).grads, as_matrix.grads)
    assert [p.data for p in model.parameters()] == theta.tolist()
    with pytest.raises(ValueError, match="4 rows of inputs and 21 parameters, got 3 and 21"):
        program.batch(rows[:3], theta)


@pytest.mark.parametrize("label", ["V1", "L0_V2", "P2", "G3", "inputs", "spread", "total_lanes"])
def test_a_label_like_a_name_the_batch_program_makes_up_changes_nothing(label):
    X, Y = batch(seed=5)
    model = MLP(5, [6, 4], seed=6)
    reference = graph_gradients(model, quadratic_cost, X, Y)[1]
    outputs = [model(x)[0].data for x in X]
    model.layers[1].neurons[0].a_label = label  # the first output: a name the program writes
    program = compile_loss(model, quadratic_cost)
    result = program(*np.array(X).T, *np.array(Y).T)
    assert result.outputs[0].tolist() == pytest.approx(outputs, rel=1e-14)
    assert (result.grads / np.float64(len(X))).tolist() == pytest.approx(reference, rel=1e-12, abs=1e-15)
