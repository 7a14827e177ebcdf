r"""What ``fit`` checks before it changes anything: the data's shape and numbers, and the rate.

A NaN or an infinity in X or Y, or a learning rate that is not a finite number ≥ 0, would turn
every weight into NaN (or ±inf) at the first step. ``check_fit_inputs`` refuses them up front,
naming the sample and the column, so the model is left exactly as it was.

>>> from nn import MLP
>>> check_fit_inputs(MLP(2, [1]), [[0.0, 1.0], [1.0, float("nan")]], [0.0, 1.0], lr=0.1)
Traceback (most recent call last):
...
ValueError: fit: X[1][1] (sample 1, column 1) is nan: inputs must be finite numbers; the model was not changed
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from tinygrad_like.value import _is_real

UNCHANGED = "the model was not changed"


def _rows_of(data: Any, what: str) -> int:
    """The number of samples in X or Y, or an error when it is not a list of samples."""
    if (
        isinstance(data, (str, bytes, Mapping, AbstractSet))  # a dict's keys are no sample numbers
        or not hasattr(data, "__len__")
        or not hasattr(data, "__getitem__")
    ):
        raise TypeError(f"fit: {what} must be a list with one entry per sample, got {type(data).__name__}")
    return len(data)


def _flaw(v: Any) -> str:
    """Why ``v`` cannot be an input or target ("" when it is a finite real number)."""
    if type(v) is float:
        return "" if v - v == 0.0 else "not finite"  # inf − inf and nan − nan are nan
    if not _is_real(v):
        return "not a number"
    try:
        return "" if math.isfinite(v) else "not finite"
    except OverflowError:
        return "too large for a float"


def _refuse(v: Any, where: str, flaw: str, kind: str) -> Exception:
    if flaw == "not a number":
        return TypeError(f"fit: {where} is {v!r} ({type(v).__name__}): {kind} must be numbers; {UNCHANGED}")
    if flaw == "not finite":
        return ValueError(f"fit: {where} is {float(v)!r}: {kind} must be finite numbers; {UNCHANGED}")
    return OverflowError(f"fit: {where} is {flaw}: {kind} must be finite numbers; {UNCHANGED}")


def _finite_array(data: Any) -> bool:
    """True for a numpy array of numbers, all finite (checked at once, not number by number)."""
    kind = getattr(getattr(data, "dtype", None), "kind", "")
    if not kind or kind not in "biuf":
        return False
    import numpy as np  # the data is a numpy array: numpy is there

    return bool(np.isfinite(data).all())


def _entries(
    row: Any, name: str, i: int, size: int | None, unit: str, kind: str, checked: bool = False
) -> int:
    """Check one sample's row (X[i] or Y[i]); return its length. A plain number is a row of one.
    ``checked``: its numbers are known to be finite already (a row of a finite numpy array)."""
    if checked:
        length = len(row) if getattr(row, "ndim", 1) else 1
    elif _is_real(row):
        flaw = _flaw(row)
        if flaw:
            raise _refuse(row, f"{name}[{i}] (sample {i})", flaw, kind)
        length = 1
    elif isinstance(row, (str, bytes, Mapping, AbstractSet)) or not (
        hasattr(row, "__len__") and hasattr(row, "__getitem__")
    ):
        raise TypeError(
            f"fit: {name}[{i}] is {row!r}: each sample's {kind} must be a list of numbers; {UNCHANGED}"
        )
    else:
        length = len(row)
        for j, v in enumerate(row):
            flaw = _flaw(v)
            if flaw:
                raise _refuse(v, f"{name}[{i}][{j}] (sample {i}, column {j})", flaw, kind)
    if size is not None and length != size:
        raise ValueError(f"fit: sample {i} has {length} {kind} ({name}[{i}]) but {unit}; {UNCHANGED}")
    return length


def check_fit_inputs(model: object, X: Any, Y: Any, lr: Any) -> None:
    """Raise a clear error, before anything changes, for data or a rate ``fit`` cannot train on.

    X: one list of ``model.nin`` finite numbers per sample. Y: per sample a finite number or a
    list of as many as the model has outputs. lr: a finite number ≥ 0.
    """
    if isinstance(lr, bool) or not _is_real(lr):
        raise TypeError(f"fit: lr must be a number, got {type(lr).__name__}: {lr!r}; {UNCHANGED}")
    try:
        rate = float(lr)
    except OverflowError:
        rate = math.inf
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"fit: lr must be a finite number ≥ 0, got {lr!r}; {UNCHANGED}")
    n, m = _rows_of(X, "X"), _rows_of(Y, "Y")
    if n != m or n == 0:
        raise ValueError(f"fit: X has {n} samples and Y has {m}; they must match and not be empty")
    nin = getattr(model, "nin", None)
    nouts = getattr(model, "nouts", None)
    nout = nouts[-1] if isinstance(nouts, list) and nouts else None
    takes = f"the model takes {nin}" if nin is not None else ""
    gives = f"the model has {nout} outputs" if nout is not None else ""
    x_checked, y_checked = _finite_array(X) and getattr(X, "ndim", 0) == 2, _finite_array(Y)
    for i in range(n):
        x = X[i]
        if _is_real(x):
            raise TypeError(
                f"fit: X[{i}] is {x!r}: each sample's inputs must be a list of numbers; {UNCHANGED}"
            )
        got = _entries(x, "X", i, nin, takes, "inputs", x_checked)
        if nin is None:
            nin, takes = got, f"X[0] has {got}"
        got = _entries(Y[i], "Y", i, nout, gives, "targets", y_checked)
        if nout is None:
            nout, gives = got, f"Y[0] has {got}"
