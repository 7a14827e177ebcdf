"""One op, one entry: an op registered at run time works everywhere, and nothing else lists ops."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from nn import MLP, quadratic_cost
from nn.compiled import compile_loss
from tinygrad_like import Value, derive, draw_dot, explain, ops, trace
from tinygrad_like.cli import main
from tinygrad_like.expr import ExpressionError, build

ROOT = Path(__file__).resolve().parent.parent


def _softplus(a):
    # log(1 + eᵃ) written as max(a, 0) + log(1 + e^−|a|), which never overflows; d/da = σ(a)
    e = math.exp(-abs(a))
    return max(a, 0.0) + math.log1p(e), (1.0 / (1.0 + e) if a >= 0 else e / (1.0 + e),)


SOFTPLUS = ops.Op(
    "softplus",
    1,
    _softplus,
    "softplus({0!b})",
    ("σ({0!b})",),
    "softplus′({0!b})",
    activation=True,
    parser="softplus",
    torch="Softplus",
)


@pytest.fixture
def softplus():
    ops.register(SOFTPLUS)
    yield SOFTPLUS
    ops.unregister("softplus")


def by_hand(x):
    """softplus(x) = ln(1 + eˣ) and its derivative 1/(1 + e⁻ˣ), straight from the formulas."""
    return math.log(1.0 + math.exp(x)), 1.0 / (1.0 + math.exp(-x))


def test_a_registered_op_works_on_values_in_the_parser_drawings_derive_and_explain(
    softplus, capsys, tmp_path
):
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    y = (x * w).apply("softplus")
    y.label = "y"
    y.backward()
    value, slope = by_hand(1.0)
    assert abs(y.data - value) < 1e-15 and abs(w.grad - slope * 2.0) < 1e-15  # ∂y/∂w = σ(xw)·x
    h = 1e-6
    up, down = by_hand(1.0 + h * 0.5)[0], by_hand(1.0 - h * 0.5)[0]  # x ± h moves x·w by ± h·w
    assert abs(x.grad - (up - down) / (2 * h)) < 1e-8

    root, leaves = build("softplus(x*w) + 1", {"x": 2.0, "w": 0.5})  # the command line's parser
    assert abs(root.data - (value + 1.0)) < 1e-15
    assert main(["explain", "softplus(x*w)", "--at", "x=2,w=0.5", "--wrt", "w"]) == 0
    out = capsys.readouterr().out
    assert "σ(x·w)" in out and "softplus′(x·w)·x" in out  # explain's rule, derive's factor
    assert main(["draw", "softplus(x)", "--at", "x=1", "-o", str(tmp_path / "g.dot")]) == 0
    assert "softplus" in (tmp_path / "g.dot").read_text()

    assert "softplus" in draw_dot(y).source
    d = derive(y, w)
    assert d.expression == "softplus′(x·w)·x" and d.value == w.grad
    steps = explain(y).steps
    assert steps[0].rule == "σ(x·w)" and steps[0].local == slope


def test_a_registered_op_compiles_bit_for_bit_on_floats_and_runs_on_a_numpy_batch(softplus):
    w = Value(0.5, label="w")
    program = trace(lambda x: (x * w).apply("softplus"), [w], x=2.0)
    assert "softplus(" in program.source
    for xv in (2.0, -3.0, 40.0, -800.0, 0.0):
        result = program(x=xv)
        w.grad = 0.0
        y = (Value(xv) * w).apply("softplus")
        y.backward()
        assert result.loss == y.data and result.grads == [w.grad]
    batch = np.array([2.0, -3.0, 40.0, -800.0, 0.0])
    result = program(x=batch)
    expected = []
    for xv in batch:
        w.grad = 0.0
        y = (Value(float(xv)) * w).apply("softplus")
        y.backward()
        expected.append((y.data, w.grad))
    assert np.allclose(result.loss, [e[0] for e in expected], rtol=1e-15, atol=0)
    assert abs(result.grads[0] - sum(e[1] for e in expected)) <= 1e-15 * sum(abs(e[1]) for e in expected)


def test_a_registered_activation_is_nns_and_fuses_in_the_batch_program(softplus, torch):
    from nn.torch_bridge import to_torch

    model = MLP(3, [4, 2], activation="softplus", seed=3)
    program = compile_loss(model, quadratic_cost)
    assert "A2, (L2,) = softplus(Z2)" in program.batch_source  # a layer: a^l = softplus(z^l), with σ(z^l)
    X = [[0.1, 0.2, -0.3], [1.0, -1.0, 0.5], [0.0, 0.3, 0.3]]
    Y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    C = quadratic_cost([model(x) for x in X], Y)
    model.zero_grad()
    C.backward()
    result = program(*np.array(X).T, *np.array(Y).T)
    for g, p in zip(result.grads, model.parameters()):
        assert abs(g - p.grad * len(X)) <= 1e-12 * max(1.0, abs(g))  # the loss is a mean: × n
    net = to_torch(model)
    assert isinstance(net[1], torch.nn.Softplus)
    out = net(torch.tensor(X, dtype=torch.float64)).detach().numpy()
    assert np.allclose(out, [[v.data for v in model(x)] for x in X], rtol=1e-13, atol=0)


def test_after_unregister_the_op_is_gone_everywhere():
    ops.register(SOFTPLUS)
    assert "softplus" in MLP(1, [1], activation="softplus").layers[0].neurons[0].activation
    assert ops.unregister("softplus") is SOFTPLUS
    with pytest.raises(ExpressionError, match="unknown function 'softplus'"):
        build("softplus(x)", {"x": 1.0})
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        MLP(1, [1], activation="softplus")
    with pytest.raises(KeyError, match="no operation named 'softplus'"):
        Value(1.0).apply("softplus")


def test_register_refuses_what_would_clash():
    with pytest.raises(ValueError, match="already has an op named 'tanh'"):
        ops.register(ops.Op("tanh", 1, math.tanh))
    with pytest.raises(ValueError, match="share a name with the op 'tanh'"):
        ops.register(ops.Op("hyperbolic", 1, math.tanh, parser="tanh"))
    with pytest.raises(ValueError, match="give it name_in_programs"):
        ops.register(ops.Op("%", 2, lambda a, b: (a % b, (1.0, 0.0))))
    with pytest.raises(ValueError, match="code= and grad_code="):
        ops.register(ops.Op("product", None, lambda *xs: (math.prod(xs), ())))
    with pytest.raises(TypeError, match="needs an ops.Op"):
        ops.register("softplus")
    with pytest.raises(KeyError, match="not a table entry"):
        ops.unregister("**2")
    assert "hyperbolic" not in ops.TABLE and "%" not in ops.TABLE


# ---- nothing outside ops.py lists or dispatches on op names -----------------------------------------

# Names of ops that are words (the operators + - * / ** are Python's own, spelled by the parser's ast).
OP_WORDS = {name for name in ops.TABLE if name.isidentifier()}


def hand_written_op_lists(path: Path) -> list[str]:
    """Places in a file that list op names by hand or pick an op by comparing its name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            if isinstance(node, ast.Dict):
                items = [*node.keys, *node.values]
            words = {i.value for i in items if isinstance(i, ast.Constant) and i.value in OP_WORDS}
            if len(words) >= 2:
                found.append(f"{path.name}:{node.lineno} lists {sorted(words)}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            words = {s.value for s in sides if isinstance(s, ast.Constant) and s.value in OP_WORDS}
            if words:
                found.append(f"{path.name}:{node.lineno} compares with {sorted(words)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
            inner = node.func
            if isinstance(inner.func, ast.Name) and inner.func.id == "getattr":
                found.append(f"{path.name}:{node.lineno} calls a method picked by name")
    return found


def test_no_consumer_keeps_a_hand_written_list_or_dispatch_of_op_names():
    files = [p for folder in ("tinygrad_like", "nn") for p in sorted((ROOT / folder).glob("*.py"))]
    assert len(files) > 20
    found = [hit for p in files if p.name != "ops.py" for hit in hand_written_op_lists(p)]
    assert not found, "\n".join(found)


def test_the_check_finds_the_lists_it_is_there_for(tmp_path):
    old = tmp_path / "old.py"
    old.write_text(
        'ACTIVATIONS = ("sigmoid", "tanh", "relu")\n'
        'if v.op == "weighted_sum":\n    pass\n'
        "a = getattr(z, activation)()\n"
        'SYMBOLS = {"*": "×", "neg": "−", "sum": "Σ"}\n'
    )
    assert len(hand_written_op_lists(old)) == 4
