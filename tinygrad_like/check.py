r"""Check gradients by finite differences: the engine's answer against the definition of a derivative.

    ∂f/∂xᵢ ≈ (f(…, xᵢ + h, …) − f(…, xᵢ − h, …)) / 2h        (central difference, error O(h²))

>>> report = gradcheck(lambda x, w: (x * w).tanh(), 0.5, -1.5)
>>> report.ok
True
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

from tinygrad_like.ops import DomainError
from tinygrad_like.value import Value, _is_real, as_float, no_grad


def _names(f: Callable, n: int) -> list[str]:
    """The parameter names of ``f`` (``x``, ``w``), or x1, x2, … where it has none to read."""
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"x{i}" for i in range(1, n + 1)]


def _positive(function: str, name: str, x: object, zero_ok: bool = False) -> float:
    """``x`` as a float if it is a finite number > 0 (≥ 0 with ``zero_ok``), else an error naming it."""
    if not _is_real(x) or isinstance(x, bool):
        raise TypeError(f"{function}: {name} must be a number, got {type(x).__name__}: {x!r}")
    value = as_float(x, f"{function}({name})")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        valid = "a finite number ≥ 0" if zero_ok else "a finite number > 0"
        raise ValueError(f"{function}: {name} must be {valid}, got {x!r}")
    return value


def _inputs(function: str, inputs: tuple, names: list[str]) -> list[float]:
    """The input numbers as floats, each a finite real number, or an error naming the input."""
    if not inputs:
        raise ValueError(f"{function} needs at least one input number")
    xs = []
    for name, x in zip(names, inputs):
        if isinstance(x, Value) or not _is_real(x):
            hint = " (pass the number, x.data)" if isinstance(x, Value) else ""
            raise TypeError(f"{function}: input {name} must be a number, got {type(x).__name__}: {x!r}{hint}")
        value = as_float(x, f"{function}: input {name}")
        if not math.isfinite(value):
            raise ValueError(f"{function}: input {name} must be a finite number, got {x!r}")
        xs.append(value)
    return xs


def _evaluate(f: Callable, xs: list[float]) -> float:
    with no_grad():
        out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value, got {type(out).__name__}: {out!r}")
    return out.data


def numerical_grad(f: Callable[..., Value], *inputs: float, h: float = 1e-6) -> list[float]:
    r"""Central-difference estimates of ∂f/∂xᵢ at ``inputs``; f takes and returns Values.

    The step is h·max(1, |xᵢ|), so large inputs get a step to their scale.

    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y + y, 3.0, 4.0)]
    [4.0, 4.0]
    """
    return _central_differences(f, inputs, h, "numerical_grad")


def _central_differences(f: Callable, inputs: tuple, h: float, function: str) -> list[float]:
    names = _names(f, len(inputs))
    xs = _inputs(function, inputs, names)
    h = _positive(function, "h", h)
    grads = []
    for i, x in enumerate(xs):
        step = h * max(1.0, abs(x))
        up, down = xs.copy(), xs.copy()
        up[i], down[i] = x + step, x - step
        try:
            grads.append((_evaluate(f, up) - _evaluate(f, down)) / (2 * step))
        except DomainError as exc:
            raise _outside(function, names[i], x, h, step, exc) from None
    return grads


def _outside(function: str, name: str, x: float, h: float, step: float, exc: DomainError) -> DomainError:
    """The error for a central difference that steps outside f's domain: it says which input,
    which step, and a step that would stay inside (|x| is the distance to a domain edge at 0)."""
    # a thousandth of the distance to the edge keeps the O(h²) error of the difference small
    smaller = 10.0 ** math.floor(math.log10(abs(x) / max(1.0, abs(x)) / 1000)) if x else 0.0
    advice = f"use a smaller step, e.g. h={smaller:g}" if smaller else "it is at the edge of f's domain"
    return DomainError(
        f"{function}: the central difference for input {name} = {x!r} evaluates f at {name} ± {step:g} "
        f"(h={h:g}), outside where f is defined ({exc}); {advice}"
    )


@dataclass(frozen=True)
class GradcheckRow:
    """One input: its name and value, the backward gradient, the finite difference, their relative error."""

    name: str
    value: float
    analytic: float
    numerical: float
    rel_error: float


@dataclass(frozen=True)
class GradcheckReport:
    """What ``gradcheck`` found: ``ok``, ``max_rel_error`` and one row per input."""

    rows: tuple[GradcheckRow, ...]
    ok: bool
    max_rel_error: float
    rtol: float

    def __str__(self) -> str:
        head = f"{'input':>8} {'value':>12} {'backward':>14} {'finite diff':>14} {'rel error':>10}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(
                f"{r.name:>8} {r.value:>12.6g} {r.analytic:>14.8g} {r.numerical:>14.8g} {r.rel_error:>10.2e}"
            )
        verdict = "OK" if self.ok else "MISMATCH"
        lines.append(f"{verdict}: max relative error {self.max_rel_error:.2e} (tolerance {self.rtol:.0e})")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        lines = ["| input | value | backward | finite diff | rel error |", "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append(
                f"| {r.name} | {r.value:.6g} | {r.analytic:.8g} | {r.numerical:.8g} | {r.rel_error:.2e} |"
            )
        verdict = "**OK**" if self.ok else "**MISMATCH**"
        return "\n".join([*lines, "", f"{verdict}: max relative error {self.max_rel_error:.2e}"])


def relative_error(a: float, b: float, floor: float = 1e-8) -> float:
    """|a − b| / max(|a|, |b|, floor): the floor keeps two near-zero numbers from looking far apart."""
    return abs(a - b) / max(abs(a), abs(b), floor)


def gradcheck(
    f: Callable[..., Value], *inputs: float, h: float = 1e-6, rtol: float = 1e-5
) -> GradcheckReport:
    r"""Compare ``backward()``'s gradients of f at ``inputs`` with central differences.

    f takes Values and returns a Value (an expression, a hand-written formula,
    a model's loss as a function of some inputs). The report prints as a table.

    >>> print(gradcheck(lambda x: x ** 3, 2.0))      # doctest: +NORMALIZE_WHITESPACE
       input        value       backward    finite diff  rel error
    --------------------------------------------------------------
           x            2             12             12   ...
    OK: max relative error ... (tolerance 1e-05)
    """
    names = _names(f, len(inputs))
    xs = _inputs("gradcheck", inputs, names)
    _positive("gradcheck", "h", h)
    rtol = _positive("gradcheck", "rtol", rtol, zero_ok=True)
    leaves = [Value(x, label=name) for x, name in zip(xs, names)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: the function must return a Value, got {type(out).__name__}: {out!r}")
    out.backward()
    numerical = _central_differences(f, inputs, h, "gradcheck")
    rows = tuple(
        GradcheckRow(leaf.label, leaf.data, leaf.grad, n, relative_error(leaf.grad, n))
        for leaf, n in zip(leaves, numerical)
    )
    worst = max(r.rel_error for r in rows)
    return GradcheckReport(rows, worst <= rtol, worst, rtol)
