"""The anchors the benchmarks measure against: the same steps written with other tools.

Each ``*_step(...)`` function prepares a model and returns a function of no arguments that does
one training step (forward, backward, update) on the given batch. micrograd and PyTorch are
optional: ``missing(name)`` says how to install what is absent, and callers skip that row.

The networks: micrograd's moons classifier (2→16→16→1, relu with a linear output, hinge loss
+ 1e-4·Σp², SGD with lr 0.1) and Nielsen's digits network (64→16→10 sigmoid, quadratic cost,
lr 3.0). Weights start uniform in [−1, 1], biases at 0, as ``nn.MLP`` starts them.
"""

from __future__ import annotations

import importlib.util
import math
import random
from operator import mul

import numpy as np

MOONS = (2, 16, 16, 1)
DIGITS = (64, 16, 10)


def missing(module: str) -> str:
    """'' when ``module`` can be imported, else a message saying what to install."""
    if importlib.util.find_spec(module) is not None:
        return ""
    package = {"micrograd": "micrograd==0.1.0", "torch": "torch==2.13.0", "sklearn": "scikit-learn"}[module]
    return f"{module} is not installed (pip install {package}): its row is skipped"


def _weights(sizes, seed):
    """Per layer a list of rows (one per neuron) of uniform weights, and zero biases."""
    rng = random.Random(seed)
    ws = [[[rng.uniform(-1, 1) for _ in range(a)] for _ in range(b)] for a, b in zip(sizes, sizes[1:])]
    return ws, [[0.0] * b for b in sizes[1:]]


# ---- micrograd 0.1.0 ------------------------------------------------------------------------------


def micrograd_moons_step(X, Y, seed=1):
    """micrograd's demo.ipynb loss and update, written as there."""
    import micrograd.engine as mg
    import micrograd.nn as mgnn

    random.seed(seed)
    model = mgnn.MLP(2, [16, 16, 1])

    def step():
        inputs = [list(map(mg.Value, x)) for x in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad

    return step


def micrograd_digits_step(X, Y, seed=0):
    """Nielsen's mini-batch in micrograd; its Value has no exp, so relu stands for sigmoid
    (the same graph size, one node per activation)."""
    import micrograd.engine as mg
    import micrograd.nn as mgnn

    random.seed(seed)
    model = mgnn.MLP(64, [16, 10])

    def step():
        loss = mg.Value(0.0)
        for x, y in zip(X, Y):
            out = model([mg.Value(v) for v in x])
            loss = loss + sum(((o - t) ** 2 for o, t in zip(out, y)), mg.Value(0.0)) * (0.5 / len(X))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 3.0 * p.grad

    return step


# ---- PyTorch, vectorized, float64, one thread -----------------------------------------------------


def _torch_params(sizes, seed):
    import torch

    torch.set_num_threads(1)
    ws, bs = _weights(sizes, seed)
    params = []
    for w, b in zip(ws, bs):
        params += [torch.tensor(w, dtype=torch.float64).T.contiguous(), torch.tensor(b, dtype=torch.float64)]
    return [p.requires_grad_() for p in params]


def torch_moons_step(X, Y, seed=1):
    import torch

    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    params = _torch_params(MOONS, seed)

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


def torch_digits_step(X, Y, seed=0):
    import torch

    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    params = _torch_params(DIGITS, seed)

    def step():
        w1, b1, w2, b2 = params
        a2 = torch.sigmoid(torch.sigmoid(x @ w1 + b1) @ w2 + b2)
        loss = 0.5 * ((a2 - y) ** 2).sum() / len(x)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 3.0 * p.grad

    return step


# ---- hand-written numpy: samples as rows ----------------------------------------------------------


def _numpy_params(sizes, seed):
    ws, bs = _weights(sizes, seed)
    return [a for w, b in zip(ws, bs) for a in (np.array(w).T.copy(), np.array(b))]


def numpy_moons_gradients(X, Y, seed=1, l2=1e-4):
    """Forward and backward only: (loss, gradients) for the moons batch, and the parameters."""
    x, y = np.asarray(X), np.asarray(Y, dtype=float)
    params = _numpy_params(MOONS, seed)
    w1, b1, w2, b2, w3, b3 = params

    def gradients():
        z1 = x @ w1 + b1
        a1 = np.maximum(z1, 0.0)
        z2 = a1 @ w2 + b2
        a2 = np.maximum(z2, 0.0)
        s = (a2 @ w3 + b3)[:, 0]
        margin = 1.0 - y * s
        loss = np.maximum(margin, 0.0).mean()
        dz3 = (np.where(margin > 0, -y, 0.0) / len(y))[:, None]
        dz2 = (dz3 @ w3.T) * (z2 > 0)
        dz1 = (dz2 @ w2.T) * (z1 > 0)
        grads = (x.T @ dz1, dz1.sum(0), a1.T @ dz2, dz2.sum(0), a2.T @ dz3, dz3.sum(0))
        if not l2:
            return loss, grads
        return loss + l2 * sum((p * p).sum() for p in params), [g + 2 * l2 * p for g, p in zip(grads, params)]

    return gradients, params


def numpy_moons_step(X, Y, seed=1):
    gradients, params = numpy_moons_gradients(X, Y, seed)

    def step():
        for p, g in zip(params, gradients()[1]):
            p -= 0.1 * g

    return step


def numpy_digits_step(X, Y, seed=0):
    x, y = np.asarray(X), np.asarray(Y, dtype=float)
    params = _numpy_params(DIGITS, seed)
    w1, b1, w2, b2 = params

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def step():
        a1 = sigmoid(x @ w1 + b1)
        a2 = sigmoid(a1 @ w2 + b2)
        d2 = (a2 - y) * a2 * (1.0 - a2) / len(x)  # BP1, with the 1/n of the mean
        d1 = (d2 @ w2.T) * a1 * (1.0 - a1)  # BP2
        for p, g in zip(params, (x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0))):  # BP3, BP4
            p -= 3.0 * g

    return step


# ---- hand-written plain Python: lists of floats ---------------------------------------------------


def python_moons_step(X, Y, seed=1):
    (W1, W2, W3), (B1, B2, B3) = _weights(MOONS, seed)
    n = len(X)

    def step():
        gW1 = [[0.0, 0.0] for _ in W1]
        gW2 = [[0.0] * 16 for _ in W2]
        gW3, gB1, gB2, gB3 = [0.0] * 16, [0.0] * 16, [0.0] * 16, [0.0]
        for x, t in zip(X, Y):
            z1 = [sum(map(mul, w, x)) + b for w, b in zip(W1, B1)]
            a1 = [z if z > 0 else 0.0 for z in z1]
            z2 = [sum(map(mul, w, a1)) + b for w, b in zip(W2, B2)]
            a2 = [z if z > 0 else 0.0 for z in z2]
            s = sum(map(mul, W3[0], a2)) + B3[0]
            if 1.0 - t * s <= 0:
                continue  # hinge: no gradient from a sample beyond the margin
            ds = -t / n
            gB3[0] += ds
            d2 = [ds * w if z > 0 else 0.0 for w, z in zip(W3[0], z2)]
            for k in range(16):
                gW3[k] += ds * a2[k]
            d1 = [0.0] * 16
            for j, d in enumerate(d2):
                if d:
                    gB2[j] += d
                    row, grow = W2[j], gW2[j]
                    for k in range(16):
                        grow[k] += d * a1[k]
                        d1[k] += d * row[k]
            for j, (d, z) in enumerate(zip(d1, z1)):
                if z > 0:
                    gB1[j] += d
                    gW1[j][0] += d * x[0]
                    gW1[j][1] += d * x[1]
        for W, G in ((W1, gW1), (W2, gW2), ([W3[0]], [gW3])):
            for row, grow in zip(W, G):
                for k, g in enumerate(grow):
                    row[k] -= 0.1 * (g + 2e-4 * row[k])
        for B, G in ((B1, gB1), (B2, gB2), (B3, gB3)):
            for j, g in enumerate(G):
                B[j] -= 0.1 * (g + 2e-4 * B[j])

    return step


def python_digits_step(X, Y, seed=0):
    (W1, W2), (B1, B2) = _weights(DIGITS, seed)
    n = len(X)

    def sigmoid(z):
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def step():
        gW1 = [[0.0] * 64 for _ in W1]
        gW2 = [[0.0] * 16 for _ in W2]
        gB1, gB2 = [0.0] * 16, [0.0] * 10
        for x, y in zip(X, Y):
            a1 = [sigmoid(sum(map(mul, w, x)) + b) for w, b in zip(W1, B1)]
            a2 = [sigmoid(sum(map(mul, w, a1)) + b) for w, b in zip(W2, B2)]
            d2 = [(a - t) * a * (1.0 - a) / n for a, t in zip(a2, y)]  # BP1
            d1 = [0.0] * 16
            for j, d in enumerate(d2):
                gB2[j] += d
                row, grow = W2[j], gW2[j]
                for k in range(16):
                    grow[k] += d * a1[k]
                    d1[k] += d * row[k]
            for k, a in enumerate(a1):
                d = d1[k] * a * (1.0 - a)  # BP2
                gB1[k] += d
                grow = gW1[k]
                for i in range(64):
                    grow[i] += d * x[i]
        for W, G in ((W1, gW1), (W2, gW2)):
            for row, grow in zip(W, G):
                for k, g in enumerate(grow):
                    row[k] -= 3.0 * g
        for B, G in ((B1, gB1), (B2, gB2)):
            for j, g in enumerate(G):
                B[j] -= 3.0 * g

    return step
