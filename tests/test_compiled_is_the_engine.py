"""The compiled programs are the engine: every table entry at its edge values, three ways.

For each entry, a graph op(x₁·p₁, x₂·p₂, …) (the p's are parameters equal to 1, so the operands are
exactly the inputs, and ∂/∂pᵢ = ∂op/∂(operand i)·xᵢ brings each local derivative out) is built on
the Value graph, and run by the traced program on floats and on numpy arrays (node by node and
as the batch program), at 0, ±0, ±1e-300, ±1e300, values where exp and powers overflow, ±inf,
nan, and negative bases with whole and fractional exponents, the exponent given as a number
(x ** n) and as a Value (x ** y), and constants on either side ((-10) ** y).

- On floats the program gives the graph's numbers bit for bit (a zero gradient's sign aside:
  the engine's grads start from +0.0 and add).
- On arrays, within a few ulps (numpy's exp, tanh, log and pow may differ from math's in the
  last bit); a sum, which numpy may add in another order, within 1e-12 of Σ|terms|.
- The same inf, -inf and nan everywhere, and for an undefined input the same exception class
  with the same message.
"""

import itertools
import math
import random
import struct

import numpy as np
import pytest

from tinygrad_like import Value, trace
from tinygrad_like.ops import TABLE, lookup, power_by

EDGES = [
    0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, -10.0,
    710.0, -745.0, 1001.0, math.inf, -math.inf, math.nan,
]  # fmt: skip
EXPONENTS = [
    0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 2.5, 1001.0, 1e300, -1e300, 1e-300, math.inf, math.nan,
]  # fmt: skip
CONSTANTS = [0.0, -10.0, 2.0, -0.5, 1e300]


def outcome(run):
    """(\"raise\", class, message) or (\"ok\", value)."""
    try:
        return ("ok", run())
    except Exception as exc:  # noqa: BLE001 — any exception: the three ways must raise the same one
        return ("raise", type(exc), str(exc))


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same_float(a: float, b: float) -> bool:
    """Bit for bit (nan as nan)."""
    return (math.isnan(a) and math.isnan(b)) or bits(a) == bits(b)


def same_value(a: float, b: float) -> bool:
    """Equal as numbers (−0.0 == 0.0), or both nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: float, b: float, scale: float = 0.0, ulps: int = 4) -> bool:
    """Within a few ulps, or within 1e-12·scale (a sum's Σ|terms|); the same inf and nan."""
    if same_value(a, b):
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= max(ulps * math.ulp(max(abs(a), abs(b))), 1e-12 * scale)


class Case:
    """One graph shape: ``build(operands)`` applies the op; ``consts`` are fixed operands (None: an input)."""

    def __init__(self, name, build, arity, scale=None):
        self.name, self.build, self.arity, self.scale = name, build, arity, scale
        self.params = [Value(1.0, label=f"p{i}") for i in range(arity)]
        self.program = None
        for example in (0.5, 2.0, 1.0):
            try:
                self.program = trace(self.fn, self.params, **{f"x{i}": example for i in range(arity)})
                break
            except (ArithmeticError, ValueError):  # undefined near the example (a constant divisor 0)
                continue

    def fn(self, **xs):
        return self.build([xs[f"x{i}"] * p for i, p in enumerate(self.params)])

    def on_graph(self, values):
        params = [Value(1.0) for _ in values]
        root = self.build([Value(x) * p for x, p in zip(values, params)])
        root.backward()
        return root.data, [p.grad for p in params]


def cases():
    out = []
    for op in TABLE.values():
        if op.arity == 1:
            out.append(Case(op.name, lambda xs, op=op: xs[0].apply(op), 1))
        elif op.arity == 2:
            out.append(Case(op.name, lambda xs, op=op: xs[0].apply(op, xs[1]), 2))
            for c in CONSTANTS:  # a constant on either side: (-10) ** y, x / 0.0
                out.append(Case(f"{c!r} {op.name} y", lambda xs, op=op, c=c: Value(c).apply(op, xs[0]), 1))
                out.append(Case(f"x {op.name} {c!r}", lambda xs, op=op, c=c: xs[0].apply(op, Value(c)), 1))
    for n in EXPONENTS:  # the exponent as a number: x ** n
        out.append(Case(f"**{n!r}", lambda xs, n=n: xs[0].apply(power_by(n)), 1))
    out.append(Case("sum", lambda xs: Value.sum(xs), 3, scale=lambda v: sum(map(abs, v))))
    out.append(
        Case(
            "weighted_sum",
            lambda xs: Value.weighted_sum(xs[0:4:2], xs[1:4:2], xs[4]),
            5,
            scale=lambda v: abs(v[0] * v[1]) + abs(v[2] * v[3]) + abs(v[4]),
        )
    )
    return out


CASES = cases()


def samples(case: Case):
    if case.arity <= 2:
        return list(itertools.product(EDGES, repeat=case.arity))
    rng = random.Random(case.arity)
    return [tuple(rng.choice(EDGES) for _ in range(case.arity)) for _ in range(300)]


def test_every_table_entry_is_covered():
    tested = {c.name for c in CASES}
    assert {name for name, op in TABLE.items() if op.arity in (1, 2) or name in tested} <= tested
    assert set(TABLE) <= tested  # built-in and registered alike
    assert sum(c.program is not None for c in CASES) >= len(CASES) - 2  # x / 0.0 and x / -0.0 cannot trace


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_float_program_and_numpy_programs_compute_the_graphs_numbers_and_errors(case):
    if case.program is None:  # undefined at every input: nothing to compile, and the graph refuses it
        with pytest.raises((ArithmeticError, ValueError)):
            case.on_graph([0.5])
        return
    program = case.program
    for values in samples(case):
        arrays = [np.array([x]) for x in values]
        expected = outcome(lambda v=values: case.on_graph(v))
        on_floats = outcome(lambda v=values: program(*v))
        node_by_node = outcome(lambda a=arrays: program(*a, fused=False))
        batch = outcome(lambda a=arrays: program(*a))
        where = f"{case.name} at {values}"
        if expected[0] == "raise":
            for got in (on_floats, node_by_node, batch):
                assert got == expected, f"{where}: the graph raised {expected[1:]}, the program {got}"
            continue
        (loss, grads) = expected[1]
        for got in (on_floats, node_by_node, batch):
            assert got[0] == "ok", f"{where}: the graph gave {loss}, the program raised {got[1:]}"
        result = on_floats[1]
        assert same_float(result.loss, loss), f"{where}: loss {result.loss!r} on floats, {loss!r} on graph"
        assert all(same_value(g, e) for g, e in zip(result.grads, grads)), f"{where}: {result.grads}, {grads}"
        scale = case.scale(values) if case.scale else 0.0
        for kind, got in (("node by node", node_by_node), ("batch", batch)):
            result = got[1]
            assert close(float(result.loss[0]), loss, scale), f"{where} {kind}: loss {result.loss} ≠ {loss!r}"
            for g, e in zip(result.grads, grads):
                assert close(float(g), e), f"{where} {kind}: grads {list(result.grads)} ≠ {grads}"


def test_the_three_drifts_of_issue_13_are_gone():
    # (−10) ** y at y = 1001: −inf on the graph, and compiled
    y = Value(1.0, label="y")
    program = trace(lambda x: (-10.0) ** (x * y), [y], x=2.0)
    assert program(1001.0).loss == -math.inf == ((-10.0) ** Value(1001.0)).data
    assert program(np.array([1001.0])).loss[0] == -math.inf
    # x ** 1001 at x = −10: −inf, not a raw OverflowError
    w = Value(1.0, label="w")
    program = trace(lambda x: (x * w) ** 1001, [w], x=0.5)
    assert program(-10.0).loss == -math.inf and program(np.array([-10.0])).loss[0] == -math.inf
    # w ** 0.5 at w = 0: grad inf, as on the graph (PyTorch's too), not DomainError
    w = Value(0.0, label="w")
    program = trace(lambda x: w**0.5 * x, [w], x=1.0)
    v = Value(0.0)
    (v**0.5).backward()
    assert v.grad == math.inf and program(1.0).grads == [math.inf]
    assert program(np.array([1.0, 2.0])).grads[0] == math.inf


def test_lookup_gives_the_same_entry_the_values_record():
    x = Value(2.0)
    for node in (x**2, x ** Value(3.0), -x, x.sqrt(), Value.sum([x, x])):
        assert lookup(node.op).forward(*[c.data for c in node.children]) == (node.data, node.local_grads)
