r"""The table of operations: the one place where an operation is defined.

Each entry says three things about an op, side by side:

- ``forward(*xs)``: the result *and* the local derivatives ∂out/∂xᵢ, computed
  together from the operands' numbers: ``(out, (∂out/∂x₀, ∂out/∂x₁, …))``.
- ``written``: how the result is written with its operands' names (``tanh({0})``).
- ``rules``: each local derivative written with the operands' names
  (``1 − tanh²({0})``), for explanations, derivations and drawings.

``Value`` calls ``forward`` and stores the local derivatives on the new node;
``backward()`` only multiplies them. So the chain rule is data, and adding an
op is adding one entry here.

>>> TABLE["tanh"].forward(0.0)
(0.0, (1.0,))
>>> TABLE["*"].rule(0, ["w", "x"])
'x'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tinygrad_like.notation import fill_names

Forward = Callable[..., "tuple[float, tuple[float, ...]]"]


@dataclass(frozen=True)
class Op:
    """One operation: its name, its forward pass with local derivatives, and its text.

    ``arity`` is the number of operands, or ``None`` for an op that takes any
    number of them (``sum``). ``prime`` is the short name of the derivative of
    a one-operand op (``σ′({0})``), as the documents write g′(r).

    ``code`` and ``grad_code`` are the same forward and local derivatives as
    Python code over the operands' variable names (and ``{out}``, the result's),
    for the compiler; they do the engine's float operations in the engine's order.
    """

    name: str
    arity: int | None
    forward: Forward
    written: str
    rules: tuple[str, ...]
    prime: str = ""
    code: str = ""
    grad_code: tuple[str, ...] = ()

    def code_for(self, names: list[str]) -> str:
        """The forward as a Python expression over the operands' variable names."""
        if self.name == "sum":
            return " + ".join(names)
        if self.name == "weighted_sum":
            terms = [f"{names[i]} * {names[i + 1]}" for i in range(0, len(names) - 1, 2)]
            return " + ".join(terms + names[len(names) - len(names) % 2 :])
        return self.code.format(*names)

    def grad_code_for(self, index: int, names: list[str], out: str) -> str:
        """∂out/∂(operand ``index``) as a Python expression ("1" and "-1" mean plain ±)."""
        if self.name == "sum":
            return "1"
        if self.name == "weighted_sum":
            if index == len(names) - 1 and len(names) % 2:
                return "1"
            return names[index + 1] if index % 2 == 0 else names[index - 1]
        return self.grad_code[index].format(*names, out=out)

    def write(self, names: list[str]) -> str:
        """The result written with the operands' names: ``a + b``, ``tanh(m)``."""
        if self.name == "sum":
            return " + ".join(names)
        if self.name == "weighted_sum":
            terms = [fill_names("{0}·{1}", names[i], names[i + 1]) for i in range(0, len(names) - 1, 2)]
            return " + ".join(terms + names[len(names) - len(names) % 2 :])
        return fill_names(self.written, *names)

    def rule(self, index: int, names: list[str]) -> str:
        """The local derivative ∂out/∂(operand ``index``) written with the operands' names."""
        if self.name == "sum":
            return "1"
        if self.name == "weighted_sum":  # operands w1, x1, w2, x2, …, b: ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
            if index == len(names) - 1 and len(names) % 2:
                return "1"
            return fill_names("{0}", names[index + 1] if index % 2 == 0 else names[index - 1])
        return fill_names(self.rules[index], *names)

    def derivative_name(self, names: list[str]) -> str:
        """The short name of a one-operand op's derivative, as the documents write g′(r)."""
        return fill_names(self.prime, *names)


class DomainError(ValueError):
    """An operation was asked for a value where it is undefined (log of 0, 1/0, …)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x/0, or 0 to a negative power: a ``DomainError`` that is also Python's ``ZeroDivisionError``.

    >>> issubclass(DivisionByZeroError, ZeroDivisionError)
    True
    """


def _fmt(x: float) -> str:
    """A number as a person writes it: 2 rather than 2.0, 0.5 as 0.5."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _power(x: float, n: float) -> float:
    """x**n in floats, with inf where the true value is too large to hold (as PyTorch does)."""
    try:
        return float(x**n)
    except OverflowError:
        return math.inf if x > 0 or float(n).is_integer() and n % 2 == 0 else -math.inf
    except ZeroDivisionError:  # 0 ** negative: only reached for derivatives, e.g. d/dx x**0.5 at 0
        return math.inf


def _check_power(op: str, x: float, n: float) -> None:
    if x == 0 and n < 0:
        raise DivisionByZeroError(f"{op}: 0 to the negative power {_fmt(n)} is undefined (division by zero)")
    if x < 0 and not float(n).is_integer():
        raise DomainError(
            f"{op}: negative base {x!r} to the non-integer power {_fmt(n)} is not a real number; "
            "use a positive base or an integer exponent"
        )


# ---- forward functions: result and local derivatives together -------------------------------


def _add(a, b):
    return a + b, (1.0, 1.0)


def _sub(a, b):
    return a - b, (1.0, -1.0)


def _mul(a, b):
    return a * b, (b, a)


def _div(a, b):
    if b == 0:
        raise DivisionByZeroError(f"/: division by zero ({a!r} / {b!r}); the divisor must be non-zero")
    out = a / b
    return out, (1.0 / b, -out / b)  # −a/b² written as −(a/b)/b: x/x gives exactly 0


def _neg(a):
    return -a, (-1.0,)


def _sum(*xs):
    return float(sum(xs)), (1.0,) * len(xs)


def _weighted_sum(*xs):
    """w₁·x₁ + w₂·x₂ + … + b from operands (w₁, x₁, w₂, x₂, …, b): a neuron's z in one node."""
    pairs = len(xs) - len(xs) % 2
    ws, inputs = xs[0:pairs:2], xs[1:pairs:2]
    local = list(xs)
    local[0:pairs:2] = inputs  # ∂z/∂wᵢ = xᵢ  (Nielsen's BP4: ∂C/∂w_jk = a_k·δ_j)
    local[1:pairs:2] = ws  # ∂z/∂xᵢ = wᵢ  (the weight the error signal flows back along)
    out = sum(map(float.__mul__, ws, inputs), 0.0)
    if pairs < len(xs):
        out += xs[-1]
        local[-1] = 1.0  # ∂z/∂b = 1  (BP3: ∂C/∂b = δ)
    return out, tuple(local)


def _pow(a, b):
    """a ** b with both sides Values: ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a."""
    _check_power("**", a, b)
    out = _power(a, b)
    if a > 0:
        d_b = out * math.log(a)
    elif a == 0:
        d_b = 0.0  # PyTorch's convention: the limit from the right for b > 0
    else:
        d_b = math.nan  # ln of a negative base: the exponent's derivative is not real
    return out, (b * _power(a, b - 1) if b != 0 else 0.0, d_b)


def _exp(a):
    try:
        out = math.exp(a)
    except OverflowError:
        out = math.inf
    return out, (out,)


def _log(a):
    if a <= 0:
        raise DomainError(f"log: log of {a!r} is undefined; log needs a positive number")
    return math.log(a), (1.0 / a,)


def _tanh(a):
    t = math.tanh(a)
    return t, (1.0 - t * t,)


def _sigmoid(a):
    # Two forms, so that exp never overflows: for a ≥ 0, exp(−a) ≤ 1; for a < 0, exp(a) < 1.
    if a >= 0:
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)
        s = e / (1.0 + e)
    return s, (s * (1.0 - s),)


def _relu(a):
    # The trap: relu has no derivative at exactly 0. We take 0 there, as PyTorch does.
    # Tested as a <= 0, as PyTorch's threshold: NaN fails it and passes through, with gradient 1.
    return (0.0, (0.0,)) if a <= 0 else (a, (1.0,))


def _abs(a):
    # |a| has no derivative at 0 either; sign(0) = 0, as PyTorch does.
    return abs(a), (1.0 if a > 0 else -1.0 if a < 0 else 0.0,)


def _sqrt(a):
    if a < 0:
        raise DomainError(f"sqrt: square root of {a!r} is not a real number; sqrt needs a ≥ 0")
    out = math.sqrt(a)
    return out, (0.5 / out if out != 0 else math.inf,)  # NaN stays NaN, as in PyTorch


TABLE: dict[str, Op] = {
    op.name: op
    for op in (
        Op("+", 2, _add, "{0} + {1}", ("1", "1"), code="{0} + {1}", grad_code=("1", "1")),
        Op("-", 2, _sub, "{0} − {1}", ("1", "−1"), code="{0} - {1}", grad_code=("1", "-1")),
        Op("*", 2, _mul, "{0}·{1}", ("{1}", "{0}"), code="{0} * {1}", grad_code=("{1}", "{0}")),
        Op(
            "/",
            2,
            _div,
            "{0!t}/{1!t}",
            ("1/{1!t}", "−{0!t}/{1!t}²"),
            code="divide({0}, {1})",
            grad_code=("1.0 / {1}", "-{out} / {1}"),
        ),
        Op("neg", 1, _neg, "−{0!t}", ("−1",), code="-{0}", grad_code=("-1",)),
        Op("sum", None, _sum, "", ()),
        Op("weighted_sum", None, _weighted_sum, "", ()),
        Op(
            "**",
            2,
            _pow,
            "{0!t}^{1!t}",
            ("{1!t}·{0!t}^({1!b} − 1)", "{0!t}^{1!t}·ln {0!t}"),
            code="power({0}, {1})",
            grad_code=("power_base_grad({0}, {1})", "power_exponent_grad({0}, {out})"),
        ),
        Op(
            "exp", 1, _exp, "exp({0!b})", ("exp({0!b})",), "exp({0!b})", code="exp({0})", grad_code=("{out}",)
        ),
        Op("log", 1, _log, "log({0!b})", ("1/{0!t}",), "1/{0!t}", code="log({0})", grad_code=("1.0 / {0}",)),
        Op(
            "tanh",
            1,
            _tanh,
            "tanh({0!b})",
            ("1 − tanh²({0!b})",),
            "tanh′({0!b})",
            code="tanh({0})",
            grad_code=("1.0 - {out} * {out}",),
        ),
        Op(
            "sigmoid",
            1,
            _sigmoid,
            "σ({0!b})",
            ("σ({0!b})·(1 − σ({0!b}))",),
            "σ′({0!b})",
            code="sigmoid({0})",
            grad_code=("{out} * (1.0 - {out})",),
        ),
        Op(
            "relu",
            1,
            _relu,
            "relu({0!b})",
            ("[{0!b} > 0]",),
            "relu′({0!b})",
            code="relu({0})",
            grad_code=("step({0})",),
        ),
        Op(
            "abs",
            1,
            _abs,
            "|{0!b}|",
            ("sign({0!b})",),
            "sign({0!b})",
            code="absolute({0})",
            grad_code=("sign({0})",),
        ),
        Op(
            "sqrt",
            1,
            _sqrt,
            "√{0!t}",
            ("1/(2·√{0!t})",),
            "1/(2·√{0!t})",
            code="sqrt({0})",
            grad_code=("sqrt_grad({out})",),
        ),
    )
}


@lru_cache(maxsize=256)
def power_by(n: float) -> Op:
    """The op x ** n for a fixed number n: ∂/∂x = n·x^(n−1). Its name is ``**n`` (``**2``).

    >>> power_by(2).forward(3.0)
    (9.0, (6.0,))
    >>> power_by(2).rule(0, ["x"])
    '2·x'
    """
    name = f"**{_fmt(n)}"

    def forward(a):
        _check_power(name, a, n)
        return _power(a, n), (n * _power(a, n - 1) if n != 0 else 0.0,)

    if n == 2:
        rule = "2·{0}"
    elif n == 1:
        rule = "1"
    elif n == 0:
        rule = "0"
    else:
        m = _fmt(n - 1)
        rule = f"{_fmt(n)}·{{0!t}}^{m if n - 1 >= 0 else '(' + m + ')'}"
    written = f"{{0!t}}^{_fmt(n)}" if n >= 0 else f"{{0!t}}^({_fmt(n)})"
    # as code: the engine computes n·x^(n−1) as float(n) * x ** float(n − 1); keep its operations
    if float(n).is_integer():
        code = f"{{0}} ** {float(n)!r}"
    else:
        code = f"power({{0}}, {float(n)!r})"
    if n == 0:
        grad = "0.0"
    elif n == 1:
        grad = "1"
    elif n == 2:
        grad = "2.0 * {0}"  # 2.0 * x ** 1.0, and x ** 1.0 is x exactly
    elif float(n - 1).is_integer():
        grad = f"{float(n)!r} * {{0}} ** {float(n - 1)!r}"
    else:
        grad = f"{float(n)!r} * power({{0}}, {float(n - 1)!r})"
    return Op(name, 1, forward, written, (rule,), code=code, grad_code=(grad,))


def lookup(name: str) -> Op:
    """The table entry for an op name as stored on a node (``"tanh"``, ``"**2"``).

    >>> lookup("**0.5").name
    '**0.5'
    >>> lookup("cosh")
    Traceback (most recent call last):
    ...
    KeyError: "no operation named 'cosh' in the table; known: +, -, *, /, neg, sum, ..."
    """
    op = TABLE.get(name)
    if op is not None:
        return op
    if name.startswith("**") and len(name) > 2:
        try:
            return power_by(float(name[2:]))
        except ValueError:
            pass
    known = ", ".join([*TABLE, "**n"])
    raise KeyError(f"no operation named {name!r} in the table; known: {known}")
