"""fit(compiled=True): parameters in arrays while it trains, the traced program kept between fits,
nn's optimizers on the arrays; the same training as on the Value graph, which is the oracle here."""

import numpy as np
import pytest

import nn.compiled
from nn import MLP, SGD, Adam, data, fit, hinge_loss, quadratic_cost, sum_squared_error
from nn.compiled import batch_gradients, compile_loss, compiled_loss


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def digits_like(n=30, seed=0):
    """A small stand-in for digits: 6 inputs, one-hot targets over 3 classes."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 6)).tolist()
    Y = np.eye(3)[rng.integers(0, 3, n)].tolist()
    return X, Y


def train(compiled, make_optimizer=None, **kwargs):
    X, Y = digits_like()
    model = MLP(6, [5, 3], seed=2)
    optimizer = make_optimizer(model) if make_optimizer else None
    options = dict(loss=quadratic_cost, lr=1.5, epochs=4, batch_size=4, progress=False)
    history = fit(model, X, Y, optimizer=optimizer, compiled=compiled, **{**options, **kwargs})
    assert history.compiled is compiled
    return model, history


@pytest.mark.parametrize(
    "make_optimizer",
    [
        None,
        lambda m: SGD(m.parameters(), lr=0.5, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda m: Adam(m.parameters(), lr=0.05),
    ],
    ids=["plain SGD", "SGD with Nesterov momentum and weight decay", "Adam"],
)
def test_a_compiled_fit_leaves_the_values_where_the_value_graph_leaves_them(make_optimizer):
    on_graph, h_graph = train(False, make_optimizer)
    on_arrays, h_arrays = train(True, make_optimizer)
    for p, q in zip(on_graph.parameters(), on_arrays.parameters()):
        assert type(q.data) is float and type(q.grad) is float
        assert rel(p.data, q.data) < 1e-10
        assert abs(p.grad - q.grad) <= 1e-10 * max(abs(p.grad), 1e-3)  # the last step's gradient
    assert max(rel(a, b) for a, b in zip(h_graph.loss, h_arrays.loss)) < 1e-10
    for h in (h_graph, h_arrays):  # each epoch's time, on the clock and in CPU time
        assert len(h.seconds) == len(h.cpu_seconds) == 4 and min(h.seconds + h.cpu_seconds) >= 0


def test_a_metric_function_reads_values_brought_up_to_date_before_each_call():
    seen = {False: [], True: []}
    for compiled in (False, True):
        X, Y = digits_like()
        model = MLP(6, [5, 3], seed=2)

        def first_weight(outputs, targets, model=model, compiled=compiled):
            seen[compiled].append(model.parameters()[0].data)
            return 0.0

        fit(
            model,
            X,
            Y,
            loss=quadratic_cost,
            lr=1.5,
            epochs=3,
            batch_size=4,
            progress=False,
            metric=first_weight,
            compiled=compiled,
        )
    assert len(seen[True]) == 3 and len(set(seen[True])) == 3  # it moved, and the metric saw it move
    assert max(rel(a, b) for a, b in zip(seen[False], seen[True])) < 1e-12


def test_the_values_are_up_to_date_when_fit_stops_on_an_error():
    X, Y = digits_like()

    class Stop(Exception):
        pass

    calls = []

    def stop_after_two(outputs, targets):
        calls.append(1)
        if len(calls) == 2:
            raise Stop
        return 0.0

    model = MLP(6, [5, 3], seed=2)
    with pytest.raises(Stop):
        fit(
            model,
            X,
            Y,
            loss=quadratic_cost,
            lr=1.5,
            epochs=5,
            batch_size=4,
            progress=False,
            metric=stop_after_two,
            compiled=True,
        )
    two_epochs, _ = train(False, epochs=2)
    assert max(rel(p.data, q.data) for p, q in zip(two_epochs.parameters(), model.parameters())) < 1e-10


def test_the_traced_program_is_kept_and_traced_again_when_the_model_or_the_loss_changes(monkeypatch):
    traced = []

    def counting(model, loss, example=None):
        traced.append(loss.__name__)
        return compile_loss(model, loss, example)

    monkeypatch.setattr(nn.compiled, "compile_loss", counting)
    X, Y = digits_like()
    model = MLP(6, [5, 3], seed=2)
    options = dict(lr=1.5, epochs=1, batch_size=4, progress=False, compiled=True)
    for _ in range(3):
        fit(model, X, Y, loss=quadratic_cost, **options)
    assert traced == ["quadratic_cost"]  # three fits, one trace

    fit(model, X, Y, loss=sum_squared_error, **options)
    assert traced == ["quadratic_cost", "sum_squared_error"]

    # Another structure: the same model with a tanh neuron. A stale program would train the old
    # network; the new one must give the Value graph's training.
    model.layers[0].neurons[1].activation = "tanh"
    twin = MLP(6, [5, 3], seed=2)
    for p, q in zip(twin.parameters(), model.parameters()):
        p.data = q.data
    twin.layers[0].neurons[1].activation = "tanh"
    h = fit(model, X, Y, loss=sum_squared_error, **{**options, "epochs": 2})
    h_twin = fit(twin, X, Y, loss=sum_squared_error, **{**options, "epochs": 2, "compiled": False})
    assert len(traced) == 3
    assert max(rel(a, b) for a, b in zip(h.loss, h_twin.loss)) < 1e-10
    assert max(rel(p.data, q.data) for p, q in zip(model.parameters(), twin.parameters())) < 1e-10
    assert compiled_loss(model, sum_squared_error) is compiled_loss(model, sum_squared_error)


def test_an_optimizer_over_some_of_the_parameters_updates_only_those_on_the_arrays():
    results = []
    for compiled in (False, True):
        X, Y = digits_like()
        model = MLP(6, [5, 3], seed=2)
        last_layer = list(reversed(model.layers[1].parameters()))  # another order than the model's
        fit(
            model,
            X,
            Y,
            loss=quadratic_cost,
            epochs=3,
            batch_size=4,
            progress=False,
            optimizer=SGD(last_layer, lr=1.0, momentum=0.5),
            compiled=compiled,
        )
        results.append([p.data for p in model.parameters()])
    frozen = len(MLP(6, [5, 3], seed=2).layers[0].parameters())
    assert results[1][:frozen] == [p.data for p in MLP(6, [5, 3], seed=2).layers[0].parameters()]
    assert max(rel(a, b) for a, b in zip(*results)) < 1e-10


def test_batch_gradients_on_arrays_with_the_parameters_in_an_array():
    X, Y = data.moons(20, 0.1, seed=1)
    model = MLP(2, [4, 1], activation="relu", output_activation="linear", seed=3)
    program = compile_loss(model, hinge_loss)
    rows = [3, 1, 4, 15, 9]
    loss, grads = batch_gradients(program, hinge_loss, X, Y, rows)
    theta = np.array([p.data for p in model.parameters()])
    before = [p.data for p in model.parameters()]
    loss_a, grads_a = batch_gradients(program, hinge_loss, np.array(X), np.array(Y), rows, params=theta)
    assert isinstance(grads, list) and isinstance(grads_a, np.ndarray)
    assert rel(loss, loss_a) < 1e-15 and np.allclose(grads, grads_a, rtol=1e-15, atol=0)
    # the array is what is read: moving it moves the loss, and the Values stay as they were
    theta[-1] += 1.0  # the output bias: every score y moves up by 1
    moved, _ = batch_gradients(program, hinge_loss, np.array(X), np.array(Y), rows, params=theta)
    hand = sum(max(0.0, 1.0 - Y[i] * (model(X[i]).data + 1.0)) for i in rows) / len(rows)
    assert moved == pytest.approx(hand, rel=1e-12)
    assert [p.data for p in model.parameters()] == before
