"""The cycle collector: paused inside the engine's own calls, and left as it was found."""

import gc
import threading

import pytest

from nn import MLP
from tinygrad_like import Value, explain
from tinygrad_like.ops import DomainError


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


@pytest.fixture
def collections():
    """The collections that start while the test runs, as (generation, collected) pairs."""
    seen = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def chain(n):
    y = Value(1.0)
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return y


def test_a_long_chain_built_in_a_users_loop_sets_off_no_collection(collector_enabled, collections):
    gc.collect()
    collections.clear()
    y = chain(20_000)  # 40,000 operations, 80,000 new Values: far past the collector's threshold (700)
    y.backward()
    # Unpaused, 80,000 tracked Values would set off about 80,000 / 700 ≈ 114 collections, some of
    # them of older generations. Python 3.12+ sets off none; 3.10 and 3.11 may collect the
    # youngest generation once or twice right after a pause ends.
    assert len(collections) <= 3 and all(generation == 0 for generation in collections)
    assert gc.isenabled()
    assert y.grad == 1.0 and 0 < y.data


def test_without_the_pause_the_same_loop_would_collect(collector_enabled, collections):
    # the oracle for the test above: the same number of tracked allocations in plain Python collects
    gc.collect()
    collections.clear()
    keep = [(i, (i,)) for i in range(80_000)]
    assert collections and keep


def test_the_collector_is_enabled_after_every_kind_of_call(collector_enabled):
    x = Value(2.0)
    y = (x * 3 + 1).tanh() / x - Value.sum([x, x]) + Value.weighted_sum([x], [x], 1.0)
    y.backward()
    explain(y)
    MLP(2, [3, 1], seed=0)([1.0, 2.0]).backward()
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled():
    was = gc.isenabled()
    gc.disable()
    try:
        y = chain(100)
        y.backward()
        MLP(2, [2, 1], seed=0)([1.0, 2.0])
        assert not gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


@pytest.mark.parametrize(
    "failing",
    [
        lambda: Value(0.0).log(),
        lambda: Value(1.0) / 0.0,
        lambda: Value(-1.0) ** 0.5,
        lambda: Value(1.0) + "a",
    ],
    ids=["log 0", "1/0", "sqrt of -1", "Value + str"],
)
def test_an_operation_that_raises_leaves_the_collector_enabled(collector_enabled, failing):
    with pytest.raises((DomainError, TypeError)):
        failing()
    assert gc.isenabled()


def test_backward_that_raises_leaves_the_collector_enabled(collector_enabled):
    class Broken(Value):
        __slots__ = ()

    y = Value(2.0) * 3.0
    y.children = (Broken(1.0), "not a Value")  # a graph damaged by hand: backward fails inside
    with pytest.raises(AttributeError):
        y.backward()
    assert gc.isenabled()


def test_threads_building_graphs_at_once_leave_the_collector_enabled(collector_enabled):
    finished = []

    def work():
        for _ in range(20):
            chain(500).backward()
        finished.append(True)  # not reached if an operation raised in this thread

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(finished) == 4
    assert gc.isenabled()
