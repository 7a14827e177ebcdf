r"""Trace a function of Values once and turn its graph into a straight-line backprop program.

A graph of Values is the best way to *see* backpropagation and the slowest way to run it:
every operation allocates an object, and training rebuilds the same graph for every sample.
The graph's shape does not change from step to step, only the numbers do. ``trace`` records
it once and writes it out as plain Python, one statement per node forward and one per edge
backward, named after the nodes' labels::

    z2_1 = sum((w2_1_1 * x1, w2_1_2 * x2), 0.0) + b2_1
    a2_1, (l0_a2_1,) = sigmoid(z2_1)
    ...
    d_z2_1 = d_a2_1 * l0_a2_1
    d_w2_1_1 = dot(d_z2_1, x1)

It is the chain rule for this exact network, and it runs on Python floats (one sample) or on
numpy arrays (a whole batch at once, each node's value a vector over the batch). The code
comes only from the table of operations: plain arithmetic is written out (``ops.Op.code``), and
every other node calls its entry's own function, which returns the result and the local
derivatives together, as in the engine, so on floats the program computes the graph's very
bits. Labels are turned into identifiers and numbers into literals, so nothing a user typed
is ever executed.

>>> from tinygrad_like import Value
>>> w = Value(0.5, label="w")
>>> program = trace(lambda x: (w * x).tanh(), [w], x=2.0)
>>> print(program.source.split("from the root back to the parameters")[1])
    d_loss = 1.0
    d_v2 = d_loss * l0_loss
    d_w = dot(d_v2, x)
    return loss, (d_w,), ()
>>> result = program(x=2.0)
>>> round(result.loss, 6), round(result.grads[0], 6)      # tanh(1), (1 − tanh²(1))·x
(0.761594, 0.839949)
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_like.fusion import write_batch_program
from tinygrad_like.plan import (
    RESERVED,
    Plan,
    check_lines,
    edge_lines,
    forward_line,
    identifier,
    make_plan,
    reserved,
    seed_lines,
)
from tinygrad_like.value import Value, _is_real, as_float, decisions_recorded

__all__ = ["trace", "Program", "Result", "BranchError", "identifier", "RESERVED"]

if TYPE_CHECKING:
    import numpy as np

MAX_VARIANTS = 16


class BranchError(RuntimeError):
    """The inputs take another path through the traced function than the one that was compiled."""


class _Decision(Exception):
    """Raised inside a compiled program when a traced comparison comes out differently."""

    def __init__(self, index: int, outcome) -> None:
        self.index, self.outcome = index, outcome
        super().__init__(index)


@functools.cache
def _numpy() -> Any:
    """numpy, imported on first use (a program on floats needs only the standard library)."""
    import numpy

    return numpy


# ---- what a program calls: the table's functions (plan.functions) and a few helpers --------------


def _namespace(plan: Plan, arrays: bool, extra: dict | None = None) -> dict[str, Any]:
    """The names a program runs with: on floats each entry's ``forward`` itself (so the program
    computes the engine's very bits), on numpy arrays each entry's ``on_arrays``."""
    if arrays:
        import numpy as np

        def check(index, outcome, expected):
            if not np.all(outcome == expected):
                raise _Decision(index, outcome)

        def stack(rows, n_samples=None):  # a layer's rows, one per neuron; a row may be a plain number
            if len(rows) == 1 and getattr(rows[0], "ndim", 0) == 1:  # one neuron: its row, as a matrix
                return rows[0][None]
            try:
                matrix = np.stack(rows)
            except ValueError:
                matrix = np.stack(np.broadcast_arrays(*rows))
            if n_samples is not None and matrix.ndim == 1:  # all the same for every sample (d_loss = 1.0)
                matrix = np.broadcast_to(matrix[:, None], (len(rows), n_samples))
            return matrix

        helpers: dict[str, Any] = {
            # dot and total only ever see 1-d arrays over the batch: the writer emits them for nodes
            # an input flows into, and every input is broadcast to the batch's length
            "dot": np.dot,
            "total": np.add.reduce,
            "check": check,
            # the batch program's: a layer's rows as a matrix, a row sum kept as a column
            "stack": stack,
            "zeros": np.zeros,
            "total_rows": lambda m: m.sum(axis=1, keepdims=True),
        }
    else:

        def check(index, outcome, expected):
            if outcome != expected:
                raise _Decision(index, outcome)

        helpers = {"dot": lambda a, b: a * b, "total": lambda a: a, "check": check}
    helpers.update(inf=math.inf, nan=math.nan, sum=builtins.sum)  # Σ adds as the engine: Python's sum
    for name, op in plan.functions.items():
        helpers[name] = op.on_arrays if arrays else op.forward
    return {**helpers, **(extra or {})}


# ---- writing the program ------------------------------------------------------------------------


def write_program(plan: Plan) -> str:
    """The source of ``forward`` and ``forward_backward``: one statement per node, one per edge."""
    names, root = plan.names, plan.root
    nodes = [v for v in plan.order if v.children]
    forward = [forward_line(plan, v, locals_=False) for v in nodes] + check_lines(plan)
    forward_with_locals = [forward_line(plan, v, locals_=True) for v in nodes] + check_lines(plan)
    backward = seed_lines(plan)
    assigned: set[Value] = {root} if backward else set()
    d_varying: set[Value] = set()
    for v in reversed(plan.order):
        if v in plan.needed and v.children and v in assigned:
            backward += edge_lines(plan, v, assigned, d_varying)
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
        *forward_with_locals,
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
    grads: list | np.ndarray  # an array from ``Program.batch``
    outputs: Sequence  # a list; from ``Program.batch``, rows (of a matrix when they are a layer's)


class _Variant:
    """One traced path: its sources and the functions compiled from them, for floats, for arrays
    node by node, and for arrays a layer at a time (the batch program)."""

    def __init__(self, root, slots, params, outputs, decisions):
        self.decisions = decisions
        self.plan = make_plan(root, slots, params, outputs, decisions)
        self.source = write_program(self.plan)
        self._batch: tuple[str, dict] | None = None
        self._compiled = {"floats": self._functions(self.source, _namespace(self.plan, arrays=False))}

    @staticmethod
    def _functions(source: str, helpers: dict) -> dict:
        namespace = {"__builtins__": {}, **helpers}
        # The source is ours, written from the table of operations; labels became identifiers.
        exec(compile(source, "<tinygrad_like program>", "exec"), namespace)
        return namespace

    @property
    def batch(self) -> tuple[str, dict]:
        if self._batch is None:
            self._batch = write_batch_program(self.plan)
        return self._batch

    def functions(self, kind: str) -> dict:
        """``"floats"``, ``"arrays"`` (node by node) or ``"batch"`` (a layer at a time)."""
        if kind not in self._compiled:
            if kind == "arrays":
                self._compiled[kind] = self._functions(self.source, _namespace(self.plan, arrays=True))
            else:
                source, constants = self.batch
                self._compiled[kind] = self._functions(source, _namespace(self.plan, True, constants))
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
        return [as_float(v, f"program input {name!r}") for name, v in zip(self.inputs, ordered)], False, 1

    def _run(self, which: str, args, kwargs, fused: bool = True, params=None):
        inputs: Any
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
            else:
                inputs = np.stack(inputs)  # the batch program reads one matrix: a row per input
        elif not isinstance(params, list):
            params = [float(x) for x in params]
        return self._execute(which, kind, inputs, params, n)

    def _execute(self, which: str, kind: str, inputs, params, n: int, seed: float = 1.0):
        """Run a variant's function; a traced comparison that comes out differently re-traces."""
        arrays = kind != "floats"
        # the batch program takes the inputs as one matrix (and the seed), the others as rows
        extra = [] if which == "forward" else [n, seed] if kind == "batch" else [n if arrays else 1]
        for _ in range(MAX_VARIANTS + 1):
            for variant in self._variants:
                function = variant.functions(kind)[which]
                try:
                    if kind == "batch":
                        # inf and nan as the engine makes them; where an op is undefined its entry
                        # raises the engine's own error (ops.Op.on_arrays)
                        with _numpy().errstate(all="ignore"):
                            return function(inputs, params, *extra)
                    if arrays:
                        with _numpy().errstate(all="ignore"):
                            return function(*inputs, params, *extra)
                    return function(*inputs, params, *extra)
                except _Decision as decision:
                    failed = (variant, decision)
            variant, missed = failed
            self._retrace(variant, missed, inputs, arrays)
        raise BranchError(f"more than {MAX_VARIANTS} paths through the traced function; use the Value graph")

    def batch(self, rows, params, *, backward: bool = True, seed: float = 1.0) -> Result:
        """The batch program for a training loop: ``rows`` holds one float64 array of samples per
        input, in ``inputs`` order (a 2-D array, inputs × samples, is fine); ``params`` is a float64
        array of the parameters' numbers in ``params`` order, read instead of the Values' data.

        The checks ``__call__`` makes on every input are left to the caller, so a loop pays only
        for the arithmetic. ``grads`` is an array (summed over the samples), the loss one number
        per sample; ``backward=False`` runs the forward statements only (``grads`` empty).
        ``seed`` is where the backward pass starts, ∂(what is differentiated)/∂loss: 1/n gives
        the gradient of the mean over the n samples, without a pass over the gradients after.

        >>> import numpy as np
        >>> w = Value(0.5, label="w")
        >>> program = trace(lambda x: w * x * x, [w], x=1.0)
        >>> program.batch(np.array([[1.0, 2.0, 3.0]]), np.array([0.5])).grads    # Σ x²
        array([14.])
        >>> program.batch(np.array([[1.0, 2.0, 3.0]]), np.array([0.5]), seed=1 / 3).grads  # mean
        array([4.66666667])
        """
        np = _numpy()
        if type(rows) is not np.ndarray:
            rows = np.asarray(rows, dtype=float)
        n = rows.shape[1]
        if len(rows) != len(self.inputs) or len(params) != len(self.params):
            raise ValueError(
                f"batch: this program takes {len(self.inputs)} rows of inputs and {len(self.params)} "
                f"parameters, got {len(rows)} and {len(params)}"
            )
        # outputs: a tuple of rows, or the matrix of a layer's outputs (a row each), as computed
        direct = self.direct(backward)
        if direct is not None:  # one path, no checks: call it
            with np.errstate(all="ignore"):  # inf and nan as the engine makes them
                if backward:
                    return Result(*direct(rows, params, n, seed))
                loss, outputs = direct(rows, params)
                return Result(loss, [], outputs)
        if backward:
            return Result(*self._execute("forward_backward", "batch", rows, params, n, seed))
        loss, outputs = self._execute("forward", "batch", rows, params, n)
        return Result(loss, [], outputs)

    def direct(self, backward: bool = True) -> Callable | None:
        """The batch program's function itself, for a loop that calls it many times, or None when
        the traced function branched (then ``batch`` picks the path and re-traces).

        ``forward_backward(rows, params, n_samples, seed)`` gives (loss, grads, outputs) and
        ``forward(rows, params)`` (loss, outputs), as ``batch`` does but without its checks; run
        them inside ``np.errstate(all="ignore")`` for the engine's inf and nan without warnings.
        """
        if len(self._variants) != 1 or self._variants[0].decisions:
            return None
        return self._variants[0].functions("batch")["forward_backward" if backward else "forward"]

    def _retrace(self, variant: _Variant, decision: _Decision, inputs: list, arrays: bool) -> None:
        a, symbol, b, expected = variant.decisions[decision.index]
        what = (
            f"{a.label or 'a value'} {symbol} {b.label if isinstance(b, Value) else b} (traced as {expected})"
        )
        if arrays:
            import numpy as np

            shape = inputs[0].shape if len(inputs) and inputs[0].ndim else ()  # inputs: a matrix or rows
            outcome = np.broadcast_to(decision.outcome, shape)
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
    bad = [k for k in example if not k.isidentifier() or reserved(k)]
    if bad:
        raise ValueError(f"trace: input names must be identifiers not used by the program: {', '.join(bad)}")
    return Program(fn, params, example)
