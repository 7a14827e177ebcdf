r"""The edge-level step-through page: the computation graph, one chain-rule step per edge.

Each Value is drawn once as a box (name, data, grad) with its operation in a small
circle on its left; the layout comes from the graph's layers (``layout``). Step k
of the explanation is edge ``e{k}``: the node passing its gradient is marked
``active``, the child receiving it ``target``, and the child's grad text changes.
"""

from __future__ import annotations

import html
import math
import re

from tinygrad_like.draw import neuron_layers
from tinygrad_like.layout import layered_layout
from tinygrad_like.notation import indexed, number, operand
from tinygrad_like.ops import lookup
from tinygrad_like.page import check_size, factor, page_html

FONT = 14.0
CHAR = 9.2  # a generous width of one character at FONT px
LINE = 18.0
OP_R = 12.0  # the smallest op circle: room for one symbol (+, ×, Σ, σ)
OP_GAP = 10.0
OP_FONT = 13.0  # the op mark's font, as the page's CSS sets it for text.opsym
OP_SMALLEST_FONT = 10.0
EM_PER_CHAR = 0.66  # a generous width of a character, in em (DejaVu Sans: a digit 0.64)


NODE_NUMBER = ".4g"  # how a node's data and grad are written, in its box and the header alike


def op_circle(mark: str, height: float) -> tuple[str, float, float]:
    r"""An op's mark as drawn, its circle's radius and its font size, so that every letter lies inside.

    A mark w wide whose letters reach h above or below the centre fits when its corners do:
    r ≥ √((w/2)² + h²), with w ≈ 0.66 em a character and h ≈ 0.6 em (the text is centred on its
    font's box: t and h reach 0.42 em above the centre, the p of exp 0.59 em below).
    The circle grows with the mark up to the node's box height; a longer mark gets a smaller font,
    down to 10 px, and one longer still is cut with … (the node's name says it whole).

    >>> op_circle("+", 64.0), op_circle("tanh", 64.0)
    (('+', 12.0, 13.0), ('tanh', 20.3, 13.0))
    >>> op_circle("^(-0.3333333333333333)", 64.0)
    ('^(-0.33…', 31.0, 10.9)
    """
    margin = 1.5  # the circle's stroke and a sliver of air
    most = height / 2 - 1
    font = 0.0
    while font < OP_SMALLEST_FONT:
        half = math.hypot(len(mark) * EM_PER_CHAR / 2, 0.6)  # a corner's distance from the centre, in em
        font = min(OP_FONT, (most - margin) / half)
        if font < OP_SMALLEST_FONT:
            mark = mark[: len(mark) - 2] + "…"
    return mark, max(OP_R, min(most, round(half * font + margin, 1))), round(font, 1)


def _box_lines(name: str, data: float, grad: float) -> list[str]:
    return [name, f"data {number(data, NODE_NUMBER)}", f"grad {number(grad, NODE_NUMBER)}"]


def _equation(step, upstream_name: str, roles: dict) -> str:
    e = html.escape
    local, upstream = number(step.local), number(step.upstream)
    contribution, after = number(step.contribution), number(step.child_grad)
    if step.to_constant:
        head = (
            f'<p class="rule">{e(step.node_name)} → the constant {e(step.child_name)}: '
            f"local derivative {e(step.rule)} = <b>{local}</b></p>"
        )
        tail = f"<p>the constant's grad becomes <b>{after}</b> (nothing to learn: it is a number)</p>"
    else:
        rule = "" if step.rule == local else f"{e(step.rule)} = "  # no "∂E/∂C = 1 = 1"
        head = f'<p class="rule">{e(step.derivative())} = {rule}<b>{local}</b></p>'
        tail = f"<p>{e(operand(step.child_name))}.grad becomes <b>{after}</b></p>"
    role = roles.get(step.child)
    return (
        head
        + f"<p>upstream: {e(operand(upstream_name))}.grad = {upstream}</p>"
        + f"<p>contribution = local × upstream = {factor(step.local)} × {factor(step.upstream)} = "
        f"<b>{contribution}</b></p>"
        + tail
        + (f'<p class="muted">{e(role)}</p>' if role else "")
        + '<p class="muted">The yellow node passes its gradient along the red edge to the green one.</p>'
    )


def _neuron_roles(model, names: dict, root: str) -> dict:
    """What a neuron's r and g(r) are in the documents' words, for a model's graph."""
    roles = {}
    for li, layer in enumerate(neuron_layers(model, "to_html(model=…)"), 2):
        for j, neuron in enumerate(layer, 1):
            z, a = neuron.z, neuron.a
            if z is None or z not in names:
                continue
            roles[z] = (
                f"{names[z]} is the input of a neuron's activation: its grad is Nielsen's "
                f"δ{indexed('', str(li), str(j))} = ∂{root}/∂{operand(names[z])} (z.grad)."
            )
            if a is not None and a is not z and a in names:
                roles[a] = (
                    f"{names[a]} is a neuron's output: its grad ∂{root}/∂{operand(names[a])} is the blog's "
                    "δ_j = ∂E/∂g(r_j)."
                )
    return roles


def sample_line(explanation) -> str:
    """Which sample a per-sample graph is of, read from its inputs x1, x2, … (nn labels them so)."""
    inputs = sorted(
        (v for v in explanation.names if not v.children and re.fullmatch(r"x\d+", v.label or "")),
        key=lambda v: int(v.label[1:]),
    )
    if not inputs:
        return ""
    names = explanation.names  # in the explanation's notation: x1 (the blog's), x₁ (Nielsen's)
    return "the sample: " + ", ".join(f"{names.get(v, v.label)} = {number(v.data, 'g')}" for v in inputs)


def edge_page(explanation, *, model=None, sample: str = "", max_steps: int | None = None) -> str:
    """The HTML of the edge-level page for ``explanation`` (see ``Explanation.to_html``)."""
    return page_html(**edge_parts(explanation, model=model, sample=sample, max_steps=max_steps))


def edge_parts(explanation, *, model=None, sample: str = "", max_steps: int | None = None) -> dict:
    """What ``page_html`` takes for the edge-level page: title, lines, svg, boxes, steps, known, font."""
    steps = explanation.steps
    if not steps:
        raise ValueError("to_html: nothing to step through: the root was made by no operation")
    check_size(len(steps), "to_html", **({"max_steps": max_steps} if max_steps else {}))
    names, root, start = explanation.names, explanation.root, explanation._start
    nodes = list(names)
    ids = {v: f"n{i}" for i, v in enumerate(nodes)}
    widest: dict = {}  # each node's grad with the longest text the pass shows, to size its box
    for s in steps:
        if len(number(s.child_grad, NODE_NUMBER)) > len(number(widest.get(s.child, 0.0), NODE_NUMBER)):
            widest[s.child] = s.child_grad
    sizes, circles = {}, {}
    height = 3 * LINE + 10
    for v in nodes:
        width = max(len(t) for t in _box_lines(names[v], v.data, widest.get(v, start[v]))) * CHAR + 16
        if v.children:
            op = lookup(v.op)
            # the first word: Σ w·x + b does not fit in the circle; the blog calls every activation g
            symbol = "g" if explanation.notation == "blog" and op.activation else op.mark.split(" ")[0]
            circles[v] = op_circle(symbol, height)
            width += 2 * circles[v][1] + OP_GAP
        sizes[v] = (width, height)
    boxes = layered_layout(root, sizes)

    out = []
    for i, s in enumerate(steps):  # step i is edge i: from the child's right side to the node's op circle
        cx, cy, cw, ch = boxes[s.child]
        px, py, _, ph = boxes[s.node]
        x0, y0, x1, y1 = cx + cw, cy + ch / 2, px, py + ph / 2
        bend = max(30.0, (x1 - x0) / 2)
        out.append(
            f'<path class="edge" id="e{i}" d="M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} '
            f'{x1 - bend:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"/>'
        )
    for v in nodes:
        x, y, w, h = boxes[v]
        nid, e = ids[v], html.escape
        parts = [f'<g class="node" id="{nid}">']
        if v in circles:
            symbol, r, font = circles[v]
            small = f' style="font-size:{font}px"' if font < OP_FONT else ""
            parts.append(
                f'<circle class="op" cx="{x + r:.1f}" cy="{y + h / 2:.1f}" r="{r}"/>'
                f'<text class="opsym" x="{x + r:.1f}" y="{y + h / 2:.1f}"{small}>{e(symbol)}</text>'
            )
            x += 2 * r + OP_GAP
            w -= 2 * r + OP_GAP
            mid = y + h / 2
            parts.append(
                f'<line class="edge" x1="{x - OP_GAP:.1f}" y1="{mid:.1f}" x2="{x:.1f}" y2="{mid:.1f}"/>'
            )
        name, data, grad = _box_lines(names[v], v.data, start[v])
        tx, base = x + 8, y + 5
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4"/>'
            f'<text class="name" x="{tx:.1f}" y="{base + LINE * 0.8:.1f}">{e(name)}</text>'
            f'<text class="data" x="{tx:.1f}" y="{base + LINE * 1.8:.1f}">{e(data)}</text>'
            f'<text class="grad" id="{nid}-grad" x="{tx:.1f}" y="{base + LINE * 2.8:.1f}">{e(grad)}</text>'
            "</g>"
        )
        out.append("".join(parts))
    width = max(b[0] + b[2] for b in boxes.values()) + 20
    height = max(b[1] + b[3] for b in boxes.values()) + 20
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="the computation graph">{"".join(out)}</svg>'
    )

    roles = _neuron_roles(model, names, names[root]) if model is not None else {}
    step_data = []
    for s in steps:
        step_data.append(
            {
                "active": [ids[s.node]],
                "target": [ids[s.child]],
                "source": [],
                "edges": [f"e{s.index}"],
                "set": [[f"{ids[s.child]}-grad", f"grad {number(s.child_grad, NODE_NUMBER)}"]],
                "title": f"step {s.index + 1} of {len(steps)}",
                "equation": _equation(s, s.node_name, roles),
            }
        )
    root_name = names[root]
    lines = [
        html.escape(line)
        for line in (
            sample or sample_line(explanation),
            f"{root_name} = {number(root.data, NODE_NUMBER)}; {len(steps)} steps, one per edge, in the order "
            f"backward() takes them, starting from {root_name}.grad = 1",
        )
        if line
    ]
    return dict(
        title=f"Backpropagation through {root_name}, one chain-rule step at a time",
        lines=lines,
        svg=svg,
        boxes={ids[v]: boxes[v] for v in nodes},
        steps=step_data,
        known=[ids[root]],
        font=FONT,
    )
