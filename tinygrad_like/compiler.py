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

from tinygrad_like.graph import topological_order
from tinygrad_like.ops import DomainError, lookup
from tinygrad_like.value import Value, _GradMode

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
    "dot",
    "total",
    "check",
    "inf",
    "nan",
)
RESERVED = {*_NUMERIC_HELPERS, "params", "n_samples", "forward", "forward_backward"}
MAX_VARIANTS = 16


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
        if (a == 0 and b < 0) or (a < 0 and not float(b).is_integer()):
            raise DomainError(f"**: {a!r} to the power {b!r} is undefined")
        try:
            return float(a**b)
        except OverflowError:
            return math.inf

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
        "relu": lambda a: a if a > 0 else 0.0,
        "step": lambda a: 1.0 if a > 0 else 0.0,
        "absolute": abs,
        "sign": lambda a: 1.0 if a > 0 else -1.0 if a < 0 else 0.0,
        "sqrt": math.sqrt,
        "sqrt_grad": lambda out: 0.5 / out if out > 0 else math.inf,
        "power": power,
        "power_base_grad": lambda a, b: b * power(a, b - 1) if b != 0 else 0.0,
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

    def power(a, b):
        bad = ((a == 0) & (b < 0)) | ((a < 0) & (np.floor(b) != b))
        if np.any(bad):
            raise DomainError(
                f"**: undefined for {int(np.sum(bad))} sample(s) (0 to a negative power, or a "
                "negative base to a non-integer power)"
            )
        return np.power(a, b)

    def power_exponent_grad(a, out):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, out * np.log(np.where(a > 0, a, 1.0)), np.where(a == 0, 0.0, np.nan))

    def sqrt_grad(out):
        with np.errstate(divide="ignore"):
            return 0.5 / out

    def check(index, outcome, expected):
        if not np.all(outcome == expected):
            raise _Decision(index, outcome)

    return {
        "exp": np.exp,
        "log": np.log,
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "relu": lambda a: np.maximum(a, 0.0),
        "step": lambda a: a > 0.0,  # True·d = d, False·d = 0·d
        "absolute": np.abs,
        "sign": np.sign,
        "sqrt": np.sqrt,
        "sqrt_grad": sqrt_grad,
        "power": power,
        "power_base_grad": lambda a, b: np.where(b != 0, b * power(a, b - 1), 0.0),
        # dot and total only ever see 1-d arrays over the batch: the writer emits them for nodes an
        # input flows into, and every input is broadcast to the batch's length
        "power_exponent_grad": power_exponent_grad,
        "dot": np.dot,
        "total": np.add.reduce,
        "check": check,
        "inf": math.inf,
        "nan": math.nan,
    }


# ---- writing the program ------------------------------------------------------------------------


def identifier(label: str, taken: set[str]) -> str:
    """A Python identifier for a label, unique among ``taken``: w2_1,3 → w2_1_3, g(r_1) → g_r_1, δ → delta.

    >>> [identifier(label, set()) for label in ("w2_1,3", "g(r_1)", "δ", "lambda")]
    ['w2_1_3', 'g_r_1', 'delta', 'lambda_']
    """
    for ch, spelled in _SPELLED.items():
        label = label.replace(ch, spelled)
    name = re.sub(r"\W+", "_", label, flags=re.ASCII).strip("_")
    if not name or name[0].isdigit():
        name = f"v_{name}" if name else "v"
    if keyword.iskeyword(name) or name in RESERVED:
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


def write_program(
    root: Value, slots: dict[str, Value], params: Sequence[Value], outputs: Sequence[Value], decisions: list
) -> tuple[str, list[str]]:
    """The source of ``forward`` and ``forward_backward`` for this graph, and the parameter names."""
    order = _walk(
        [root, *outputs, *(d[0] for d in decisions), *(d[2] for d in decisions if isinstance(d[2], Value))]
    )
    slot_of = {v: name for name, v in slots.items()}
    param_set = set(params)
    taken = set(slots)
    names: dict[Value, str] = {}
    for i, v in enumerate(order):
        if v in slot_of:
            names[v] = slot_of[v]
        elif v.children or v in param_set:
            names[v] = identifier(v.label or ("loss" if v is root else f"v{i}"), taken)
        else:
            names[v] = _literal(v.data)  # a constant: written as its number
    for p in params:
        if p not in names:  # a parameter the function does not use: its gradient is 0
            names[p] = identifier(p.label or "p", taken)
    param_names = [names[p] for p in params]

    # A node varies from sample to sample when an input flows into it; the rest are scalars even
    # when the program runs on a batch.
    varying_set: set[Value] = set()
    for v in order:
        if v in slot_of or any(c in varying_set for c in v.children):
            varying_set.add(v)
    varying_names = {names[v] for v in varying_set}

    forward = []
    for v in order:
        if v.children:
            forward.append(f"    {names[v]} = {lookup(v.op).code_for([names[c] for c in v.children])}")
    for k, (a, symbol, b, outcome) in enumerate(decisions):
        right = names[b] if isinstance(b, Value) else _literal(float(b))
        forward.append(
            f"    check({k}, {names[a]} {symbol} {right}, {outcome})  # the path this program was traced on"
        )

    # Backward: only nodes that lead to a parameter need a gradient.
    needed = set(param_set)
    for v in order:
        if any(c in needed for c in v.children):
            needed.add(v)
    backward = [f"    d_{names[root]} = 1.0"] if root in needed and root.children else []
    if root in param_set:  # the root is itself a parameter: ∂root/∂root = 1 for every sample
        backward = [f"    d_{names[root]} = 1.0 * n_samples"]
    d_varying: set[Value] = set()
    assigned: set[Value] = set()
    for v in reversed(order):
        if v not in needed or not v.children or (v is not root and v not in assigned):
            continue
        op = lookup(v.op)
        child_names = [names[c] for c in v.children]
        for i, c in enumerate(v.children):
            if c not in needed:
                continue
            local = op.grad_code_for(i, child_names, names[v])
            local_varies = any(word in varying_names for word in re.findall(r"[A-Za-z_]\w*", local))
            d = f"d_{names[v]}"
            d_v = v in d_varying
            if c in param_set:  # a parameter: its gradient is summed over the samples of a batch
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
            target = f"d_{names[c]}"
            if c in assigned:
                if term.startswith("-"):
                    backward.append(f"    {target} -= {term[1:]}")
                else:
                    backward.append(f"    {target} += {term}")
            else:
                backward.append(f"    {target} = {term}")
                assigned.add(c)
    assigned |= {root} & param_set
    for p in params:
        if p not in assigned:
            backward.append(f"    d_{names[p]} = 0.0  # {names[p]} does not reach the root")

    args = ", ".join([*slots, "params"])
    unpack = f"    {', '.join(param_names)}{',' if len(param_names) == 1 else ''} = params" if params else ""
    out_tuple = ", ".join(names[o] for o in outputs) + ("," if len(outputs) == 1 else "")
    grads_tuple = ", ".join(f"d_{n}" for n in param_names) + ("," if len(param_names) == 1 else "")
    root_name = names[root]
    lines = [
        f"def forward({args}):",
        f'    """{root_name} (and the outputs) for one sample, or for every sample of a batch."""',
        *([unpack] if unpack else []),
        *forward,
        f"    return {root_name}, ({out_tuple})",
        "",
        "",
        f"def forward_backward({args}, n_samples=1):",
        f'    """{root_name} and ∂{root_name}/∂(each parameter), summed over the samples of a batch."""',
        *([unpack] if unpack else []),
        "    # forward: one statement per node",
        *forward,
        "    # backward: one statement per edge, from the root back to the parameters",
        *backward,
        f"    return {root_name}, ({grads_tuple}), ({out_tuple})",
    ]
    return "\n".join(lines) + "\n", param_names


# ---- the compiled object ------------------------------------------------------------------------


@dataclass
class Result:
    """What a compiled program returns: the loss (a float, or an array with one per sample), the
    gradient of each parameter (summed over the samples of a batch) and the outputs asked for."""

    loss: object
    grads: list
    outputs: list


class _Variant:
    """One traced path: its source and the functions compiled from it for floats and for arrays."""

    def __init__(self, root, slots, params, outputs, decisions):
        self.decisions = decisions
        self.source, self.param_names = write_program(root, slots, params, outputs, decisions)
        self._code = compile(self.source, "<tinygrad_like program>", "exec")
        self._floats = self._functions(_float_helpers())
        self._arrays = None

    def _functions(self, helpers: dict) -> dict:
        namespace = {"__builtins__": {}, **helpers}
        exec(self._code, namespace)  # the source is ours: written from the table of operations
        return namespace

    def functions(self, arrays: bool) -> dict:
        if not arrays:
            return self._floats
        if self._arrays is None:
            self._arrays = self._functions(_numpy_helpers())
        return self._arrays


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
        previous = _GradMode.decisions
        _GradMode.decisions = decisions = []
        try:
            result = self.fn(**slots)
        finally:
            _GradMode.decisions = previous
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

    def _run(self, which: str, args, kwargs):
        inputs, arrays, n = self._arguments(args, kwargs)
        params = [p.data for p in self.params]
        if arrays:  # numpy multiplies its own float64 by an array faster than a Python float
            import numpy as np

            params = list(np.array(params, dtype=float))
        for _ in range(MAX_VARIANTS + 1):
            for variant in self._variants:
                function = variant.functions(arrays)[which]
                try:
                    if arrays:
                        import numpy as np

                        with np.errstate(over="ignore", under="ignore", divide="raise", invalid="raise"):
                            return function(*inputs, params, *([n] if which == "forward_backward" else []))
                    return function(*inputs, params, *([1] if which == "forward_backward" else []))
                except _Decision as decision:
                    failed = (variant, decision)
                except (ZeroDivisionError, FloatingPointError) as exc:
                    raise DomainError(
                        f"the compiled program hit an undefined operation ({exc}); "
                        "the Value graph would raise here too"
                    ) from None
                except ValueError as exc:
                    if isinstance(exc, DomainError):
                        raise
                    raise DomainError(f"the compiled program hit an undefined operation ({exc})") from None
            variant, decision = failed
            self._retrace(variant, decision, inputs, arrays)
        raise BranchError(f"more than {MAX_VARIANTS} paths through the traced function; use the Value graph")

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

    def __call__(self, *args, **kwargs) -> Result:
        """Loss, gradients (summed over a batch) and outputs for these inputs."""
        loss, grads, outputs = self._run("forward_backward", args, kwargs)
        return Result(loss, list(grads), list(outputs))

    def forward(self, *args, **kwargs) -> Result:
        """Loss and outputs only (no backward statements run); ``grads`` is empty."""
        loss, outputs = self._run("forward", args, kwargs)
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
