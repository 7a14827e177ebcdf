"""Speed near the limit: every workload against its anchors, interleaved in one process.

    pip install -e ".[bench]" scikit-learn && python bench/bench_speed.py

Rows (issue 15): micrograd's moons step (100 points, full batch) and Nielsen's digits
mini-batch of 10, each on the Value graph, compiled (``compile_loss`` + ``batch_gradients``,
SGD in numpy), through ``fit(..., compiled=True)``, micrograd 0.1.0, PyTorch 2.13 vectorized
(float64, one thread), hand-written numpy and hand-written plain Python; ``batch_gradients``
against numpy's forward + backward; the fixed cost of one call of a compiled program; a long
chain built in the user's own loop; memory per node.

numpy's BLAS runs on one thread, as PyTorch does here (``OPENBLAS_NUM_THREADS=1`` unless set).
Contestants of a row run in turn, in a shuffled order each round, so all of them see the same
machine. Each time is the median over the rounds, with the spread (25th–75th percentile) and the
share of it spent in Python's cyclic garbage collector (timed with ``gc.callbacks``). A fast step
is run several times per measurement. Ratios within a row are the result; the machine's load
moves the milliseconds. Where an anchor is not installed the row says so and is skipped.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
import tracemalloc

# numpy's BLAS on one thread, as PyTorch's row (set before numpy loads it). With a pool, a large
# product (fit's loss over the whole set after each epoch) leaves worker threads spinning on the
# other core into the next epoch: CPU time counted against fit, and a core taken from the others.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import anchors  # noqa: E402
import numpy as np  # noqa: E402

from nn import MLP, SGD, data, fit, hinge_loss, quadratic_cost  # noqa: E402
from nn.compiled import batch_gradients, compile_loss  # noqa: E402
from tinygrad_like import Value, topological_order, trace  # noqa: E402

CLOCK = time.perf_counter  # --clock cpu: time.process_time, this process's CPU time


class GCClock:
    """Seconds spent in the cyclic garbage collector, summed from its start/stop callbacks."""

    def __init__(self) -> None:
        self.seconds, self._start = 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = CLOCK()
        else:
            self.seconds += CLOCK() - self._start

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


class OwnTime(float):
    """Seconds a contestant measured itself."""


def measure(step, calls: int) -> tuple[float, float]:
    """(seconds per call, share of them in the garbage collector) for ``calls`` calls of ``step``.

    A step that returns an ``OwnTime`` has timed itself (fit: its History's epoch time, without the
    set-up and the epoch's loss): that number is its time.
    """
    own = 0.0
    with GCClock() as clock:
        start = CLOCK()
        for _ in range(calls):
            timed = step()
            if isinstance(timed, OwnTime):
                own += timed
        seconds = CLOCK() - start
    return (own or seconds) / calls, clock.seconds / seconds if seconds else 0.0


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
    """compile_loss + batch_gradients, data and parameters in arrays, the update (with the penalty's
    2·l2·p) in numpy: a user's own loop."""
    program = compile_loss(model, loss)
    rows = range(len(X))
    x, y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    theta = np.array([p.data for p in model.parameters()])

    def step():
        _, grads = batch_gradients(program, loss, x, y, rows, params=theta)
        theta[:] -= lr * (grads + 2 * l2 * theta)

    return step


def fit_step(model, loss, X, Y, lr, l2, batch_size, steps):
    """fit(..., compiled=True) for one epoch: times itself, by History.seconds, per step. The
    penalty l2·Σp² enters as SGD's weight decay 2·l2, its gradient, so fit takes the others' steps."""
    optimizer = SGD(model.parameters(), lr=lr, weight_decay=2 * l2)

    def step():
        history = fit(
            model,
            X,
            Y,
            loss=loss,
            epochs=1,
            batch_size=batch_size,
            optimizer=optimizer,
            progress=False,
            compiled=True,
        )
        assert history.compiled, history.note
        seconds = history.cpu_seconds if CLOCK is time.process_time else history.seconds
        return OwnTime(seconds[0] / steps)

    return step


FIT = "fit(compiled=True), History.seconds"
TORCH = "PyTorch vectorized (float64, 1 thread)"
MICROGRAD = "micrograd 0.1.0"


def training_row(name, sizes, loss, l2, X, Y, lr, batch, rounds, activation, output_activation):
    """One workload: a step of every contestant, and fit's epoch beside the others'."""
    Xb, Yb = [X[i] for i in batch], [Y[i] for i in batch]
    moons = name.startswith("moons")
    kind = "moons" if moons else "digits"

    def mlp():
        return MLP(
            sizes[0], list(sizes[1:]), activation=activation, output_activation=output_activation, seed=1
        )

    steps = {}
    model = mlp()
    steps["Value graph"] = value_step(model, with_l2(loss, model, l2), Xb, Yb, lr)
    steps["compiled (batch_gradients + numpy SGD)"] = compiled_step(mlp(), loss, Xb, Yb, lr, l2)
    # fit: one call trains one epoch over the whole set (moons: one full-batch step)
    steps_per_epoch = 1 if moons else len(X) // len(batch)
    steps[FIT] = fit_step(mlp(), loss, X, Y, lr, l2, None if moons else len(batch), steps_per_epoch)
    for anchor, module in (("micrograd", "micrograd"), ("torch", "torch")):
        why = anchors.missing(module)
        if why:
            print(f"  ({why})")
            continue
        label = MICROGRAD if anchor == "micrograd" else TORCH
        steps[label] = getattr(anchors, f"{anchor}_{kind}_step")(Xb, Yb)
    steps["hand-written numpy"] = getattr(anchors, f"numpy_{kind}_step")(Xb, Yb)
    steps["hand-written Python"] = getattr(anchors, f"python_{kind}_step")(Xb, Yb)
    slow = {k: steps.pop(k) for k in (MICROGRAD,) if k in steps}
    result = interleaved(steps, rounds)
    if slow:
        result.update(interleaved(slow, max(3, rounds // 5), target=0))
    report(name, result, "hand-written numpy", epoch_steps=steps_per_epoch if not moons else 0)
    return result


def gradients_row(rounds):
    """batch_gradients (data and parameters in arrays) against numpy's forward + backward on moons,
    and the fixed cost of one call of a compiled program."""
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    loss = hinge_loss
    program = compile_loss(model, loss)
    rows = range(len(X))
    x, y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    theta = np.array([p.data for p in model.parameters()])
    numpy_gradients, _ = anchors.numpy_moons_gradients(X, Y, l2=0.0)
    result = interleaved(
        {
            "batch_gradients": lambda: batch_gradients(program, loss, x, y, rows, params=theta),
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
    one, rows_of_one, numbers = np.array([1.0]), np.array([[1.0]]), np.array([0.5])
    fixed = interleaved(
        {
            "Program.batch(rows, params)": lambda: tiny.batch(rows_of_one, numbers),
            "program(array), checked": lambda: tiny(one),
            "program(float)": lambda: tiny(1.0),
        },
        rounds,
    )
    report(
        "fixed cost of one call of a compiled program: a one-node program (goal ≤ 50 µs)",
        fixed,
        "Program.batch(rows, params)",
    )
    return result, fixed


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
            start = CLOCK()
            y = user_chain(n)
            middle = CLOCK()
            y.backward()
            end = CLOCK()
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
    return t, statistics.median(shares)


def graph_memory(build, count) -> tuple[int, int]:
    """(bytes allocated while the graph is built, its number of nodes, leaves included)."""
    gc.collect()
    tracemalloc.start()
    root = build()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = count(root)
    del root
    return size, nodes


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
        "moons loss graph": graph_memory(
            lambda: loss([model(x) for x in X], Y), lambda r: len(topological_order(r))
        ),
        "chain of 20,000": graph_memory(lambda: user_chain(10_000), lambda r: len(topological_order(r))),
    }
    why = anchors.missing("micrograd")
    if why:
        for name, (size, nodes) in ours.items():
            print(f"  {name:20s} tinygrad_like {size / nodes:6.0f} B × {nodes:,} nodes   ({why})")
        return None
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
        "moons loss graph": graph_memory(mg_moons, micrograd_nodes),
        "chain of 20,000": graph_memory(mg_chain, micrograd_nodes),
    }
    for name in ours:
        (size, nodes), (their_size, their_nodes) = ours[name], theirs[name]
        share = (size / nodes) / (their_size / their_nodes)
        print(
            f"  {name:20s} tinygrad_like {size / nodes:6.0f} B × {nodes:6,} nodes   "
            f"micrograd {their_size / their_nodes:6.0f} B × {their_nodes:6,} nodes   per node {share:4.0%}, "
            f"whole graph {size / 1e6:.2f} / {their_size / 1e6:.2f} MB = {size / their_size:.1%}"
        )
    return {name: (ours[name], theirs[name]) for name in ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="measurements of each contestant (median)")
    parser.add_argument(
        "--markdown", action="store_true", help="also print the README's performance tables, from this run"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: time.perf_counter; cpu: time.process_time, this process's CPU time (steadier when busy)",
    )
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    load = os.getloadavg()[0]
    print(
        f"load average {load:.2f} on {os.cpu_count()} cores; clock: {args.clock}; "
        f"numpy's BLAS threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}"
    )
    # The anchors' modules (torch's are many) go to the permanent generation, so that a collection
    # scans what the workload made, as in a process that imported only this library.
    for module in ("torch", "micrograd.nn"):
        if not anchors.missing(module.split(".")[0]):
            __import__(module)
    gc.collect()
    gc.freeze()
    rows = {}
    X, Y = data.moons(100, 0.1, seed=0)
    rows["moons"] = training_row(
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
    if why:
        print(f"\ndigits: {why}")
    else:
        X, Y = data.digits("train")
        rows["digits"] = training_row(
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
    gradients, fixed = gradients_row(args.rounds)
    chain = chain_row(max(3, args.rounds // 3))
    memory = memory_row()
    end_load = os.getloadavg()[0]
    goals = goal_lines(rows, gradients, fixed, chain, memory)
    print("\nratios against the issue's goals")
    for what, goal, measured, met in goals:
        print(f"  {what:58s} {measured:>16s}   goal {goal:10s} {'met' if met else 'NOT met'}")
    print(f"  load average at the start {load:.2f}, at the end {end_load:.2f}")
    if args.markdown:
        print("\n" + markdown(rows, goals, load, end_load, args.rounds, args.clock))


def goal_lines(rows, gradients, fixed, chain, memory) -> list[tuple[str, str, str, bool]]:
    """(what, goal, measured, met) for every ratio the issue sets a goal for."""
    lines = []
    for name, result in rows.items():
        fit_t, numpy_t = result[FIT][0], result["hand-written numpy"][0]
        lines.append(
            (
                f"{name}: fit(compiled=True) / hand-written numpy",
                "≤ 2",
                f"{fit_t / numpy_t:.2f}×",
                fit_t / numpy_t <= 2,
            )
        )
        if TORCH in result:
            r = result[TORCH][0] / fit_t
            lines.append((f"{name}: PyTorch vectorized / fit(compiled=True)", "≥ 1.3", f"{r:.2f}×", r >= 1.3))
        if MICROGRAD in result and name == "moons":
            r = result[MICROGRAD][0] / result["Value graph"][0]
            lines.append((f"{name}: micrograd / Value graph", "≥ 30", f"{r:.1f}×", r >= 30))
        r = result["Value graph"][0] / result["hand-written Python"][0]
        lines.append((f"{name}: Value graph / hand-written Python", "lower", f"{r:.2f}×", True))
    r = gradients["batch_gradients"][0] / gradients["hand-written numpy forward + backward"][0]
    lines.append(("moons: batch_gradients / numpy forward + backward", "≤ 1.5", f"{r:.2f}×", r <= 1.5))
    for name, (t, *_rest) in fixed.items():
        if name != "program(float)":
            lines.append((f"fixed cost of one call, {name}", "≤ 50 µs", f"{t * 1e6:.1f} µs", t <= 50e-6))
    per_node, share = chain
    lines.append(
        ("chain of 2·10⁵ nodes in a user loop: µs per node", "≤ 1.5", f"{per_node:.2f} µs", per_node <= 1.5)
    )
    lines.append(("chain of 2·10⁵ nodes in a user loop: share in gc", "< 15%", f"{share:.0%}", share < 0.15))
    for name, ((size, nodes), (their_size, their_nodes)) in (memory or {}).items():
        ours, theirs = size / nodes, their_size / their_nodes
        lines.append(
            (
                f"memory per node, {name}: ours / micrograd's",
                "≤ 25%",
                f"{ours:.0f} / {theirs:.0f} B = {ours / theirs:.0%}",
                ours / theirs <= 0.25,
            )
        )
        if name.startswith("moons"):  # a neuron's z is one node here, 2n of micrograd's
            lines.append(
                (
                    f"memory of the whole {name} ({nodes:,} / {their_nodes:,} nodes): ours / micrograd's",
                    "—",
                    f"{size / 1e6:.2f} / {their_size / 1e6:.1f} MB = {size / their_size:.1%}",
                    True,
                )
            )
    return lines


def markdown(rows, goals, load, end_load, rounds, clock) -> str:
    """The README's performance tables: times per step, and the ratios against the goals."""
    columns = [
        "Value graph",
        FIT,
        "compiled (batch_gradients + numpy SGD)",
        MICROGRAD,
        TORCH,
        "hand-written numpy",
        "hand-written Python",
    ]
    heads = [
        "Value graph",
        "`fit(compiled=True)`",
        "`batch_gradients` + numpy SGD",
        "micrograd 0.1.0",
        "PyTorch vectorized",
        "hand-written numpy",
        "hand-written Python",
    ]
    names = {
        "moons": "moons step (micrograd's demo, 100 points, full batch)",
        "digits": "digits mini-batch of 10 (Nielsen's setting)",
    }
    out = [f"| workload | {' | '.join(heads)} |", "|---" * (len(heads) + 1) + "|"]
    for name, result in rows.items():
        cells = [ms(result[c][0]) if c in result else "not installed" for c in columns]
        out.append(f"| {names[name]} | {' | '.join(cells)} |")
        if name == "digits":
            epoch = [ms(result[c][0] * 150) if c in result else "not installed" for c in columns]
            out.append(f"| digits epoch (150 mini-batches, 1,500 images) | {' | '.join(epoch)} |")
    out += ["", "| ratio | goal | measured |", "|---|---|---|"]
    out += [f"| {what} | {goal} | {measured} |" for what, goal, measured, _ in goals]
    out.append("")
    out.append(
        f"Medians of {rounds} rounds ({'CPU time of the process' if clock == 'cpu' else 'wall-clock time'}), "
        f"the contestants of a row interleaved in one process; load average "
        f"{load:.2f} at the start and {end_load:.2f} at the end, on {os.cpu_count()} cores; numpy's BLAS "
        f"on OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} thread(s), PyTorch on one."
    )
    return "\n".join(out)


if __name__ == "__main__":
    main()
