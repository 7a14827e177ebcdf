"""nn: labels, shapes, δ against the matrix-form BP1/BP2, costs against finite differences and PyTorch."""

import json
import random

import numpy as np
import pytest

from nn import (
    MLP,
    SGD,
    Layer,
    Neuron,
    accuracy,
    binary_cross_entropy,
    cross_entropy,
    data,
    examples,
    fit,
    hinge_loss,
    quadratic_cost,
    softmax,
    sum_squared_error,
)
from tinygrad_like import Value, numerical_grad


def cost_as_function_of(model, cost, X, Y, param):
    """The cost as a function of one parameter's value, for finite differences."""

    def f(v):
        saved = param.data
        param.data = v.data
        try:
            return cost([model(x) for x in X], Y)
        finally:
            param.data = saved

    return f


@pytest.mark.parametrize(
    "make, cost, X, Y",
    [
        (lambda: examples.two_layer(2, 3, seed=1), sum_squared_error, *data.xor()),
        (lambda: examples.three_layer(seed=2), sum_squared_error, *data.xor()),
        (
            lambda: MLP(3, [4, 2], seed=3),
            quadratic_cost,
            [[0.1, 0.5, -0.2], [1.0, 0.0, 0.3]],
            [[1, 0], [0, 1]],
        ),
    ],
)
def test_each_documents_cost_gradient_matches_finite_differences_for_every_weight(make, cost, X, Y):
    model = make()
    model.zero_grad()
    cost([model(x) for x in X], Y).backward()
    for p in model.parameters():
        (numeric,) = numerical_grad(cost_as_function_of(model, cost, X, Y, p), p.data)
        assert p.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9), p.label


def test_z_grad_is_the_matrix_form_delta_of_bp1_and_bp2():
    model = MLP(3, [4, 3, 2], seed=7)
    x, y = [0.3, -0.8, 0.5], [1.0, 0.0]
    C = quadratic_cost([model(x)], [y])
    model.zero_grad()
    C.backward()

    # Independently, with numpy: forward z^l and a^l, then
    # BP1 δ^L = (a^L − y) ∘ σ′(z^L) and BP2 δ^l = ((w^{l+1})ᵀ δ^{l+1}) ∘ σ′(z^l)
    W = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    B = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    a, zs = np.array(x), []
    for w, b in zip(W, B):
        zs.append(w @ a + b)
        a = 1 / (1 + np.exp(-zs[-1]))
    sp = [1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z))) for z in zs]
    deltas = [(a - np.array(y)) * sp[-1]]
    for l in range(len(W) - 2, -1, -1):
        deltas.insert(0, (W[l + 1].T @ deltas[0]) * sp[l])

    for layer, delta, a_prev in zip(
        model.layers, deltas, [np.array(x)] + [1 / (1 + np.exp(-z)) for z in zs[:-1]]
    ):
        np.testing.assert_allclose([z.grad for z in layer.z], delta, rtol=1e-12)
        # BP3: ∂C/∂b = δ; BP4: ∂C/∂w_jk = a_k^{l−1} δ_j
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], delta, rtol=1e-12)
        np.testing.assert_allclose(
            [[w.grad for w in n.w] for n in layer.neurons], np.outer(delta, a_prev), rtol=1e-12
        )


def test_labels_follow_nielsen_and_are_unique():
    model = MLP(3, [2, 1], seed=0)
    labels = [p.label for p in model.parameters()]
    assert labels[:4] == ["w2_1,1", "w2_1,2", "w2_1,3", "b2_1"]
    assert "w3_1,2" in labels and len(set(labels)) == len(labels) == 11
    y = model([1, 2, 3])
    assert y.label == "a3_1" and model.layers[0].z[1].label == "z2_2"


def test_the_blogs_three_layer_network_has_the_blogs_labels():
    net = examples.three_layer(seed=0)
    assert {p.label for p in net.parameters()} == {
        "w_x1,1",
        "w_x2,1",
        "w_x1,2",
        "w_x2,2",
        "w_1,3",
        "w_2,3",
        "w_1,4",
        "w_2,4",
        "w_3,5",
        "w_4,5",
        "b_1",
        "b_2",
        "b_3",
        "b_4",
        "b_5",
    }
    y = net([0.5, 1.0])
    assert y.label == "y" and [n.z.label for layer in net.layers for n in layer.neurons] == [
        "r_1",
        "r_2",
        "r_3",
        "r_4",
        "r_5",
    ]


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1, 2]), Value)
    out = MLP(2, [3, 2], seed=0)([1, 2])
    assert isinstance(out, list) and len(out) == 2


def test_micrograds_classifier_shape():
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert model.layers[-1].neurons[0].activation == "linear" and model.layers[0].activation == "relu"


def test_seed_makes_models_reproducible_without_touching_global_random_state():
    random.seed(123)
    before = random.random()
    random.seed(123)
    a, b = MLP(2, [3, 1], seed=5), MLP(2, [3, 1], seed=5)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert random.random() == before
    assert [p.data for p in MLP(2, [3, 1], seed=6).parameters()] != [p.data for p in a.parameters()]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Neuron(2, "softplus"),
        lambda: MLP(2, [1], activation="gelu"),
        lambda: Layer(2, 2, activation="Sigmoid"),
    ],
)
def test_unknown_activation_lists_the_valid_ones(make):
    with pytest.raises(ValueError, match="sigmoid, tanh, relu, linear"):
        make()


@pytest.mark.parametrize("module", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [2, 1], seed=0)])
def test_wrong_input_length_names_expected_and_actual(module):
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        module([1.0, 2.0])


@pytest.mark.parametrize(
    "loss", [sum_squared_error, quadratic_cost, hinge_loss, binary_cross_entropy, cross_entropy]
)
def test_losses_refuse_shape_mismatches(loss):
    with pytest.raises(ValueError, match="2 outputs but 1 targets"):
        loss([Value(0.5), Value(0.5)], [1])
    with pytest.raises(ValueError, match="sample 0 has 2 outputs but 1 targets"):
        loss([[Value(0.5), Value(0.5)]], [[1]])


def test_zero_grad_and_sgd_step():
    model = MLP(2, [2, 1], seed=0)
    sum_squared_error([model([1, 1])], [0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    before = {p: (p.data, p.grad) for p in model.parameters()}
    SGD(model.parameters(), lr=0.5).step()
    assert all(p.data == d - 0.5 * g for p, (d, g) in before.items())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def torch_pairs(torch, outputs):
    return [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in outputs]


def test_losses_match_torch(torch):
    ys = [0.2, 0.9, 0.6]
    for ours_loss, theirs, targets in [
        (sum_squared_error, lambda t, y: 0.5 * ((t - y) ** 2).sum(), [0.0, 1.0, 1.0]),
        (quadratic_cost, lambda t, y: 0.5 * ((t - y) ** 2).sum() / 3, [0.0, 1.0, 1.0]),
        (hinge_loss, lambda t, y: torch.relu(1 - y * t).mean(), [-1.0, 1.0, 1.0]),
        (binary_cross_entropy, lambda t, y: torch.nn.functional.binary_cross_entropy(t, y), [0.0, 1.0, 1.0]),
    ]:
        vs = [Value(v) for v in ys]
        L = ours_loss(vs, targets)
        L.backward()
        ts = torch_pairs(torch, ys)
        T = theirs(torch.stack(ts), torch.tensor(targets, dtype=torch.float64))
        T.backward()
        assert L.data == pytest.approx(T.item(), rel=1e-9), ours_loss.__name__
        assert [v.grad for v in vs] == pytest.approx([t.grad.item() for t in ts], rel=1e-9)


def test_cross_entropy_and_softmax_match_torch_and_stay_stable(torch):
    logits = [[1.0, -2.0, 0.5], [300.0, 299.0, -50.0]]
    targets = [[0, 0, 1], [1, 0, 0]]
    vs = [[Value(v) for v in row] for row in logits]
    L = cross_entropy(vs, targets)
    L.backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    T = torch.nn.functional.cross_entropy(t, torch.tensor([2, 0]))
    T.backward()
    assert L.data == pytest.approx(T.item(), rel=1e-9)
    assert [v.grad for row in vs for v in row] == pytest.approx(
        t.grad.flatten().tolist(), rel=1e-9, abs=1e-15
    )
    probs = softmax([Value(1000.0), Value(0.0)])
    assert probs[0].data == 1.0 and probs[1].data == 0.0


def test_to_torch_outputs_and_gradients_agree(torch):
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=4)
    X, Y = [[0.1, -0.2, 0.3], [1.0, 0.5, -0.5]], [[1, 0], [0, 1]]
    C = quadratic_cost([model(x) for x in X], Y)
    model.zero_grad()
    C.backward()
    tm = model.to_torch()
    out = tm(torch.tensor(X, dtype=torch.float64))
    assert out.shape == (2, 2)
    T = 0.5 * ((out - torch.tensor(Y, dtype=torch.float64)) ** 2).sum() / 2
    T.backward()
    assert C.data == pytest.approx(T.item(), rel=1e-12)
    linears = [m for m in tm if isinstance(m, torch.nn.Linear)]
    for layer, lin in zip(model.layers, linears):
        np.testing.assert_allclose(
            [[w.grad for w in n.w] for n in layer.neurons], lin.weight.grad.numpy(), rtol=1e-10
        )
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], lin.bias.grad.numpy(), rtol=1e-10)


def test_save_and_load_round_trip(tmp_path):
    model = examples.three_layer(seed=9)
    path = tmp_path / "net.json"
    model.save(str(path))
    again = MLP.load(str(path))
    assert [(p.label, p.data) for p in again.parameters()] == [(p.label, p.data) for p in model.parameters()]
    assert again([0.3, 0.7]).data == model([0.3, 0.7]).data
    assert again([0.3, 0.7]).label == "y"


def test_load_refuses_missing_truncated_and_mismatched_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP.load(str(tmp_path / "nothing.json"))
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "net.json"
    model.save(str(path))
    text = path.read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="not complete JSON"):
        MLP.load(str(tmp_path / "cut.json"))
    state = json.loads(text)
    state["state_dict"]["layers.0.neurons.0.w.2"] = 0.5
    (tmp_path / "bad.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="missing keys: none; unexpected keys: layers.0.neurons.0.w.2$"):
        MLP.load(str(tmp_path / "bad.json"))
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a saved model"):
        MLP.load(str(tmp_path / "other.json"))


def test_fit_learns_xor_with_the_blogs_two_layer_network():
    X, Y = data.xor()
    net = examples.two_layer(2, 2, seed=0)
    history = fit(net, X, Y, lr=2.0, epochs=1500, progress=False, metric="accuracy")
    assert history.accuracy[-1] == 1.0 and history.loss[-1] < 0.01 < history.loss[0]
    assert [round(net(x).data) for x in X] == [0, 1, 1, 0]


class CountingSGD(SGD):
    steps = 0

    def step(self):
        self.steps += 1
        super().step()


def test_fit_batch_sizes_mean_batch_online_and_minibatch():
    X, Y = data.xor()
    for batch_size, steps_per_epoch in [(None, 1), (1, 4), (3, 2)]:
        net = examples.two_layer(2, 2, seed=0)
        opt = CountingSGD(net.parameters(), lr=0.5)
        fit(net, X, Y, epochs=2, batch_size=batch_size, progress=False, optimizer=opt)
        assert opt.steps == 2 * steps_per_epoch


def test_fit_refuses_bad_arguments():
    X, Y = data.xor()
    net = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="4 samples and Y has 3"):
        fit(net, X, Y[:3], progress=False)
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        fit(net, X, Y, loss="mse", progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(net, X, Y, batch_size=0, progress=False)


def test_moons_classifier_reaches_full_training_accuracy_within_100_steps():
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    params = model.parameters()
    for step in range(100):
        outputs = [model(x) for x in X]
        loss = hinge_loss(outputs, Y) + 1e-4 * Value.sum([p * p for p in params])
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= (1.0 - 0.9 * step / 100) * p.grad
        if accuracy(outputs, Y) == 1.0:
            break
    assert accuracy(outputs, Y) == 1.0


def test_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        data.digits()


def test_digits_split_shapes_and_scaling():
    X, Y = data.digits("train")
    Xt, Yt = data.digits("test")
    assert (len(X), len(Xt), len(X[0]), len(Y[0])) == (1500, 297, 64, 10)
    assert min(min(x) for x in X) == 0.0 and max(max(x) for x in X) == 1.0
    assert all(sum(y) == 1.0 for y in Y + Yt)


def test_nielsens_digits_setting_reaches_90_percent_test_accuracy():
    from nn import evaluate

    X, Y = data.digits("train")
    model = MLP(64, [16, 10], seed=0)
    fit(model, X, Y, loss=quadratic_cost, lr=3.0, epochs=3, batch_size=10, progress=False)
    _, test_accuracy = evaluate(model, *data.digits("test"), loss=quadratic_cost, metric=accuracy)
    assert test_accuracy >= 0.9


def test_random_seed_makes_a_model_without_a_seed_repeatable_as_in_micrograd():
    from nn import Layer, Neuron

    for build in (lambda: MLP(2, [16, 16, 1]), lambda: Layer(3, 4), lambda: Neuron(5)):
        random.seed(1337)
        first = [p.data for p in build().parameters()]
        random.seed(1337)
        again = [p.data for p in build().parameters()]
        other = [p.data for p in build().parameters()]  # the generator has moved on
        assert first == again != other
        assert all(-1.0 <= w <= 1.0 for w in first)
