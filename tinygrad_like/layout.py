r"""Positions for a computation graph, computed from its layers: fast for thousands of nodes.

Each operation's column is its longest distance from the root (the root on the
right), so its edges run left to right; each leaf sits just left of the first
node that uses it. Columns are placed from the root outwards; in each,
a node goes at the mean height of the nodes that use it (its parents, already
placed), in that order, pushed apart just enough not to overlap. One pass, no
iteration: O(nodes + edges), where Graphviz's ``dot`` ran for minutes on the
moons network.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> y = (x * w).tanh(); y.label = "y"
>>> boxes = layered_layout(y, {v: (60.0, 40.0) for v in [x, w, y, y.children[0]]})
>>> boxes[x][0] < boxes[y.children[0]][0] < boxes[y][0]       # columns left to right: x, x·w, y
True
"""

from __future__ import annotations

from collections.abc import Mapping

from tinygrad_like.graph import topological_order
from tinygrad_like.value import Value

COLUMN_GAP = 70.0
ROW_GAP = 14.0
MARGIN = 20.0


def columns(order: list[Value]) -> dict[Value, int]:
    """Each node's column, counted from the root's (0) leftwards; ``order`` is children-first.

    An operation's column is its longest distance from the root, so it lies left of every
    node that uses it. A leaf sits just left of the first node in ``order`` that uses it:
    a weight beside its neuron, not beside an L2 term added to the loss after the network.
    """
    col = dict.fromkeys(order, 0)
    for node in reversed(order):  # parents before children
        for child in node.children:
            if child.children:
                col[child] = max(col[child], col[node] + 1)
    placed: set[Value] = set()
    for node in order:  # the first user of each leaf
        for child in node.children:
            if not child.children and child not in placed:
                placed.add(child)
                col[child] = col[node] + 1
    return col


def layered_layout(
    root: Value, sizes: Mapping[Value, tuple[float, float]]
) -> dict[Value, tuple[float, float, float, float]]:
    """A box (x, y, width, height) for every node, from each node's (width, height), top left at 0."""
    order = topological_order(root)
    col = columns(order)
    rank = {v: i for i, v in enumerate(order)}
    parents: dict[Value, list[Value]] = {v: [] for v in order}
    for node in order:
        for child in node.children:
            parents[child].append(node)
    # a node's place among the operands of the last node (in order) that uses it
    place = {v: (-rank[ps[-1]], ps[-1].children.index(v)) if ps else (0, 0) for v, ps in parents.items()}
    by_column: list[list[Value]] = [[] for _ in range(max(col.values()) + 1)]
    for v in reversed(order):
        by_column[col[v]].append(v)

    centre_y: dict[Value, float] = {}
    for nodes in by_column:
        wanted = {}
        for v in nodes:  # the mean height of its parents; a leaf's, of those in the next column
            near = [p for p in parents[v] if col[p] == col[v] - 1] if not v.children else parents[v]
            wanted[v] = sum(centre_y[p] for p in near) / len(near) if near else 0.0
        # equal heights (the operands of one node): in the order it takes them, w_1 above w_2
        nodes.sort(key=lambda v: (wanted[v], place[v]))
        ys: list[float] = []
        for i, v in enumerate(nodes):
            y = wanted[v]
            if i:
                previous = nodes[i - 1]
                y = max(y, ys[-1] + (sizes[previous][1] + sizes[v][1]) / 2 + ROW_GAP)
            ys.append(y)
        shift = sum(wanted[v] - y for v, y in zip(nodes, ys)) / len(nodes)
        for v, y in zip(nodes, ys):
            centre_y[v] = y + shift

    widths = [max(sizes[v][0] for v in nodes) for nodes in by_column]
    centre_x, right = [], 0.0
    for width in widths:  # the root's column on the right, then leftwards
        centre_x.append(right - width / 2)
        right -= width + COLUMN_GAP
    boxes = {}
    for v in order:
        w, h = sizes[v]
        boxes[v] = (centre_x[col[v]] - w / 2, centre_y[v] - h / 2, w, h)
    left = min(b[0] for b in boxes.values()) - MARGIN
    top = min(b[1] for b in boxes.values()) - MARGIN
    return {v: (x - left, y - top, w, h) for v, (x, y, w, h) in boxes.items()}
