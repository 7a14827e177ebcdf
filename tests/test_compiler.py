"""trace: the compiled program is the chain rule written out, and gives backward()'s gradients."""

import ast
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from oracle import instructions, replay, run_both

from nn import MLP, data, examples, fit, hinge_loss, quadratic_cost, sum_squared_error
from nn.compiled import batch_gradients, compile_loss
from tinygrad_like import Value, topological_order
from tinygrad_like.compiler import RESERVED, BranchError, trace
from tinygrad_like.ops import DomainError


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def three_layer_program():
    net = examples.three_layer(seed=0)
    return net, compile_loss(net, sum_squared_error)


def test_source_is_one_statement_per_node_and_one_per_edge_named_after_labels():
    net, program = three_layer_program()
    src = program.source
    backward = src.split("# backward: one statement per edge, from the root back to the parameters\n")[1]
    body = [
        line.strip() for line in backward.splitlines() if line.startswith("    ") and "return" not in line
    ]
    E = sum_squared_error([net([0.5, 0.5])], [0.5])
    order = topological_order(E)
    params = set(net.parameters())
    reaching = set(params)
    for v in order:
        if any(c in reaching for c in v.children):
            reaching.add(v)
    edges = sum(1 for v in order for c in v.children if c in reaching)
    assert len(body) == edges + 1  # + the seed d_loss = 1.0
    assert "r_1 = sum((w_x1_1 * x1, w_x2_1 * x2), 0.0) + b_1" in src  # Σ as the engine adds
    # the table's own function: the result and its local derivative together, as in the engine
    assert "g_r_1, (l0_g_r_1,) = sigmoid(r_1)" in src
    assert "d_r_5 = d_y * l0_y" in src  # δ·g′(r_5)
    assert "d_w_x1_1 = dot(d_r_1, x1)" in src  # BP4: ∂E/∂w = x·δ
    assert "d_g_r_1 = d_g_r_1 + d_r_3 * w_1_3" in src  # the error signal flowing back along w_1,3


def test_floats_give_exactly_backwards_gradients():
    net, program = three_layer_program()
    result = program(0.3, 0.9, 1.0)
    E = sum_squared_error([net([0.3, 0.9])], [1.0])
    net.zero_grad()
    E.backward()
    assert result.loss == E.data
    assert result.grads == [p.grad for p in net.parameters()]


def test_a_batch_gives_the_sum_of_each_samples_gradients_within_1e_12():
    net, program = three_layer_program()
    X, Y = data.xor()
    result = program(*np.array(X).T, np.array(Y))
    E = sum_squared_error([net(x) for x in X], Y)
    net.zero_grad()
    E.backward()
    assert math.isclose(result.loss.sum(), E.data, rel_tol=1e-12)
    assert max(rel(a, p.grad) for a, p in zip(result.grads, net.parameters())) < 1e-12


def test_mean_losses_and_many_outputs_match_the_value_graph():
    model = MLP(4, [5, 3], activation="tanh", output_activation="sigmoid", seed=2)
    X = [[0.1, 0.2, -0.3, 0.5], [1.0, -1.0, 0.5, 0.0], [0.0, 0.3, 0.3, -0.2]]
    Y = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    program = compile_loss(model, quadratic_cost)
    loss, grads = batch_gradients(program, quadratic_cost, X, Y, range(3))
    C = quadratic_cost([model(x) for x in X], Y)
    model.zero_grad()
    C.backward()
    assert math.isclose(loss, C.data, rel_tol=1e-12)
    assert max(rel(a, p.grad) for a, p in zip(grads, model.parameters())) < 1e-12


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    leaves=st.lists(
        st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 0.05), min_size=2, max_size=4
    ),
    program=st.lists(instructions, min_size=1, max_size=15),
    batch=st.lists(st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 0.05), min_size=1, max_size=5),
)
# found by this test: a neuron whose bias is also one of its weights lost a gradient term when fused
@example(leaves=[1.0, 1.0, 1.0], program=[("weighted_sum", [1, 0, 1]), ("weighted_sum", [0, 3])], batch=[1.0])
# found by this test: a neuron's z that is itself the root got a gradient row of one column on a batch
@example(leaves=[1.0, 1.0], program=[("weighted_sum", [1, 0])], batch=[1.0, 1.0])
# found by this test: a node feeding a layer took the layer's gradient row as one number per batch
@example(
    leaves=[1.0, 1.0, 1.0],
    program=[("sum", [0, 1, 2]), ("neg", [0]), ("+", [0.0, 0.0]), ("weighted_sum", [1, 48])],
    batch=[1.0, 2.0],
)
# found by this test: two edges into x1 whose terms (±37) cancel in every sample; the batch adds each
# edge's terms over the samples first, so its sum is off by an ulp of the terms, not of their sum (0)
@example(
    leaves=[1.0, 0.06640625],
    program=[
        ("neg", [0]),
        ("neg", [0]),
        ("neg", [0]),
        ("/", [1, 0]),
        ("neg", [0]),
        ("neg", [0]),
        ("neg", [0]),
        ("/", [1, 50]),
        ("neg", [0]),
        ("neg", [0]),
        ("neg", [21]),
    ],
    batch=[1.0, 1.5],
)
def test_random_expressions_compile_to_backwards_gradients(leaves, program, batch):
    kept = []
    nodes, _, pairs = run_both(leaves, program, kept=kept, oracle=False)
    assume(nodes[-1].children)
    params = [v for v, _ in pairs[1:]]  # leaf 0 is the input, the others are parameters

    def f(x):
        return replay([x, *params], kept)

    compiled = trace(f, params, x=leaves[0])
    one = compiled(x=leaves[0])
    root = replay([Value(leaves[0]), *params], kept)
    for p in params:
        p.grad = 0.0
    root.backward()
    # on floats: the engine's own numbers, whatever their size (inf and nan included)
    assert one.loss == root.data or (math.isnan(one.loss) and math.isnan(root.data))
    for g, p in zip(one.grads, params):
        assert g == p.grad or (math.isnan(g) and math.isnan(p.grad))

    # on a batch: the same as summing backward() over the samples
    try:
        per_sample, sizes = [], []
        for x in batch:
            r = replay([Value(x), *params], kept)
            for p in params:
                p.grad = 0.0
            r.backward()
            per_sample.append([p.grad for p in params])
            sizes.append([added_into(r, p) for p in params])
        result = compiled(x=np.array(batch))
    except (DomainError, BranchError):
        assume(False)
    for g, terms, size in zip(result.grads, zip(*per_sample), zip(*sizes)):
        e, scale = sum(terms), sum(map(abs, terms))  # numpy may add the samples in another order
        if math.isnan(e) or math.isnan(scale):
            assert math.isnan(g)
        elif any(math.isinf(t) for t in terms):  # an infinite term decides the sum in any order
            assert g == e
        elif math.isinf(scale):  # finite terms so large that whether their sum overflows is the order's
            assert not math.isnan(g)
        else:  # each edge's terms may be added over the samples first: their size bounds the error
            assert abs(g - e) <= max(1e-12 * max(scale, sum(size)), 4 * math.ulp(abs(e)))


def added_into(root, p):
    """Σ |local × upstream| over the edges into ``p``: the size of the terms backward() added up
    to give ``p.grad`` (terms that cancel leave a grad far smaller than they are)."""
    return sum(
        abs(local * node.grad)
        for node in topological_order(root)
        for child, local in zip(node.children, node.local_grads)
        if child is p
    )


def test_a_branch_on_a_value_is_detected_and_retraced_or_refused():
    w = Value(2.0, label="w")

    def f(x):
        return x * w if x > 0 else x * w * 3

    program = trace(f, [w], x=1.0)
    assert len(program.decisions) == 1
    assert program(x=2.0).grads == [2.0]  # the traced path: ∂(xw)/∂w = x
    assert program(x=-1.0).grads == [-3.0]  # the other path, re-traced: ∂(3xw)/∂w = 3x
    assert program(x=np.array([-1.0, -2.0])).grads == [-9.0]  # a batch that agrees
    with pytest.raises(BranchError, match="different paths at x > 0"):
        program(x=np.array([1.0, -1.0]))

    truthy = trace(lambda x: x * w if x else x + w, [w], x=1.0)  # `if x:` is x != 0, and is checked too
    assert truthy(x=3.0).grads == [3.0] and truthy(x=0.0).grads == [1.0]


def test_labels_are_never_executed(capfd):
    w = Value(1.5, label="__import__('os').system('echo hacked')")
    b = Value(0.5, label="x\nimport os")
    program = trace(lambda x: (w * x + b).tanh(), [w, b], x=0.5)
    tree = ast.parse(program.source)
    docstrings = {f.body[0].value for f in tree.body}
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Attribute, ast.Subscript, ast.Lambda))
        if isinstance(node, ast.Constant) and node not in docstrings:
            assert isinstance(node.value, (int, float, bool))
        if isinstance(node, ast.Call):
            assert node.func.id in RESERVED
    program(x=0.5)
    assert "hacked" not in capfd.readouterr().out


def test_undefined_operations_raise_like_the_engine():
    program = trace(lambda x: x.log(), [], x=2.0)
    with pytest.raises(DomainError):
        program(x=-1.0)
    with pytest.raises(DomainError):
        program(x=np.array([1.0, 0.0]))


def test_inputs_are_checked():
    program = trace(lambda x, y: x * y, [], x=1.0, y=2.0)
    with pytest.raises(TypeError, match="missing input"):
        program(x=1.0)
    with pytest.raises(TypeError, match="unknown input 'z'"):
        program(x=1.0, y=2.0, z=3.0)
    with pytest.raises(ValueError, match="one length"):
        program(x=np.ones(3), y=np.ones(4))
    with pytest.raises(ValueError, match="identifiers"):
        trace(lambda params: params, [], params=1.0)


def test_fit_compiled_gives_the_value_graphs_history():
    X, Y = data.moons(40, 0.1, seed=3)
    histories = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], activation="relu", output_activation="linear", seed=4)
        histories.append(
            fit(
                model,
                X,
                Y,
                loss=hinge_loss,
                lr=0.1,
                epochs=5,
                batch_size=8,
                progress=False,
                metric="accuracy",
                compiled=compiled,
            )
        )
    value, compiled = histories
    assert compiled.compiled and not value.compiled
    assert value.accuracy == compiled.accuracy
    assert max(rel(a, b) for a, b in zip(value.loss, compiled.loss)) < 1e-10


def test_fit_by_default_compiles_after_checking_and_falls_back_saying_why():
    X, Y = data.xor()
    h = fit(examples.two_layer(2, 2, seed=0), X, Y, lr=2.0, epochs=3, progress=False)
    assert h.compiled and h.note == ""

    def my_loss(outputs, targets):  # no .reduction: the compiler cannot know how samples combine
        return sum_squared_error(outputs, targets)

    h = fit(examples.two_layer(2, 2, seed=0), X, Y, loss=my_loss, lr=2.0, epochs=3, progress=False)
    assert not h.compiled and "does not say how it combines samples" in h.note
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(
            examples.two_layer(2, 2, seed=0),
            X,
            Y,
            loss=my_loss,
            lr=2.0,
            epochs=1,
            progress=False,
            compiled=True,
        )
    assert any("cannot compile" in str(w.message) for w in caught)


def test_the_batch_program_is_nielsens_matrix_form_and_agrees_with_backward():
    model = MLP(3, [4, 3, 2], seed=5)
    program = compile_loss(model, quadratic_cost)
    src = program.batch_source
    for line in (
        "Z2 = W2 @ X2 + B2",
        "A2, (L2,) = sigmoid(Z2)",  # a^l = σ(z^l), and σ′(z^l) with it
        "Z3 = W3 @ A2 + B3",
        "d_W3 = d_Z3 @ A2.T",
        "d_X4 = W4.T @ d_Z4",
        "d_Z3 = d_A3 * L3",  # δ^l = ∂C/∂a^l ∘ σ′(z^l)
    ):
        assert line in src
    X = [[0.1, 0.2, -0.3], [1.0, -1.0, 0.5], [0.0, 0.3, 0.3], [0.7, 0.1, -0.9]]
    Y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    columns = [*np.array(X).T, *np.array(Y, dtype=float).T]
    fused, per_node = program(*columns), program(*columns, fused=False)
    C = quadratic_cost([model(x) for x in X], Y)
    model.zero_grad()
    C.backward()
    for g_fused, g_node, p in zip(fused.grads, per_node.grads, model.parameters()):
        assert rel(g_fused, p.grad * len(X)) < 1e-12 and rel(g_node, p.grad * len(X)) < 1e-12


def test_a_layer_read_both_by_the_next_layer_and_by_the_loss():
    model = MLP(2, [3, 1], activation="tanh", seed=6)
    hidden = model.layers[0]

    def f(x1, x2, t):
        h = hidden([x1, x2])
        (y,) = model.layers[1](h)
        return sum_squared_error([y], [t]) + 0.1 * h[1] * y, [y]

    program = trace(f, model.parameters(), x1=0.5, x2=-0.5, t=1.0)
    # the hidden layer's δ gathers the matrix from the layer above and the loss's own row for a2_2
    assert "d_A2 = d_X3 + stack((0.0, d_a2_2, 0.0,), n_samples)" in program.batch_source
    xs, ts = np.array([[0.5, -0.5], [1.0, 2.0], [-1.0, 0.3]]), np.array([1.0, 0.0, 0.5])
    result = program(xs[:, 0], xs[:, 1], ts)
    expected = np.zeros(len(model.parameters()))
    for (a, b), t in zip(xs, ts):
        root, _ = f(Value(a), Value(b), Value(t))
        model.zero_grad()
        root.backward()
        expected += [p.grad for p in model.parameters()]
    assert max(rel(g, e) for g, e in zip(result.grads, expected)) < 1e-12


def test_division_by_zero_raises_the_engines_error_on_floats_and_on_a_batch():
    x = Value(1.0, label="x")
    with pytest.raises(ZeroDivisionError) as on_graph:
        x / Value(0.0)
    program = trace(lambda a: x / a, [x], a=1.0)
    for batch in (0.0, np.array([2.0, 0.0])):
        with pytest.raises(ZeroDivisionError) as compiled:
            program(a=batch)
        assert type(compiled.value) is type(on_graph.value) and isinstance(compiled.value, DomainError)
        assert str(compiled.value) == str(on_graph.value)
    assert str(on_graph.value) == "/: division by zero (1.0 / 0.0); the divisor must be non-zero"
