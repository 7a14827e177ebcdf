"""Training results, measured: the documents' and micrograd's networks really learn.

    pip install -e ".[bench]" scikit-learn && python bench/bench_training.py

1. micrograd's moons demo: 2→16→16→1 relu/linear, hinge loss + 1e-4·Σp², SGD with
   micrograd's schedule lr = 1 − 0.9·k/100: steps to 100% training accuracy (of 100).
2. XOR with the blog's 2-2-1 sigmoid network, E = ½Σ(y − t)², batch learning, h = 2.
3. Nielsen's setting on scikit-learn's digits: 64→16→10 sigmoid, quadratic cost,
   mini-batch 10, lr 3.0: test accuracy per epoch and wall time per epoch, beside
   micrograd's time for the same work (its Value has no sigmoid, so it runs the same
   network with relu; the cost of a step is the same graph size).
"""

from __future__ import annotations

import argparse
import random
import time

from anchors import missing

from nn import MLP, accuracy, data, evaluate, examples, fit, hinge_loss, quadratic_cost
from tinygrad_like import Value


def moons(max_steps: int = 100) -> tuple[int | None, float]:
    X, Y = data.moons(100, 0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    params = model.parameters()
    start = time.perf_counter()
    for step in range(max_steps):
        outputs = [model(x) for x in X]
        loss = hinge_loss(outputs, Y) + 1e-4 * Value.sum([p * p for p in params])
        if accuracy(outputs, Y) == 1.0:
            return step, (time.perf_counter() - start) / max(step, 1)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= (1.0 - 0.9 * step / 100) * p.grad
    return None, (time.perf_counter() - start) / max_steps


def xor(epochs: int = 2000) -> tuple[int | None, list[float]]:
    X, Y = data.xor()
    net = examples.two_layer(2, 2, seed=0)
    history = fit(net, X, Y, lr=2.0, epochs=epochs, progress=False, metric="accuracy", compiled=False)
    first_right = next((i + 1 for i, a in enumerate(history.accuracy) if a == 1.0), None)
    return first_right, [net(x).data for x in X]


def digits(epochs: int) -> tuple[list[float], list[float]]:
    X, Y = data.digits("train")
    Xt, Yt = data.digits("test")
    model = MLP(64, [16, 10], seed=0)
    accuracies, seconds = [], []
    for epoch in range(epochs):
        h = fit(
            model,
            X,
            Y,
            loss=quadratic_cost,
            lr=3.0,
            epochs=1,
            batch_size=10,
            progress=False,
            seed=epoch,
            compiled=False,
        )  # the Value graph: bench_compiled.py measures the compiled program
        seconds.append(h.seconds[0])
        accuracies.append(evaluate(model, Xt, Yt, quadratic_cost, accuracy)[1])
    return accuracies, seconds


def micrograd_digits_epoch(batches: int = 15) -> float:
    """micrograd's time for one epoch (150 mini-batches of 10), from ``batches`` of them."""
    import micrograd.engine as mg
    import micrograd.nn as mgnn

    X, Y = data.digits("train")
    random.seed(0)
    model = mgnn.MLP(64, [16, 10])
    start = time.perf_counter()
    for b in range(batches):
        batch = range(10 * b, 10 * b + 10)
        loss = mg.Value(0.0)
        for i in batch:
            out = model([mg.Value(v) for v in X[i]])
            loss = loss + sum(((o - t) ** 2 for o, t in zip(out, Y[i])), mg.Value(0.0)) * (0.5 / 10)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 3.0 * p.grad
    return (time.perf_counter() - start) / batches * 150


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="digits epochs")
    args = parser.parse_args()

    step, per_step = moons()
    print(
        f"moons (micrograd's demo): 100% training accuracy after {step} steps ({per_step * 1e3:.0f} ms/step)"
    )
    first, outputs = xor()
    print(
        f"XOR, blog's 2-2-1 sigmoid net, h = 2: all four right from epoch {first}; "
        f"after 2000 epochs y = {[round(y, 3) for y in outputs]}"
    )
    print(
        "digits, Nielsen's 64→16→10 sigmoid, quadratic cost, mini-batch 10, lr 3.0 (1,500 train / 297 test):"
    )
    if missing("sklearn"):  # the digits come with scikit-learn
        print(f"  ({missing('sklearn')})")
        raise SystemExit(0)
    accs, secs = digits(args.epochs)
    for e, (a, s) in enumerate(zip(accs, secs), 1):
        print(f"  epoch {e}: test accuracy {a:.1%}   {s:.2f} s")
    ours = sum(secs) / len(secs)
    why = missing("micrograd")
    if why:
        print(f"  micrograd: {why}")
    else:
        mg_epoch = micrograd_digits_epoch()
        print(f"  micrograd, the same work: {mg_epoch:.1f} s per epoch ({mg_epoch / ours:.1f}× slower)")
