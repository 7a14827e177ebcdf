r"""Trace a function of Values once and turn its graph into a straight-line backprop program.

A graph of Values is the best way to *see* backpropagation and the slowest way to run it:
every operation allocates an object, and training rebuilds the same graph for every sample.
The graph's shape does not change from step to step, only the numbers do. ``trace`` records
it once and writes it out as plain Python, one statement per node forward and one per edge
backward, named after the nodes' labels::

    z2_1 = w2_1_1 * x1 + w2_1_2 * x2 + b2_1
    a2_1 = sigmoid(z2_1)
    ...
    d_z2_1 = d_a2_1 * (a2_1 * (1.0 - a2_1))
    d_w2_1_1 = dot(d_z2_1, x1)

It is the chain rule for this exact network, and it runs on Python floats (one sample) or on
numpy arrays (a whole batch at once, each node's value a vector over the batch). The code
comes only from the table of operations (``ops.Op.code``, ``ops.Op.grad_code``); labels are
turned into identifiers and numbers into literals, so nothing a user typed is ever executed.

>>> from tinygrad_like import Value
>>> w = Value(0.5, label="w")
>>> program = trace(lambda x: (w * x).tanh(), [w], x=2.0)
>>> print(program.source.split("from the root back to the parameters")[1])
    d_loss = 1.0
    d_v2 = d_loss * (1.0 - loss * loss)
    d_w = dot(d_v2, x)
    return loss, (d_w,), ()
>>> result = program(x=2.0)
>>> round(result.loss, 6), round(result.grads[0], 6)      # tanh(1), (1 − tanh²(1))·x
(0.761594, 0.839949)
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tinygrad_like.graph import topological_order
from tinygrad_like.ops import TABLE, DomainError, _power, lookup
from tinygrad_like.value import Value, _is_real, decisions_recorded

if TYPE_CHECKING:
    import numpy as np

_SPELLED = {"δ": "delta", "σ": "sigma", "ŵ": "w_hat", "b̂": "b_hat", "r̂": "r_hat", "·": "_"}
_NUMERIC_HELPERS = (
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "step",
    "absolute",
    "sign",
    "sqrt",
    "sqrt_grad",
    "power",
    "power_base_grad",
    "power_exponent_grad",
    "divide",
    "dot",
    "total",
    "check",
    "inf",
    "nan",
)
RESERVED = {
    *_NUMERIC_HELPERS,
    "params",
    "n_samples",
    "forward",
    "forward_backward",
    "stack",
    "zeros",
    "total_rows",
    "grads",
    "n_params",
}
MAX_VARIANTS = 16
# The batch program's own names (fusion.py): a layer's matrices and their parameter index arrays.
_GENERATED = re.compile(r"[AXZWB]\d+(_at)?")
_pow, _div = TABLE["**"].forward, TABLE["/"].forward


class BranchError(RuntimeError):
    """The inputs take another path through the traced function than the one that was compiled."""


class _Decision(Exception):
    """Raised inside a compiled program when a traced comparison comes out differently."""

    def __init__(self, index: int, outcome) -> None:
        self.index, self.outcome = index, outcome
        super().__init__(index)


# ---- the two sets of numeric helpers: Python floats, or numpy arrays over a batch ----------------


def _float_helpers() -> dict:
    def exp(x):
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    def sigmoid(a):  # the engine's two stable forms
        if a >= 0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)

    def power(a, b):
        return _pow(a, b)[0]  # the engine's own: its errors, and ±inf where the result overflows

    def divide(a, b):
        return a / b if b else _div(a, b)[0]  # b == 0: the engine's DivisionByZeroError

    def power_exponent_grad(a, out):
        return out * math.log(a) if a > 0 else 0.0 if a == 0 else math.nan

    def check(index, outcome, expected):
        if outcome != expected:
            raise _Decision(index, outcome)

    return {
        "exp": exp,
        "log": math.log,
        "tanh": math.tanh,
        "sigmoid": sigmoid,
        "relu": lambda a: 0.0 if a <= 0 else a,  # the engine's test: NaN passes through
        "step": lambda a: 0.0 if a <= 0 else 1.0,
        "absolute": abs,
        "sign": lambda a: 1.0 if a > 0 else -1.0 if a < 0 else 0.0,
        "sqrt": math.sqrt,
        "sqrt_grad": lambda out: 0.5 / out if out != 0 else math.inf,
        "power": power,
        "divide": divide,
        "power_base_grad": lambda a, b: b * _power(a, b - 1) if b != 0 else 0.0,
        "power_exponent_grad": power_exponent_grad,
        "dot": lambda a, b: a * b,
        "total": lambda a: a,
        "check": check,
        "inf": math.inf,
        "nan": math.nan,
    }


def _numpy_helpers() -> dict:
    import numpy as np

    def sigmoid(a):  # the engine's two forms, chosen per element
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def first_undefined(forward, bad, *xs):  # the engine's error, for the first sample that has it
        at = np.argmax(np.broadcast_to(bad, np.broadcast(*xs).shape).ravel())
        forward(*[float(np.broadcast_to(x, bad.shape).ravel()[at]) for x in xs])

    def power(a, b):
        bad = ((a == 0) & (b < 0)) | ((a < 0) & (np.floor(b) != b))
        if np.any(bad):
            first_undefined(_pow, bad, a, b)
        return np.power(a, b)

    def divide(a, b):
        bad = b == 0
        if np.any(bad):
            first_undefined(_div, bad, a, b)
        return a / b

    def power_exponent_grad(a, out):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)), np.where(a == 0, 0.0, np.nan))

    def sqrt_grad(out):
        with np.errstate(divide="ignore"):
            return 0.5 / out

    def check(index, outcome, expected):
        if not np.all(outcome == expected):
            raise _Decision(index, outcome)

    def stack(rows):  # rows of a layer, one per neuron; a row with no gradient is a plain 0.0
        try:
            return np.stack(rows)
        except ValueError:
            return np.stack(np.broadcast_arrays(*rows))

    return {
        "exp": np.exp,
        "log": np.log,
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "relu": lambda a: np.maximum(a, 0.0),
        "step": lambda a: ~(a <= 0.0),  # True·d = d, False·d = 0·d; NaN passes, as in the engine
        "absolute": np.abs,
        "sign": lambda a: np.where(a == a, np.sign(a), 0.0),  # the engine's sign(NaN) = 0
        "sqrt": np.sqrt,
        "sqrt_grad": sqrt_grad,
        "power": power,
        "divide": divide,
        "power_base_grad": lambda a, b: np.where(b != 0, b * power(a, b - 1), 0.0),
        # dot and total only ever see 1-d arrays over the batch: the writer emits them for nodes an
        # input flows into, and every input is broadcast to the batch's length
        "power_exponent_grad": power_exponent_grad,
        "dot": np.dot,
        "total": np.add.reduce,
        "check": check,
        "inf": math.inf,
        "nan": math.nan,
        # the batch program's: a layer's rows as a matrix, a row sum kept as a column
        "stack": stack,
        "zeros": np.zeros,
        "total_rows": lambda m: m.sum(axis=1, keepdims=True),
    }


# ---- writing the program ------------------------------------------------------------------------


def identifier(label: str, taken: set[str]) -> str:
    """A Python identifier for a label, unique among ``taken``: w2_1,3 → w2_1_3, g(r_1) → g_r_1, δ → delta.

    Names the program writes itself are never given to a label: the gradients ``d_…`` (a label
    ``d_w`` becomes ``v_d_w``), the helpers and keywords, the batch program's matrices (``A3`` → ``A3_``).

    >>> [identifier(label, set()) for label in ("w2_1,3", "g(r_1)", "δ", "lambda", "d_w", "A3", "exp")]
    ['w2_1_3', 'g_r_1', 'delta', 'lambda_', 'v_d_w', 'A3_', 'exp_']
    """
    for ch, spelled in _SPELLED.items():
        label = label.replace(ch, spelled)
    name = re.sub(r"\W+", "_", label, flags=re.ASCII).strip("_")
    if not name or name[0].isdigit():
        name = f"v_{name}" if name else "v"
    if name == "d" or name.startswith("d_"):
        name = f"v_{name}"  # d_… names a gradient: a label may not take one
    if keyword.iskeyword(name) or name in RESERVED or _GENERATED.fullmatch(name):
        name += "_"
    unique, k = name, 2
    while unique in taken:
        unique, k = f"{name}_{k}", k + 1
    taken.add(unique)
    return unique


def _literal(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return repr(float(x)) if x >= 0 else f"({float(x)!r})"


def _walk(roots: list[Value]) -> list[Value]:
    order, seen = [], set()
    for root in roots:
        for v in topological_order(root):
            if v not in seen:
                seen.add(v)
                order.append(v)
    return order


def _product(d: str, local: str) -> str:
    if local == "1":
        return d
    if local == "-1":
        return f"-{d}"
    simple = re.fullmatch(r"[\w.]+", local)
    return f"{d} * {local}" if simple else f"{d} * ({local})"


class Plan:
    """What both writers need to know about a traced graph: its nodes in order, their names, which
    vary over a batch (an input flows into them) and which need a gradient (they reach a parameter)."""

    def __init__(
        self, root: Value, slots: dict, params: Sequence[Value], outputs: Sequence[Value], decisions: list
    ):
        self.root, self.slots, self.params, self.outputs, self.decisions = (
            root,
            slots,
            list(params),
            outputs,
            decisions,
        )
        extra = [d[0] for d in decisions] + [d[2] for d in decisions if isinstance(d[2], Value)]
        self.order = _walk([root, *outputs, *extra])
        self.slot_of = {v: name for name, v in slots.items()}
        self.param_set = set(self.params)
        self.param_index = {p: i for i, p in enumerate(self.params)}
        taken: set[str] = set()
        self.names: dict[Value, str] = {v: identifier(name, taken) for name, v in slots.items()}
        self.arguments = [self.names[v] for v in slots.values()]  # the inputs as the program calls them
        for i, v in enumerate(self.order):
            if v in self.slot_of:
                continue
            elif v.children or v in self.param_set:
                self.names[v] = identifier(v.label or ("loss" if v is root else f"v{i}"), taken)
            else:
                self.names[v] = _literal(v.data)  # a constant: written as its number
        for p in self.params:
            if p not in self.names:  # a parameter the function does not use: its gradient is 0
                self.names[p] = identifier(p.label or "p", taken)
        self.taken = taken
        # A node varies from sample to sample when an input flows into it; the rest stay scalars
        # even when the program runs on a batch.
        self.varying: set[Value] = set()
        for v in self.order:
            if v in self.slot_of or any(c in self.varying for c in v.children):
                self.varying.add(v)
        self.varying_names = {self.names[v] for v in self.varying}
        # Only nodes that lead to a parameter need a gradient.
        self.needed = set(self.param_set)
        for v in self.order:
            if any(c in self.needed for c in v.children):
                self.needed.add(v)

    def forward_line(self, v: Value) -> str:
        return f"    {self.names[v]} = {lookup(v.op).code_for([self.names[c] for c in v.children])}"

    def check_lines(self) -> list[str]:
        lines = []
        for k, (a, symbol, b, outcome) in enumerate(self.decisions):
            right = self.names[b] if isinstance(b, Value) else _literal(float(b))
            lines.append(f"    check({k}, {self.names[a]} {symbol} {right}, {outcome})  # the path traced")
        return lines

    def seed_lines(self) -> list[str]:
        root = self.root
        if root in self.param_set:  # the root is itself a parameter: ∂root/∂root = 1 for every sample
            return [f"    d_{self.names[root]} = 1.0 * n_samples"]
        return [f"    d_{self.names[root]} = 1.0"] if root in self.needed and root.children else []

    def edge_lines(self, v: Value, assigned: set[Value], d_varying: set[Value]) -> list[str]:
        """One statement per edge from ``v`` to an operand that needs a gradient."""
        lines = []
        op = lookup(v.op)
        child_names = [self.names[c] for c in v.children]
        for i, c in enumerate(v.children):
            if c not in self.needed:
                continue
            local = op.grad_code_for(i, child_names, self.names[v])
            local_varies = any(word in self.varying_names for word in re.findall(r"[A-Za-z_]\w*", local))
            d = f"d_{self.names[v]}"
            d_v = v in d_varying
            if c in self.param_set:  # a parameter: its gradient is summed over the samples of a batch
                if d_v and local_varies:
                    term = f"dot({d}, {local})"
                elif d_v:
                    term = _product(f"total({d})", local)
                elif local_varies:
                    term = _product(d, f"total({local})")
                else:
                    term = _product(d, local) + " * n_samples"
            else:
                term = _product(d, local)
                if d_v or local_varies:
                    d_varying.add(c)
            # Accumulate with a new value, never in place: on a batch `d_a = d_b` makes d_a the same
            # array as d_b, and `d_a += …` would change d_b too.
            target = f"d_{self.names[c]}"
            if c not in assigned:
                lines.append(f"    {target} = {term}")
                assigned.add(c)
            elif term.startswith("-"):
                lines.append(f"    {target} = {target} - {term[1:]}")
            else:
                lines.append(f"    {target} = {target} + {term}")
        return lines


def write_program(plan: Plan) -> str:
    """The source of ``forward`` and ``forward_backward``: one statement per node, one per edge."""
    names, root = plan.names, plan.root
    forward = [plan.forward_line(v) for v in plan.order if v.children] + plan.check_lines()
    backward = plan.seed_lines()
    assigned: set[Value] = {root} if backward else set()
    d_varying: set[Value] = set()
    for v in reversed(plan.order):
        if v in plan.needed and v.children and v in assigned:
            backward += plan.edge_lines(v, assigned, d_varying)
    for p in plan.params:
        if p not in assigned:
            backward.append(f"    d_{names[p]} = 0.0  # {names[p]} does not reach the root")

    param_names = [names[p] for p in plan.params]
    args = ", ".join([*plan.arguments, "params"])
    unpack = (
        [f"    {', '.join(param_names)}{',' if len(param_names) == 1 else ''} = params"]
        if param_names
        else []
    )
    out_tuple = ", ".join(names[o] for o in plan.outputs) + ("," if len(plan.outputs) == 1 else "")
    grads_tuple = ", ".join(f"d_{n}" for n in param_names) + ("," if len(param_names) == 1 else "")
    lines = [
        f"def forward({args}):",
        f'    """{names[root]} (and the outputs) for one sample, or for every sample of a batch."""',
        *unpack,
        *forward,
        f"    return {names[root]}, ({out_tuple})",
        "",
        "",
        f"def forward_backward({args}, n_samples=1):",
        f'    """{names[root]} and ∂{names[root]}/∂(each parameter), summed over the samples of a batch."""',
        *unpack,
        "    # forward: one statement per node",
        *forward,
        "    # backward: one statement per edge, from the root back to the parameters",
        *backward,
        f"    return {names[root]}, ({grads_tuple}), ({out_tuple})",
    ]
    return "\n".join(lines) + "\n"


# ---- the compiled object ------------------------------------------------------------------------


@dataclass
class Result:
    """What a compiled program returns: the loss (a float, or an array with one per sample), the
    gradient of each parameter (summed over the samples of a batch) and the outputs asked for."""

    loss: float | np.ndarray
    grads: list
    outputs: list


class _Variant:
    """One traced path: its sources and the functions compiled from them, for floats, for arrays
    node by node, and for arrays a layer at a time (the batch program)."""

    def __init__(self, root, slots, params, outputs, decisions):
        self.decisions = decisions
        self.plan = Plan(root, slots, params, outputs, decisions)
        self.source = write_program(self.plan)
        self._batch = None
        self._compiled = {"floats": self._functions(self.source, _float_helpers())}

    @staticmethod
    def _functions(source: str, helpers: dict) -> dict:
        namespace = {"__builtins__": {}, **helpers}
        # The source is ours, written from the table of operations; labels became identifiers.
        exec(compile(source, "<tinygrad_like program>", "exec"), namespace)
        return namespace

    @property
    def batch(self) -> tuple[str, dict]:
        if self._batch is None:
            from tinygrad_like.fusion import write_batch_program

            self._batch = write_batch_program(self.plan)
        return self._batch

    def functions(self, kind: str) -> dict:
        """``"floats"``, ``"arrays"`` (node by node) or ``"batch"`` (a layer at a time)."""
        if kind not in self._compiled:
            if kind == "arrays":
                self._compiled[kind] = self._functions(self.source, _numpy_helpers())
            else:
                source, constants = self.batch
                self._compiled[kind] = self._functions(source, {**_numpy_helpers(), **constants})
        return self._compiled[kind]


def _check_input(name: str, v: object) -> None:
    """Refuse an input that is not a real number or an array of them (None, "a", a Value…)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) or _is_real(v):
        return
    if not isinstance(v, (str, bytes, Value)) and v is not None:
        import numpy as np

        try:
            kind = np.asarray(v).dtype.kind
        except (ValueError, TypeError):  # ragged lists
            kind = "O"
        if kind in "biuf":
            return
    raise TypeError(
        f"program input {name!r} must be a real number or a 1-d array of real numbers, "
        f"got {type(v).__name__}: {_short(v)}"
    )


def _short(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "…"


class Program:
    """A traced function compiled to straight-line Python. Call it with the inputs (floats, or
    numpy arrays for a batch); ``.source`` is the program; ``.forward(...)`` skips the backward."""

    def __init__(self, fn: Callable, params: Sequence[Value], example: dict[str, float]) -> None:
        self.fn = fn
        self.params = list(params)
        self.inputs = list(example)
        self._variants = [self._trace(example)]

    def _trace(self, example: dict[str, float]) -> _Variant:
        slots = {name: Value(float(value), label=name) for name, value in example.items()}
        with decisions_recorded() as decisions:
            result = self.fn(**slots)
        root, outputs = result if isinstance(result, tuple) else (result, [])
        outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
        if not isinstance(root, Value) or not all(isinstance(o, Value) for o in outputs):
            raise TypeError("trace: the function must return a Value, or (Value, [output Values])")
        return _Variant(root, slots, self.params, outputs, decisions)

    @property
    def source(self) -> str:
        """The generated program (of the path traced first)."""
        return self._variants[0].source

    @property
    def batch_source(self) -> str:
        """The program a batch runs on: each layer of neurons as matrices (Nielsen's BP1–BP4)."""
        return self._variants[0].batch[0]

    @property
    def decisions(self) -> list[tuple]:
        """The comparisons the traced function made: (Value, operator, other, outcome)."""
        return self._variants[0].decisions

    def _arguments(self, args, kwargs) -> tuple[list, bool, int]:
        if len(args) > len(self.inputs):
            raise TypeError(
                f"this program takes {len(self.inputs)} inputs ({', '.join(self.inputs)}), got {len(args)}"
            )
        values = dict(zip(self.inputs, args))
        for name, value in kwargs.items():
            if name not in self.inputs:
                raise TypeError(f"unknown input {name!r}; the inputs are {', '.join(self.inputs)}")
            values[name] = value
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise TypeError(f"missing input(s): {', '.join(missing)}")
        ordered = [values[n] for n in self.inputs]
        for name, v in zip(self.inputs, ordered):
            _check_input(name, v)
        arrays = any(not isinstance(v, (int, float)) for v in ordered)
        if arrays:
            import numpy as np

            ordered = [np.asarray(v, dtype=float) for v in ordered]
            sizes = {v.shape[0] for v in ordered if v.ndim}
            if len(sizes) > 1 or any(v.ndim > 1 for v in ordered):
                raise ValueError(
                    f"batch inputs must be 1-d arrays of one length, got lengths {sorted(sizes)}"
                )
            n = sizes.pop() if sizes else 1
            return [np.broadcast_to(v, (n,)) if v.ndim == 0 else v for v in ordered], True, n
        return [float(v) for v in ordered], False, 1

    def _run(self, which: str, args, kwargs, fused: bool = True, params=None):
        inputs, arrays, n = self._arguments(args, kwargs)
        kind = ("batch" if fused else "arrays") if arrays else "floats"
        if params is None:
            params = [p.data for p in self.params]
        elif len(params) != len(self.params):
            raise ValueError(
                f"params: this program has {len(self.params)} parameters, got {len(params)} numbers"
            )
        if arrays:  # numpy multiplies its own float64 by an array faster than a Python float
            import numpy as np

            params = np.asarray(params, dtype=float)
            if not fused:
                params = list(params)
        elif not isinstance(params, list):
            params = [float(x) for x in params]
        return self._execute(which, kind, inputs, params, n)

    def _execute(self, which: str, kind: str, inputs: list, params, n: int):
        """Run a variant's function; a traced comparison that comes out differently re-traces."""
        arrays = kind != "floats"
        for _ in range(MAX_VARIANTS + 1):
            for variant in self._variants:
                function = variant.functions(kind)[which]
                try:
                    if arrays:
                        import numpy as np

                        with np.errstate(over="ignore", under="ignore", divide="raise", invalid="raise"):
                            return function(*inputs, params, *([n] if which == "forward_backward" else []))
                    return function(*inputs, params, *([1] if which == "forward_backward" else []))
                except _Decision as decision:
                    failed = (variant, decision)
                except DomainError:  # the engine's own error, raised by the table's functions
                    raise
                except (ZeroDivisionError, FloatingPointError) as exc:
                    raise DomainError(
                        f"the compiled program hit an undefined operation ({exc}); "
                        "the Value graph would raise here too"
                    ) from None
                except ValueError as exc:
                    raise DomainError(f"the compiled program hit an undefined operation ({exc})") from None
            variant, missed = failed
            self._retrace(variant, missed, inputs, arrays)
        raise BranchError(f"more than {MAX_VARIANTS} paths through the traced function; use the Value graph")

    def batch(self, rows, params, *, backward: bool = True) -> Result:
        """The batch program for a training loop: ``rows`` holds one float64 array of samples per
        input, in ``inputs`` order (a 2-D array, inputs × samples, is fine); ``params`` is a float64
        array of the parameters' numbers in ``params`` order, read instead of the Values' data.

        The checks ``__call__`` makes on every input are left to the caller, so a loop pays only
        for the arithmetic. ``grads`` is an array (summed over the samples), the loss one number
        per sample; ``backward=False`` runs the forward statements only (``grads`` empty).

        >>> import numpy as np
        >>> w = Value(0.5, label="w")
        >>> program = trace(lambda x: w * x * x, [w], x=1.0)
        >>> program.batch(np.array([[1.0, 2.0, 3.0]]), np.array([0.5])).grads    # Σ x²
        array([14.])
        """
        n = len(rows[0])
        if len(rows) != len(self.inputs) or len(params) != len(self.params):
            raise ValueError(
                f"batch: this program takes {len(self.inputs)} rows of inputs and {len(self.params)} "
                f"parameters, got {len(rows)} and {len(params)}"
            )
        if backward:
            loss, grads, outputs = self._execute("forward_backward", "batch", list(rows), params, n)
            return Result(loss, grads, list(outputs))
        loss, outputs = self._execute("forward", "batch", list(rows), params, n)
        return Result(loss, [], list(outputs))

    def _retrace(self, variant: _Variant, decision: _Decision, inputs: list, arrays: bool) -> None:
        a, symbol, b, expected = variant.decisions[decision.index]
        what = (
            f"{a.label or 'a value'} {symbol} {b.label if isinstance(b, Value) else b} (traced as {expected})"
        )
        if arrays:
            import numpy as np

            outcome = np.broadcast_to(decision.outcome, inputs[0].shape if inputs and inputs[0].ndim else ())
            if outcome.size and not (np.all(outcome) or not np.any(outcome)):
                raise BranchError(
                    f"the samples of this batch take different paths at {what}: it holds for "
                    f"{int(np.sum(outcome))} of {outcome.size}; run them on the Value graph or one at a time"
                )
            example = [float(np.ravel(v)[0]) if np.ndim(v) else float(v) for v in inputs]
        else:
            example = inputs
        if len(self._variants) >= MAX_VARIANTS:
            raise BranchError(f"more than {MAX_VARIANTS} paths through the traced function (at {what})")
        self._variants.append(self._trace(dict(zip(self.inputs, example))))

    def __call__(self, *args, fused: bool = True, params=None, **kwargs) -> Result:
        """Loss, gradients (summed over a batch) and outputs for these inputs.

        On arrays it runs the batch program (a layer at a time); ``fused=False`` runs
        ``.source`` node by node instead (slower, the same numbers up to rounding).
        ``params``: the parameters' numbers in ``self.params`` order, read instead of
        the Values' data (which the program then leaves alone).
        """
        loss, grads, outputs = self._run("forward_backward", args, kwargs, fused, params)
        return Result(loss, list(grads), list(outputs))

    def forward(self, *args, fused: bool = True, params=None, **kwargs) -> Result:
        """Loss and outputs only (no backward statements run); ``grads`` is empty."""
        loss, outputs = self._run("forward", args, kwargs, fused, params)
        return Result(loss, [], list(outputs))

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        return f"<Program of {lines} lines: inputs {', '.join(self.inputs)}; {len(self.params)} parameters>"


def trace(fn: Callable[..., Value], params: Sequence[Value] = (), /, **example: float) -> Program:
    r"""Trace ``fn`` once at ``example`` and compile its graph into a ``Program``.

    ``fn`` takes the inputs as keyword arguments (Values named after them) and returns the
    root Value, or ``(root, [output Values])``. ``params`` are the leaves whose gradients the
    program returns (a model's ``parameters()``); their current ``data`` is read at every call.
    Every other leaf is a constant, written into the program as a number.

    A comparison of Values inside ``fn`` (``if z > 0:``) is recorded: when other inputs come out
    differently, the program re-traces for that path (one sample, or a batch that agrees) or
    raises ``BranchError`` (a batch whose samples disagree). A branch on ``.data`` is invisible
    to it: compare Values instead.
    """
    if not callable(fn):
        raise TypeError(f"trace needs a function, got {type(fn).__name__}")
    for p in params:
        if not isinstance(p, Value) or p.children:
            raise TypeError("trace: params must be leaf Values (a model's parameters())")
    bad = [k for k in example if not k.isidentifier() or keyword.iskeyword(k) or k in RESERVED]
    if bad:
        raise ValueError(f"trace: input names must be identifiers not used by the program: {', '.join(bad)}")
    return Program(fn, params, example)
