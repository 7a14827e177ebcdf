r"""A computation graph read as a layered network: which node is w^l_jk, b^l_j, z^l_j, a^l_j.

A neuron is a ``weighted_sum`` node z = Σₖ wₖ·aₖ + b (``nn.Neuron`` builds one)
with its activation a = g(z), the one-operand node over it (a linear neuron has
none: a = z). Its inputs are either input leaves (then it is in layer 2, the
inputs being layer 1, as in Nielsen's notes) or the activations of one layer
before, all of them, in the same order for every neuron of the layer (then it
is fully connected and j, k are the positions in that order).

The same weights called on several inputs make several samples: each model
call is one sample. They are numbered 1…M in the order the graph reaches them,
which is the order of the cost's terms, and so the call order for
``loss([model(x) for x in X], T)``. Targets are the leaves ``t`` in a^L_j − t
(the blog's y − t, Nielsen's a^L_j − y_j).

Nothing here reads a label: the structure alone says what each node is, so the
documents' names can be given to any ``nn`` network, however it is labelled.

>>> from tinygrad_like import Value
>>> w = [Value(0.5), Value(-1.0)]; b = Value(0.1)
>>> a = [Value.weighted_sum(w, [Value(x1), Value(x2)], b).sigmoid() for x1, x2 in ((1, 0), (0, 1))]
>>> net = read_network(topological_order(Value.sum(a)))
>>> net.sizes, net.samples, [(u.layer, u.j) for u in net.units]
([2, 1], 2, [(2, 1)])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tinygrad_like.graph import topological_order
from tinygrad_like.ops import lookup
from tinygrad_like.value import Value

__all__ = ["Network", "NotLayered", "Unit", "read_network", "topological_order"]


class NotLayered(ValueError):
    """The graph is not a layered, fully-connected network; the message says where it is not."""


@dataclass
class Unit:
    """One neuron of the network (its parameters), with its z and a in every sample."""

    layer: int
    j: int
    weights: tuple[Value, ...]
    bias: Value | None
    activation: str  # the op name of g ("sigmoid", …) or "linear"
    z: dict[int, Value] = field(default_factory=dict)  # sample → z^l_j of that sample
    a: dict[int, Value] = field(default_factory=dict)  # sample → a^l_j (z itself when linear)


@dataclass
class Network:
    """What ``read_network`` found: units by layer, the samples and the role of every node."""

    units: list[Unit]
    sizes: list[int]  # neurons per layer, from layer 1 (the inputs) to layer L
    samples: int
    inputs: dict[int, tuple[Value, ...]]  # sample → (x_1, …, x_n)
    sample_of: dict[Value, int]  # every node that belongs to one sample only
    targets: dict[Value, tuple[int, int]]  # target leaf → (sample, j of the output)
    differences: dict[Value, tuple[int, int]]  # a^L_j − t node → (sample, j)
    role: dict[Value, tuple[str, int, int, int]]  # node → (kind, l, j, k): kind in w b z a x

    @property
    def L(self) -> int:
        """The number of layers, the input layer counted (Nielsen's L: a^L is the output)."""
        return len(self.sizes)

    def layer(self, l: int) -> list[Unit]:
        """The units of layer ``l`` (2 … L) in order j = 1, 2, …"""
        return sorted((u for u in self.units if u.layer == l), key=lambda u: u.j)

    def parameters(self) -> set[Value]:
        return {p for u in self.units for p in (*u.weights, u.bias) if p is not None}


def _activation_of(z: Value, parents: dict[Value, list[Value]]) -> Value:
    """z's activation node: its only parent when that is an activation (``ops.Op.activation``)."""
    ups = parents.get(z, [])
    if len(ups) == 1 and len(ups[0].children) == 1 and lookup(ups[0].op).activation:
        return ups[0]
    return z  # a linear neuron: z is its output


def _split(z: Value) -> tuple[Sequence[Value], Sequence[Value], Value | None]:
    """A neuron's z as its entry splits it: (weights, inputs, bias or None)."""
    split = lookup(z.op).split
    assert split is not None  # read_network takes only such nodes
    return split(z.children)


def _name(v: Value) -> str:
    return v.label or (f"a {v.op} node" if v.op else f"the leaf {v.data:g}")


def read_network(order: list[Value]) -> Network:
    """The layered network in a graph (``order`` children-first), or ``NotLayered`` saying why not."""
    parents: dict[Value, list[Value]] = defaultdict(list)
    for v in order:
        for c in v.children:
            parents[c].append(v)
    zs = [v for v in order if v.children and lookup(v.op).split is not None]
    if not zs:
        raise NotLayered(
            "no neuron in the graph: a layered network's neurons are weighted_sum nodes "
            "z = Σ w·a + b (nn.Neuron builds them; Value.weighted_sum makes one)"
        )
    output_of: dict[Value, Value] = {}  # a → its z
    unit_of: dict[Value, Unit] = {}  # z → its unit
    units: dict[tuple, Unit] = {}
    sample_key: dict[Value, tuple[Value, ...]] = {}  # z → its sample's input leaves
    for z in zs:
        ws, xs, bias = _split(z)
        sources = [output_of.get(x) for x in xs]
        if all(s is None for s in sources):
            computed = [x for x in xs if x.children]
            if computed:
                raise NotLayered(
                    f"{_name(z)} reads {_name(computed[0])}, which is computed but is no neuron's "
                    "output: a layered network's neurons read the inputs or the layer before"
                )
            layer, key = 2, tuple(xs)
        elif any(s is None for s in sources):
            raise NotLayered(f"{_name(z)} reads both inputs and neurons' outputs: not one layer's inputs")
        else:
            layers = {unit_of[s].layer for s in sources if s is not None}
            if len(layers) > 1:
                raise NotLayered(
                    f"{_name(z)} reads neurons of layers {sorted(layers)}: a connection skips a layer"
                )
            layer = layers.pop() + 1
            keys = {sample_key[s] for s in sources if s is not None}
            if len(keys) > 1:
                raise NotLayered(f"{_name(z)} mixes neurons of different samples (model calls)")
            key = keys.pop()
        params = (tuple(ws), bias)
        unit = units.get(params)
        if unit is None:
            unit = units[params] = Unit(layer, 0, tuple(ws), bias, "linear")
        elif unit.layer != layer:
            raise NotLayered(f"the neuron of {_name(z)} sits in layers {unit.layer} and {layer}")
        a = _activation_of(z, parents)
        unit.activation = a.op if a is not z else "linear"
        unit_of[z], output_of[a], sample_key[z] = unit, z, key

    # Samples, numbered in the order the graph reaches them.
    numbers: dict[tuple[Value, ...], int] = {}
    for z in zs:
        numbers.setdefault(sample_key[z], len(numbers) + 1)
    inputs = {s: key for key, s in numbers.items()}
    for z in zs:
        s = numbers[sample_key[z]]
        unit_of[z].z[s] = z
        unit_of[z].a[s] = _activation_of(z, parents)

    # j: a neuron's place among the next layer's inputs; in the last layer, the order reached.
    L = max(u.layer for u in units.values())
    sizes = [len(next(iter(inputs.values())))]
    for l in range(2, L + 1):
        layer_units = [u for u in units.values() if u.layer == l]
        readers = [z for z in zs if unit_of[z].layer == l + 1]
        if readers:
            first = readers[0]
            ordered = [unit_of[output_of[x]] for x in _split(first)[1]]
            for z in readers:
                if [unit_of[output_of[x]] for x in _split(z)[1]] != ordered:
                    raise NotLayered(
                        f"{_name(z)} does not read every neuron of layer {l} in the same order as "
                        f"{_name(first)}: the layer is not fully connected"
                    )
            if len(ordered) != len(layer_units) or len(set(map(id, ordered))) != len(ordered):
                raise NotLayered(f"layer {l + 1} does not read each neuron of layer {l} exactly once")
        else:
            ordered = layer_units  # units was filled in the order the graph reaches them
        for j, u in enumerate(ordered, 1):
            u.j = j
        sizes.append(len(ordered))
    for z in zs:
        if unit_of[z].layer == 2 and len(z.children) // 2 != sizes[0]:
            raise NotLayered(f"{_name(z)} reads {len(z.children) // 2} inputs, another neuron {sizes[0]}")

    role: dict[Value, tuple[str, int, int, int]] = {}
    for u in units.values():
        for k, w in enumerate(u.weights, 1):
            role[w] = ("w", u.layer, u.j, k)
        if u.bias is not None:
            role[u.bias] = ("b", u.layer, u.j, 0)
        for s in u.z:
            role[u.z[s]] = ("z", u.layer, u.j, 0)
            if u.a[s] is not u.z[s]:
                role[u.a[s]] = ("a", u.layer, u.j, 0)
    for xs in inputs.values():
        for k, x in enumerate(xs, 1):
            role.setdefault(x, ("x", 1, k, 0))

    shared = {p for u in units.values() for p in (*u.weights, u.bias) if p is not None}
    targets: dict[Value, tuple[int, int]] = {}
    differences: dict[Value, tuple[int, int]] = {}
    for u in units.values():
        if u.layer != L:
            continue
        for s, a in u.a.items():
            for p in parents.get(a, []):
                if p.op == "-" and p.children[0] is a:
                    t = p.children[1]
                    if not t.children and t not in shared and len(parents[t]) == 1:
                        targets[t] = (s, u.j)
                        differences[p] = (s, u.j)

    # Which sample each node belongs to: a node whose operands (other than shared leaves) are all of one.
    sample_of: dict[Value, int] = {}
    for s, xs in inputs.items():
        for x in xs:
            sample_of[x] = s
    for t, (s, _j) in targets.items():
        sample_of[t] = s
    for v in order:
        if v.children:
            found = {sample_of[c] for c in v.children if c in sample_of}
            if len(found) == 1:
                sample_of[v] = found.pop()
    return Network(
        sorted(units.values(), key=lambda u: (u.layer, u.j)),
        sizes,
        len(inputs),
        inputs,
        sample_of,
        targets,
        differences,
        role,
    )


def network_or_none(order: list[Value]) -> Network | None:
    """``read_network``, or None for a graph that is not a layered network."""
    try:
        return read_network(order)
    except NotLayered:
        return None
