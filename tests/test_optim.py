"""nn.optim against torch.optim: ten steps from the same weights and gradients, within 1e-12 relative."""

import random

import numpy as np
import pytest

from nn import MLP, SGD, Adam, data, fit
from tinygrad_like import Value

SETTINGS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (Adam, dict()),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
]


def gradients(steps, n, seed=0):
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(n)] for _ in range(steps)]


@pytest.mark.parametrize("cls, kwargs", SETTINGS, ids=lambda s: str(s))
def test_ten_steps_match_torch_optim(torch, cls, kwargs):
    start = [0.5, -1.25, 2.0, 0.0, 3.5]
    grads = gradients(10, len(start))
    ours = [Value(x) for x in start]
    opt = cls(ours, **kwargs)
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, cls.__name__)([theirs], foreach=False, **kwargs)
    for g in grads:
        for p, gi in zip(ours, g):
            p.grad = gi
        opt.step()
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        expected = theirs.detach().tolist()
        assert [p.data for p in ours] == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("cls, kwargs", SETTINGS, ids=lambda s: str(s))
def test_step_arrays_on_a_flat_array_equals_step_on_values(cls, kwargs):
    start = [0.5, -1.25, 2.0, 0.0, 3.5]
    values = [Value(x) for x in start]
    on_values = cls(values, **kwargs)
    flat = np.array(start)
    on_arrays = cls([Value(x) for x in start], **kwargs)
    for g in gradients(10, len(start), seed=1):
        for p, gi in zip(values, g):
            p.grad = gi
        on_values.step()
        on_arrays.step_arrays(flat, np.array(g))
    assert flat.tolist() == pytest.approx([p.data for p in values], rel=1e-14)


def test_param_groups_carry_their_own_learning_rate():
    a, b = Value(1.0), Value(1.0)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (0.9, 0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    opt.zero_grad()
    assert a.grad == b.grad == 0.0


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="lr"):
        SGD([Value(1.0)], lr=0)
    with pytest.raises(ValueError, match="nesterov"):
        SGD([Value(1.0)], lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="needs Values"):
        Adam([1.0])


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_trains_with_any_optimizer(compiled):
    X, Y = data.xor()
    for make in (lambda m: SGD(m.parameters(), lr=2.0, momentum=0.9), lambda m: Adam(m.parameters(), lr=0.1)):
        model = MLP(2, [3, 1], seed=1)
        h = fit(model, X, Y, epochs=60, optimizer=make(model), progress=False, compiled=compiled)
        assert h.compiled is compiled
        assert h.loss[-1] < 0.5 * h.loss[0]


def test_item_and_format_give_the_number():
    v = Value(2.0 / 3.0, label="v")
    assert v.item() == 2.0 / 3.0 and isinstance(v.item(), float)
    assert f"{v:.3f}" == "0.667" and f"{v:>8.2e}" == "6.67e-01"


def test_named_parameters_are_unique_dotted_paths_in_model_order():
    from nn import Layer, Module

    class TwoLayers(Module):
        def __init__(self):
            self.first = Layer(2, 2, seed=0)
            self.second = Layer(2, 1, seed=1)  # the same labels as first's neurons: w2_1,1 …

        def parameters(self):
            return [*self.first.parameters(), *self.second.parameters()]

    model = TwoLayers()
    named = list(model.named_parameters())
    assert len(named) == 9 == len({n for n, _ in named})
    assert [p for _, p in named] == model.parameters()
    assert named[0][0] == "first.neurons.0.w.0" and named[-1][0] == "second.neurons.0.b"
    with pytest.raises(ValueError, match="2 parameters are labelled 'w2_1,1'"):
        model.parameter("w2_1,1")
    with pytest.raises(KeyError, match="no parameter"):
        model.parameter("nope")
    mlp = MLP(2, [3, 2], seed=0)
    assert dict(mlp.named_parameters())["layers.0.neurons.1.w.1"] is mlp.layers[0].neurons[1].w[1]


def test_a_pytorch_style_module_finds_its_parameters_through_its_attributes():
    from nn import Layer, Module

    class Net(Module):  # as in PyTorch: no parameters() of its own
        def __init__(self):
            self.hidden = Layer(2, 3, seed=0)
            self.out = Layer(3, 1, seed=1)
            self.scale = Value(2.0, label="s")

        def __call__(self, x):
            return self.out(self.hidden(x))[0] * self.scale

    net = Net()
    params = net.parameters()
    assert len(params) == 2 * 3 + 3 + 3 * 1 + 1 + 1  # weights and biases of both layers, and scale
    assert params == [*net.hidden.parameters(), *net.out.parameters(), net.scale]
    assert list(net.state_dict())[-3:] == ["out.neurons.0.w.2", "out.neurons.0.b", "scale"]
    opt = SGD(net.parameters(), lr=0.5)
    opt.zero_grad()
    net([1.0, -1.0]).backward()
    before = net.scale.data
    opt.step()
    assert net.scale.data == before - 0.5 * net.scale.grad != before


def test_state_dict_round_trips_and_a_mismatch_changes_nothing():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=5)
    a.load_state_dict(b.state_dict())
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    before = a.state_dict()
    bad = dict(b.state_dict())
    del bad["layers.1.neurons.0.b"]
    bad["layers.9.w"] = 1.0
    expected = r"missing keys: layers.1.neurons.0.b; unexpected keys: layers.9.w"
    with pytest.raises(KeyError, match=expected) as e:
        a.load_state_dict({k: v + 1 for k, v in bad.items()})
    assert a.state_dict() == before
    assert str(e.value).startswith("load_state_dict: missing")  # read as written, not in quotes
    with pytest.raises(ValueError, match="not a finite number"):
        a.load_state_dict({**before, "layers.0.neurons.0.b": float("nan")})
    assert a.state_dict() == before
    result = a.load_state_dict({"layers.0.neurons.0.b": 7.0}, strict=False)
    assert a.layers[0].neurons[0].b.data == 7.0 and "layers.0.neurons.0.w.0" in result.missing_keys


@pytest.mark.parametrize("cls, kwargs", SETTINGS, ids=lambda s: str(s))
def test_step_and_step_arrays_share_one_state_and_match_torch(torch, cls, kwargs):
    # a compiled fit steps on arrays, a Value-graph fit on Values: turns taken with one optimizer
    # must give torch's ten steps, momentum and moments carried across
    start = [0.5, -1.25, 2.0, 0.0, 3.5]
    values = [Value(x) for x in start]
    opt = cls([{"params": values[:2]}, {"params": values[2:], "lr": 0.02}], **kwargs)
    theirs = [torch.tensor(start[:2], dtype=torch.float64), torch.tensor(start[2:], dtype=torch.float64)]
    topt = getattr(torch.optim, cls.__name__)(
        [{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.02}], foreach=False, **kwargs
    )
    for t, g in enumerate(gradients(10, len(start), seed=2)):
        if t % 3 == 1:  # steps 2, 5, 8 on a flat array, as a compiled fit does
            flat = np.array([p.data for p in values])
            opt.step_arrays(flat, np.array(g))
            for p, x in zip(values, flat.tolist()):
                p.data = x
        else:
            for p, gi in zip(values, g):
                p.grad = gi
            opt.step()
        theirs[0].grad = torch.tensor(g[:2], dtype=torch.float64)
        theirs[1].grad = torch.tensor(g[2:], dtype=torch.float64)
        topt.step()
    expected = [*theirs[0].tolist(), *theirs[1].tolist()]
    assert [p.data for p in values] == pytest.approx(expected, rel=1e-12, abs=1e-300)
    # opt.state[i] is parameter i's state, as torch's per tensor
    torch_state = [topt.state[theirs[0]], topt.state[theirs[1]]]
    for key in opt.state[0]:
        ours = [opt.state[i][key] for i in range(len(start))]
        if key == "step":  # ten steps, whichever way each was taken
            assert ours == [10] * len(start) and int(torch_state[0]["step"]) == 10
        else:
            theirs_state = [*torch_state[0][key].tolist(), *torch_state[1][key].tolist()]
            assert ours == pytest.approx(theirs_state, rel=1e-12)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=1.0, momentum=0.9), lambda ps: Adam(ps, lr=0.05)])
def test_one_optimizer_carries_its_state_from_a_compiled_fit_to_a_value_graph_fit(make):
    X, Y = data.xor()
    model = MLP(2, [3, 1], seed=1)
    opt = make(model.parameters())
    fit(model, X, Y, epochs=5, optimizer=opt, progress=False, compiled=True)
    fit(model, X, Y, epochs=5, optimizer=opt, progress=False, compiled=False)
    # the same ten epochs on the Value graph only, with a fresh optimizer
    alone = MLP(2, [3, 1], seed=1)
    fit(alone, X, Y, epochs=10, optimizer=make(alone.parameters()), progress=False, compiled=False)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in alone.parameters()], rel=1e-9
    )
    # and the other way round
    back = MLP(2, [3, 1], seed=1)
    opt = make(back.parameters())
    fit(back, X, Y, epochs=5, optimizer=opt, progress=False, compiled=False)
    fit(back, X, Y, epochs=5, optimizer=opt, progress=False, compiled=True)
    assert [p.data for p in back.parameters()] == pytest.approx(
        [p.data for p in alone.parameters()], rel=1e-9
    )


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_refuses_an_optimizer_built_for_another_model(compiled):
    X, Y = data.xor()
    model, other = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    before = model.state_dict()
    foreign = SGD(other.parameters(), lr=0.1)  # 2·2 + 2 + 2 + 1 = 9 parameters, none of them model's
    with pytest.raises(ValueError, match=r"the optimizer holds 9 parameter\(s\) that are not the model's"):
        fit(model, X, Y, epochs=2, optimizer=foreign, progress=False, compiled=compiled)
    assert model.state_dict() == before
