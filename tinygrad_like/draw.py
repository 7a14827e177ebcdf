r"""Drawings of computation graphs and networks, built as DOT with the ``graphviz`` package.

``draw_dot(root)`` draws every node reachable from ``root``: one box per Value
(label | data | grad), one small node per operation between its operands and its
result, edges in the direction of the forward pass; with ``show_local=True``
each edge carries its local derivative ∂out/∂child. ``draw_network(model)`` draws
an ``nn`` model as the documents' figures do: circles by layer, weights on edges.

Node ids come from the traversal order and every label is HTML-escaped, so the
same graph always gives the same DOT text and no label can break it.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); y = (x * 3).tanh(); y.label = "y"
>>> d = draw_dot(y)
>>> d.source.count("->"), "data 2.0000" in d.source
(5, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import graphviz

from tinygrad_like.edge_labels import pin_labels
from tinygrad_like.graph import topological_order
from tinygrad_like.labels import shown
from tinygrad_like.layered import network_or_none
from tinygrad_like.notation import resolve_notation
from tinygrad_like.ops import TABLE, lookup
from tinygrad_like.render import Drawing
from tinygrad_like.value import Value

HIGHLIGHT = "#ffd54f"
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
FLOW = "#d62728"
NETWORK_LABELS = (0.22, 0.3, 0.15, 0.38, 0.7, 0.78, 0.62, 0.85, 0.46, 0.54)  # where a weight reads best
MAX_WEIGHTS = 60  # draw_network writes the weights of a network with at most this many
MAX_PLACED = 400  # nodes: beyond, Graphviz places draw_dot's edge labels itself (laying out twice is slow)


def __getattr__(name: str) -> dict[str, str]:
    if name == "SYMBOLS":  # each op's symbol, read from the table when asked (ops.Op.mark)
        return {op.name: op.symbol for op in TABLE.values() if op.symbol}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fmt(x: float, precision: int = 4) -> str:
    """A number at a fixed precision, switching to scientific notation where that would hide it.

    >>> fmt(2.0), fmt(-0.000545), fmt(123456.0), fmt(0.0), fmt(float("inf"))
    ('2.0000', '-5.450e-04', '1.235e+05', '0.0000', 'inf')
    """
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 10 ** -(precision - 1) or abs(x) >= 1e5):
        return f"{x:.{precision - 1}e}"
    return f"{x:.{precision}f}"


def esc(text: str, record: bool = False) -> str:
    r"""Text made safe inside a quoted DOT label: &, backslashes, quotes and newlines escaped, and in
    a record field also the characters records give meaning to ({ } | < >).

    >>> print(esc('a "b" {c}|<d> \\', record=True))
    a \"b\" \{c\}\|\<d\> \\

    Control characters are shown visibly and overlong labels shortened (``labels.shown``).
    """
    text = shown(text).replace("&", "&amp;")  # Graphviz decodes entities even in plain labels
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    if record:
        for ch in "{}|<>":
            text = text.replace(ch, "\\" + ch)
    return text


def label(text: str) -> str:
    """A label the graphviz package passes through as it is (never taken for HTML)."""
    return graphviz.nohtml(text)


def name_of(v: Value) -> str:
    """What to call a node: its label, or for an unlabelled constant its number."""
    if v.label:
        return v.label
    if not v.children:
        return f"{v.data:g}"
    return ""


def _value_label(
    v: Value,
    grad: float,
    show_grad: bool,
    precision: int,
    extra: str = "",
    rankdir="LR",
    name: str | None = None,
) -> str:
    """A record label | data … | grad … laid out across the page (Graphviz turns record fields
    with the rank direction, so LR needs the braces and TB does not)."""
    name = name_of(v) if name is None else name
    fields = [esc(name, record=True)] if name else []
    fields.append(f"data {fmt(v.data, precision)}")
    if show_grad:
        fields.append(f"grad {fmt(grad, precision)}")
    if extra:
        fields.append(esc(extra, record=True))
    text = " | ".join(fields)
    return label(f"{{ {text} }}" if rankdir in ("LR", "RL") else text)


@dataclass(frozen=True, eq=False)
class NeuronView:
    r"""One neuron as the drawings and pages see it: what a model tells them (see ``NeuronLayers``).

    - ``weights``: w_1 … w_n, one per input, in the inputs' order;
    - ``bias``: b;
    - ``z``: the weighted input of the model's last call, z = Σ w·x + b (the blog's r), or None;
    - ``a``: the output of that call, a = g(z) (``z`` itself for a linear neuron), or None;
    - ``name``: what to call the output (``g(r_1)``, ``a2_1``, ``y``); ``activation``: g's name.

    >>> from tinygrad_like import Value
    >>> w, b = Value(0.5, label="w"), Value(0.0, label="b")
    >>> NeuronView([w], b, name="y", activation="sigmoid").weights[0].label
    'w'
    """

    weights: Sequence[Value]
    bias: Value
    z: Value | None = None
    a: Value | None = None
    name: str = ""
    activation: str = ""


class NeuronLayers(Protocol):
    """What ``draw_network``, ``draw_dot(model=…)`` and the pages need from a model: one method,
    ``neuron_layers()``, giving the neurons layer by layer, inputs side first, each a ``NeuronView``.
    Layer l + 1's neurons have one weight per neuron of layer l; the first layer's, one per input.
    ``nn``'s ``Neuron``, ``Layer`` and ``MLP`` have it; any model of your own can too.
    """

    def neuron_layers(self) -> Sequence[Sequence[NeuronView]]: ...


def neuron_layers(model: object, where: str) -> list[list[NeuronView]]:
    """``model.neuron_layers()``, checked: raises ``TypeError`` naming ``where`` and what is missing.

    >>> neuron_layers(3, "draw_network")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: draw_network needs a model with a neuron_layers() method (...), got int
    """
    method = getattr(model, "neuron_layers", None)
    if not callable(method):
        raise TypeError(
            f"{where} needs a model with a neuron_layers() method (nn's MLP, Layer and Neuron have one; "
            f"see tinygrad_like.draw.NeuronLayers), got {type(model).__name__}"
        )
    layers = [list(layer) for layer in method()]
    if not layers or not all(layers):
        raise ValueError(f"{where}: the model's neuron_layers() has an empty layer or none at all")
    width = len(layers[0][0].weights)
    for li, layer in enumerate(layers):
        for n in layer:
            if not isinstance(n, NeuronView):
                raise TypeError(
                    f"{where}: neuron_layers() must give NeuronView objects, got {type(n).__name__}"
                )
            if len(n.weights) != width:
                raise ValueError(
                    f"{where}: a neuron of layer {li + 1} has {len(n.weights)} weights, but its layer's "
                    f"inputs are {width}"
                )
        width = len(layer)
    return layers


def _neurons(model, nodes: set[Value]) -> list[tuple[int, int, set[Value], Value, Value]]:
    """For each neuron of ``model`` whose last z is in the graph: (layer, index, members, z, output)."""
    found = []
    for li, layer in enumerate(neuron_layers(model, "draw_dot(model=…)"), 2):
        for j, neuron in enumerate(layer, 1):
            z = neuron.z
            if z is None or z not in nodes:
                continue
            out = neuron.a if neuron.a is not None and neuron.a in nodes else z
            found.append((li, j, {*neuron.weights, neuron.bias, z, out}, z, out))
    return found


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local: bool = False,
    highlight: Iterable[Value] = (),
    *,
    model=None,
    collapse: bool = False,
    precision: int = 4,
    highlight_edges: Iterable[tuple[Value, Value]] = (),
    grads: Mapping[Value, float] | None = None,
    names: Mapping[Value, str] | None = None,
    title: str = "",
    notation: str | None = None,
    format: str = "svg",
) -> Drawing:
    r"""Draw every node reachable from ``root``.

    ``format`` is what ``render()`` writes, as in micrograd's ``draw_dot(root, format="png")``
    (``dot.format`` sets it later too).

    - ``show_local``: write ∂out/∂child on each edge.
    - ``highlight``: Values to emphasise; ``highlight_edges``: (node, child) pairs whose
      edges to draw in red (the step-through frames use both).
    - ``model``: a network (anything with ``neuron_layers()``, see ``NeuronLayers``; nn's MLP has it).
      Each layer gets its own column, left to right: the inputs, layer 2, …, the loss; a
      neuron's weights in index order above its bias, records stacked to keep columns narrow,
      each local derivative beside the tail of its edge. ``collapse=True`` draws each neuron
      as one node (data, grad and δ = z.grad), boxed by layer.
    - ``grads``: numbers to show instead of each node's ``grad`` (frames of a backward pass);
      ``names``: names to show instead of labels (the explanation's ``x·w`` for unlabelled nodes).
    - ``notation``: ``"blog"`` draws the activation as g, ``"nielsen"`` as σ; ``None`` follows the
      labels (the blog's networks in ``nn.examples`` → g). Labels are drawn as written (``w2_1,3``),
      and a collapsed neuron's δ is Nielsen's δ^l_j = ∂C/∂z^l_j, written ``δ2_1``.

    >>> from tinygrad_like import Value
    >>> a = Value(1.5, label="a"); b = (a * a); b.label = "b"; b.backward()
    >>> src = draw_dot(b, show_local=True).source
    >>> src.count("v0 -> v1_op [label=1.5000]")     # a·a: two edges from a, each ∂(a·a)/∂a = a
    2
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        a_format = isinstance(rankdir, str) and rankdir in graphviz.FORMATS  # micrograd's 2nd argument
        hint = f"; for the format, write draw_dot(root, format={rankdir!r})" if a_format else ""
        raise ValueError(f"draw_dot: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}{hint}")
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value to draw from, got {type(root).__name__}")
    if collapse and model is None:
        raise ValueError(
            "draw_dot: collapse=True draws each neuron of a model as one node; pass model=the nn model"
        )
    order = topological_order(root)
    spoken = resolve_notation(notation, network_or_none(order))

    def mark(op_name: str) -> str:  # the blog calls every activation g
        op = lookup(op_name)
        return "g" if spoken == "blog" and op.activation else op.mark

    ids = {v: f"v{i}" for i, v in enumerate(order)}
    marked = set(highlight)
    flowing = {(ids.get(p), ids.get(c)) for p, c in highlight_edges}
    grad_of = (lambda v: grads.get(v, 0.0)) if grads is not None else (lambda v: v.grad)
    layered = model is not None  # a network: one column per layer, records stacked to keep it narrow
    record_dir = "TB" if layered and rankdir in ("LR", "RL") else rankdir

    graph_attr = {"rankdir": rankdir}
    if layered:
        graph_attr.update(ranksep="0.2", nodesep="0.3", newrank="true")
    if title:
        graph_attr.update(label=label(esc(title)), labelloc="t")
    g = graphviz.Digraph(
        "computation",
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )

    neurons = _neurons(model, set(order)) if layered else []
    cluster_of: dict[Value, tuple[int, int]] = {}
    owner: dict[Value, str] = {}  # collapsed: each member drawn as its neuron's node
    own_params: dict[Value, set[Value]] = {}  # a neuron's z: its weights and bias
    for li, j, members, z, _out in neurons:
        own_params[z] = members - {z, _out}
        for m in members:
            cluster_of.setdefault(m, (li, j))
            if collapse:
                owner.setdefault(m, f"n{li}_{j}")
    clusters: dict[int, graphviz.Digraph] = {}

    def home(key: tuple[int, int] | None) -> graphviz.Digraph:
        # Each layer is its own column already (its inputs sit two ranks back); boxes around
        # layers and neurons would make Graphviz stack them in a staircase and shuffle the weights.
        if key is None or not collapse:
            return g
        layer_key = key[0]
        if layer_key not in clusters:
            clusters[layer_key] = graphviz.Digraph(
                f"cluster_layer{layer_key}", graph_attr={"label": f"layer {layer_key}", "style": "rounded"}
            )
        return clusters[layer_key]

    def node_id(v: Value) -> str:
        return owner.get(v, ids[v])

    edge_count = 0

    def edge(tail: str, head: str, **attrs: str) -> None:
        nonlocal edge_count
        if layered:  # named, so its label can be placed once the layout is known
            attrs["id"] = f"e{edge_count}"
            edge_count += 1
        g.edge(tail, head, **attrs)

    for li, j, _members, z, out in neurons if collapse else []:
        name = out.label or f"neuron {li},{j}"
        extra = f"δ{li}_{j} {fmt(grad_of(z), precision)}" if show_grad else ""  # δ^l_j = ∂C/∂z^l_j
        shadow = Value(out.data, label=name)
        home((li, j)).node(
            f"n{li}_{j}",
            label=_value_label(shadow, grad_of(out), show_grad, precision, extra, record_dir),
            shape="record",
            style="rounded",
        )
        inputs = [c for c in z.children if c not in _members]
        for c in inputs:
            edge(node_id(c), f"n{li}_{j}", minlen="2")

    for v in order:
        if v in owner:
            continue
        vid = ids[v]
        attrs = {"style": "filled", "fillcolor": HIGHLIGHT} if v in marked else {}
        home(cluster_of.get(v)).node(
            vid,
            label=_value_label(
                v, grad_of(v), show_grad, precision, rankdir=record_dir, name=(names or {}).get(v)
            ),
            shape="record",
            **attrs,
        )
        if not v.children:
            continue
        op_id = f"{vid}_op"
        params = own_params.get(v, set())
        home(cluster_of.get(v)).node(
            op_id,
            # a neuron's op shows its symbol's first word (Σ): r_j's record says the rest
            label=label(esc(mark(v.op).split(" ")[0] if params else mark(v.op))),
            shape="ellipse",
            width="0.3",
            height="0.3",
            margin="0.02",
            **({"ordering": "in"} if params else {}),
        )
        flow = (vid, None) in flowing or any((vid, ids[c]) in flowing for c in v.children)
        edge(op_id, vid, **({"color": FLOW, "penwidth": "2"} if flow else {}))
        edges = list(zip(v.children, v.local_grads))
        if params:  # a neuron: its weights and bias in index order (top to bottom), then its inputs
            edges.sort(key=lambda e: e[0] not in params)
        for c, local in edges:
            attrs = {}
            if show_local:
                attrs["xlabel" if layered else "label"] = label(fmt(local, precision))
            room = 3 if show_local and params else 0  # a gap after the weights, for their labels
            if params:  # the layer before sits in a column of its own, left of the weights
                attrs["minlen"] = str(1 + room + (c not in params))
            elif show_local and layered and len(v.children) > 1:
                attrs["minlen"] = "2"  # room for the labels of two edges meeting at a small circle
            if (vid, ids[c]) in flowing:
                attrs.update(color=FLOW, penwidth="2", fontcolor=FLOW)
            edge(node_id(c), op_id, **attrs)

    for key in sorted(clusters):
        g.subgraph(clusters[key])
    if layered and show_local and len(order) <= MAX_PLACED:
        pin_labels(g)  # each ∂out/∂child beside its own edge, clear of the others
    return Drawing(g, format=format)


def draw_network(
    model,
    show_grad: bool = True,
    precision: int = 3,
    rankdir: str = "LR",
    *,
    show_weights: bool | None = None,
    format: str = "svg",
) -> Drawing:
    r"""The network view of an ``nn`` model, as in the documents' figures.

    Inputs and neurons are circles by layer; each edge carries its weight's label and value
    (and ∂E/∂w after backward) beside it, clear of the other lines and labels; each neuron shows
    its output's name, its activation, its bias (and ∂E/∂b). ``show_weights``: write the weights
    on the edges (default: when there are at most ``MAX_WEIGHTS``; a 16×16 layer's 256 labels
    would hide one another, and the title then says so).

    Any model with ``neuron_layers()`` (``NeuronLayers``) draws; nn's MLP has it:

    >>> from tinygrad_like import Value
    >>> class OneNeuron:
    ...     def neuron_layers(self):
    ...         w = [Value(0.5, label="w_x1,1"), Value(-1.0, label="w_x2,1")]
    ...         return [[NeuronView(w, Value(0.1, label="b_1"), name="g(r_1)", activation="sigmoid")]]
    >>> src = draw_network(OneNeuron()).source
    >>> "w_x1,1" in src and "g(r_1)" in src and src.count("->") == 2
    True
    """
    layers = neuron_layers(model, "draw_network")
    g = graphviz.Digraph(
        "network",
        graph_attr={"rankdir": rankdir, "nodesep": "1.0", "ranksep": "1.6", "splines": "line"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "circle", "fixedsize": "false"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"},
    )
    weights = sum(len(n.weights) for layer in layers for n in layer)
    show_weights = weights <= MAX_WEIGHTS if show_weights is None else show_weights
    grads_known = show_grad and any(p.grad != 0.0 for n in chain(*layers) for p in (*n.weights, n.bias))
    nin = len(layers[0][0].weights)
    previous, edges = [], 0
    with g.subgraph(name="layer1") as s:
        s.attr(rank="same")
        for k in range(1, nin + 1):
            s.node(f"x{k}", label=label(f"x{k}".translate(SUBSCRIPTS)), style="filled", fillcolor="#e3f2fd")
            previous.append(f"x{k}")
    for li, layer in enumerate(layers, 2):
        current = []
        with g.subgraph(name=f"layer{li}") as s:
            s.attr(rank="same")
            for j, neuron in enumerate(layer, 1):
                nid = f"n{li}_{j}"
                lines = [
                    neuron.name or f"neuron {li},{j}",
                    neuron.activation,
                    f"{neuron.bias.label} = {fmt(neuron.bias.data, precision)}",
                ]
                if grads_known:
                    lines.append(f"∂E/∂b = {fmt(neuron.bias.grad, precision)}")
                s.node(nid, label=label(esc("\n".join(line for line in lines if line))))
                current.append(nid)
        for j, neuron in enumerate(layer):
            for k, w in enumerate(neuron.weights):
                text = f"{w.label} = {fmt(w.data, precision)}"
                if grads_known:
                    text += f"\n∂E/∂w = {fmt(w.grad, precision)}"
                written = {"xlabel": label(esc(text))} if show_weights else {}
                g.edge(previous[k], current[j], id=f"e{edges}", **written)
                edges += 1
        previous = current
    if show_weights:
        pin_labels(g, prefer=NETWORK_LABELS, over_head=False)  # each weight beside its edge, off the others
    else:
        g.attr(
            label=label(
                f"{weights} weights, not written (draw_network(model, show_weights=True) writes them)"
            )
        )
    return Drawing(g, format=format)
