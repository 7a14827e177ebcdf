"""Small data sets as plain Python lists: XOR, two moons, and scikit-learn's 8×8 digits."""

from __future__ import annotations

import math
import random


def xor() -> tuple[list[list[float]], list[float]]:
    """The four points of XOR with targets 0 or 1.

    >>> xor()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0]


def moons(
    n: int = 100, noise: float = 0.1, seed: int = 0, labels: tuple[float, float] = (-1.0, 1.0)
) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (as scikit-learn's make_moons), with Gaussian noise.

    Targets are ``labels`` (−1 and +1 by default, for ``hinge_loss`` as in micrograd's demo).

    >>> X, Y = moons(4, noise=0.0)
    >>> [[round(v, 3) for v in x] for x in X], Y
    ([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]], [-1.0, -1.0, 1.0, 1.0])
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"moons(n) needs at least 2 points, got {n!r}")
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X, Y = [], []
    for i in range(n_outer):
        t = math.pi * i / max(n_outer - 1, 1)
        X.append([math.cos(t), math.sin(t)])
        Y.append(float(labels[0]))
    for i in range(n_inner):
        t = math.pi * i / max(n_inner - 1, 1)
        X.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        Y.append(float(labels[1]))
    X = [[v + rng.gauss(0.0, noise) for v in x] for x in X] if noise else X
    return X, Y


def digits(split: str = "train") -> tuple[list[list[float]], list[list[float]]]:
    """scikit-learn's bundled 8×8 digits: 64 pixels scaled to [0, 1], one-hot targets of 10.

    A fixed split of the 1,797 images (shuffled once with seed 0): ``"train"``
    is the first 1,500, ``"test"`` the other 297, ``"all"`` every image.
    Needs scikit-learn (``pip install scikit-learn``, or the ``notebooks`` extra).
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"digits(split) must be 'train', 'test' or 'all', got {split!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "nn.data.digits() needs scikit-learn: pip install scikit-learn "
            "(or pip install 'tinygrad_like[notebooks]')"
        ) from exc
    data = load_digits()
    order = list(range(len(data.target)))
    random.Random(0).shuffle(order)
    order = {"train": order[:1500], "test": order[1500:], "all": order}[split]
    X = [[float(v) / 16.0 for v in data.data[i]] for i in order]
    Y = [[1.0 if k == data.target[i] else 0.0 for k in range(10)] for i in order]
    return X, Y
