r"""Lanes: nodes that do the same thing once per neuron of a layer, written as one matrix statement.

After the layers are written as matrices (fusion.py), what is left node by node is mostly the
loss, and a loss does the same for every output of the network: Nielsen's quadratic cost
computes (a^L_j − y_j)² for j = 1 … 10 and adds them up. Node by node that is thirty statements
on short vectors, and a batch program spends its time calling numpy. Taken lane by lane, it is
three, each on a matrix with one row per output::

    V1 = A3 - inputs[64:74]              a^L − y
    V2, (L0_V2,) = power_2(V1)           (a^L − y)², and its local derivative 2(a^L − y)
    v1357 = total_lanes(V2)              Σ_j
    ...
    d_V2 = spread(d_v1357, V2)           ∂C/∂(each square): Σ passes its gradient to each lane
    d_V1 = d_V2 * L0_V2                  the chain rule, for every lane at once
    d_A3 = d_V1                          what the layer's backward block starts from (BP1)

A block is a set of nodes, one per lane, with the same op, whose operands are, position by
position, the lanes of one earlier block in the same order (a layer's outputs, a run of the
program's inputs, another block) or one constant shared by all. The code is the entry's own:
an op's ``code`` and ``grad_code`` over the matrices' names, or its function on arrays, which
is elementwise. A ``sum`` over every lane of a block becomes a sum over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinygrad_like.ops import Op, lookup
from tinygrad_like.plan import Plan
from tinygrad_like.value import Value


@dataclass
class Block:
    """Nodes computed together as the rows of one matrix, named ``name``."""

    name: str
    lanes: list[Value]
    op: Op | None = None  # None for a source: a layer's outputs, the program's inputs
    operands: list[str] = field(default_factory=list)  # per operand: a matrix expression or a constant
    sources: list[Block | None] = field(default_factory=list)  # per operand: its block, None for a constant

    def statement(self, locals_: bool, needed: frozenset) -> str:
        """The forward statement (with the local derivatives for the backward where asked)."""
        assert self.op is not None
        if self.op.code:
            return f"    {self.name} = {self.op.code_for(self.operands)}"
        call = f"{self.op.ident}({', '.join(self.operands)})"
        wanted = [s is not None and s.lanes[0] in needed for s in self.sources]
        if not locals_ or not any(wanted):
            return f"    {self.name}, _ = {call}"
        local = [f"L{i}_{self.name}" if w else "_" for i, w in enumerate(wanted)]
        return f"    {self.name}, ({', '.join(local)},) = {call}"

    def local(self, index: int) -> str:
        """∂(lanes)/∂(operand ``index``) as an expression over matrices ("1", "-1": plain ±)."""
        assert self.op is not None
        if self.op.code:
            return self.op.grad_code_for(index, self.operands)
        return f"L{index}_{self.name}"


@dataclass
class Lanes:
    """The blocks found in a plan: ``blocks`` in an order that computes operands first."""

    blocks: list[Block]
    row_of: dict[Value, tuple[Block, int]]  # a lane's node → its block and row
    reductions: dict[Value, Block]  # a Σ over every lane of a block → that block

    @property
    def fused(self) -> set[Value]:
        """Nodes the blocks compute (no statement of their own), and the reductions."""
        return {v for b in self.blocks if b.op is not None for v in b.lanes} | set(self.reductions)


def find_lanes(plan: Plan, sources: list[Block], taken: set[Value]) -> Lanes:
    """Grow blocks from ``sources`` (their lanes computed already) through the nodes that read them.

    ``taken``: nodes written some other way (a layer's members), never put in a block.
    """
    row_of: dict[Value, tuple[Block, int]] = {}
    for b in sources:
        for j, v in enumerate(b.lanes):
            row_of.setdefault(v, (b, j))
    parents: dict[Value, list[tuple[Value, int]]] = {}
    for v in plan.order:
        for k, c in enumerate(v.children):
            parents.setdefault(c, []).append((v, k))
    blocks: list[Block] = []
    work = [b for b in sources if len(b.lanes) > 1]
    while work:
        b = work.pop(0)
        patterns = dict.fromkeys((p.op, k) for p, k in parents.get(b.lanes[0], []))  # in order, once
        for op_name, k in patterns:
            found = _block(plan, b, op_name, k, parents, row_of, taken, f"V{len(blocks) + 1}")
            if found is not None:
                blocks.append(found)
                for j, v in enumerate(found.lanes):
                    row_of[v] = (found, j)
                work.append(found)
    reductions = {}
    for v in plan.order:
        op = lookup(v.op) if v.children else None
        if op is None or not op.sums or v in row_of:
            continue
        homes = {row_of[c][0].name if c in row_of else None for c in v.children}
        if len(homes) != 1 or None in homes:
            continue
        block = row_of[v.children[0]][0]
        if block.op is not None and sorted(row_of[c][1] for c in v.children) == list(range(len(block.lanes))):
            reductions[v] = block
    return Lanes(blocks, row_of, reductions)


def _block(plan, b: Block, op_name, k, parents, row_of, taken, name) -> Block | None:
    """The block of the nodes that read ``b``'s lanes as operand ``k`` of ``op_name``, if they form one."""
    lanes = []
    for lane in b.lanes:
        mine = [p for p, position in parents.get(lane, []) if p.op == op_name and position == k]
        if len(mine) != 1:
            return None
        lanes.append(mine[0])
    if len(set(lanes)) != len(lanes):
        return None
    if any(v in row_of or v in taken or v not in plan.varying for v in lanes):
        return None
    op = lookup(op_name)
    if op.arity is None or op.split is not None:  # Σ is a reduction; a neuron's z is a layer's
        return None
    operands: list[str] = []
    sources: list[Block | None] = []
    for position in range(op.arity):
        column = [v.children[position] for v in lanes]
        shared = column[0]
        if all(c is shared for c in column):
            if shared.children or shared in plan.varying or plan.is_param(shared):
                return None  # only a constant is shared: its gradient is nobody's
            operands.append(plan.names[shared])
            sources.append(None)
            continue
        if any(c not in row_of for c in column):
            return None
        home, first = row_of[column[0]]
        rows = [row_of[c][1] if row_of[c][0] is home else -1 for c in column]
        if rows != list(range(first, first + len(column))):
            return None
        whole = len(column) == len(home.lanes)
        if not whole and any(v in plan.needed for v in home.lanes):
            return None  # a part of a block that needs its gradient: not written here
        operands.append(home.name if whole else f"{home.name}[{first}:{first + len(column)}]")
        sources.append(home)
    return Block(name, lanes, op, operands, sources)


def forward_lines(block: Block, plan: Plan, used: set[Value]) -> list[str | tuple[str, str]]:
    """The block's statement, and its rows that per-node statements read."""
    lines: list[str | tuple[str, str]] = [
        (block.statement(False, plan.needed), block.statement(True, plan.needed))
    ]
    for j, v in enumerate(block.lanes):
        if v in used:
            lines.append(f"    {plan.names[v]} = {block.name}[{j}]")
    return lines


def backward_lines(block: Block, plan: Plan, assigned: set[Value], into: dict[str, list[str]]) -> list[str]:
    """d of the block (what its readers passed to it), then its share for each operand block.

    ``into`` collects, per block name, the matrices passed to it; ``assigned`` holds the lanes
    that per-node statements gave a gradient (``d_name``)."""
    name = block.name
    parts = list(into.get(name, []))
    rows = [f"d_{plan.names[v]}" if v in assigned else "0.0" for v in block.lanes]
    if any(r != "0.0" for r in rows):
        parts.append(f"stack(({', '.join(rows)},))")
    if not parts:
        return []
    lines = [f"    d_{name} = {' + '.join(parts)}"]
    for index, source in enumerate(block.sources):
        if source is None or not any(v in plan.needed for v in source.lanes):
            continue
        local = block.local(index)
        term = f"d_{name}" if local == "1" else f"-d_{name}" if local == "-1" else f"d_{name} * ({local})"
        into.setdefault(source.name, []).append(term)
    return lines
