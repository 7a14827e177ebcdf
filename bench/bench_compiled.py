"""The compiled program against micrograd, PyTorch and hand-written code, in one process.

    pip install -e ".[bench]" scikit-learn && python bench/bench_compiled.py

1. micrograd's moons step (2→16→16→1 relu/linear, 100 points, hinge + 1e-4·Σp², full batch,
   SGD): the compiled batch program against micrograd 0.1.0, PyTorch vectorized (float64),
   hand-written numpy, and the Value graph.
2. Nielsen's digits (64→16→10 sigmoid, quadratic cost, mini-batch 10, lr 3.0): seconds per
   epoch over 1,500 images and test accuracy, compiled and on the Value graph.
3. One sample on floats: the compiled program against hand-written plain Python
   forward + backward for the same network.
4. Compile time and memory of those programs.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
import tracemalloc

import numpy as np
from anchors import missing

from nn import MLP, accuracy, data, evaluate, fit, hinge_loss, quadratic_cost
from nn.compiled import compile_loss


def median_time(f, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def moons_setup():
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    return X, Y, model


def compiled_moons(X, Y, model):
    program = compile_loss(model, hinge_loss)
    params = model.parameters()
    x = np.asarray(X)
    columns = [x[:, 0].copy(), x[:, 1].copy(), np.asarray(Y, dtype=float)]

    def step():
        result = program(*columns)
        data_ = np.array([p.data for p in params])
        grads = np.asarray(result.grads) / len(X) + 2e-4 * data_  # hinge mean + ∂(1e-4·Σp²)/∂p
        for p, value in zip(params, (data_ - 0.1 * grads).tolist()):
            p.data = value

    return step


def value_moons(X, Y, model):
    from bench_engine import ours_moons_step  # the step bench_engine.py times

    return lambda: ours_moons_step(model, X, Y)


def micrograd_moons(X, Y):
    import micrograd.nn as mgnn
    from bench_engine import micrograd_moons_step  # the same step bench_engine.py times

    random.seed(1)
    model = mgnn.MLP(2, [16, 16, 1])
    return lambda: micrograd_moons_step(model, X, Y)


def torch_moons(X, Y):
    import torch

    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    shapes = [(2, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    params = [(torch.rand(s, generator=gen, dtype=torch.float64) * 2 - 1).requires_grad_() for s in shapes]

    def step():
        w1, b1, w2, b2, w3, b3 = params
        scores = (torch.relu(torch.relu(x @ w1 + b1) @ w2 + b2) @ w3 + b3).squeeze(1)
        loss = torch.relu(1 - y * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.1 * p.grad

    return step


def numpy_moons(X, Y):
    rng = np.random.default_rng(0)
    x, y = np.asarray(X), np.asarray(Y, dtype=float)
    w1, b1 = rng.uniform(-1, 1, (2, 16)), np.zeros(16)
    w2, b2 = rng.uniform(-1, 1, (16, 16)), np.zeros(16)
    w3, b3 = rng.uniform(-1, 1, (16, 1)), np.zeros(1)
    params = [w1, b1, w2, b2, w3, b3]

    def step():
        z1 = x @ w1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2 + b2
        a2 = np.maximum(z2, 0)
        s = (a2 @ w3 + b3)[:, 0]
        margin = 1 - y * s
        ds = np.where(margin > 0, -y, 0.0) / len(y)
        dz3 = ds[:, None]
        gw3, gb3 = a2.T @ dz3, dz3.sum(0)
        dz2 = (dz3 @ w3.T) * (z2 > 0)
        gw2, gb2 = a1.T @ dz2, dz2.sum(0)
        dz1 = (dz2 @ w2.T) * (z1 > 0)
        gw1, gb1 = x.T @ dz1, dz1.sum(0)
        for p, g in zip(params, (gw1, gb1, gw2, gb2, gw3, gb3)):
            p -= 0.1 * (g + 2e-4 * p)

    return step


def hand_written_sample(model):
    """Plain-Python forward + backward of hinge(model(x), t), written by hand with lists."""
    W = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    B = [[n.b.data for n in layer.neurons] for layer in model.layers]

    def run(x1, x2, t):
        a0 = [x1, x2]
        z1 = [sum(w * a for w, a in zip(row, a0)) + b for row, b in zip(W[0], B[0])]
        a1 = [z if z > 0 else 0.0 for z in z1]
        z2 = [sum(w * a for w, a in zip(row, a1)) + b for row, b in zip(W[1], B[1])]
        a2 = [z if z > 0 else 0.0 for z in z2]
        s = sum(w * a for w, a in zip(W[2][0], a2)) + B[2][0]
        loss = max(0.0, 1.0 - t * s)
        ds = -t if 1.0 - t * s > 0 else 0.0
        g3 = [ds * a for a in a2]
        da2 = [ds * w for w in W[2][0]]
        dz2 = [d if z > 0 else 0.0 for d, z in zip(da2, z2)]
        g2 = [[d * a for a in a1] for d in dz2]
        da1 = [sum(dz2[j] * W[1][j][k] for j in range(16)) for k in range(16)]
        dz1 = [d if z > 0 else 0.0 for d, z in zip(da1, z1)]
        g1 = [[d * a for a in a0] for d in dz1]
        return loss, g1, dz1, g2, dz2, g3, ds

    return run


def digits(compiled: bool, epochs: int):
    X, Y = data.digits("train")
    Xt, Yt = data.digits("test")
    model = MLP(64, [16, 10], seed=0)
    history = fit(
        model,
        X,
        Y,
        loss=quadratic_cost,
        lr=3.0,
        epochs=epochs,
        batch_size=10,
        progress=False,
        metric="accuracy",
        compiled=compiled,
    )
    assert history.compiled == compiled, history.note
    return history, evaluate(model, Xt, Yt, quadratic_cost, accuracy)[1]


def compile_cost(model, loss):
    tracemalloc.start()
    start = time.perf_counter()
    program = compile_loss(model, loss)
    _ = program.batch_source
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return program, seconds, peak


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    r = args.repeats

    X, Y, model = moons_setup()
    steps = {"compiled (batch program)": compiled_moons(X, Y, model), "hand-written numpy": numpy_moons(X, Y)}
    for module in ("torch", "micrograd"):
        if missing(module):
            print(f"({missing(module)})")
    if not missing("torch"):
        steps["PyTorch vectorized"] = torch_moons(X, Y)
    times = {name: [] for name in steps}
    for _ in range(r):  # interleaved, run by run
        for name, step in steps.items():
            times[name].append(median_time(step, 1))
    med = {name: statistics.median(t) for name, t in times.items()}
    med["Value graph"] = median_time(value_moons(*moons_setup()), 5)
    if not missing("micrograd"):
        med["micrograd 0.1.0"] = median_time(micrograd_moons(X, Y), 3)
    ours = med["compiled (batch program)"]
    print("1. moons step (2→16→16→1, 100 points, hinge + L2, backward, SGD)")
    for name, t in med.items():
        print(f"   {name:26s} {t * 1e3:9.3f} ms   {t / ours:8.2f}× the compiled time")
    if "micrograd 0.1.0" in med:
        print(f"   compiled is {med['micrograd 0.1.0'] / ours:.0f}× faster than micrograd")
    if "PyTorch vectorized" in med:
        print(f"   compiled is {med['PyTorch vectorized'] / ours:.2f}× PyTorch's speed (>1 = faster)")

    print(f"2. digits (64→16→10 sigmoid, quadratic cost, mini-batch 10, lr 3.0), {args.epochs} epochs")
    for compiled in () if missing("sklearn") else (True, False):
        history, test_accuracy = digits(compiled, args.epochs)
        label = "compiled   " if compiled else "Value graph"
        print(
            f"   {label} {statistics.median(history.seconds):6.3f} s/epoch   train accuracy per epoch "
            f"{[round(a, 4) for a in history.accuracy]}   test accuracy {test_accuracy:.1%}"
        )
    if missing("sklearn"):  # the digits come with scikit-learn
        print(f"   ({missing('sklearn')})")

    print("3. one sample on floats (the moons network, hinge loss)")
    program = compile_loss(model, hinge_loss)
    hand = hand_written_sample(model)
    samples = [(x[0], x[1], y) for x, y in zip(X, Y)]
    t_compiled = median_time(lambda: [program(*s) for s in samples], r) / len(samples)
    t_hand = median_time(lambda: [hand(*s) for s in samples], r) / len(samples)
    result, by_hand = program(*samples[0]), hand(*samples[0])
    assert math.isclose(result.loss, by_hand[0], rel_tol=1e-12, abs_tol=1e-15)
    print(
        f"   compiled {t_compiled * 1e6:7.1f} µs   hand-written plain Python {t_hand * 1e6:7.1f} µs   "
        f"ratio {t_compiled / t_hand:.2f}"
    )

    print("4. compile time and memory (trace + per-node source + batch source)")
    for name, (net, loss) in {
        "moons 2→16→16→1": (moons_setup()[2], hinge_loss),
        "digits 64→16→10": (MLP(64, [16, 10], seed=0), quadratic_cost),
    }.items():
        program, seconds, peak = compile_cost(net, loss)
        lines, batch_lines = program.source.count("\n"), program.batch_source.count("\n")
        print(
            f"   {name}: {seconds * 1e3:6.1f} ms, peak {peak / 1e6:5.2f} MB, {lines} lines per node, "
            f"{batch_lines} lines in matrices"
        )
