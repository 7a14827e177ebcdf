"""Speed near the limit: every workload against its anchors, interleaved in one process.

    pip install -e ".[bench]" scikit-learn && python bench/bench_speed.py

Rows (issue 15): micrograd's moons step (100 points, full batch) and Nielsen's digits
mini-batch of 10, each on the Value graph, compiled (``compile_loss`` + ``batch_gradients``,
SGD in numpy), through ``fit(..., compiled=True)``, micrograd 0.1.0, PyTorch 2.13 vectorized
(float64, one thread), hand-written numpy and hand-written plain Python; ``batch_gradients``
against numpy's forward + backward; the fixed cost of one call of a compiled program; a long
chain built in the user's own loop; memory per node.

Contestants of a row run in turn, in a shuffled order each round, so all of them see the same
machine. Each time is the median over the rounds, with the spread (25th–75th percentile) and the
share of it spent in Python's cyclic garbage collector (timed with ``gc.callbacks``). A fast step
is run several times per measurement. Ratios within a row are the result; the machine's load
moves the milliseconds. Where an anchor is not installed the row says so and is skipped.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import random
import statistics
import time
import tracemalloc

import anchors
import numpy as np

from nn import MLP, data, fit, hinge_loss, quadratic_cost
from nn.compiled import batch_gradients, compile_loss
from tinygrad_like import Value, topological_order, trace


class GCClock:
    """Seconds spent in the cyclic garbage collector, summed from its start/stop callbacks."""

    def __init__(self) -> None:
        self.seconds, self._start = 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


def measure(step, calls: int) -> tuple[float, float]:
    """(seconds per call, share of them in the garbage collector) for ``calls`` calls of ``step``."""
    with GCClock() as clock:
        start = time.perf_counter()
        for _ in range(calls):
            step()
        seconds = time.perf_counter() - start
    return seconds / calls, clock.seconds / seconds if seconds else 0.0


def interleaved(steps: dict, rounds: int, target: float = 0.02) -> dict:
    """Per contestant: (median seconds, 25th and 75th percentile, median gc share), run in turn."""
    calls = {}
    for name, step in steps.items():  # warm up, and enough calls for ~20 ms per measurement
        seconds, _ = measure(step, 1)
        calls[name] = max(1, round(target / max(seconds, 1e-9)))
    times = {name: [] for name in steps}
    shares = {name: [] for name in steps}
    order = list(steps)
    rng = random.Random(0)
    for _ in range(rounds):
        rng.shuffle(order)
        for name in order:
            seconds, share = measure(steps[name], calls[name])
            times[name].append(seconds)
            shares[name].append(share)
    result = {}
    for name in steps:
        q = statistics.quantiles(times[name], n=4) if rounds > 1 else [times[name][0]] * 3
        result[name] = (statistics.median(times[name]), q[0], q[2], statistics.median(shares[name]))
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def report(title: str, result: dict, reference: str, epoch_steps: int = 0) -> None:
    print(f"\n{title}")
    ref = result[reference][0]
    for name, (med, q1, q3, share) in result.items():
        epoch = f"   epoch {ms(med * epoch_steps):>11s}" if epoch_steps else ""
        print(
            f"  {name:34s} {ms(med):>11s}  ({ms(q1)} – {ms(q3)})  gc {share:4.0%}"
            f"   {med / ref:8.2f}× {reference}{epoch}"
        )


# ---- our contestants ------------------------------------------------------------------------------


def with_l2(loss, model, l2):
    """``loss`` + l2·Σp² over the model's parameters (micrograd's objective for hinge, l2 = 1e-4)."""
    if not l2:
        return loss
    params = model.parameters()
    return lambda outputs, targets: loss(outputs, targets) + l2 * Value.sum([p * p for p in params])


def value_step(model, loss, X, Y, lr):
    params = model.parameters()

    def step():
        value = loss([model(x) for x in X], Y)
        model.zero_grad()
        value.backward()
        for p in params:
            p.data -= lr * p.grad

    return step


def compiled_step(model, loss, X, Y, lr, l2):
    """compile_loss + batch_gradients, the update (with the penalty's 2·l2·p) in numpy: a user's own loop."""
    program = compile_loss(model, loss)
    rows = range(len(X))
    if "params" in inspect.signature(batch_gradients).parameters:  # parameters kept in one array
        theta = np.array([p.data for p in model.parameters()])

        def step():
            _, grads = batch_gradients(program, loss, X, Y, rows, params=theta)
            theta[:] -= lr * (grads + 2 * l2 * theta)

        return step
    params = model.parameters()

    def step():
        _, grads = batch_gradients(program, loss, X, Y, rows)
        theta = np.array([p.data for p in params])
        theta -= lr * (np.asarray(grads) + 2 * l2 * theta)
        for p, value in zip(params, theta.tolist()):
            p.data = value

    return step


def fit_epoch(model, loss, X, Y, lr, batch_size, epochs=1):
    """fit(..., compiled=True): the wall time of one call, and the epochs' own times from History."""
    seconds = []

    def call():
        history = fit(
            model, X, Y, loss=loss, lr=lr, epochs=epochs, batch_size=batch_size, progress=False, compiled=True
        )
        assert history.compiled, history.note
        seconds.extend(history.seconds)

    return call, seconds


def training_row(name, sizes, loss, l2, X, Y, lr, batch, rounds, activation, output_activation):
    """One workload: a step of every contestant, and fit's epoch beside the others'."""
    Xb, Yb = [X[i] for i in batch], [Y[i] for i in batch]
    moons = name.startswith("moons")
    steps = {}
    model = MLP(sizes[0], list(sizes[1:]), activation=activation, output_activation=output_activation, seed=1)
    steps["Value graph"] = value_step(model, with_l2(loss, model, l2), Xb, Yb, lr)
    model = MLP(sizes[0], list(sizes[1:]), activation=activation, output_activation=output_activation, seed=1)
    steps["compiled (batch_gradients + numpy SGD)"] = compiled_step(model, loss, Xb, Yb, lr, l2)
    for anchor, module in (("micrograd", "micrograd"), ("torch", "torch")):
        why = anchors.missing(module)
        if why:
            print(f"  ({why})")
            continue
        label = "micrograd 0.1.0" if anchor == "micrograd" else "PyTorch vectorized (float64, 1 thread)"
        steps[label] = getattr(anchors, f"{anchor}_{'moons' if moons else 'digits'}_step")(Xb, Yb)
    steps["hand-written numpy"] = getattr(anchors, f"numpy_{'moons' if moons else 'digits'}_step")(Xb, Yb)
    steps["hand-written Python"] = getattr(anchors, f"python_{'moons' if moons else 'digits'}_step")(Xb, Yb)
    slow = {k: steps.pop(k) for k in ("micrograd 0.1.0",) if k in steps}
    result = interleaved(steps, rounds)
    if slow:
        result.update(interleaved(slow, max(3, rounds // 5), target=0))

    # fit: one call trains one epoch over the whole set (moons: one full-batch step per epoch)
    model = MLP(sizes[0], list(sizes[1:]), activation=activation, output_activation=output_activation, seed=1)
    epochs = 20 if moons else 1
    call, seconds = fit_epoch(model, loss, X, Y, lr, None if moons else len(batch), epochs)
    walls = []
    for _ in range(max(3, rounds // 3)):
        start = time.perf_counter()
        call()
        walls.append((time.perf_counter() - start) / epochs)
    steps_per_epoch = 1 if moons else len(X) // len(batch)
    epoch = statistics.median(seconds)
    q = statistics.quantiles(seconds, n=4)
    result["fit(compiled=True), History.seconds"] = (
        epoch / steps_per_epoch,
        q[0] / steps_per_epoch,
        q[2] / steps_per_epoch,
        0.0,
    )
    report(name, result, "hand-written numpy", epoch_steps=steps_per_epoch if not moons else 0)
    if l2:
        print(f"  (fit minimizes {loss.__name__} without the {l2:g}·Σp² term: fit has no penalty)")
    wall = ms(statistics.median(walls))
    print(f"  fit(compiled=True) wall time per epoch, tracing and the epoch's loss included: {wall}")
    return result


def gradients_row(rounds):
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    loss = hinge_loss
    program = compile_loss(model, loss)
    rows = range(len(X))
    numpy_gradients, _ = anchors.numpy_moons_gradients(X, Y, l2=0.0)
    result = interleaved(
        {
            "batch_gradients": lambda: batch_gradients(program, loss, X, Y, rows),
            "hand-written numpy forward + backward": numpy_gradients,
        },
        rounds,
    )
    report(
        "batch_gradients on moons (forward + backward, 100 points)",
        result,
        "hand-written numpy forward + backward",
    )

    w = Value(0.5, label="w")
    tiny = trace(lambda x: w * x, [w], x=1.0)
    one = np.array([1.0])
    result = interleaved(
        {"one-node program, batch of one": lambda: tiny(one), "on a float": lambda: tiny(1.0)}, rounds
    )
    report(
        "fixed cost of one call of a compiled program (goal ≤ 50 µs)",
        result,
        "one-node program, batch of one",
    )


def user_chain(n):
    y = Value(1.0)
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return y


def chain_row(rounds, n=100_000):
    """y = y·1.0001 + 0.0001 in the user's own loop: 2n operation nodes, then backward."""
    forward, backward, shares = [], [], []
    for _ in range(rounds):
        with GCClock() as clock:
            start = time.perf_counter()
            y = user_chain(n)
            middle = time.perf_counter()
            y.backward()
            end = time.perf_counter()
        del y
        forward.append(middle - start)
        backward.append(end - middle)
        shares.append(clock.seconds / (end - start))
    total = [f + b for f, b in zip(forward, backward)]
    per = 1e6 / (2 * n)
    print(
        f"\nchain y = y·1.0001 + 0.0001 built in a user loop, {2 * n:,} nodes (goal ≤ 1.5 µs/node, gc < 15%)"
    )
    f, b, t = (statistics.median(x) * per for x in (forward, backward, total))
    print(
        f"  {t:.2f} µs per node (forward {f:.2f}, backward {b:.2f}; "
        f"runs {min(total) * per:.2f}–{max(total) * per:.2f})   gc {statistics.median(shares):.0%}"
    )


def bytes_per_node(build, count) -> float:
    gc.collect()
    tracemalloc.start()
    root = build()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = count(root)
    del root
    return size / nodes


def micrograd_nodes(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for c in stack.pop()._prev:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return len(seen)


def memory_row():
    print("\nmemory per node (tracemalloc over building the graph; goal ≤ ¼ of micrograd's)")
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    loss = with_l2(hinge_loss, model, 1e-4)
    ours = {
        "moons loss graph": bytes_per_node(
            lambda: loss([model(x) for x in X], Y), lambda r: len(topological_order(r))
        ),
        "chain of 20,000": bytes_per_node(lambda: user_chain(10_000), lambda r: len(topological_order(r))),
    }
    why = anchors.missing("micrograd")
    if why:
        for name, b in ours.items():
            print(f"  {name:20s} tinygrad_like {b:6.0f} B   ({why})")
        return
    import micrograd.engine as mg
    import micrograd.nn as mgnn

    random.seed(1)
    mg_model = mgnn.MLP(2, [16, 16, 1])

    def mg_moons():
        scores = [mg_model(list(map(mg.Value, x))) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in mg_model.parameters())

    def mg_chain():
        y = mg.Value(1.0)
        for _ in range(10_000):
            y = y * 1.0001 + 0.0001
        return y

    theirs = {
        "moons loss graph": bytes_per_node(mg_moons, micrograd_nodes),
        "chain of 20,000": bytes_per_node(mg_chain, micrograd_nodes),
    }
    for name in ours:
        share = ours[name] / theirs[name]
        print(
            f"  {name:20s} tinygrad_like {ours[name]:6.0f} B   micrograd {theirs[name]:6.0f} B   {share:5.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="measurements of each contestant (median)")
    args = parser.parse_args()
    import os

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    # The anchors' modules (torch's are many) go to the permanent generation, so that a collection
    # scans what the workload made, as in a process that imported only this library.
    for module in ("torch", "micrograd.nn"):
        if not anchors.missing(module.split(".")[0]):
            __import__(module)
    gc.collect()
    gc.freeze()
    X, Y = data.moons(100, 0.1, seed=0)
    moons = training_row(
        "moons step (2→16→16→1, 100 points, hinge + 1e-4·Σp², SGD)",
        anchors.MOONS,
        hinge_loss,
        1e-4,
        X,
        Y,
        0.1,
        range(100),
        args.rounds,
        "relu",
        "linear",
    )
    why = anchors.missing("sklearn")
    digits = None
    if why:
        print(f"\ndigits: {why}")
    else:
        X, Y = data.digits("train")
        digits = training_row(
            "digits mini-batch of 10 (64→16→10 sigmoid, quadratic cost, lr 3.0); epoch = 150 mini-batches",
            anchors.DIGITS,
            quadratic_cost,
            0.0,
            X,
            Y,
            3.0,
            range(10),
            args.rounds,
            "sigmoid",
            None,
        )
    gradients_row(args.rounds)
    chain_row(max(3, args.rounds // 3))
    memory_row()
    print("\nratios")
    for name, result in (("moons", moons), ("digits", digits)):
        if result is None:
            continue
        fit_t = result["fit(compiled=True), History.seconds"][0]
        line = f"  {name}: fit / numpy {fit_t / result['hand-written numpy'][0]:.2f}"
        torch_name = "PyTorch vectorized (float64, 1 thread)"
        if torch_name in result:
            line += f", PyTorch / fit {result[torch_name][0] / fit_t:.2f}"
        if "micrograd 0.1.0" in result:
            line += f", micrograd / Value graph {result['micrograd 0.1.0'][0] / result['Value graph'][0]:.1f}"
        python = result["Value graph"][0] / result["hand-written Python"][0]
        line += f", Value graph / hand-written Python {python:.2f}"
        print(line)
    print(f"  load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
