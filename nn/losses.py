r"""Losses over a batch, each built from Value operations so ``backward()`` runs through them.

Every loss is called as ``loss(outputs, targets)``: ``outputs`` has one entry per
sample (a Value, or a list of Values for a multi-output network), ``targets``
the same shape in numbers (for a one-output network a target may be a number or
a one-element list). Each returns one Value.

>>> from tinygrad_like import Value
>>> sum_squared_error([Value(0.5), Value(1.0)], [0.0, 0.0]).data     # ½(0.25 + 1)
0.625
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from tinygrad_like import Value
from tinygrad_like.value import _is_real, as_float

Outputs = Sequence["Value | Sequence[Value]"]
Targets = Sequence["float | Sequence[float]"]


def _rows(outputs: Outputs, targets: Targets, name: str) -> list[tuple[list[Value], list[float | Value]]]:
    """Pair each sample's outputs with its targets, both as lists, checking every shape."""
    if isinstance(outputs, Value) or not hasattr(outputs, "__len__"):
        raise ValueError(f"{name}: outputs must be a list with one entry per sample, got {outputs!r}")
    if not hasattr(targets, "__len__") or len(outputs) != len(targets):
        got = len(targets) if hasattr(targets, "__len__") else type(targets).__name__
        raise ValueError(f"{name}: {len(outputs)} outputs but {got} targets; they must match")
    if len(outputs) == 0:
        raise ValueError(f"{name}: the batch is empty")
    rows = []
    for i, (y, t) in enumerate(zip(outputs, targets)):
        if not isinstance(y, Value) and (isinstance(y, (str, bytes)) or not hasattr(y, "__len__")):
            raise ValueError(f"{name}: outputs[{i}] must be a Value or a list of Values, got {y!r}")
        ys = [y] if isinstance(y, Value) else list(y)
        one = isinstance(t, (str, bytes)) or not hasattr(t, "__len__")
        ts: list[object] = [t] if one else list(cast("Sequence[float]", t))
        if len(ys) != len(ts):
            raise ValueError(f"{name}: sample {i} has {len(ys)} outputs but {len(ts)} targets")
        if not all(isinstance(v, Value) for v in ys):
            raise ValueError(f"{name}: sample {i}: outputs must be Values (a model's outputs)")
        # numbers become floats; Values stay (the compiler traces a loss with its targets as inputs)
        rows.append((ys, [_target(v, t, i, name) for v in ts]))
    return rows


def _target(v: object, t: object, i: int, name: str) -> float | Value:
    """One target as a float (a Value stays), or an error naming the loss, the sample and the target."""
    if isinstance(v, Value):
        return v
    if not _is_real(v):
        raise TypeError(
            f"{name}: the target of sample {i} is {t!r}; targets must be numbers "
            f"(or one list of numbers per sample), not {type(v).__name__}"
        )
    return as_float(v, f"{name}: the target of sample {i}")


def sum_squared_error(outputs: Outputs, targets: Targets) -> Value:
    r"""The blog's E = ½ Σᵢ Σₙ (yₙ⁽ⁱ⁾ − tₙ⁽ⁱ⁾)², summed over the teacher set.

    Each difference y − t is labelled δ (δ_n for output n of several), the blog's
    error signal, and the result E, so derivations read like the blog; where the
    graph holds several samples the names are printed with their index, δ⁽ⁱ⁾.

    >>> from tinygrad_like import Value
    >>> y = Value(0.8, label="y"); E = sum_squared_error([y], [1.0]); E.backward()
    >>> round(y.grad, 12)        # ∂E/∂y = y − t
    -0.2
    """
    rows = _rows(outputs, targets, "sum_squared_error")
    squares = []
    for ys, ts in rows:
        for n, (y, t) in enumerate(zip(ys, ts), 1):
            delta = y - t
            delta.label = "δ" if len(ys) == 1 else f"δ_{n}"
            squares.append(delta**2)
    return _named(0.5 * Value.sum(squares), "E")


def _named(root: Value, name: str) -> Value:
    """The loss's result, called as the documents call it: the blog's E, Nielsen's C."""
    root.label = name
    return root


def quadratic_cost(outputs: Outputs, targets: Targets) -> Value:
    r"""Nielsen's C = 1/n Σₓ ½‖y(x) − a^L(x)‖², the mean over the n samples.

    >>> from tinygrad_like import Value
    >>> quadratic_cost([[Value(1.0), Value(0.0)], [Value(0.0), Value(0.0)]], [[0, 0], [0, 0]]).data
    0.25
    """
    rows = _rows(outputs, targets, "quadratic_cost")
    squares = [(a - y) ** 2 for ys, ts in rows for a, y in zip(ys, ts)]
    return _named((0.5 / len(rows)) * Value.sum(squares), "C")


def hinge_loss(outputs: Outputs, targets: Targets) -> Value:
    r"""micrograd's max-margin loss: 1/n Σ relu(1 − t·y), targets −1 or +1.

    >>> from tinygrad_like import Value
    >>> hinge_loss([Value(0.5), Value(-2.0)], [1, -1]).data     # (0.5 + 0) / 2
    0.25
    """
    rows = _rows(outputs, targets, "hinge_loss")
    terms = []
    for i, (ys, ts) in enumerate(rows):
        for y, t in zip(ys, ts):
            if not isinstance(t, Value) and t not in (-1.0, 1.0):
                raise ValueError(f"hinge_loss: sample {i} has target {t!r}; targets must be -1 or +1")
            terms.append((1.0 - t * y).relu())
    return _named(Value.sum(terms) * (1.0 / len(rows)), "C")  # the mean, as micrograd's demo writes it


def binary_cross_entropy(outputs: Outputs, targets: Targets, eps: float = 1e-12) -> Value:
    r"""−1/n Σ [t·ln y + (1 − t)·ln(1 − y)] for probabilities y (a sigmoid's output), t in [0, 1].

    ``eps`` keeps the logarithm finite when a sigmoid saturates to exactly 0 or 1.

    >>> from tinygrad_like import Value
    >>> round(binary_cross_entropy([Value(0.5)], [1]).data, 6)      # ln 2
    0.693147
    """
    rows = _rows(outputs, targets, "binary_cross_entropy")
    terms = []
    for i, (ys, ts) in enumerate(rows):
        for y, t in zip(ys, ts):
            if not isinstance(t, Value) and not 0.0 <= t <= 1.0:
                raise ValueError(f"binary_cross_entropy: sample {i} has target {t!r}; needs 0 ≤ t ≤ 1")
            if not 0.0 <= y.data <= 1.0:
                raise ValueError(
                    f"binary_cross_entropy: sample {i} has output {y.data!r}; outputs must be "
                    "probabilities in [0, 1] (use a sigmoid output layer)"
                )
            terms.append(t * (y + eps).log() + (1.0 - t) * (1.0 + eps - y).log())
    return _named(-Value.sum(terms) / len(rows), "C")


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    r"""softmax(z)ₖ = exp(zₖ − m) / Σⱼ exp(zⱼ − m), m = max z: never overflows.

    >>> [round(p.data, 4) for p in softmax([Value(1000.0), Value(1000.0)])]
    [0.5, 0.5]
    """
    zs = [z if isinstance(z, Value) else Value(z) for z in logits]
    if not zs:
        raise ValueError("softmax: needs at least one logit")
    m = max(z.data for z in zs)  # a constant shift: it cancels, so no gradient flows through it
    exps = [(z - m).exp() for z in zs]
    total = Value.sum(exps)
    return [e / total for e in exps]


def cross_entropy(outputs: Outputs, targets: Targets) -> Value:
    r"""−1/n Σᵢ Σₖ tₖ ln softmax(zᵢ)ₖ for logits z and one-hot (or probability) targets t.

    Computed as log-softmax, zₖ − m − ln Σ exp(zⱼ − m), so it is stable for large logits.

    >>> from tinygrad_like import Value
    >>> round(cross_entropy([[Value(0.0), Value(0.0)]], [[1, 0]]).data, 6)     # ln 2
    0.693147
    """
    rows = _rows(outputs, targets, "cross_entropy")
    terms = []
    for zs, ts in rows:
        m = max(z.data for z in zs)
        log_total = Value.sum([(z - m).exp() for z in zs]).log()
        terms += [t * (z - m - log_total) for z, t in zip(zs, ts) if isinstance(t, Value) or t != 0.0]
    return _named(-Value.sum(terms) / len(rows), "C")


# How each loss combines its samples: the compiler runs one sample's program over a batch and
# reduces the gradients the same way (sum for the blog's E, mean for the others).
def _combines(loss: Callable[..., Value], how: str) -> None:
    """Note on ``loss`` how it combines samples (``loss.reduction``), as a user's own loss can."""
    loss.__dict__["reduction"] = how


_combines(sum_squared_error, "sum")
for _loss in (quadratic_cost, hinge_loss, binary_cross_entropy, cross_entropy):
    _combines(_loss, "mean")

LOSSES = {
    f.__name__: f
    for f in (sum_squared_error, quadratic_cost, hinge_loss, binary_cross_entropy, cross_entropy)
}
