"""Gradient descent: w ← w − h·∂E/∂w, the blog's update with learning rate h."""

from __future__ import annotations

from collections.abc import Iterable

from tinygrad_like import Value


class SGD:
    """Plain gradient descent on a list of parameters.

    ``lr`` is the learning rate (the blog's h, Nielsen's η).

    >>> w = Value(1.0); w.grad = 0.5
    >>> opt = SGD([w], lr=0.1); opt.step(); w.data
    0.95
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError("SGD(params) needs Values, e.g. model.parameters()")
        if not isinstance(lr, (int, float)) or not lr > 0:
            raise ValueError(f"SGD(lr) must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def step(self) -> None:
        """Move every parameter against its gradient: p.data −= lr · p.grad."""
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0."""
        for p in self.params:
            p.grad = 0.0
