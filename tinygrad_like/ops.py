r"""The table of operations: the one place where an operation is defined.

An entry (``Op``) holds everything anything in the project needs to know about an op:

- ``forward(*xs)``: the result *and* the local derivatives ∂out/∂xᵢ, computed together
  from the operands' numbers: ``(out, (∂out/∂x₀, ∂out/∂x₁, …))``. The Value graph calls
  it, and so does the compiled program on floats: the same function, so the same bits.
- ``arrays(*xs)``: the same over numpy arrays, elementwise, for the batch program (within
  a few ulps of ``forward``), and ``undefined(*xs)``, where ``forward`` would raise; the
  batch program then raises ``forward``'s own error for the first such sample. Without
  ``arrays`` the batch program runs ``forward`` on each element.
- ``code`` and ``grad_code``: for plain arithmetic (+ − × and Σ), the result and local
  derivatives as an expression, which the programs write out instead of a call.
- ``written``, ``rules``, ``prime``, ``symbol``, ``tex``: its texts, for explanations,
  derivations and drawings.
- ``activation``: whether a neuron may use it as g; ``parser``: its name in expressions;
  ``torch``: the ``torch.nn`` module that computes it; ``js``: the practice page's calculator.

So the chain rule is data, and adding an op is one entry: ``register(Op(...))``.

>>> TABLE["tanh"].forward(0.0)
(0.0, (1.0,))
>>> TABLE["*"].rule(0, ["w", "x"])
'x'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import mul
from typing import Any, TypeVar

from tinygrad_like.notation import fill_names

Forward = Callable[..., "tuple[Any, tuple[Any, ...]]"]
T = TypeVar("T")


class _Numpy:
    """numpy, imported on first use: the engine itself needs only the standard library."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)  # found in the instance from now on: no second __getattr__
        return value


np: Any = _Numpy()


class DomainError(ValueError):
    """An operation was asked for a value where it is undefined (log of 0, 1/0, …)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x/0, or 0 to a negative power: a ``DomainError`` that is also Python's ``ZeroDivisionError``.

    >>> issubclass(DivisionByZeroError, ZeroDivisionError)
    True
    """


@dataclass(frozen=True)
class Op:
    """One operation, complete: see the module's docstring for what each field is for.

    ``arity`` is the number of operands, or ``None`` for an op that takes any number
    (``sum``). Texts are templates over the operands' names (``tanh({0!b})``); an op
    with a variable number of operands gives functions instead (``written(names)``,
    ``rules(index, names)``, ``code(names)``, ``grad_code(index, names)``), and
    ``split`` when its operands are a neuron's weights, inputs and bias, or ``sums``
    when it adds them up.
    ``name_in_programs`` is the identifier the compiled programs call it by (its name
    when that is one).
    """

    name: str
    arity: int | None
    forward: Forward
    written: str | Callable[[list[str]], str] = ""
    rules: tuple[str, ...] | Callable[[int, list[str]], str] = ()
    prime: str = ""
    arrays: Forward | None = None
    undefined: Callable[..., Any] | None = None
    code: str | Callable[[list[str]], str] = ""
    grad_code: tuple[str, ...] | Callable[[int, list[str]], str] = ()
    symbol: str = ""
    tex: str = ""
    activation: bool = False
    parser: str = ""
    torch: str = ""
    js: str = ""
    split: Callable[[Sequence[Any]], tuple[list[Any], list[Any], Any]] | None = None
    sums: bool = False  # the result is Σ of any number of operands: a writer may add them its own way
    name_in_programs: str = ""

    @property
    def mark(self) -> str:
        """What a drawing's op node shows: the symbol (×, σ, Σ w·x + b), else the name (tanh)."""
        return self.symbol or self.name

    @property
    def ident(self) -> str:
        """The name the compiled programs call this op's function by."""
        return self.name_in_programs or self.name

    def code_for(self, names: list[str]) -> str:
        """The forward as a Python expression over the operands' variable names (ops with ``code``)."""
        return self.code(names) if callable(self.code) else self.code.format(*names)

    def grad_code_for(self, index: int, names: list[str]) -> str:
        """∂out/∂(operand ``index``) as an expression (ops with ``code``; "1" and "-1" mean plain ±)."""
        if callable(self.grad_code):
            return self.grad_code(index, names)
        return self.grad_code[index].format(*names)

    def write(self, names: list[str]) -> str:
        """The result written with the operands' names: ``a + b``, ``tanh(m)``."""
        return self.written(names) if callable(self.written) else fill_names(self.written, *names)

    def rule(self, index: int, names: list[str]) -> str:
        """The local derivative ∂out/∂(operand ``index``) written with the operands' names."""
        if callable(self.rules):
            return self.rules(index, names)
        return fill_names(self.rules[index], *names)

    def derivative_name(self, names: list[str]) -> str:
        """The short name of a one-operand op's derivative, as the documents write g′(r)."""
        return fill_names(self.prime, *names)

    def operand_names(self, count: int) -> list[str]:
        """Names for the operands as the rules state them: x; x, y; w1, x1, …, b; x1, x2, …"""
        if self.split is not None:
            weights, inputs, bias = self.split(range(count))
            names = [n for k in range(1, len(weights) + 1) for n in (f"w{k}", f"x{k}")]
            return names + ["b"] * (bias is not None)
        return ["x"] if count == 1 else ["x", "y"] if count == 2 else [f"x{k}" for k in range(1, count + 1)]

    @cached_property
    def on_arrays(self) -> Forward:
        """``forward`` over numpy arrays: ``arrays`` (or ``forward`` on each element) after the
        check for ``undefined`` samples; each local derivative has the result's shape."""
        compute = self.arrays or _elementwise(self.forward)
        undefined, forward = self.undefined, self.forward

        def on_arrays(*xs):
            if undefined is not None:
                bad = undefined(*xs)  # an array, or a bool when the operands are numbers
                if bad.any() if hasattr(bad, "any") else bad:  # the engine's error, for the first sample
                    at = int(np.argmax(np.broadcast_to(bad, np.broadcast(*xs).shape).ravel()))
                    forward(*[float(np.broadcast_to(x, np.shape(bad)).ravel()[at]) for x in xs])
            out, local = compute(*xs)
            shape = getattr(out, "shape", ())  # np.shape, without its dispatch: this runs per node
            for d in local:
                if getattr(d, "shape", ()) != shape:  # 1/b for a b that is the same for all
                    return out, tuple(np.full(shape, d) for d in local)
            return out, local

        return on_arrays


def _elementwise(forward: Forward) -> Forward:
    """``forward`` run on every element of its operands' arrays, for an entry without ``arrays``."""

    def flat(*x):
        out, local = forward(*x)
        return (out, *local)

    def each(*xs):
        out, *local = np.vectorize(flat, otypes=[float] * (len(xs) + 1))(*xs)
        return out, tuple(local)

    return each


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


def _power_undefined(a, b):
    """Where ``_check_power`` raises: 0 to a negative power, a negative base to a power that is
    not a whole number (nor ±inf, nor nan)."""
    whole = (np.floor(b) == b) & np.isfinite(b)
    return ((a == 0) & (b < 0)) | ((a < 0) & ~whole)


# ---- forward functions: result and local derivatives together, on floats and on arrays -------


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


def _div_arrays(a, b):
    out = a / b
    return out, (1.0 / b, -out / b)


def _neg(a):
    return -a, (-1.0,)


def _sum(*xs):
    return float(sum(xs)), (1.0,) * len(xs)


def _split_weighted(xs: Sequence[T]) -> tuple[list[T], list[T], T | None]:
    """A weighted sum's operands (w₁, x₁, w₂, x₂, …, b) as (weights, inputs, bias or None)."""
    pairs = len(xs) - len(xs) % 2
    return list(xs[0:pairs:2]), list(xs[1:pairs:2]), xs[-1] if pairs < len(xs) else None


def _weighted_sum(*xs):
    """w₁·x₁ + w₂·x₂ + … + b from operands (w₁, x₁, w₂, x₂, …, b): a neuron's z in one node."""
    pairs = len(xs) - len(xs) % 2
    ws, inputs = xs[0:pairs:2], xs[1:pairs:2]
    local = list(xs)
    local[0:pairs:2] = inputs  # ∂z/∂wᵢ = xᵢ  (Nielsen's BP4: ∂C/∂w_jk = a_k·δ_j)
    local[1:pairs:2] = ws  # ∂z/∂xᵢ = wᵢ  (the weight the error signal flows back along)
    out = sum(map(mul, ws, inputs), 0.0)  # operator.mul: float.__mul__ would take twice as long
    if pairs < len(xs):
        out += xs[-1]
        local[-1] = 1.0  # ∂z/∂b = 1  (BP3: ∂C/∂b = δ)
    return out, tuple(local)


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _sum_written(names: list[str]) -> str:
    """a + b + c; Σ(a) for a sum of one term, which is not the term itself."""
    return f"Σ({names[0]})" if len(names) == 1 else " + ".join(names)


def _sum_code(names: list[str]) -> str:
    """As the engine adds: Python's sum (which compensates rounding from Python 3.12 on)."""
    return f"sum({_tuple(names)})"


def _weighted_sum_code(names: list[str]) -> str:
    """As the engine adds: Python's sum of the products from 0.0, then the bias."""
    ws, xs, b = _split_weighted(names)
    products = _tuple([f"{w} * {x}" for w, x in zip(ws, xs)])
    return f"sum({products}, 0.0)" + (f" + {b}" if b is not None else "")


def _weighted_sum_local(index: int, names: list[str]) -> str:
    """∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1, with the operands (w₁, x₁, …, b) named."""
    if index == len(names) - 1 and len(names) % 2:
        return "1"
    return names[index + 1] if index % 2 == 0 else names[index - 1]


def _weighted_sum_written(names: list[str]) -> str:
    ws, xs, b = _split_weighted(names)
    return " + ".join([fill_names("{0}·{1}", w, x) for w, x in zip(ws, xs)] + ([b] if b is not None else []))


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


def _pow_arrays(a, b):
    out = np.power(a, b)
    d_b = np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)), np.where(a == 0, 0.0, np.nan))
    return out, (np.where(b != 0, b * np.power(a, b - 1), 0.0), d_b)


def _exp(a):
    try:
        out = math.exp(a)
    except OverflowError:
        out = math.inf
    return out, (out,)


def _exp_arrays(a):
    out = np.exp(a)
    return out, (out,)


def _log(a):
    if a <= 0:
        raise DomainError(f"log: log of {a!r} is undefined; log needs a positive number")
    return math.log(a), (1.0 / a,)


def _log_arrays(a):
    return np.log(a), (1.0 / a,)


def _tanh(a):
    t = math.tanh(a)
    return t, (1.0 - t * t,)


def _tanh_arrays(a):
    t = np.tanh(a)
    return t, (1.0 - t * t,)


def _sigmoid(a):
    # Two forms, so that exp never overflows: for a ≥ 0, exp(−a) ≤ 1; for a < 0, exp(a) < 1.
    if a >= 0:
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)
        s = e / (1.0 + e)
    return s, (s * (1.0 - s),)


def _sigmoid_arrays(a):
    # The same two forms with one exp, chosen per element: e = exp(−|a|), then 1/(1 + e) for
    # a ≥ 0 and e/(1 + e) below. The numerator is max(e, [a ≥ 0]): 1 where a ≥ 0 (e ≤ 1), else e
    # (NaN stays NaN). Few calls, each in place: on a layer of a small batch, numpy's cost per
    # call is most of the time.
    if not isinstance(a, np.ndarray) or not a.ndim or a.dtype.kind != "f":  # a number, or integers
        e = np.exp(-np.abs(a))
        s = np.maximum(e, a >= 0) / (e + 1.0)
        return s, (s * (1.0 - s),)
    e = np.copysign(a, -1.0)  # −|a|
    np.exp(e, out=e)
    s = np.maximum(e, np.greater_equal(a, 0.0))
    np.divide(s, np.add(e, 1.0, out=e), out=s)
    local = np.subtract(1.0, s)
    np.multiply(s, local, out=local)
    return s, (local,)


def _relu(a):
    # The trap: relu has no derivative at exactly 0. We take 0 there, as PyTorch does.
    # Tested as a <= 0, as PyTorch's threshold: NaN fails it and passes through, with gradient 1.
    return (0.0, (0.0,)) if a <= 0 else (a, (1.0,))


def _relu_arrays(a):
    cut = a <= 0.0  # NaN is not cut: it passes through with gradient 1, as in the engine
    out = np.maximum(a, 0.0)  # (a float 0.0: numpy compares with an int 0 at twice the cost)
    out += 0.0  # -0.0 becomes 0.0, as in the engine; NaN stays NaN
    return out, ((~cut).astype(float),)


def _abs(a):
    # |a| has no derivative at 0 either; sign(0) = 0, as PyTorch does.
    return abs(a), (1.0 if a > 0 else -1.0 if a < 0 else 0.0,)


def _abs_arrays(a):
    return np.abs(a), (np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0)),)


def _sqrt(a):
    if a < 0:
        raise DomainError(f"sqrt: square root of {a!r} is not a real number; sqrt needs a ≥ 0")
    out = math.sqrt(a)
    return out, (0.5 / out if out != 0 else math.inf,)  # NaN stays NaN, as in PyTorch


def _sqrt_arrays(a):
    out = np.sqrt(a)
    return out, (np.where(out != 0, 0.5 / out, math.inf),)


# ---- the table: one row per op -----------------------------------------------------------------

TABLE: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add ``op`` to the table: from now on Values, the programs, the parser (``op.parser``),
    the drawings, ``derive``, ``explain`` and ``nn`` (``op.activation``) all know it.

    >>> softplus = register(Op("softplus", 1, lambda a: (math.log1p(math.exp(a)), (1 / (1 + math.exp(-a)),)),
    ...                        "softplus({0!b})", ("σ({0!b})",), parser="softplus"))
    >>> from tinygrad_like import Value
    >>> Value(0.0).apply("softplus").data == math.log(2)
    True
    >>> unregister("softplus") is softplus
    True
    """
    if not isinstance(op, Op):
        raise TypeError(f"register needs an ops.Op, got {type(op).__name__}")
    if not op.name or op.name.startswith("**") and op.name != "**":
        raise ValueError(f"register: {op.name!r} is not a name an op can take (empty, or the powers' **n)")
    if op.name in TABLE:
        raise ValueError(f"register: the table already has an op named {op.name!r}; unregister it first")
    if op.arity is None and not op.code:
        raise ValueError(f"register: {op.name!r} takes any number of operands: give its code= and grad_code=")
    if not op.code and not op.ident.isidentifier():
        raise ValueError(f"register: {op.name!r} is not an identifier: give it name_in_programs=")
    for other in TABLE.values():
        if op.parser and op.parser == other.parser or not op.code and op.ident == other.ident:
            raise ValueError(f"register: {op.name!r} would share a name with the op {other.name!r}")
    if op.parser and not op.parser.isidentifier():
        raise ValueError(f"register: the parser's name {op.parser!r} for {op.name!r} must be an identifier")
    TABLE[op.name] = op
    return op


def unregister(name: str) -> Op:
    """Remove the op named ``name`` from the table, and return it."""
    op = lookup(name)
    if name not in TABLE:
        raise KeyError(f"{name!r} is not a table entry (the powers **n are made on demand)")
    del TABLE[name]
    return op


def _define(*ops: Op) -> None:
    for op in ops:
        register(op)


# fmt: off
_define(
    Op("+", 2, _add, "{0} + {1}", ("1", "1"), code="{0} + {1}", grad_code=("1", "1")),
    Op("-", 2, _sub, "{0} − {1}", ("1", "−1"), code="{0} - {1}", grad_code=("1", "-1"), symbol="−"),
    Op("*", 2, _mul, "{0}·{1}", ("{1}", "{0}"), code="{0} * {1}", grad_code=("{1}", "{0}"), symbol="×"),
    Op("/", 2, _div, "{0!t}/{1!t}", ("1/{1!t}", "−{0!t}/{1!t}²"), arrays=_div_arrays,
       undefined=lambda a, b: b == 0, symbol="÷", name_in_programs="divide"),
    Op("neg", 1, _neg, "−{0!t}", ("−1",), code="-{0}", grad_code=("-1",), symbol="−"),
    Op("sum", None, _sum, _sum_written, lambda index, names: "1", code=_sum_code,
       grad_code=lambda index, names: "1", symbol="Σ", sums=True),
    Op("weighted_sum", None, _weighted_sum, _weighted_sum_written, _weighted_sum_local,
       code=_weighted_sum_code, grad_code=_weighted_sum_local, symbol="Σ w·x + b", split=_split_weighted),
    Op("**", 2, _pow, "{0!t}^{1!t}", ("{1!t}·{0!t}^({1!b} − 1)", "{0!t}^{1!t}·ln {0!t}"), arrays=_pow_arrays,
       undefined=_power_undefined, name_in_programs="power"),
    Op("exp", 1, _exp, "exp({0!b})", ("exp({0!b})",), "exp({0!b})", _exp_arrays, tex=r"\exp", parser="exp",
       js="Math.exp"),
    Op("log", 1, _log, "log({0!b})", ("1/{0!t}",), "1/{0!t}", _log_arrays, lambda a: a <= 0, tex=r"\log",
       parser="log", js="(x) => { if (x <= 0) throw new Undefined('log of ' + num(x) + ' is undefined'); "
       "return Math.log(x); }"),
    Op("sigmoid", 1, _sigmoid, "σ({0!b})", ("σ({0!b})·(1 − σ({0!b}))",), "σ′({0!b})", _sigmoid_arrays,
       symbol="σ", activation=True, parser="sigmoid", torch="Sigmoid", js="(x) => 1 / (1 + Math.exp(-x))"),
    Op("tanh", 1, _tanh, "tanh({0!b})", ("1 − tanh²({0!b})",), "tanh′({0!b})", _tanh_arrays, tex=r"\tanh",
       activation=True, parser="tanh", torch="Tanh", js="Math.tanh"),
    Op("relu", 1, _relu, "relu({0!b})", ("[{0!b} > 0]",), "relu′({0!b})", _relu_arrays, activation=True,
       parser="relu", torch="ReLU", js="(x) => Math.max(0, x)"),
    Op("abs", 1, _abs, "|{0!b}|", ("sign({0!b})",), "sign({0!b})", _abs_arrays, parser="abs", js="Math.abs",
       name_in_programs="absolute"),
    Op("sqrt", 1, _sqrt, "√{0!t}", ("1/(2·√{0!t})",), "1/(2·√{0!t})", _sqrt_arrays, lambda a: a < 0,
       parser="sqrt", js="(x) => { if (x < 0) throw new Undefined('sqrt of ' + num(x) + ' is undefined'); "
       "return Math.sqrt(x); }"),
)
# fmt: on


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

    def arrays(a):
        if n == 2:  # the engine's a ** 2.0 and 2.0 * a ** 1.0, in two multiplications
            return a * a, (2.0 * a,)
        return np.power(a, n), (n * np.power(a, n - 1) if n != 0 else np.zeros_like(a),)

    # a whole power of at least 0 is defined everywhere: no check per sample
    undefined = None if n >= 0 and float(n).is_integer() else lambda a: _power_undefined(a, n)

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
    ident = "power_" + _fmt(n).translate(str.maketrans("-+.", "mp_"))
    symbol = written.replace("{0!t}", "")  # a drawing's op node shows ^2, as the written form x^2
    return Op(name, 1, forward, written, (rule,), arrays=arrays, undefined=undefined,
              symbol=symbol, name_in_programs=ident)  # fmt: skip


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


def by_parser_name() -> dict[str, Op]:
    """The ops the expression parser knows, by the name an expression calls them: ``tanh(…)``."""
    return {op.parser: op for op in TABLE.values() if op.parser}


def activations() -> dict[str, Op]:
    """The ops a neuron may use as its activation g, by name."""
    return {op.name: op for op in TABLE.values() if op.activation}
