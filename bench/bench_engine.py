"""tinygrad_like against micrograd 0.1.0, in one process, interleaved run by run.

    pip install -e ".[bench]" && python bench/bench_engine.py

1. micrograd's moons demo step: MLP 2→16→16→1 (relu, linear output), 100 points,
   hinge loss + 1e-4·Σp², full-batch backward and SGD update.
2. A chain y = y·1.0001 + 0.0001 of 100,000 iterations (200,000 operations).
3. A sum of 100,000 products: time, and memory per node (tracemalloc).

Prints each median and the ratio to micrograd. Ratios, not seconds, are the result:
both engines run on the same machine in the same process, alternating.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc

from anchors import missing

from nn import MLP, data, hinge_loss
from tinygrad_like import Value


def ours_moons_step(model, X, Y):
    params = model.parameters()
    outputs = [model(x) for x in X]
    loss = hinge_loss(outputs, Y) + 1e-4 * Value.sum([p * p for p in params])
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= 0.1 * p.grad


def micrograd_moons_step(model, X, Y):
    # micrograd's demo.ipynb loss and update, written as there
    import micrograd.engine as mg_engine

    inputs = [list(map(mg_engine.Value, x)) for x in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad


def chain(value_cls, n):
    y = value_cls(1.0)
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.backward()
    return y


def longest_micrograd_chain():
    """The longest chain micrograd's recursive topological sort survives (binary search)."""
    import micrograd.engine as mg_engine

    lo, hi = 1, 5000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            chain(mg_engine.Value, mid)
            lo = mid
        except RecursionError:
            hi = mid - 1
    return lo


def sum_of_products(n, ours: bool):
    rng = random.Random(0)
    if ours:
        xs = [Value(rng.random()) for _ in range(n)]
        ws = [Value(rng.random()) for _ in range(n)]
        return Value.sum([w * x for w, x in zip(ws, xs)])
    import micrograd.engine as mg_engine

    xs = [mg_engine.Value(rng.random()) for _ in range(n)]
    ws = [mg_engine.Value(rng.random()) for _ in range(n)]
    return sum((w * x for w, x in zip(ws, xs)), mg_engine.Value(0.0))


def bytes_per_node(n, ours: bool):
    gc.collect()
    tracemalloc.start()
    root = sum_of_products(n, ours)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = 3 * n + 1 if ours else 4 * n + 1  # leaves, products, and one Σ (ours) or n adds (micrograd)
    del root
    return size / nodes


def timed(f, *args):
    start = time.perf_counter()
    f(*args)
    return time.perf_counter() - start


def main(repeats: int) -> dict:
    import micrograd.nn as mg_nn

    results = {}
    X, Y = data.moons(100, 0.1, seed=0)
    ours_model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    random.seed(1)
    mg_model = mg_nn.MLP(2, [16, 16, 1])
    t_ours, t_mg = [], []
    for _ in range(repeats):  # interleaved: both see the same machine state
        t_ours.append(timed(ours_moons_step, ours_model, X, Y))
        t_mg.append(timed(micrograd_moons_step, mg_model, X, Y))
    results["moons step"] = (statistics.median(t_ours), statistics.median(t_mg))

    t_ours = [timed(chain, Value, 100_000) for _ in range(max(1, repeats // 3))]
    results["chain 100,000"] = (statistics.median(t_ours), None)
    results["micrograd longest chain"] = longest_micrograd_chain()

    t_ours, t_mg = [], []
    for _ in range(max(1, repeats // 3)):
        t_ours.append(timed(lambda: sum_of_products(100_000, True).backward()))
        t_mg.append(timed(lambda: sum_of_products(100_000, False)))
    results["sum of 100,000 products"] = (statistics.median(t_ours), statistics.median(t_mg))
    results["bytes per node"] = (bytes_per_node(100_000, True), bytes_per_node(100_000, False))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs of each benchmark (median is reported)")
    repeats = parser.parse_args().repeats
    if missing("micrograd"):  # every row here is a comparison with micrograd: nothing to measure
        print(f"bench_engine.py compares every row with micrograd 0.1.0, but {missing('micrograd')}")
        raise SystemExit(0)
    r = main(repeats)
    ours, mg = r["moons step"]
    print(
        f"moons step (2→16→16→1, 100 points): tinygrad_like {ours * 1e3:8.1f} ms   "
        f"micrograd {mg * 1e3:8.1f} ms   {mg / ours:6.1f}× faster"
    )
    ours, _ = r["chain 100,000"]
    print(
        f"chain of 100,000 iterations:        tinygrad_like {ours * 1e3:8.1f} ms   "
        f"micrograd RecursionError beyond {r['micrograd longest chain']} iterations"
    )
    ours, mg = r["sum of 100,000 products"]
    print(
        f"sum of 100,000 products:            tinygrad_like {ours * 1e3:8.1f} ms (forward+backward)   "
        f"micrograd {mg * 1e3:8.1f} ms (forward only: its backward hits RecursionError)"
    )
    ours, mg = r["bytes per node"]
    print(
        f"memory per node:                    tinygrad_like {ours:8.0f} B    micrograd {mg:8.0f} B   "
        f"{mg / ours:6.1f}× less"
    )
