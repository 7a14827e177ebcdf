"""Eight threads at once: no_grad, training and tracing, interleaved at random, each result equal to
the same work done in one thread; recording and tracing state stays per thread and nothing leaks
after an exception (issue 16, "Threads")."""

import random
import sys
import threading

import pytest

from nn import MLP, data, fit
from tinygrad_like import Value, no_grad, trace
from tinygrad_like.value import _MODE

THREADS = 8
TASKS_PER_THREAD = 12


def evaluate_without_graph(seed: int):
    """A no_grad evaluation: numbers only, no graph (op == '' on every result)."""
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-2, 2)) for _ in range(20)]
    with no_grad():
        total = Value(0.0)
        for x in xs:
            total = total + (x * x).tanh()
    recorded = Value(2.0) * Value(3.0)  # after the block: recording is on again in this thread
    return ("no_grad", round(total.data, 12), total.op, recorded.op)


def train(seed: int):
    """A few epochs of fit on XOR, on the Value graph or compiled: the weights it ends with."""
    X, Y = data.xor()
    model = MLP(2, [3, 1], seed=seed)
    fit(model, X, Y, lr=1.0, epochs=3, progress=False, compiled=seed % 2 == 0)
    return ("train", tuple(round(p.data, 12) for p in model.parameters()))


def trace_a_branch(seed: int):
    """The issue's traced branch, w·x if x > 0 else w − x, at inputs on both sides of 0."""
    w = Value(2.0, label="w")
    program = trace(lambda x: w * x if x > 0 else w - x, [w], x=1.0)
    xs = [random.Random(seed).uniform(-3, 3) for _ in range(4)] + [-1.0, 1.0]
    return ("trace", tuple((program(x).loss, tuple(program(x).grads)) for x in xs))


def fail_inside(seed: int):
    """Exceptions inside no_grad and inside a traced function leave this thread's state clean."""
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    w = Value(1.0, label="w")

    def broken(x):
        _ = x > 0  # a recorded decision, then a failure
        raise KeyError("inside the traced function")

    with pytest.raises(KeyError):
        trace(broken, [w], x=1.0)
    return ("fail", _MODE.recording, _MODE.decisions)


TASKS = [evaluate_without_graph, train, trace_a_branch, fail_inside]


def plan(thread: int) -> list:
    rng = random.Random(1000 + thread)
    return [(rng.choice(TASKS), rng.randrange(10_000)) for _ in range(TASKS_PER_THREAD)]


def test_eight_threads_give_the_numbers_one_thread_gives():
    plans = [plan(t) for t in range(THREADS)]
    alone = [[task(seed) for task, seed in p] for p in plans]  # the reference: one thread

    together: list = [None] * THREADS
    errors: list = []
    start = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        rng = random.Random(t)
        try:
            start.wait()
            results = []
            for task, seed in plans[t]:
                if rng.random() < 0.5:
                    threading.Event().wait(rng.random() / 1000)  # shuffle the interleaving
                results.append(task(seed))
            results.append(("end", _MODE.recording, _MODE.decisions))
            together[t] = results
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append((t, exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: more interleavings
    try:
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    for t in range(THREADS):
        assert together[t][:-1] == alone[t], f"thread {t} differs from the single-threaded run"
        assert together[t][-1] == ("end", True, None)  # recording on, no trace list left behind
    for task, _ in plans[0]:
        assert task in TASKS
    assert {task for p in plans for task, _ in p} == set(TASKS)  # every kind of work ran
    # and the main thread was never switched off or made to collect comparisons
    assert (_MODE.recording, _MODE.decisions) == (True, None)
    assert (Value(1.0) * Value(2.0)).op == "*"
