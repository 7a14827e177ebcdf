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

import html
from typing import TYPE_CHECKING

from tinygrad_like.draw import neuron_layers
from tinygrad_like.notation import is_constant, number
from tinygrad_like.page import page_html

if TYPE_CHECKING:
    from tinygrad_like.value import Value

R = 38.0
COLUMN = 300.0
ROW = 150.0
FONT = 15.0


def _pass_grads(explanation) -> dict:
    grads = dict(explanation._start)
    for s in explanation.steps:
        grads[s.child] = s.child_grad
    return grads


def _answer(what: str, value: float, rule: str, numbers: str, given: str = "") -> dict:
    """A number a frame reveals, as a question for the practice page (plain text, not HTML);
    ``given``: the forward values the question needs that the drawing does not show."""
    return {"what": what, "value": value, "rule": rule, "numbers": numbers, "given": given}


def neuron_page(explanation, *, model=None, sample: str = "") -> str:
    """The HTML of the neuron-level page (``Explanation.to_html(..., level="neuron")``)."""
    return page_html(**neuron_parts(explanation, model=model, sample=sample))


def neuron_parts(explanation, *, model=None, sample: str = "") -> dict:
    """What ``page_html`` takes for the neuron-level page. Each frame also carries ``answer``: the
    numbers it reveals as questions (plain text ``what``, ``value``, ``rule``, ``numbers``), for the
    practice page."""
    if model is None:
        raise ValueError(
            "to_html(level='neuron') draws an nn model's neurons: pass model=the nn model (an MLP)"
        )
    layers = neuron_layers(model, "to_html(level='neuron')")
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
    boxes, centre = {}, {}
    for ci, ids in enumerate(columns):
        for ri, nid in enumerate(ids):
            cx, cy = 80 + ci * COLUMN, 80 + (ri + (tallest - len(ids)) / 2) * ROW
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

    parts, labels = [], []
    inputs_of: dict[str, list[tuple[str, Value]]] = {}
    for li, layer in enumerate(layers):
        previous = columns[li]
        for n in layer:
            nid = f"f{number_of[n]}"
            for k, w in enumerate(n.weights):
                wid = f"w-{previous[k]}-{nid}"
                inputs_of.setdefault(nid, []).append((previous[k], w))
                (x0, y0), (x1, y1) = centre[previous[k]], centre[nid]
                parts.append(
                    f'<path class="edge" id="{wid}" d="M{x0 + R:.1f},{y0:.1f} L{x1 - R:.1f},{y1:.1f}"/>'
                )
                t = 0.72  # the label near the receiving end, where edges into one neuron fan apart
                lx, ly = x0 + R + (x1 - R - x0 - R) * t, y0 + (y1 - y0) * t
                text = f"{e(w.label)} = {number(w.data, '.3g')}"
                labels.append(
                    f'<text class="wlabel" x="{lx:.1f}" y="{ly - 6:.1f}">{text}</text>'
                    f'<text class="wlabel" id="{wid}-grad" x="{lx:.1f}" y="{ly + 10:.1f}"></text>'
                )
    last = columns[-2]
    for nid in last:
        (x0, y0), (x1, y1) = centre[nid], centre["loss"]
        parts.append(
            f'<path class="edge" id="e-{nid}-loss" d="M{x0 + R:.1f},{y0:.1f} L{x1 - R:.1f},{y1:.1f}"/>'
        )
    root = names[explanation.root]
    for ids in columns:
        for nid in ids:
            cx, cy = centre[nid]
            if nid.startswith("x"):
                title = nid
            elif nid == "loss":
                title = root
            else:
                title = f"f{nid[1:]}"
            shown = ""
            if nid.startswith("x"):  # an input shows its value
                shown = next((number(v.data, ".4g") for v in grads if v.label == nid and not v.children), "")
            parts.append(
                f'<g class="node" id="{nid}"><circle class="neuron" cx="{cx:.1f}" cy="{cy:.1f}" r="{R}"/>'
                f'<text class="name" x="{cx:.1f}" y="{cy + 5:.1f}">{e(title)}</text>'
                f'<text class="delta" id="{nid}-delta" x="{cx:.1f}" y="{cy + R + 18:.1f}">{shown}</text></g>'
            )
    width = 160 + (len(columns) - 1) * COLUMN
    height = 160 + (tallest - 1) * ROW
    style = (
        "<style>svg .node text { text-anchor: middle; } svg .node circle.neuron { fill: #fff; stroke: #555; "
        "stroke-width: 1.5; } svg text.wlabel { font-size: 13px; fill: #333; text-anchor: middle; "
        "paint-order: stroke; stroke: #fcfcfc; stroke-width: 4px; }</style>"
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="the network, neuron by neuron">{style}{"".join(parts)}{"".join(labels)}</svg>'
    )

    steps = []
    output = layers[-1]
    ys = ", ".join(names[a_of(n)] for n in output)
    steps.append(
        {
            "active": ["loss"],
            "target": [],
            "source": [],
            "edges": [],
            "set": [["loss-delta", "δ = " + ", ".join(number(delta(n), ".4g") for n in output)]],
            "title": "the error signal",
            "equation": "<p class='rule'>δ = ∂"
            + e(root)
            + "/∂"
            + e(ys)
            + " = "
            + ", ".join(f"<b>{number(delta(n))}</b>" for n in output)
            + "</p><p class='muted'>for E = ½(y − t)² this is δ = y − t, the blog's error signal.</p>",
            "answer": [
                _answer(
                    f"δ = ∂{root}/∂{names[a_of(n)]}",
                    delta(n),
                    "the error signal δ = ∂E/∂y; for E = ½(y − t)² it is y − t",
                    f"{names[a_of(n)]} = {number(a_of(n).data)} and the sample's target t",
                    f"{names[a_of(n)]} = {number(a_of(n).data, '.6g')}{target(n)}",
                )
                for n in output
            ],
        }
    )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            nid, j = f"f{number_of[n]}", number_of[n]
            if li == len(layers) - 1:
                equation = f"<p class='rule'>δ_{j} = δ = <b>{number(delta(n))}</b></p>"
                rule, numbers = f"the output neuron's δ_{j} is the error signal: δ_{j} = δ", number(delta(n))
                given = f"δ = {number(delta(n), '.6g')} (the error signal)"
                source, edges = ["loss"], [f"e-{nid}-loss"]
            else:
                nxt = layers[li + 1]
                k_index = layers[li].index(n)
                terms = [(m, m.weights[k_index]) for m in nxt]
                text = " + ".join(f"δ_{number_of[m]}·g′(r_{number_of[m]})·{e(w.label)}" for m, w in terms)
                nums = " + ".join(
                    f"{number(delta(m), '.4g')}·{number(g_prime(m), '.4g')}·{number(w.data, '.4g')}"
                    for m, w in terms
                )
                equation = f"<p class='rule'>δ_{j} = {text}</p><p>= {nums} = <b>{number(delta(n))}</b></p>"
                plain = (f"δ_{number_of[m]}·g′(r_{number_of[m]})·{w.label}" for m, w in terms)
                rule = f"δ_{j} = " + " + ".join(plain)
                numbers = nums
                given = "; ".join(
                    f"{forward(m)}, δ_{number_of[m]} = {number(delta(m), '.6g')}, "
                    f"{w.label} = {number(w.data, '.6g')}"
                    for m, w in terms
                )
                source = [f"f{number_of[m]}" for m in nxt]
                edges = [f"w-{nid}-f{number_of[m]}" for m in nxt]
            steps.append(
                {
                    "active": [nid],
                    "target": [],
                    "source": source,
                    "edges": edges,
                    "set": [[f"{nid}-delta", f"δ = {number(delta(n), '.4g')}"]],
                    "title": f"δ of f{j}, from the layer after it",
                    "equation": equation + f"<p class='muted'>Nielsen's δ = g′(r_{j})·δ_{j} = "
                    f"{number(grads[n.z])} (z.grad).</p>",
                    "answer": [_answer(f"δ_{j}", delta(n), rule, numbers, given)],
                }
            )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            nid, j = f"f{number_of[n]}", number_of[n]
            for src, w in inputs_of[nid]:
                is_input = src.startswith("x")
                if is_input:
                    a_value = next(v.data for v in grads if v.label == src and not v.children)
                else:
                    a_value = a_of(neurons[int(src[1:]) - 1]).data
                a_name = src if is_input else f"g(r_{src[1:]})"
                value = a_value * g_prime(n) * delta(n)
                steps.append(
                    {
                        "active": [nid],
                        "target": [],
                        "source": [src],
                        "edges": [f"w-{src}-{nid}"],
                        "set": [[f"w-{src}-{nid}-grad", f"∂E/∂w = {number(grads[w], '.3g')}"]],
                        "title": f"the gradient of {e(w.label)}",
                        "equation": f"<p class='rule'>∂{e(root)}/∂{e(w.label)} = {a_name}·g′(r_{j})·δ_{j}</p>"
                        f"<p>= {number(a_value, '.4g')} × {number(g_prime(n), '.4g')} × "
                        f"{number(delta(n), '.4g')}"
                        f" = <b>{number(value)}</b></p><p class='muted'>backward() gives {number(grads[w])}; "
                        f"Nielsen writes it a·δ = {number(a_value, '.4g')} × "
                        f"{number(grads[n.z], '.4g')}.</p>",
                        "answer": [
                            _answer(
                                f"∂{root}/∂{w.label}",
                                grads[w],
                                f"∂{root}/∂{w.label} = {a_name}·g′(r_{j})·δ_{j}",
                                f"{number(a_value, '.6g')} × {number(g_prime(n), '.6g')} × "
                                f"{number(delta(n), '.6g')}",
                                f"{a_name} = {number(a_value, '.6g')}, {forward(n)}, "
                                f"δ_{j} = {number(delta(n), '.6g')}",
                            )
                        ],
                    }
                )
    lines = [e(sample) if sample else "", f"{e(root)} = {number(explanation.root.data)}; {len(steps)} frames"]
    return dict(
        title=f"The error signal flowing back through the network, neuron by neuron ({root})",
        lines=[line for line in lines if line],
        svg=svg,
        boxes=boxes,
        steps=steps,
        font=FONT,
    )
