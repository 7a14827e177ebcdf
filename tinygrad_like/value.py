r"""Value: one number in a computation graph, with the chain rule stored on it as data.

A Value holds ``data`` (the number), ``grad`` (∂root/∂self after ``backward()``),
a ``label`` and, when an operation produced it, the ``op`` name, its operand
Values (``children``) and the local derivatives ∂self/∂child (``local_grads``),
computed at the forward values by the table in ``ops``. Nothing else: no
closures, so a graph has no reference cycles and frees itself.

>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
>>> n = x * w + b
>>> n.op, n.data, [c.label for c in n.children], n.local_grads
('+', -5.0, ['', 'b'], (1.0, 1.0))
"""

from __future__ import annotations

import gc
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any, TypeGuard

from tinygrad_like import graph
from tinygrad_like.ops import TABLE, Op, lookup, power_by

_ADD, _SUB, _MUL, _DIV = TABLE["+"], TABLE["-"], TABLE["*"], TABLE["/"]
_NEG, _SUM, _POW, _WSUM = TABLE["neg"], TABLE["sum"], TABLE["**"], TABLE["weighted_sum"]
_EXP, _LOG, _TANH, _SIGMOID = TABLE["exp"], TABLE["log"], TABLE["tanh"], TABLE["sigmoid"]
_RELU, _ABS, _SQRT = TABLE["relu"], TABLE["abs"], TABLE["sqrt"]


class _GradMode(threading.local):
    """Whether operations record the graph. ``no_grad()`` switches it off for a while.

    Per thread, like PyTorch's grad mode: a ``no_grad`` (or a trace) in one thread
    never changes what another thread records. The class attributes are each
    thread's starting state.
    """

    recording = True
    # While a function is traced for the compiler, comparisons of Values are written here:
    # (left Value, operator, right Value or number, outcome). A branch on them changes the graph.
    decisions: list[tuple[Value, str, object, bool]] | None = None


_MODE = _GradMode()  # one object whose attributes each thread sees separately
# How many no_grad blocks are open, in all threads together. While none is, every thread records
# and an operation need not ask its thread (a thread-local lookup costs as much as a slot write).
# A thread's `recording` is False only while its own block is counted here.
_no_grad_blocks = 0
_BLOCKS = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute numbers only and record no graph.

    Their results are leaves (``op == ""``, ``children == ()``): fast evaluation,
    for example of a model's accuracy, that ``backward()`` will not walk into.

    >>> a = Value(3.0)
    >>> with no_grad():
    ...     b = a * a
    >>> b.data, b.op, b.children
    (9.0, '', ())
    """
    global _no_grad_blocks
    with _BLOCKS:
        _no_grad_blocks += 1
    before = _MODE.recording
    _MODE.recording = False
    try:
        yield
    finally:
        _MODE.recording = before
        with _BLOCKS:
            _no_grad_blocks -= 1


@contextmanager
def decisions_recorded() -> Iterator[list]:
    """Inside this block every comparison of Values is noted in the list it yields, as
    (left Value, operator, right Value or number, outcome): what the compiler checks later.

    >>> a = Value(2.0)
    >>> with decisions_recorded() as decisions:
    ...     _ = a > 1
    >>> decisions[0][1:]
    ('>', 1, True)
    """
    before = _MODE.decisions
    decisions: list[tuple[Value, str, object, bool]] = []
    _MODE.decisions = decisions
    try:
        yield decisions
    finally:
        _MODE.decisions = before


def _is_real(x: object) -> TypeGuard[float]:
    """True for int, float, bool, fractions and numpy's real scalars; False for anything else."""
    if isinstance(x, (float, int)):
        return True
    if isinstance(x, numbers.Real):
        return True
    # numpy.bool_ is not registered as numbers.Real; accept numpy scalars of kind b, i, u, f.
    dtype = getattr(x, "dtype", None)
    return getattr(x, "shape", None) == () and getattr(dtype, "kind", "") in "biuf" and dtype is not None


def too_large(where: str, x: object) -> OverflowError:
    """The error for a number (a huge int or fraction) that no 64-bit float can hold.

    >>> print(too_large("Value(data)", 10**400))     # doctest: +ELLIPSIS
    Value(data): the int 10**400 (401 digits) is too large for a Value, whose data is a 64-bit float ...
    """
    if isinstance(x, int):
        exact = x.bit_length() < 13_000  # str() of an int refuses beyond 4,300 digits
        digits = len(str(abs(x))) if exact else int(x.bit_length() * 0.30103) + 1
        if exact and abs(x) == 10 ** (digits - 1):
            what = f"the int {'-' if x < 0 else ''}10**{digits - 1} ({digits} digits)"
        else:
            what = f"an int of {'' if exact else 'about '}{digits} digits"
    else:
        what = f"the {type(x).__name__} number given"
    return OverflowError(
        f"{where}: {what} is too large for a Value, whose data is a 64-bit float (at most about 1.8e308)"
    )


def as_float(x: object, where: str) -> float:
    """``float(x)`` for a real number, with an error naming ``where`` when it does not fit a float."""
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        raise too_large(where, x) from None


def _operator(op: Op) -> Callable[[Any, Any], Any]:
    """The function ``a ∘ b`` for a two-operand table entry, where one side may be a plain number
    (made a constant leaf); other types give ``NotImplemented``. ``Value.__mul__`` is
    ``_operator(TABLE["*"])``: the op's entry is bound once, so an operation is one call.

    The cycle collector is paused while the node is made, as in ``graph.cycle_collector_paused``
    (written out here: this is the hottest function of the engine). A graph has no cycles, and a
    long graph built in a user's own loop would otherwise be re-scanned again and again.
    """
    forward, name = op.forward, op.name

    def operation(a, b):
        paused = _collector_enabled()
        if paused:
            _disable_collector()
        try:
            if not isinstance(a, Value):  # a reflected operation (2 * x): b is the Value
                if not isinstance(b, Value):
                    return NotImplemented
                a = _operand(a, name, "left")
                if a is NotImplemented:
                    return a
            elif not isinstance(b, Value):  # y * 1.0001
                if type(b) is float:  # a plain number, the common case: a constant leaf (_leaf, inlined)
                    leaf = _new(Value)
                    leaf.data, leaf.grad, leaf.label, leaf.op = b, 0.0, "", ""
                    leaf.children = leaf.local_grads = ()
                    b = leaf
                else:
                    b = _operand(b, name, "right")
                    if b is NotImplemented:
                        return b
            data, local_grads = forward(a.data, b.data)
            if _no_grad_blocks and not _MODE.recording:
                return Value(data)
            node = _new(Value)  # _node(), inlined
            node.data = data
            node.grad = 0.0
            node.label = ""
            node.op = name
            node.children = (a, b)
            node.local_grads = local_grads
            return node
        finally:
            if paused:
                _enable_collector()

    return operation


def _operand(x: object, name: str, side: str):
    """A plain number beside a Value as a constant leaf; ``NotImplemented`` for anything else."""
    if type(x) is float:
        return _leaf(x)
    if _is_real(x):
        return Value(as_float(x, f"{name} (the {side} operand)"))
    return NotImplemented


class Value:
    """A scalar that remembers how it was computed, so that it can be differentiated.

    ``Value(data, label="")``: ``data`` must be a real number (int, float, bool,
    or a numpy scalar); anything else raises ``TypeError``.

    >>> Value(2)
    Value(data=2.0, grad=0.0)
    >>> Value("2")
    Traceback (most recent call last):
    ...
    TypeError: Value(data) needs a real number (int, float, bool or a numpy scalar), got str: '2'
    """

    __slots__ = ("data", "grad", "label", "op", "children", "local_grads")

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float:
            if isinstance(data, Value) or not _is_real(data):
                hint = " (it is already a Value: use it directly)" if isinstance(data, Value) else ""
                raise TypeError(
                    "Value(data) needs a real number (int, float, bool or a numpy scalar), "
                    f"got {type(data).__name__}: {data!r}{hint}"
                )
            data = as_float(data, "Value(data)")
        if not isinstance(label, str):
            raise TypeError(f"Value(label) must be a str, got {type(label).__name__}: {label!r}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.children: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number, as ``torch.Tensor.item()``: ``Value(2.5).item()`` is ``2.5``."""
        return self.data

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the data; an empty spec gives the repr.

        >>> f"{Value(2.0, label='x'):.3f}", f"{Value(0.5)}"
        ('2.000', 'Value(data=0.5, grad=0.0)')
        """
        return format(self.data, spec) if spec else repr(self)

    # ---- micrograd's names, so code written for micrograd (its draw_dot's trace) runs as it is --

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the Values this one was computed from, as a set (``children``
        keeps their order and repeats)."""
        return set(self.children)

    @property
    def _op(self) -> str:
        """micrograd's name for ``op``: ``'+'``, ``'*'``, ``'**2'``, ``'relu'``, …; ``''`` for a leaf."""
        return self.op

    # ---- comparisons: of the numbers (== stays identity, so Values can be dict keys) ----------

    def __lt__(self, other):  # self < other
        return _compare("<", self, other)

    def __le__(self, other):  # self <= other
        return _compare("<=", self, other)

    def __gt__(self, other):  # self > other
        return _compare(">", self, other)

    def __ge__(self, other):  # self >= other
        return _compare(">=", self, other)

    def __bool__(self) -> bool:  # `if x:` means x != 0, as for the number itself
        return _compare("!=", self, 0.0)

    # ---- the chain rule ---------------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``grad`` on every node reachable from this one: ∂self/∂node.

        One generic loop over the nodes in reverse topological order; no
        recursion, so graphs of any depth work. The semantics:

        - this node's (the root's) grad is seeded with 1.0;
        - interior nodes hold ∂root/∂node from the latest pass: a second call
          gives the same numbers, not twice them;
        - leaves *accumulate* across calls, as in PyTorch, until zeroed
          (``nn`` modules' ``zero_grad()``, or ``leaf.grad = 0.0``);
        - a node used several times (``a + a``, diamonds) gets the sum over its paths.

        >>> a = Value(3.0, label="a")
        >>> y = a * a + a
        >>> y.backward(); a.grad       # 2a + 1
        7.0
        >>> y.backward(); a.grad       # leaves accumulate
        14.0
        """
        graph.backward(self)

    # ---- operators: each one is a table entry applied to the operands ------------------------

    # a ∘ b: the table entry bound once (see _operator); the reflected ones (2 * x) swap the sides
    __add__ = _operator(_ADD)  # self + other
    __sub__ = _operator(_SUB)  # self - other
    __mul__ = _operator(_MUL)  # self * other
    __truediv__ = _operator(_DIV)  # self / other

    def __radd__(self, other):  # other + self
        return Value.__add__(other, self)

    def __rsub__(self, other):  # other - self
        return Value.__sub__(other, self)

    def __rmul__(self, other):  # other * self
        return Value.__mul__(other, self)

    def __rtruediv__(self, other):  # other / self
        return Value.__truediv__(other, self)

    def __neg__(self):  # -self
        return _unary(_NEG, self)

    def __pos__(self):  # +self
        return self

    def __pow__(self, other):  # self ** other
        if isinstance(other, Value):
            return apply(_POW, self, other)
        if not _is_real(other):
            return NotImplemented
        return _unary(power_by(as_float(other, "** (the exponent)")), self)

    def __rpow__(self, other):  # other ** self
        return _power(other, self)

    def apply(self, op: str | Op, *others: Value | float) -> Value:
        r"""This Value (then ``others``) through a table entry, by name or as an ``ops.Op``:
        how an op added with ``ops.register`` is used (the methods below are the built-in ones).

        >>> Value(9.0).apply("sqrt").data, Value(2.0).apply("**", 3.0).data
        (3.0, 8.0)
        """
        entry = lookup(op) if isinstance(op, str) else op
        if not others and entry.arity == 1:
            return _unary(entry, self)  # a neuron's activation: the typed methods' path
        return apply(entry, self, *others)

    def exp(self) -> Value:
        r"""e^x; ∂/∂x = e^x. Overflows to inf, as PyTorch does."""
        return _unary(_EXP, self)

    def log(self) -> Value:
        r"""ln x for x > 0; ∂/∂x = 1/x."""
        return _unary(_LOG, self)

    def tanh(self) -> Value:
        r"""tanh x; ∂/∂x = 1 − tanh²(x).

        >>> round(Value(0.5).tanh().data, 6)
        0.462117
        """
        return _unary(_TANH, self)

    def sigmoid(self) -> Value:
        r"""σ(x) = 1/(1 + e^−x); ∂/∂x = σ(x)(1 − σ(x)). Never overflows.

        >>> Value(-1000).sigmoid()
        Value(data=0.0, grad=0.0)
        """
        return _unary(_SIGMOID, self)

    def relu(self) -> Value:
        r"""max(0, x); ∂/∂x = 1 for x > 0, else 0 (0 at x = 0, as PyTorch)."""
        return _unary(_RELU, self)

    def abs(self) -> Value:
        r"""|x|; ∂/∂x = sign(x) (0 at x = 0)."""
        return _unary(_ABS, self)

    def __abs__(self) -> Value:
        return self.abs()

    def sqrt(self) -> Value:
        r"""√x for x ≥ 0; ∂/∂x = 1/(2√x)."""
        return _unary(_SQRT, self)

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        r"""Σ xᵢ as one node with one edge per term (∂/∂xᵢ = 1): the Σ of a neuron's input.

        >>> Value.sum([Value(1.0), 2, Value(3.0)]).data
        6.0
        """
        return apply(_SUM, *values)

    @staticmethod
    def weighted_sum(
        weights: Iterable[Value | float], inputs: Iterable[Value | float], bias: Value | float | None = None
    ) -> Value:
        r"""z = Σ wᵢ·xᵢ + b as one node: a neuron's input (the blog's r, Nielsen's z).

        Its operands are w₁, x₁, w₂, x₂, …, b and its local derivatives are
        ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1: BP4, the back-flow of δ, and BP3.

        >>> w, x, b = Value(2.0, label="w"), Value(3.0, label="x"), Value(1.0, label="b")
        >>> z = Value.weighted_sum([w], [x], b)
        >>> z.data, z.local_grads
        (7.0, (3.0, 2.0, 1.0))
        """
        if type(weights) is not list:  # lists are read as they are: a layer's call, the hot path
            weights = list(weights)
        if type(inputs) is not list:
            inputs = list(inputs)
        n = len(weights)
        if n != len(inputs):
            raise ValueError(f"weighted_sum: {n} weights but {len(inputs)} inputs; they must match")
        operands: list = [bias] * (2 * n + 1) if bias is not None else [None] * (2 * n)
        operands[0 : 2 * n : 2] = weights  # w₁, x₁, w₂, x₂, …, b
        operands[1 : 2 * n : 2] = inputs
        if all(map(isinstance, operands, repeat(Value))):
            return _node_of(_WSUM, tuple(operands))
        return apply(_WSUM, *operands)


_COMPARE = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "!=": float.__ne__}


def _compare(symbol: str, a: Value, b: object):
    """Compare numbers; while tracing, note the decision so the compiled program can check it."""
    if isinstance(b, Value):
        right = b.data
    elif _is_real(b):
        # Python compares a float with an int or a fraction exactly (2.0 < 10**400 is True); only a
        # traced comparison must hold the number as a float, for the compiled program to check it
        right = b if _MODE.decisions is None else as_float(b, f"{symbol} (the right operand)")
    else:
        return NotImplemented
    outcome = _COMPARE[symbol](a.data, right)
    if _MODE.decisions is not None:
        _MODE.decisions.append((a, symbol, b, outcome))
    return outcome


def apply(op: Op, *operands: Value | float) -> Value:
    """Apply a table entry: compute result and local derivatives, record them on a new node.

    The forward pass runs before any node is made, so an op that is undefined at
    its input raises and leaves the graph as it was.

    >>> from tinygrad_like.ops import TABLE
    >>> apply(TABLE["log"], Value(0.0))
    Traceback (most recent call last):
    ...
    tinygrad_like.ops.DomainError: log: log of 0.0 is undefined; log needs a positive number
    """
    paused = _collector_enabled()  # as in _operator
    if paused:
        _disable_collector()
    try:
        children = tuple([x if isinstance(x, Value) else _constant(x, op.name) for x in operands])
        if op.arity is not None and len(children) != op.arity:
            raise TypeError(f"{op.name} takes {op.arity} operand(s), got {len(children)}")
        data, local_grads = op.forward(*[c.data for c in children])
        if _no_grad_blocks and not _MODE.recording:
            return Value(data)
        return _node(data, op.name, children, local_grads)
    finally:
        if paused:
            _enable_collector()


def weighted_sum_of_values(weights: list[Value], inputs: list[Value], bias: Value) -> Value:
    r"""``Value.weighted_sum(weights, inputs, bias)`` for lists that hold only Values, as a layer
    calls it: the same node, without the checks (a number among them takes the checked way).

    >>> w, x, b = Value(2.0), Value(3.0), Value(1.0)
    >>> weighted_sum_of_values([w], [x], b).local_grads    # ∂z/∂w = x, ∂z/∂x = w, ∂z/∂b = 1
    (3.0, 2.0, 1.0)
    """
    n = len(weights)
    if n != len(inputs):
        return Value.weighted_sum(weights, inputs, bias)  # its error says what is wrong
    operands = [bias] * (2 * n + 1)
    operands[0 : 2 * n : 2] = weights  # w₁, x₁, w₂, x₂, …, b
    operands[1 : 2 * n : 2] = inputs
    try:
        return _node_of(_WSUM, tuple(operands))
    except AttributeError:  # a plain number where a Value was expected
        return Value.weighted_sum(weights, inputs, bias)


def _unary(op: Op, a: Value) -> Value:
    """``apply`` for one operand that is a Value: the typed methods' path (``x.relu()``, ``-x``)."""
    paused = _collector_enabled()  # as in _operator
    if paused:
        _disable_collector()
    try:
        data, local_grads = op.forward(a.data)
        if _no_grad_blocks and not _MODE.recording:
            return Value(data)
        node = _new(Value)  # _node(), inlined
        node.data = data
        node.grad = 0.0
        node.label = ""
        node.op = op.name
        node.children = (a,)
        node.local_grads = local_grads
        return node
    finally:
        if paused:
            _enable_collector()


def _leaf(data: float) -> Value:
    """``Value(data)`` for a float, without the checks a float does not need."""
    leaf = _new(Value)
    leaf.data = data
    leaf.grad = 0.0
    leaf.label = ""
    leaf.op = ""
    leaf.children = ()
    leaf.local_grads = ()
    return leaf


def _node_of(op: Op, children: tuple) -> Value:
    """``apply`` for operands that are all Values already (a neuron's weighted sum)."""
    paused = _collector_enabled()  # as in _operator
    if paused:
        _disable_collector()
    try:
        # a list comprehension reads a slot at half the cost of map(attrgetter("data"), …)
        data, local_grads = op.forward(*[c.data for c in children])
        if _no_grad_blocks and not _MODE.recording:
            return Value(data)
        return _node(data, op.name, children, local_grads)
    finally:
        if paused:
            _enable_collector()


def _constant(x: object, op: str) -> Value:
    """A plain-number operand as a leaf, refused by the op's name when it is not a real number."""
    if not _is_real(x):
        raise TypeError(f"{op}: operands must be Values or real numbers, got {type(x).__name__}: {x!r}")
    return Value(as_float(x, f"{op} (an operand)"))


_power = _operator(_POW)  # a number ** a Value
_new = object.__new__
_collector_enabled, _disable_collector, _enable_collector = gc.isenabled, gc.disable, gc.enable


def _node(data: float, op: str, children: tuple, local_grads: tuple) -> Value:
    """A new interior node (no checks: the op's forward made these numbers)."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node.op = op
    node.children = children
    node.local_grads = local_grads
    return node
