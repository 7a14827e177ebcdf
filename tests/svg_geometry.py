"""What a person sees in a Graphviz SVG: node boxes, edge paths and label boxes, in SVG units.

Read from the drawing itself (the SVG Graphviz wrote), so layout tests check the picture, not the
DOT text that asked for it. Text boxes are estimated from the font: Helvetica's digits are
0.556 em wide; other characters are taken as 0.6 em, a little wider than most.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = {"svg": "http://www.w3.org/2000/svg"}
# Helvetica's advance widths in em: digits and the narrow marks; letters are taken as 0.5 (lower
# case) and 0.667 (capitals), anything else as 0.6
WIDTHS = {**dict.fromkeys("0123456789_", 0.556), ".": 0.278, ",": 0.278, " ": 0.278, "-": 0.333, "=": 0.584}
Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass
class Node:
    title: str
    box: Box
    texts: list[str]
    round: bool = False  # an ellipse or circle inside its box


@dataclass
class Edge:
    title: str
    points: list[tuple[float, float]]  # the path, sampled
    labels: list[tuple[str, Box]]  # its label (all lines in one box), if any


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _bezier(d: str, samples: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path of M and C commands (Graphviz's edges)."""
    values = _numbers(d)
    pts = list(zip(values[0::2], values[1::2]))
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(1, samples + 1):
            t = k / samples
            a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            out.append(
                (a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1])
            )
    return out


def text_box(element: ET.Element) -> Box:
    """The box a <text> element's characters cover (from its x, y, anchor and font size)."""
    x, y = float(element.get("x", 0)), float(element.get("y", 0))
    size = float(element.get("font-size", 14))
    text = element.text or ""
    width = sum(WIDTHS.get(ch, 0.667 if ch.isupper() else 0.5 if ch.islower() else 0.6) for ch in text) * size
    anchor = element.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (left, y - 0.75 * size, left + width, y + 0.22 * size)


def _shape_box(group: ET.Element) -> Box:
    xs: list[float] = []
    ys: list[float] = []
    for poly in group.findall("svg:polygon", NS):
        values = _numbers(poly.get("points", ""))
        xs += values[0::2]
        ys += values[1::2]
    for ell in group.findall("svg:ellipse", NS):
        cx, cy, rx, ry = (float(ell.get(k, 0)) for k in ("cx", "cy", "rx", "ry"))
        xs += [cx - rx, cx + rx]
        ys += [cy - ry, cy + ry]
    return (min(xs), min(ys), max(xs), max(ys))


def read(svg: str) -> tuple[list[Node], list[Edge]]:
    """The nodes and edges of a Graphviz SVG (coordinates as drawn, after the graph's transform)."""
    root = ET.fromstring(svg)
    graph = root.find("svg:g", NS)
    assert graph is not None
    shift = _numbers(re.search(r"translate\(([^)]*)\)", graph.get("transform", "")).group(1))
    dx, dy = shift[0], shift[1]

    def moved(box: Box) -> Box:
        return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)

    nodes, edges = [], []
    for group in graph.iter("{http://www.w3.org/2000/svg}g"):
        kind = group.get("class")
        title = group.findtext("svg:title", "", NS)
        if kind == "node":
            texts = [t.text or "" for t in group.findall("svg:text", NS)]
            is_round = group.find("svg:ellipse", NS) is not None and group.find("svg:polygon", NS) is None
            nodes.append(Node(title, moved(_shape_box(group)), texts, is_round))
        elif kind == "edge":
            path = group.find("svg:path", NS)
            points = [(x + dx, y + dy) for x, y in _bezier(path.get("d", ""))] if path is not None else []
            lines = [(t.text or "", text_box(t)) for t in group.iter("{http://www.w3.org/2000/svg}text")]
            labels = []
            if lines:  # an edge's one label, however many lines: the box around them all
                boxes = [b for _, b in lines]
                union = (
                    min(b[0] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] for b in boxes),
                )
                labels.append(("\n".join(t for t, _ in lines), moved(union)))
            edges.append(Edge(title, points, labels))
    return nodes, edges


def overlap(a: Box, b: Box, margin: float = 0.0) -> bool:
    """True when the boxes overlap by more than ``margin`` in both directions."""
    return min(a[2], b[2]) - max(a[0], b[0]) > margin and min(a[3], b[3]) - max(a[1], b[1]) > margin


def meets(box: Box, node: Node, margin: float = 0.0) -> bool:
    """Whether a box overlaps what the node draws: its box, or the ellipse inside it if round."""
    if not overlap(box, node.box, margin):
        return False
    if not node.round:
        return True
    b = node.box
    cx, cy, rx, ry = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, (b[2] - b[0]) / 2, (b[3] - b[1]) / 2
    px, py = min(max(cx, box[0] + margin), box[2] - margin), min(max(cy, box[1] + margin), box[3] - margin)
    return ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 < 1


def inside(point: tuple[float, float], box: Box, margin: float = 0.0) -> bool:
    x, y = point
    return box[0] + margin < x < box[2] - margin and box[1] + margin < y < box[3] - margin


def distance(point: tuple[float, float], box: Box) -> float:
    """From a point to the nearest point of a box (0 inside it)."""
    x, y = point
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return math.hypot(dx, dy)


def ends(edge: Edge) -> tuple[str, str]:
    """The tail and head node titles of an edge titled ``a->b`` (ports dropped)."""
    tail, head = edge.title.replace("&#45;", "-").split("->")
    return tail.split(":")[0], head.split(":")[0]


def crosses(points: list[tuple[float, float]], box: Box) -> bool:
    """Whether a path (points joined by straight pieces) passes through the box."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        t0, t1 = 0.0, 1.0
        dx, dy = x1 - x0, y1 - y0
        for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
            if p == 0:
                if q < 0:
                    break
            else:
                r = q / p
                t0, t1 = (max(t0, r), t1) if p < 0 else (t0, min(t1, r))
                if t0 > t1:
                    break
        else:
            return True
    return False


def path_distance(points: list[tuple[float, float]], box: Box) -> float:
    """From a path to a box: the least distance of its points (sampled densely) to the box."""
    return min(distance(p, box) for p in points)


def label_problems(svg: str, near: float) -> list[str]:
    """What a reader would stumble on in a drawing's edge labels: a label over a node, on another
    edge's line or on its own, over another label, or not beside its own edge (farther than
    ``near`` from it, or nearer another labelled edge)."""
    nodes, edges = read(svg)
    labelled = [(e, text, box) for e in edges for text, box in e.labels]
    problems = []
    for e, text, box in labelled:
        name = f"label {text!r} of {ends(e)}"
        problems += [f"{name} over node {n.texts[:1]}" for n in nodes if meets(box, n, 0.5)]
        problems += [f"{name} on edge {ends(o)}" for o in edges if crosses(o.points, box)]
        problems += [f"{name} over {t!r}" for o, t, b in labelled if o is not e and overlap(box, b, 0.5)]
        own = path_distance(e.points, box)
        others = [path_distance(o.points, box) for o, _, _ in labelled if o is not e]
        if own > near or (others and min(others) < own):
            problems.append(f"{name} is {own:.1f} from its edge, {min(others, default=0):.1f} from another")
    return problems
