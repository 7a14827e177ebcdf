"""The engine under hostile use: grad mode per thread, cycles, NaN like PyTorch, huge ints."""

import math
import threading

import pytest

from tinygrad_like import CycleError, Value, derive, explain, no_grad, trace

# ---- no_grad is per thread ----------------------------------------------------------------------


def _in_thread(fn):
    out = {}

    def run():
        out["value"] = fn()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out["value"]


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    inside, leave = threading.Event(), threading.Event()

    def quiet():
        with no_grad():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)
    y = Value(2.0) * Value(3.0)  # another thread is inside no_grad right now
    leave.set()
    t.join()
    assert (y.op, len(y.children)) == ("*", 2)


def test_no_grad_entered_a_b_left_a_b_across_threads_restores_recording_everywhere():
    # A enters, B enters, A leaves, B leaves: a process-wide flag ends up off for good.
    step = [threading.Event() for _ in range(4)]
    seen = {}

    def a():
        with no_grad():
            step[0].set()
            step[1].wait(5)
        seen["a"] = (Value(2.0) * Value(2.0)).op
        step[2].set()

    def b():
        step[0].wait(5)
        with no_grad():
            seen["b inside"] = (Value(2.0) * Value(2.0)).op
            step[1].set()
            step[2].wait(5)
        seen["b"] = (Value(2.0) * Value(2.0)).op

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"b inside": "", "a": "*", "b": "*"}
    x = Value(3.0)
    y = x * x
    y.backward()
    assert (y.op, x.grad) == ("*", 6.0)


def test_a_new_thread_records_even_while_its_parent_is_inside_no_grad():
    with no_grad():
        op = _in_thread(lambda: (Value(1.0) + Value(1.0)).op)
        here = (Value(1.0) + Value(1.0)).op
    assert (op, here) == ("+", "")


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert (Value(1.0) * Value(2.0)).op == "*"


def test_trace_in_another_thread_does_not_collect_this_threads_comparisons():
    w = Value(2.0, label="w")
    started, compared = threading.Event(), threading.Event()

    def slow(x):
        started.set()
        compared.wait(5)  # meanwhile the main thread compares Values
        return w * x if x > 0 else w - x

    programs = []
    t = threading.Thread(target=lambda: programs.append(trace(slow, [w], x=1.0)))
    t.start()
    started.wait(5)
    _ = Value(-5.0) > 0  # not part of the traced function: must not become one of its decisions
    compared.set()
    t.join()
    # w*x at x=1 decided x > 0; at x=-1 the program re-traces: w - x = 3
    assert programs[0](1.0).loss == 2.0
    compared.set()
    assert programs[0](-1.0).loss == 3.0


# ---- cycles --------------------------------------------------------------------------------------


def _cyclic():
    """d = c + a, c = a·b, then a made a child of d by hand: a → d → c → a."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    a.op, a.children, a.local_grads = "+", (d,), (1.0,)
    return d, b


@pytest.mark.parametrize(
    "walk", [lambda d, b: d.backward(), lambda d, b: explain(d), lambda d, b: derive(d, b)], ids=str
)
def test_a_cycle_raises_naming_its_nodes_and_fills_no_grad(walk):
    d, b = _cyclic()
    with pytest.raises(CycleError, match="cycle: d → c → a → d"):
        walk(d, b)
    assert b.grad == 0.0


def test_a_node_that_is_its_own_child_is_a_cycle():
    a = Value(1.0, label="a")
    y = a * 2
    y.label = "y"
    y.children = (y, y.children[1])
    with pytest.raises(CycleError, match="y → y"):
        y.backward()


def test_shared_subgraphs_are_not_cycles():
    a = Value(3.0, label="a")
    b = a * a
    y = b + b * a  # diamonds: b reached twice, a three times
    y.backward()
    assert a.grad == 2 * 3.0 + 3 * 3.0**2  # d(a² + a³)/da


# ---- NaN as PyTorch ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["relu", "sqrt", "abs", "sigmoid", "tanh", "exp", "log"])
def test_nan_forward_and_gradient_match_pytorch(op, torch):
    x = Value(math.nan)
    y = getattr(x, op)()
    y.backward()
    t = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    ty = getattr(torch, op)(t)
    ty.backward()
    for ours, theirs in ((y.data, ty.item()), (x.grad, t.grad.item())):
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


def test_relu_of_nan_is_nan_and_lets_the_gradient_through_like_pytorch():
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 1.0  # torch: relu(nan) = nan, grad 1 (nan <= 0 is False)


def test_relu_and_sqrt_still_have_their_values_at_zero():
    x, s = Value(0.0), Value(0.0)
    r, q = x.relu(), s.sqrt()
    r.backward()
    q.backward()
    assert (r.data, x.grad, q.data, s.grad) == (0.0, 0.0, 0.0, math.inf)


def test_compiled_program_gives_the_engines_numbers_at_nan():
    w = Value(1.0, label="w")
    program = trace(lambda x: (w * x).relu() + x.sqrt() + (w * x).abs(), [w], x=1.0)
    x = Value(math.nan, label="x")
    y = (w * x).relu() + x.sqrt() + (w * x).abs()
    w.grad = 0.0
    y.backward()
    got = program(math.nan)
    assert math.isnan(got.loss) and math.isnan(y.data)
    assert str(got.grads[0]) == str(w.grad)
