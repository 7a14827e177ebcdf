r"""Nielsen's "demon": nudge one node by Δz and watch the cost move by about δ·Δz.

Changing a neuron's weighted input z^l_j by a little Δz^l_j changes the cost by

    ΔC ≈ ∂C/∂z^l_j · Δz^l_j = δ^l_j · Δz^l_j

``nudge(cost, node, dz)`` does it on a built graph: it adds ``dz`` to the node's
value, re-evaluates every node downstream from the operations stored on them
(no model is called, nothing upstream changes), reads the new cost and puts the
graph back as it was. ``.dC`` is the actual change, ``.predicted`` is δ·dz with
δ = ∂cost/∂node taken from the graph's local derivatives (no ``grad`` is touched).

>>> from tinygrad_like import Value
>>> x = Value(0.5, label="x"); w = Value(2.0, label="w")
>>> z = x * w; z.label = "z"
>>> C = (z.sigmoid() - 1.0) ** 2; C.label = "C"
>>> n = nudge(C, z, 1e-6)
>>> abs(n.dC / n.predicted - 1) < 1e-5, z.data, C.data == (z.sigmoid().data - 1.0) ** 2
(True, 1.0, True)

It prints both, naming the derivative as the notation does: Nielsen's δ^l_j for a
neuron's z^l_j, else ∂C/∂node (in the blog's notation ∂E/∂r_3, since its δ is y − t):

>>> print(nudge(C, z, 0.5))  # 2(σ(1) − 1)·σ′(1) = −0.105754; (σ(1.5) − 1)² − (σ(1) − 1)² = −0.03905
nudge z by Δz = 0.5: ΔC = -0.0390504 (re-evaluated), ∂C/∂z·Δz = -0.105754 × 0.5 = -0.0528771 (first order)
"""

from __future__ import annotations

from dataclasses import dataclass

from tinygrad_like.graph import topological_order
from tinygrad_like.layered import network_or_none
from tinygrad_like.notation import indexed, named, operand, with_sample
from tinygrad_like.ops import lookup
from tinygrad_like.value import Value, _is_real, as_float


@dataclass(frozen=True)
class Nudge:
    """The outcome of ``nudge``: the actual change ``dC`` and the first-order ``predicted`` = δ·dz."""

    node: str
    dz: float
    delta: float
    dC: float
    predicted: float
    cost: str = "C"  # the cost's name (E in the blog's notation)
    slope: str = ""  # the derivative's name: δ²₁ for Nielsen's z²₁, else ∂C/∂node

    def __str__(self) -> str:
        node, cost = operand(self.node), operand(self.cost)
        slope = self.slope or f"∂{cost}/∂{node}"
        return (
            f"nudge {self.node} by Δ{node} = {self.dz:.3g}: Δ{cost} = {self.dC:.6g} (re-evaluated), "
            f"{slope}·Δ{node} = {self.delta:.6g} × {self.dz:.3g} = {self.predicted:.6g} (first order)"
        )


def nudge(cost: Value, node: Value, dz: float) -> Nudge:
    r"""Add ``dz`` to ``node``, re-evaluate the graph downstream, return ΔC beside δ·dz; restore the graph.

    ΔC = C(z + Δz) − C(z) ≈ δ·Δz, δ = ∂C/∂z: the ratio ΔC/Δz tends to δ as Δz shrinks.
    ``node`` must be in ``cost``'s graph; ``dz`` a finite number.
    """
    if not isinstance(cost, Value) or not isinstance(node, Value):
        raise TypeError("nudge(cost, node, dz) needs the cost and a node of its graph, both Values")
    if not _is_real(dz):  # "a", None, 1j: float() would not name dz
        raise TypeError(f"nudge: dz must be a number, got {type(dz).__name__}: {dz!r}")
    dz = as_float(dz, "nudge(dz)")  # 10**400: too large, named
    if dz != dz or dz in (float("inf"), float("-inf")):
        raise ValueError(f"nudge: dz must be a finite number, got {dz!r}")
    order = topological_order(cost)
    if node not in set(order):
        name = node.label or f"Value(data={node.data:g})"
        root = cost.label or "the cost"
        raise ValueError(f"nudge: {name} is not in the graph of {root}; nudge a node it uses")
    start = order.index(node)
    # δ = ∂cost/∂node from the stored local derivatives, without touching any grad
    delta = {cost: 1.0}
    for v in reversed(order[start:]):
        d = delta.get(v)
        if d:
            for c, local in zip(v.children, v.local_grads):
                delta[c] = delta.get(c, 0.0) + local * d
    downstream = {node}
    saved = {node: (node.data, node.local_grads)}
    before = cost.data
    try:
        node.data += dz
        for v in order[start + 1 :]:
            if any(c in downstream for c in v.children):
                saved[v] = (v.data, v.local_grads)
                v.data, v.local_grads = lookup(v.op).forward(*(c.data for c in v.children))
                downstream.add(v)
        after = cost.data
    finally:
        for v, (data, local_grads) in saved.items():
            v.data, v.local_grads = data, local_grads
    d = delta.get(node, 0.0)
    names, spoken = named(order)  # as derive and explain call them: z³₁ in Nielsen's notation
    cost_name = names[cost] if cost.label or spoken else "C"
    return Nudge(names[node], dz, d, after - before, d * dz, cost_name, _slope(order, node, spoken))


def _slope(order: list[Value], node: Value, spoken: str) -> str:
    """Nielsen's δ^l_j where the node is a neuron's z^l_j in his notation; else "" (written ∂C/∂node).

    The blog's δ is y − t and its δ_j is ∂E/∂g(r_j), neither of them ∂E/∂r_j: no δ there.
    """
    if spoken != "nielsen":
        return ""
    network = network_or_none(order)
    role = network.role.get(node) if network is not None else None
    if network is None or role is None or role[0] != "z":
        return ""
    _kind, l, j, _k = role
    name = indexed("δ", str(l), str(j))
    return with_sample(name, network.sample_of[node]) if network.samples > 1 else name
