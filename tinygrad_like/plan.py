r"""What both program writers know about a traced graph, and the per-node statements they share.

``make_plan`` reads the graph once: its nodes in order, the identifier each is written as,
which vary over a batch (an input flows into them), which need a gradient (they lead to a
parameter), and the table entries the program calls. ``compiler.write_program`` writes the
per-node program from it, ``fusion.write_batch_program`` the batch program; both write a
node's statement with ``forward_line`` and an edge's with ``edge_lines``.

A node whose op has inline ``code`` (+ − × Σ) is written as that expression and its local
derivatives as theirs; any other node calls its entry's function, which returns the result
and the local derivatives together, as in the engine::

    a2_1, (l0_a2_1,) = sigmoid(z2_1)
    ...
    d_z2_1 = d_a2_1 * l0_a2_1

>>> from tinygrad_like import Value
>>> w = Value(0.5, label="w")
>>> x = Value(2.0, label="x")
>>> plan = make_plan((w * x).tanh(), {"x": x}, [w], [], [])
>>> [forward_line(plan, v, locals_=True) for v in plan.order if v.children]
['    v2 = w * x', '    loss, (l0_loss,) = tanh(v2)']
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tinygrad_like.graph import topological_order
from tinygrad_like.ops import TABLE, Op, lookup
from tinygrad_like.value import Value

_SPELLED = {"δ": "delta", "σ": "sigma", "ŵ": "w_hat", "b̂": "b_hat", "r̂": "r_hat", "·": "_"}
# The programs' own names, besides the functions of the table's entries (ops.Op.ident).
HELPERS = (
    *("dot", "total", "check", "inf", "nan", "sum", "stack", "zeros", "total_rows", "spread", "total_lanes"),
)
RESERVED = {
    *HELPERS,
    *(op.ident for op in TABLE.values() if not op.code),
    "params",
    "inputs",
    "seed",
    "n_samples",
    "forward",
    "forward_backward",
    "grads",
    "n_params",
}
# Names the writers make up: a layer's matrices (fusion.py) and index arrays, lane blocks and their
# local derivatives (lanes.py), the powers' functions.
_GENERATED = re.compile(r"[AXZWBLVPG]\d+(_at)?|L\d+_V\d+|power_\w+")
# Prefixes of the gradients (d_a) and local derivatives (l0_a): a label never takes one.
_PREFIXED = re.compile(r"d|d_.*|l\d+_.*")


def reserved(name: str) -> bool:
    """True for a name the programs use themselves (a helper, an op's function, a keyword)."""
    return (
        name in RESERVED
        or keyword.iskeyword(name)
        or any(op.ident == name and not op.code for op in TABLE.values())
    )


def identifier(label: str, taken: set[str]) -> str:
    """A Python identifier for a label, unique among ``taken``: w2_1,3 → w2_1_3, g(r_1) → g_r_1, δ → delta.

    Names the program writes itself are never given to a label: the gradients ``d_…`` and local
    derivatives ``l0_…`` (a label ``d_w`` becomes ``v_d_w``), the helpers, the ops' functions and
    keywords, the batch program's matrices (``A3`` → ``A3_``).

    >>> [identifier(label, set()) for label in ("w2_1,3", "g(r_1)", "δ", "lambda", "d_w", "A3", "exp")]
    ['w2_1_3', 'g_r_1', 'delta', 'lambda_', 'v_d_w', 'A3_', 'exp_']
    """
    for ch, spelled in _SPELLED.items():
        label = label.replace(ch, spelled)
    name = re.sub(r"\W+", "_", label, flags=re.ASCII).strip("_")
    if not name or name[0].isdigit():
        name = f"v_{name}" if name else "v"
    if _PREFIXED.fullmatch(name):
        name = f"v_{name}"
    if reserved(name) or _GENERATED.fullmatch(name):
        name += "_"
    unique, k = name, 2
    while unique in taken:
        unique, k = f"{name}_{k}", k + 1
    taken.add(unique)
    return unique


def literal(x: float) -> str:
    """A number as Python code: ``2.0``, ``(-1.5)``, ``inf``, ``nan``."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return repr(float(x)) if x >= 0 else f"({float(x)!r})"


@dataclass(frozen=True)
class Plan:
    """A traced graph as the program writers see it (made by ``make_plan``)."""

    root: Value
    slots: dict[str, Value]  # the program's inputs by name
    params: list[Value]  # the parameters, in the order of ``params`` and of the gradients
    outputs: list[Value]  # further values the program returns
    decisions: list[tuple]  # the comparisons traced: (Value, operator, Value or number, outcome)
    order: list[Value]  # every node, operands before results
    names: dict[Value, str]  # each node's identifier, or a constant's literal
    arguments: list[str]  # the inputs' identifiers, as the program takes them
    param_index: dict[Value, int]
    varying: frozenset[Value]  # nodes an input flows into: vectors over a batch
    needed: frozenset[Value]  # nodes that lead to a parameter: they need a gradient
    functions: dict[str, Op]  # the entries whose functions the program calls, by identifier
    taken: frozenset[str]  # every identifier in use

    def is_param(self, v: Value) -> bool:
        return v in self.param_index


def make_plan(
    root: Value, slots: dict[str, Value], params: Sequence[Value], outputs: Sequence[Value], decisions: list
) -> Plan:
    """Read the traced graph: order, names, what varies over a batch and what needs a gradient."""
    extra = [d[0] for d in decisions] + [d[2] for d in decisions if isinstance(d[2], Value)]
    order, seen = [], set()
    for top in [root, *outputs, *extra]:
        for v in topological_order(top):
            if v not in seen:
                seen.add(v)
                order.append(v)
    inputs = set(slots.values())
    param_index = {p: i for i, p in enumerate(params)}
    taken: set[str] = set()
    names: dict[Value, str] = {v: identifier(name, taken) for name, v in slots.items()}
    for i, v in enumerate(order):
        if v in inputs:
            continue
        elif v.children or v in param_index:
            names[v] = identifier(v.label or ("loss" if v is root else f"v{i}"), taken)
        else:
            names[v] = literal(v.data)  # a constant: written as its number
    for p in params:
        if p not in names:  # a parameter the function does not use: its gradient is 0
            names[p] = identifier(p.label or "p", taken)
    varying: set[Value] = set()
    needed = set(param_index)
    functions: dict[str, Op] = {}
    for v in order:
        if v in inputs or any(c in varying for c in v.children):
            varying.add(v)
        if any(c in needed for c in v.children):
            needed.add(v)
        if v.children:
            op = lookup(v.op)
            if not op.code:
                other = functions.setdefault(op.ident, op)
                if other is not op:
                    raise ValueError(f"two ops are called {op.ident!r} in programs: {op.name}, {other.name}")
    return Plan(
        root, dict(slots), list(params), list(outputs), decisions, order, names,
        [names[v] for v in slots.values()], param_index, frozenset(varying), frozenset(needed),
        functions, frozenset(taken),
    )  # fmt: skip


def forward_line(plan: Plan, v: Value, locals_: bool) -> str:
    """``v``'s statement: its op's code, or its entry's function with the local derivatives
    (named ``l0_v``, … where ``locals_`` and an operand needs its gradient, else ``_``)."""
    op = lookup(v.op)
    operands = [plan.names[c] for c in v.children]
    name = plan.names[v]
    if op.code:
        return f"    {name} = {op.code_for(operands)}"
    call = f"{op.ident}({', '.join(operands)})"
    if not locals_ or not any(c in plan.needed for c in v.children):
        return f"    {name}, _ = {call}"
    local = [f"l{i}_{name}" if c in plan.needed else "_" for i, c in enumerate(v.children)]
    return f"    {name}, ({', '.join(local)},) = {call}"


def check_lines(plan: Plan) -> list[str]:
    """One ``check`` per traced comparison: a different outcome means another path."""
    lines = []
    for k, (a, symbol, b, outcome) in enumerate(plan.decisions):
        right = plan.names[b] if isinstance(b, Value) else literal(float(b))
        lines.append(f"    check({k}, {plan.names[a]} {symbol} {right}, {outcome})  # the path traced")
    return lines


def seed_lines(plan: Plan) -> list[str]:
    """∂root/∂root = 1 (for every sample when the root is a parameter)."""
    root = plan.root
    if plan.is_param(root):
        return [f"    d_{plan.names[root]} = 1.0 * n_samples"]
    return [f"    d_{plan.names[root]} = 1.0"] if root in plan.needed and root.children else []


def _product(d: str, local: str) -> str:
    if local == "1":
        return d
    if local == "-1":
        return f"-{d}"
    simple = re.fullmatch(r"[\w.]+", local)
    return f"{d} * {local}" if simple else f"{d} * ({local})"


def edge_lines(plan: Plan, v: Value, assigned: set[Value], d_varying: set[Value]) -> list[str]:
    """One statement per edge from ``v`` to an operand that needs a gradient."""
    lines = []
    op = lookup(v.op)
    child_names = [plan.names[c] for c in v.children]
    varying_names = {plan.names[c] for c in v.children if c in plan.varying}
    for i, c in enumerate(v.children):
        if c not in plan.needed:
            continue
        if op.code:
            local = op.grad_code_for(i, child_names)
            local_varies = any(word in varying_names for word in re.findall(r"[A-Za-z_]\w*", local))
        else:
            local, local_varies = f"l{i}_{plan.names[v]}", v in plan.varying
        d = f"d_{plan.names[v]}"
        d_v = v in d_varying
        if plan.is_param(c):  # a parameter: its gradient is summed over the samples of a batch
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
        target = f"d_{plan.names[c]}"
        if c not in assigned:
            lines.append(f"    {target} = {term}")
            assigned.add(c)
        elif term.startswith("-"):
            lines.append(f"    {target} = {target} - {term[1:]}")
        else:
            lines.append(f"    {target} = {target} + {term}")
    return lines
