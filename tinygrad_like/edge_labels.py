r"""Edge labels beside their own edge: clear of every node, every other edge and every other label.

Graphviz puts an edge's ``label`` in a rank of its own (the drawing widens), an ``xlabel``
wherever there is room (often on another edge or on a crossing) and a ``taillabel`` on the
line. So a drawing with labelled edges is laid out once by ``dot`` (its JSON output: node
boxes, edge splines and each ``xlabel``'s size), then each label is put by search: at points
along its own edge, preferring the ones given (fractions of the way from tail to head),
just off the line on either side, in the first place where its box touches no node, no
edge and no label already placed. The drawing is then pinned (``layout=nop2``: every node,
spline and label where it was put), so any Graphviz draws the same picture.

>>> boxes = {"a": (0.0, 0.0, 40.0, 20.0), "b": (200.0, 0.0, 40.0, 20.0)}
>>> line = [(20.0, 0.0), (180.0, 0.0)]
>>> x, y = place_labels(boxes, {"e0": line}, {"e0": (30.0, 10.0)}, prefer=(0.5,))["e0"]
>>> x, abs(y) > 5          # at the middle, just above or below the line, not on it
(100.0, True)
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

import graphviz

from tinygrad_like.render import bundled_dot, system_dot

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, bottom, right, top (Graphviz: y up)
GAP = 2.5  # between a label and its own edge, in points
CLEAR = 3.0  # between a label and anything else
COVER = 5  # a label over a node or another label counts as much as lying on five lines
TRY_APART = 12  # clear places tried for one no other edge comes near, before taking the best of them
APART = 1.0  # another edge nearer a label than this many label heights makes it unclear whose label it is
PREFER = (0.3, 0.25, 0.35, 0.2, 0.4, 0.45, 0.5, 0.15, 0.55, 0.6, 0.65, 0.7, 0.1, 0.75, 0.8)  # near the tail
TIMEOUT = 20.0  # seconds; a graph dot cannot lay out by then keeps Graphviz's own labels


class Layout(NamedTuple):
    """What the label search needs of a laid-out drawing, in points, y up."""

    boxes: dict[str, Box]  # node name → box
    paths: dict[str, list[Point]]  # edge id → points along it (its arrow head is a box in ``boxes``)
    sizes: dict[str, tuple[float, float]]  # edge id → its label's width and height
    ends: dict[str, tuple[str, str]]  # edge id → (tail, head) node names
    round_nodes: set[str]  # nodes drawn as circles or ellipses inside their boxes


def dot_json(source: str) -> dict | None:
    """dot's layout of ``source`` as JSON (system dot, else the bundled one); None if neither can."""
    program = system_dot() or bundled_dot()
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "-Tjson"], input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def _bezier(points: Sequence[Point], samples: int = 12) -> list[Point]:
    out = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for k in range(1, samples + 1):
            t = k / samples
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
            out.append(
                (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
            )
    return out


def read_layout(layout: dict) -> Layout:
    """From dot's JSON: each node's box by name, each edge's path by its ``id`` (with the arrow
    head), the size (width, height) of each edge's ``xlabel`` and its (tail, head) names."""
    boxes: dict[str, Box] = {}
    round_nodes: set[str] = set()
    ends: dict[str, tuple[str, str]] = {}
    for obj in layout.get("objects", []):
        if "pos" in obj and "width" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            boxes[obj["name"]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if obj.get("shape") in ("circle", "ellipse", "doublecircle", None):
                round_nodes.add(obj["name"])
    paths: dict[str, list[Point]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    names = {obj.get("_gvid"): obj.get("name") for obj in layout.get("objects", [])}
    for edge in layout.get("edges", []):
        eid = edge.get("id")
        if not eid:
            continue
        ends[eid] = (str(names.get(edge.get("tail"))), str(names.get(edge.get("head"))))
        path: list[Point] = []
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                path += _bezier([tuple(p) for p in op["points"]])
        paths[eid] = path
        for op in edge.get("_hdraw_", []) + edge.get("_tdraw_", []):
            if op.get("op") in ("p", "P"):  # an arrow head: its box is in the way like a node's
                xs, ys = [p[0] for p in op["points"]], [p[1] for p in op["points"]]
                boxes[f"{eid} arrow {len(boxes)}"] = (min(xs), min(ys), max(xs), max(ys))
        lines = [op for op in edge.get("_ldraw_", []) if op.get("op") == "T"]
        sizes[eid] = (
            max((float(op["width"]) for op in lines), default=0.0),
            len(lines) * float(edge.get("fontsize", 14)) * 1.2,
        )
    return Layout(boxes, paths, sizes, ends, round_nodes)


def _crosses(a: Point, b: Point, box: Box) -> bool:
    """Whether the segment a–b enters the box (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1])):
        if p == 0:
            if q < 0:
                return False
        else:
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                return False
    return True


def _distance(a: Point, b: Point, box: Box) -> float:
    """How far the segment a–b passes from the box (0 if it enters it)."""
    if _crosses(a, b, box):
        return 0.0

    def to_segment(p: Point) -> float:
        dx, dy = b[0] - a[0], b[1] - a[1]
        t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy or 1.0)
        t = min(max(t, 0.0), 1.0)
        return math.dist(p, (a[0] + t * dx, a[1] + t * dy))

    def to_box(p: Point) -> float:
        return math.hypot(max(box[0] - p[0], 0.0, p[0] - box[2]), max(box[1] - p[1], 0.0, p[1] - box[3]))

    corners = [(box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])]
    return min([to_box(a), to_box(b)] + [to_segment(c) for c in corners])


def _grow(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _meets(a: Box, b: Box, round_b: bool = False) -> bool:
    """Whether box ``a`` meets box ``b`` (or, ``round_b``, the ellipse inside ``b``)."""
    if not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]):
        return False
    if not round_b:
        return True
    cx, cy, rx, ry = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[2] - b[0]) / 2, (b[3] - b[1]) / 2
    px, py = min(max(cx, a[0]), a[2]), min(max(cy, a[1]), a[3])  # the point of a nearest the centre
    return ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 < 1


def _at(path: list[Point], fraction: float) -> tuple[Point, Point]:
    """The point ``fraction`` of the way along a path (by length), and the direction there."""
    lengths = [math.dist(p, q) for p, q in zip(path, path[1:])]
    goal, run = fraction * sum(lengths), 0.0
    for (p, q), length in zip(zip(path, path[1:]), lengths):
        if run + length >= goal and length > 0:
            t = (goal - run) / length
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])), (
                (q[0] - p[0]) / length,
                (q[1] - p[1]) / length,
            )
        run += length
    return path[-1], (1.0, 0.0)


def _candidates(
    path: list[Point], width: float, height: float, prefer: Sequence[float], end_boxes: list[Box]
) -> list[Point]:
    """Label centres to try, best first: beside the edge at each preferred fraction, either side,
    then centred above and below the head's box (if given)."""
    out = []
    for extra in (0.0, 3.0):
        for fraction in prefer:
            (px, py), (dx, dy) = _at(path, fraction)
            nx, ny = -dy, dx
            reach = width / 2 * abs(nx) + height / 2 * abs(ny) + GAP + extra
            out += [(px + nx * reach, py + ny * reach), (px - nx * reach, py - ny * reach)]
    if end_boxes:  # above and below the head: a small operation's circle
        box = end_boxes[-1]
        middle = (box[0] + box[2]) / 2
        out += [(middle, box[3] + GAP + height / 2), (middle, box[1] - GAP - height / 2)]
    return out


class _Grid:
    """Shapes filed by the square cells of the plane their boxes cover, to find those near a box."""

    CELL = 60.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple]] = {}

    def _keys(self, box: Box):
        c = self.CELL
        for i in range(math.floor(box[0] / c), math.floor(box[2] / c) + 1):
            for j in range(math.floor(box[1] / c), math.floor(box[3] / c) + 1):
                yield i, j

    def add(self, box: Box, item: tuple) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(item)

    def near(self, box: Box) -> list[tuple]:
        found: dict[int, tuple] = {}
        for key in self._keys(box):
            for item in self.cells.get(key, ()):
                found.setdefault(id(item), item)
        return list(found.values())


def place_labels(
    boxes: Mapping[str, Box],
    paths: Mapping[str, list[Point]],
    sizes: Mapping[str, tuple[float, float]],
    prefer: Sequence[float] = PREFER,
    ends: Mapping[str, tuple[str, str]] | None = None,
    round_nodes: Collection[str] = (),
    over_head: bool = True,
    apart: float = APART,
) -> dict[str, Point]:
    """A centre for each edge's label (edges in ``sizes``): beside its own edge, clear of the
    node ``boxes`` (``round_nodes`` are ellipses inside theirs), the other ``paths`` and the
    labels placed before it. Where no place beside the edge is clear (a short edge between two
    tall nodes), it tries just above and below its head (``ends``: edge id → (tail, head)
    names; ``over_head=False``: not, for heads too big to read a label over as the edge's);
    where none is clear, the place that meets the fewest things. ``apart``: how many label heights
    another edge should keep from a label for it to read as its own edge's."""
    ends = ends or {}
    grid = _Grid()  # what is where: so a place is checked against what lies near it only
    for name, shape in boxes.items():
        grid.add(shape, ("node", name, shape))
    for eid, path in paths.items():
        for p, q in zip(path, path[1:]):
            grid.add(
                (min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])), ("line", eid, (p, q))
            )
    centres: dict[str, Point] = {}
    for eid, (width, height) in sizes.items():
        own = ends.get(eid, ())
        best: tuple[tuple[int, float], Point, Box] | None = None
        heads = [boxes[n] for n in own[1:] if n in boxes] if over_head else []
        keep = apart * height
        clear_seen = 0  # clear places tried: a few more are tried for one no other edge comes near
        for cx, cy in _candidates(paths[eid], width, height, prefer, heads):
            box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            near = _grow(box, CLEAR)  # its own edge and end nodes may come closer than the rest
            # covering a node or a label hides text: worse than lying on a line
            hits, crossed, others = 0, set(), []
            reach = _grow(box, keep)
            for kind, name, shape in grid.near(reach):
                if kind == "line":
                    p, q = shape
                    if name in crossed or max(p[0], q[0]) < reach[0] or min(p[0], q[0]) > reach[2]:
                        continue
                    if max(p[1], q[1]) < reach[1] or min(p[1], q[1]) > reach[3]:
                        continue
                    if _crosses(p, q, box if name == eid else near):
                        crossed.add(name)
                        hits += 1
                    elif name != eid:
                        others.append((p, q))
                else:
                    hits += COVER * _meets(box if name in own else near, shape, name in round_nodes)
            if best is not None and hits >= best[0][0] and hits > 0:
                continue  # among places that meet something, the first (nearest the preferred) is kept
            # among clear places: another edge about as near as its own makes it read as that
            # edge's (as on a crossing), so the place with the other edges farthest is taken
            closest = min((_distance(p, q, box) for p, q in others), default=keep) if hits == 0 else keep
            score = (hits, max(keep - closest, 0.0))
            if best is None or score < best[0]:
                best = (score, (cx, cy), box)
            clear_seen += hits == 0
            if score == (0, 0.0) or clear_seen > TRY_APART:
                break
        if best is not None:
            centres[eid] = best[1]
            grid.add(best[2], ("label", eid, best[2]))
    return centres


NODE_LINE = re.compile(r"^(\s*)([A-Za-z_]\w*) \[(.*)\]$")
EDGE_LINE = re.compile(r"^(\s*)([A-Za-z_]\w*) -> ([A-Za-z_]\w*) \[(.*)\]$")
EDGE_ID = re.compile(r"\bid=(e\d+)\b")


def pin_labels(
    graph: graphviz.Digraph,
    prefer: Sequence[float] | None = None,
    over_head: bool = True,
    apart: float = APART,
) -> bool:
    """Lay ``graph`` out, place every edge's ``xlabel`` beside its edge (edges need ``id=eN``),
    and pin the drawing there (``layout=nop2``). False, and ``graph`` unchanged, when no Graphviz
    can lay it out within ``TIMEOUT`` seconds: Graphviz then places the ``xlabel``s itself."""
    layout = dot_json(graph.source)
    if layout is None:
        return False
    laid = read_layout(layout)
    sizes = {eid: size for eid, size in laid.sizes.items() if size[0] > 0}
    centres = place_labels(
        laid.boxes,
        laid.paths,
        sizes,
        prefer or PREFER,
        ends=laid.ends,
        round_nodes=laid.round_nodes,
        over_head=over_head,
        apart=apart,
    )
    node_pos = {
        obj["name"]: obj["pos"] for obj in layout.get("objects", []) if "pos" in obj and "width" in obj
    }
    edge_pos = {e["id"]: e["pos"] for e in layout.get("edges", []) if e.get("id") and "pos" in e}
    body = []
    for line in graph.body:
        text = line.rstrip("\n")
        edge, node = EDGE_LINE.match(text), NODE_LINE.match(text)
        if edge and (found := EDGE_ID.search(edge.group(4))) and found.group(1) in edge_pos:
            eid = found.group(1)
            extra = f' pos="{edge_pos[eid]}"'
            if eid in centres:
                x, y = centres[eid]
                extra += f' xlp="{x:.2f},{y:.2f}"'
            text = text[:-1] + extra + "]"
        elif node and node.group(2) not in ("graph", "node", "edge") and node.group(2) in node_pos:
            text = text[:-1] + f' pos="{node_pos[node.group(2)]}!"]'
        body.append(text + "\n")
    graph.body[:] = body
    graph.graph_attr.update(layout="nop2", bb=layout.get("bb", ""))
    if "lp" in layout:
        graph.graph_attr["lp"] = layout["lp"]
    return True
