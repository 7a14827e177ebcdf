r"""The neuron-level step-through page: the blog's closing pictures of the error signal.

Neurons are circles in layers, weights on the edges. The frames follow the blog's
order: the error δ = ∂E/∂y at the output, then each neuron's δ_j from the layer
after it (the neuron carries class ``active``, the neurons it draws from
``source``, the weights between them ``flow``),

    δ_j = Σ_k δ_k · g′(r_k) · w_j,k          (the blog's δ_j = ∂E/∂g(r_j))

then the weight gradients ∂E/∂w_i,j = g(r_i) · g′(r_j) · δ_j (Nielsen writes a·δ,
his δ being g′(r_j)·δ_j). The numbers come from the explanation's own pass.
"""

from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from tinygrad_like.draw import NETWORK_LABELS, neuron_layers
from tinygrad_like.edge_labels import Box, Point, place_labels
from tinygrad_like.graph_page import sample_line
from tinygrad_like.notation import is_constant, number
from tinygrad_like.page import factor as page_factor
from tinygrad_like.page import page_html

if TYPE_CHECKING:
    from tinygrad_like.value import Value

R = 38.0
COLUMN = 400.0
ROW = 200.0
FONT = 13.0  # the smallest text the view must keep readable: the weights' labels
LABEL_FONT = 13.0
LINE = 16.0
FRAME_FONT = 16.0  # a frame's weight labels, px
DELTA_FONT = 15.0  # the δ under each neuron on the page, px
FRAME_DELTA_FONT = 17.0  # and in a frame
STYLE = (
    "svg .node text { text-anchor: middle; } svg .node text.name { font-size: 15px; } "
    f"svg .node text.delta {{ font-size: {DELTA_FONT:.0f}px; }} "
    "svg .node circle.neuron { fill: #fff; stroke: #555; stroke-width: 1.5; } "
    "svg .node.weight rect { fill: #fcfcfc; fill-opacity: .85; stroke: none; } "
    "svg .node.weight text { font-size: 13px; fill: #333; } svg .node.weight text.wgrad { fill: #1a237e; } "
    "svg .node.weight.target rect { fill: #c8e6c9; fill-opacity: 1; stroke: #2e7d32; stroke-width: 1.5; } "
    "svg .node.active.target circle.neuron { fill: #ffd54f; stroke: #b26a00; stroke-width: 2.5; }"
)


def _pass_grads(explanation) -> dict:
    grads = dict(explanation._start)
    for s in explanation.steps:
        grads[s.child] = s.child_grad
    return grads


def _answer(what: str, value: float, rule: str, numbers: str, given: str = "", slips=()) -> dict:
    """A number a frame reveals, as a question for the practice page (plain text, not HTML);
    ``given``: the forward values the question needs that the drawing does not show; ``slips``:
    (the value a known slip gives, its name), for the page to name it."""
    return {
        "what": what,
        "value": value,
        "rule": rule,
        "numbers": numbers,
        "given": given,
        "slips": list(slips),
    }


def neuron_page(explanation, *, model=None, sample: str = "") -> str:
    """The HTML of the neuron-level page (``Explanation.to_html(..., level="neuron")``)."""
    return page_html(**neuron_parts(explanation, model=model, sample=sample))


def neuron_parts(
    explanation,
    *,
    model=None,
    sample: str = "",
    column: float = COLUMN,
    row: float = ROW,
    font: float = LABEL_FONT,
    delta_font: float = DELTA_FONT,
) -> dict:
    """What ``page_html`` takes for the neuron-level page. Each frame also carries ``answer``: the
    numbers it reveals as questions (plain text ``what``, ``value``, ``rule``, ``numbers``), for the
    practice page. The frames are the blog's pictures, so they speak the blog's notation."""
    if model is None:
        raise ValueError(
            "to_html(level='neuron') draws an nn model's neurons: pass model=the nn model (an MLP)"
        )
    layers = neuron_layers(model, "to_html(level='neuron')")
    spoken = getattr(explanation, "notation", "") or "blog"  # the explanation's: blog's or Nielsen's
    grads, names, e = _pass_grads(explanation), explanation.names, html.escape
    neurons = [n for layer in layers for n in layer]
    if any(n.z is None or n.z not in grads for n in neurons):
        raise ValueError("to_html(level='neuron'): the loss was not computed by this model's last call")
    number_of = {n: k for k, n in enumerate(neurons, 1)}
    nin = len(layers[0][0].weights)
    columns = [[f"x{k}" for k in range(1, nin + 1)]]
    columns += [[f"f{number_of[n]}" for n in layer] for layer in layers]
    columns.append(["loss"])
    tallest = max(len(c) for c in columns)
    last = len(columns) - 2  # the output layer's column; the loss sits closer after it (no labels between)
    boxes, centre = {}, {}
    for ci, ids in enumerate(columns):
        for ri, nid in enumerate(ids):
            cx, cy = 80 + min(ci, last + 0.55) * column, 80 + (ri + (tallest - len(ids)) / 2) * row
            centre[nid] = (cx, cy)
            boxes[nid] = (cx - R, cy - R, 2 * R, 2 * R + 22)

    def a_of(n):
        return n.a if n.a is not None and n.a in grads else n.z

    def g_prime(n):
        a = a_of(n)
        return a.local_grads[0] if a is not n.z else 1.0

    def delta(n):  # the blog's δ_j = ∂E/∂g(r_j)
        return grads[a_of(n)]

    def forward(n):  # what the forward pass gave neuron f_j, for a practice question
        j = number_of[n]
        return f"r_{j} = {number(n.z.data, '.6g')}, g(r_{j}) = {number(a_of(n).data, '.6g')}"

    def target(n):  # t of E = ½(y − t)², when the loss subtracts a number from the output
        found = [
            v.children[1]
            for v in grads
            if v.op == "-" and v.children[0] is a_of(n) and is_constant(v.children[1])
        ]
        return f", t = {number(found[0].data, '.6g')}" if found else ""

    root = names[explanation.root]
    output = layers[-1]

    def name_of(v) -> str:  # a Value's name in this page's notation
        return names.get(v, v.label)

    def dname(n) -> str:  # the blog's δ_j; an only output neuron's δ is the error signal δ itself
        return "δ" if n in output and len(output) == 1 else f"δ_{number_of[n]}"

    def factor(x: float) -> str:  # a number in a product: negative ones in parentheses
        return page_factor(x, ".4g")

    circle_name: dict[str, str] = {}  # in Nielsen's notation a neuron is its a^l_j, an input x_k
    if spoken == "nielsen":
        circle_name = {f"f{number_of[n]}": name_of(a_of(n)) for n in neurons}
        circle_name.update({v.label: name_of(v) for v in grads if not v.children and v.label in columns[0]})
    # the drawing: circles by layer, an edge per weight, each weight's label placed beside its edge
    line = font * LINE / LABEL_FONT
    parts, labels = [], []
    inputs_of: dict[str, list[tuple[str, Value]]] = {}
    lines: dict[str, list[Point]] = {}
    label_size: dict[str, tuple[float, float]] = {}
    label_text: dict[str, str] = {}
    for li, layer in enumerate(layers):
        previous = columns[li]
        for n in layer:
            nid = f"f{number_of[n]}"
            for k, w in enumerate(n.weights):
                wid = f"w-{previous[k]}-{nid}"
                inputs_of.setdefault(nid, []).append((previous[k], w))
                (x0, y0), (x1, y1) = centre[previous[k]], centre[nid]
                lines[wid] = [(x0 + R, y0), (x1 - R, y1)]
                parts.append(
                    f'<path class="edge" id="{wid}" d="M{x0 + R:.1f},{y0:.1f} L{x1 - R:.1f},{y1:.1f}"/>'
                )
                label_text[wid] = f"{name_of(w)} = {number(w.data, '.3g')}"
                widest = max(len(label_text[wid]), len("∂E/∂w = -0.000123"))
                label_size[wid] = (widest * 0.6 * font + 8, 2 * line + 6)
    for nid in columns[-2]:
        (x0, y0), (x1, y1) = centre[nid], centre["loss"]
        lines[f"e-{nid}-loss"] = [(x0 + R, y0), (x1 - R, y1)]
        parts.append(
            f'<path class="edge" id="e-{nid}-loss" d="M{x0 + R:.1f},{y0:.1f} L{x1 - R:.1f},{y1:.1f}"/>'
        )
    obstacles: dict[str, Box] = {}
    written = {f"f{number_of[n]}": f"{dname(n)} = {number(delta(n), '.4g')}" for n in neurons}
    written["loss"] = "δ = " + ", ".join(number(delta(n), ".4g") for n in output)
    for v in grads:  # an input shows its value
        if not v.children and v.label in centre and v.label.startswith("x"):
            written[v.label] = number(v.data, ".4g")
    for nid, (cx, cy) in centre.items():
        obstacles[nid] = (cx - R, cy - R, cx + R, cy + R)
        under = 0.3 * delta_font * len(written.get(nid, "δ = -0.0001234")) + 2  # 0.6 em a character
        obstacles[f"{nid} δ"] = (cx - under, cy + R + 2, cx + under, cy + R + 24)  # what is written under it
        if under > R:  # the box the view frames holds the circle and what is written under it
            boxes[nid] = (cx - under, cy - R, 2 * under, 2 * R + 22)
    ends = {wid: (wid.split("-")[1], wid.split("-")[2]) for wid in label_size}
    placed = place_labels(
        obstacles, lines, label_size, NETWORK_LABELS, ends=ends, round_nodes=set(centre), over_head=False
    )
    for wid, (lx, ly) in placed.items():
        width, height = label_size[wid]
        x, y = lx - width / 2, ly - height / 2
        boxes[f"{wid}-label"] = (x, y, width, height)
        labels.append(
            f'<g class="node weight" id="{wid}-label"><rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height:.1f}" rx="3"/><text class="wname" x="{lx:.1f}" y="{y + line:.1f}">'
            f'{e(label_text[wid])}</text><text class="wgrad" id="{wid}-grad" x="{lx:.1f}" '
            f'y="{y + 2 * line:.1f}"></text></g>'
        )
    for ids in columns:
        for nid in ids:
            cx, cy = centre[nid]
            title = root if nid == "loss" else circle_name.get(nid, nid)
            shown = ""
            if nid.startswith("x"):  # an input shows its value
                shown = next((number(v.data, ".4g") for v in grads if v.label == nid and not v.children), "")
            parts.append(
                f'<g class="node" id="{nid}"><circle class="neuron" cx="{cx:.1f}" cy="{cy:.1f}" r="{R}"/>'
                f'<text class="name" x="{cx:.1f}" y="{cy + 5:.1f}">{e(title)}</text>'
                f'<text class="delta" id="{nid}-delta" x="{cx:.1f}" y="{cy + R + 18:.1f}">{shown}</text></g>'
            )
    width = 160 + (last + 0.55) * column
    height = 160 + (tallest - 1) * row
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="the network, neuron by neuron"><style>{STYLE}</style>'
        f"{''.join(parts)}{''.join(labels)}</svg>"
    )

    # the frames, in the blog's order: the error signal, each neuron's δ layer by layer back, the weights
    if spoken == "nielsen":  # the same order, as Nielsen's notes write it: BP1, BP2, then BP3/BP4
        from tinygrad_like.network_nielsen import nielsen_steps

        steps = nielsen_steps(layers, grads, names, root, inputs_of, number_of, _answer)
        return _parts(explanation, sample, root, svg, boxes, steps)
    steps = []
    ys = ", ".join(name_of(a_of(n)) for n in output)
    signal = ", ".join(number(delta(n), ".4g") for n in output)
    steps.append(
        {
            "active": ["loss"],
            "target": ["loss"],
            "source": [],
            "edges": [],
            "set": [["loss-delta", f"δ = {signal}"]],
            "title": "the error signal",
            "equation": f"<p class='rule'>δ = ∂{e(root)}/∂{e(ys)} = "
            + ", ".join(f"<b>{number(delta(n))}</b>" for n in output)
            + "</p><p class='muted'>for E = ½(y − t)² this is δ = y − t, the blog's error signal.</p>",
            "answer": [
                _answer(
                    f"δ = ∂{root}/∂{name_of(a_of(n))}",
                    delta(n),
                    "the error signal δ = ∂E/∂y; for E = ½(y − t)² it is y − t",
                    f"{name_of(a_of(n))} = {number(a_of(n).data)} and the sample's target t",
                    f"{name_of(a_of(n))} = {number(a_of(n).data, '.6g')}{target(n)}",
                )
                for n in output
            ],
        }
    )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            nid, j, d = f"f{number_of[n]}", number_of[n], dname(n)
            slips: list[tuple[float, str]] = []  # the values of known slips, named on the practice page
            if li == len(layers) - 1:
                equation = (  # the only output's δ is the error signal itself: not δ = δ
                    f"<p class='rule'>{d if d == 'δ' else d + ' = δ'} = <b>{number(delta(n))}</b></p>"
                    f"<p class='muted'>f{j} is the "
                    f"output neuron, y = g(r_{j}): the error signal reaches it unchanged.</p>"
                )
                rule = f"f{j} is the output: {d} is the error signal δ = ∂E/∂y"
                numbers, given = number(delta(n)), f"δ = {number(delta(n), '.6g')} (the error signal)"
                source, edges = ["loss"], [f"e-{nid}-loss"]
            else:
                k_index = layers[li].index(n)
                terms = [(m, m.weights[k_index]) for m in layers[li + 1]]
                plain = " + ".join(f"{dname(m)}·g′(r_{number_of[m]})·{name_of(w)}" for m, w in terms)
                numbers = " + ".join(
                    f"{factor(delta(m))}·{factor(g_prime(m))}·{factor(w.data)}" for m, w in terms
                )
                equation = (
                    f"<p class='rule'>{d} = {e(plain)}</p><p>= {numbers} = <b>{number(delta(n))}</b></p>"
                )
                rule = f"{d} = {plain}"
                given = "; ".join(
                    f"{forward(m)}, {dname(m)} = {number(delta(m), '.6g')}, "
                    f"{name_of(w)} = {number(w.data, '.6g')}"
                    for m, w in terms
                )
                source = [f"f{number_of[m]}" for m, _ in terms]
                if len(terms) > 1:  # f_j feeds several neurons: its δ adds up what comes back from each
                    slips = [
                        (delta(m) * g_prime(m) * w.data, "forgotten accumulation at a reused node")
                        for m, w in terms
                    ]
                edges = [f"w-{nid}-f{number_of[m]}" for m, _ in terms]
            steps.append(
                {
                    "active": [nid],
                    "target": [nid],
                    "source": source,
                    "edges": edges,
                    "set": [[f"{nid}-delta", f"{d} = {number(delta(n), '.4g')}"]],  # δ_3 under f3: δ is y − t
                    "title": f"{d} of f{j}, from the layer after it"
                    if source != ["loss"]
                    else f"{d} at f{j}",
                    "equation": equation + f"<p class='muted'>the blog's {d} = ∂E/∂g(r_{j}); Nielsen's δ "
                    f"(z.grad) is g′(r_{j})·{d} = {number(grads[n.z])}.</p>",
                    "answer": [_answer(d, delta(n), rule, numbers, given, slips)],
                }
            )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            nid, j, d = f"f{number_of[n]}", number_of[n], dname(n)
            for src, w in inputs_of[nid]:
                if src.startswith("x"):
                    a_value = next(v.data for v in grads if v.label == src and not v.children)
                    a_name = src
                else:
                    a_value, a_name = a_of(neurons[int(src[1:]) - 1]).data, f"g(r_{src[1:]})"
                value = a_value * g_prime(n) * delta(n)
                wname = name_of(w)
                rule = f"∂{root}/∂{wname} = {a_name}·g′(r_{j})·{d}"
                steps.append(
                    {
                        "active": [nid],
                        "target": [f"w-{src}-{nid}-label"],
                        "source": [src],
                        "edges": [f"w-{src}-{nid}"],
                        "set": [[f"w-{src}-{nid}-grad", f"∂E/∂w = {number(grads[w], '.3g')}"]],
                        "title": f"the gradient of {e(wname)}",
                        "equation": f"<p class='rule'>{e(rule)}</p><p>= {factor(a_value)}·"
                        f"{factor(g_prime(n))}·{factor(delta(n))} = <b>{number(value)}</b></p>"
                        f"<p class='muted'>backward() gives {number(grads[w])}; Nielsen writes it a·δ = "
                        f"{factor(a_value)}·{factor(grads[n.z])}, his δ being g′(r_{j})·{d}.</p>",
                        "answer": [
                            _answer(
                                f"∂{root}/∂{wname}",
                                grads[w],
                                rule,
                                f"{number(a_value, '.6g')} × {page_factor(g_prime(n), '.6g')} × "
                                f"{page_factor(delta(n), '.6g')}",
                                f"{a_name} = {number(a_value, '.6g')}, {forward(n)}, "
                                f"{d} = {number(delta(n), '.6g')}",
                            )
                        ],
                    }
                )
    return _parts(explanation, sample, root, svg, boxes, steps)


def _parts(explanation, sample: str, root: str, svg: str, boxes: dict, steps: list[dict]) -> dict:
    header = [
        html.escape(sample or sample_line(explanation)),
        f"{html.escape(root)} = {number(explanation.root.data, '.4g')}; {len(steps)} frames",
    ]
    return dict(
        title=f"The error signal flowing back through the network, neuron by neuron ({root})",
        lines=[line for line in header if line],
        svg=svg,
        boxes=boxes,
        steps=steps,
        font=FONT,
    )


FRAME_STYLE = (
    "svg text { font-family: system-ui, sans-serif; fill: #222; } svg .edge { fill: none; stroke: #aaa; "
    "stroke-width: 1.2; } svg .edge.flow { stroke: #d62728; stroke-width: 3.5; } "
    "svg .node.active circle.neuron { fill: #ffd54f; stroke: #b26a00; stroke-width: 2.5; } "
    "svg .node.source circle.neuron { fill: #ffe0b2; stroke: #b26a00; stroke-width: 2; } "
    "svg text.frame-title { font-size: 24px; font-weight: 600; } svg text.frame-line { font-size: 21px; } "
    f"svg .node.weight text {{ font-size: {FRAME_FONT:.0f}px; }} "
    f"svg .node text.name, svg .node text.delta {{ font-size: {FRAME_DELTA_FONT:.0f}px; }}"
)
SVG_NS = "http://www.w3.org/2000/svg"
HEADER = 84.0  # room above the network for the frame's title and equation


class Frame:
    """One picture of the neuron-level pass: the network with that frame's neuron, edges and numbers
    marked (the page's classes, drawn the page's way) and its equation written above. Shows as
    SVG in Jupyter, at most as wide as the notebook; ``save(path)`` writes the .svg."""

    def __init__(self, svg: str, title: str, equation: str) -> None:
        self.svg = svg
        self.title = title
        self.equation = equation

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the frame as an SVG file (the name must end in .svg)."""
        path = Path(path)
        if path.suffix.lower() != ".svg":
            raise ValueError(f"Frame.save: a frame is SVG; {str(path)!r} should end in .svg")
        path.write_text(self.svg, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<Frame {self.title!r}: {self.equation}>"


def _plain(html_text: str) -> list[str]:
    """The lines of a frame's equation HTML as plain text (one per paragraph)."""
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", html_text, re.S) or [html_text]
    return [html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in paragraphs]


def neuron_frames(explanation, *, model=None, sample: str = "") -> list[Frame]:
    """The neuron-level page's frames as pictures (``Explanation.frames(level="neuron")``)."""
    # closer columns and larger text than the page: a frame is read at a notebook's width, unzoomed
    parts = neuron_parts(
        explanation,
        model=model,
        sample=sample,
        column=350.0,
        row=250.0,
        font=FRAME_FONT,
        delta_font=FRAME_DELTA_FONT,
    )
    ET.register_namespace("", SVG_NS)
    base = ET.fromstring(parts["svg"])
    x, y, width, height = (float(v) for v in base.get("viewBox", "0 0 0 0").split())
    texts: dict[str, str] = {}
    frames = []
    for step in parts["steps"]:
        texts.update(dict(step["set"]))
        tree = copy.deepcopy(base)
        by_id = {el.get("id"): el for el in tree.iter() if el.get("id")}
        for cls in ("active", "target", "source"):
            for eid in step[cls]:
                el = by_id[eid]
                el.set("class", f"{el.get('class', '')} {cls}".strip())
        for eid in step["edges"]:
            by_id[eid].set("class", "edge flow")
        for eid, text in texts.items():
            by_id[eid].text = text
        style = ET.SubElement(tree, f"{{{SVG_NS}}}style")  # after the drawing's own: it wins ties
        style.text = FRAME_STYLE
        lines = [html.unescape(step["title"]), *_plain(step["equation"])[:2]]
        for k, line in enumerate(lines):
            t = ET.SubElement(
                tree, f"{{{SVG_NS}}}text", {"x": f"{x + 20:.0f}", "y": f"{y - HEADER + 28 + 26 * k:.0f}"}
            )
            t.set("class", "frame-title" if k == 0 else "frame-line")
            t.text = line
        tree.set("viewBox", f"{x:.0f} {y - HEADER:.0f} {width:.0f} {height + HEADER:.0f}")
        tree.set("width", f"{width:.0f}")
        tree.set("height", f"{height + HEADER:.0f}")
        tree.set("style", "max-width: 100%; height: auto; background: #fcfcfc")
        frames.append(Frame(ET.tostring(tree, encoding="unicode"), lines[0], " ".join(lines[1:])))
    return frames
