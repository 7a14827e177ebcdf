r"""The batch program: the same traced graph with each layer of neurons written as matrices.

On a batch every node's value is a vector over the samples, and a program with one numpy call
per node spends its time calling numpy. Neurons that read the same inputs form a layer; this
writer turns each such group of ``weighted_sum`` nodes (with their activation) into Nielsen's
matrix form, one statement per layer:

    Z3 = W3 @ A2 + B3            z^l = w^l a^(l−1) + b^l
    A3, (L3,) = sigmoid(Z3)      a^l = σ(z^l), and σ′(z^l)
    d_Z3 = d_A3 * L3             δ^l = ∂C/∂a^l ∘ σ′(z^l)               (BP1 / BP2)
    d_W3 = d_Z3 @ A2.T           ∂C/∂w^l_jk = a^(l−1)_k δ^l_j, summed over the batch   (BP4)
    d_B3 = total_rows(d_Z3)      ∂C/∂b^l_j = δ^l_j                    (BP3)
    d_A2 = W3.T @ d_Z3           (w^(l+1))ᵀ δ^(l+1)                     (BP2)

A layer is a group of nodes whose entry has ``split`` (a neuron's z: weights, inputs, bias),
and its activation any one-operand entry marked ``activation``, called through the entry's
``on_arrays`` as every node is. Everything else (the loss, a branch, an odd node) keeps its
per-node statement. The gradients equal the per-node program's up to the order of
floating-point additions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tinygrad_like.lanes import Block, backward_lines, find_lanes, forward_lines
from tinygrad_like.ops import lookup
from tinygrad_like.plan import Plan, check_lines, edge_lines, forward_line, seed_lines
from tinygrad_like.value import Value


@dataclass
class Group:
    """Neurons reading the same inputs: their z nodes, the inputs, and what follows them."""

    tag: str
    members: list[Value]
    inputs: tuple[Value, ...]
    bias: bool
    activation: str | None = None  # the activation's function in the program (ops.Op.ident)
    outputs: list[Value] = field(default_factory=list)
    source: Group | None = None  # the group whose outputs, in order, are these inputs
    consumers: list[Group] = field(default_factory=list)
    held: set[int] = field(default_factory=set)  # ids of the parameters the members hold


def _split(v: Value) -> tuple[list[Value], list[Value], Value | None] | None:
    """A neuron's z as (weights, inputs, bias), or None for a node of another op."""
    split = lookup(v.op).split if v.children else None
    return split(v.children) if split is not None else None


def find_groups(plan: Plan) -> list[Group]:
    """Layers: neurons' z nodes over the same varying inputs, with parameter weights and biases."""
    by_inputs: dict[tuple, Group] = {}
    for v in plan.order:
        parts = _split(v)
        if parts is None or not parts[0]:
            continue
        weights, inputs, b = parts
        bias = b is not None
        if not all(plan.is_param(w) for w in weights) or (b is not None and not plan.is_param(b)):
            continue
        if not all(x in plan.varying for x in inputs):
            continue
        # A matrix row holds each parameter once: a weight that is also the bias, or a parameter
        # another neuron of the layer already holds, would lose one of its gradient's terms.
        own = {id(p) for p in weights} | ({id(b)} if b is not None else set())
        if len(own) != len(weights) + bias:
            continue
        key = (tuple(map(id, inputs)), bias)
        if key not in by_inputs:
            by_inputs[key] = Group("", [], tuple(inputs), bias)
        held = by_inputs[key].held
        if own & held:
            continue
        held |= own
        by_inputs[key].members.append(v)
    groups = list(by_inputs.values())

    parents: dict[Value, list[Value]] = {}
    for v in plan.order:
        for c in v.children:
            parents.setdefault(c, []).append(v)
    # Tags: Nielsen's layer numbers where every group's members are labelled z{l}_{j}, else 1, 2, 3, …
    layer_of = [{re.sub(r"^z(\d+)_\d+$", r"\1", m.label or "") for m in g.members} for g in groups]
    tags = [next(iter(t)) for t in layer_of if len(t) == 1]
    nielsen = len(tags) == len(groups) and all(t.isdigit() for t in tags) and len(set(tags)) == len(tags)
    for k, g in enumerate(groups, 1):
        g.tag = tags[k - 1] if nielsen else str(k)
        after = [parents.get(m, []) for m in g.members]
        ops = {lookup(p[0].op) for p in after if len(p) == 1}
        activation = next(iter(ops)) if len(ops) == 1 else None
        if all(len(p) == 1 for p in after) and activation and activation.activation and not activation.code:
            g.activation = activation.ident
            g.outputs = [p[0] for p in after]
        else:
            g.outputs = list(g.members)
    for g in groups:
        for h in groups:
            if h is not g and tuple(map(id, h.outputs)) == tuple(map(id, g.inputs)):
                g.source = h
                h.consumers.append(g)
    return groups


def write_batch_program(plan: Plan) -> tuple[str, dict]:
    """The batch program's source and the index arrays it reads the parameters with.

    Its functions take the batch as one matrix, ``inputs``, one row per program input (in
    ``plan.slots`` order) and one column per sample, so a layer reading the program's inputs
    reads rows of it as they are.
    """
    import numpy as np

    groups = find_groups(plan)
    names = plan.names
    member_of = {m: g for g in groups for m in g.members}
    output_of = {o: (g, j) for g in groups for j, o in enumerate(g.outputs)}
    fused = set(member_of) | {o for g in groups if g.activation for o in g.outputs}
    constants: dict = _helpers()
    slots = list(plan.slots.values())
    row_of_slot = {v: i for i, v in enumerate(slots)}

    # What the layers leave node by node, done lane by lane where it is the same for every lane.
    sources = [Block(f"A{g.tag}", list(g.outputs)) for g in groups]
    lanes = find_lanes(plan, [*sources, Block("inputs", slots)], set(member_of))
    fused |= lanes.fused
    computed = [b for b in lanes.blocks if b.op is not None]
    position = {v: i for i, v in enumerate(plan.order)}
    block_at = {min(position[v] for v in b.lanes): b for b in computed}

    # Outputs that are a layer's, in order (a network's outputs): returned as its matrix, a row each.
    as_matrix = next((g for g in groups if len(g.outputs) > 1 and g.outputs == plan.outputs), None)
    # Scalars the per-node statements still read: the operands of unfused nodes, outputs, checks.
    used = {c for v in plan.order if v.children and v not in fused for c in v.children}
    used |= {plan.root, *(plan.outputs if as_matrix is None else ()), *(d[0] for d in plan.decisions)}
    used |= {d[2] for d in plan.decisions if isinstance(d[2], Value)}
    scalar_params = [p for p in plan.params if p in used]

    def matrix_in(g: Group) -> str:
        return f"A{g.source.tag}" if g.source else f"X{g.tag}"

    def rows_of_inputs(g: Group) -> str | None:
        """``inputs[a:b]`` when the layer reads a run of the program's inputs in order."""
        at = [row_of_slot.get(x, -1) for x in g.inputs]
        if at[0] < 0 or at != list(range(at[0], at[0] + len(at))):
            return None
        return "inputs" if len(at) == len(slots) else f"inputs[{at[0]}:{at[-1] + 1}]"

    stacked = {x for g in groups if g.source is None and rows_of_inputs(g) is None for x in g.inputs}
    forward: list[str | tuple[str, str]] = []  # a pair: (without, with the local derivatives)
    for i, v in enumerate(slots):
        if v in used or v in stacked:
            forward.append(f"    {names[v]} = inputs[{i}]")
    emitted = set()
    views: dict[str, str] = {}  # a layer's tag → its gradients' place in grads, when it is a view
    spans: dict[str, tuple[int, int]] = {}  # … and the parameters' positions it covers
    for p in scalar_params:
        forward.append(f"    {names[p]} = params[{plan.param_index[p]}]")
    for i, v in enumerate(plan.order):
        if i in block_at:
            forward += forward_lines(block_at[i], plan, used)
        if not v.children:
            continue
        if v in lanes.reductions:
            forward.append(f"    {names[v]} = total_lanes({lanes.reductions[v].name})")
            continue
        g = member_of.get(v)
        if g is None:
            if v not in fused:
                forward.append((forward_line(plan, v, locals_=False), forward_line(plan, v, locals_=True)))
            continue
        if g.tag in emitted:
            continue
        emitted.add(g.tag)
        m, k = len(g.members), len(g.inputs)
        at = np.array([[plan.param_index[w] for w in _weights(z)] for z in g.members], dtype=np.intp)
        if g.bias:
            at = np.concatenate([at, [[plan.param_index[_bias(z_)]] for z_ in g.members]], axis=1)
        # identifiers, not labels: a label may hold a newline, and this comment is code
        labels = ", ".join(names[z] for z in g.members[:3]) + (", …" if m > 3 else "")
        forward.append(f"    # layer {g.tag}: {m} neuron{'s' if m > 1 else ''} ({labels}) reading {k} inputs")
        if g.source is None:
            rows = rows_of_inputs(g) or f"stack(({', '.join(names[x] for x in g.inputs)},))"
            forward.append(f"    X{g.tag} = {rows}")
        first = int(at[0, 0])
        if np.array_equal(at, first + np.arange(at.size).reshape(at.shape)):
            # stored as the layer's rows (w₁ … w_k, b for each neuron, as nn's parameters() has
            # them): the matrices are views of params, and so are the gradients' places
            stop = first + at.size
            views[g.tag] = f"grads[{first}:{stop}].reshape({m}, {at.shape[1]})"
            spans[g.tag] = (first, stop)
            forward.append(f"    P{g.tag} = params[{first}:{stop}].reshape({m}, {at.shape[1]})")
            forward.append(f"    W{g.tag} = P{g.tag}[:, :{k}]")
            if g.bias:
                forward.append(f"    B{g.tag} = P{g.tag}[:, {k}:]")
            bias = f"B{g.tag}"
        else:
            constants[f"W{g.tag}_at"] = at[:, :k]
            forward.append(f"    W{g.tag} = params[W{g.tag}_at]")
            bias = f"params[B{g.tag}_at]"
            if g.bias:
                constants[f"B{g.tag}_at"] = at[:, k:]
        z = f"Z{g.tag} = W{g.tag} @ {matrix_in(g)}"
        if g.bias:  # a column: added to every sample's column of W @ A
            z += f" + {bias}"
        forward.append(f"    {z}")
        out = f"A{g.tag}"
        if g.activation:
            call = f"{g.activation}(Z{g.tag})"
            forward.append((f"    {out}, _ = {call}", f"    {out}, (L{g.tag},) = {call}"))
        else:
            forward.append(f"    {out} = Z{g.tag}")
        for j, (member, output) in enumerate(zip(g.members, g.outputs)):
            if member in used:
                forward.append(f"    {names[member]} = Z{g.tag}[{j}]")
            if output in used and output is not member:
                forward.append(f"    {names[output]} = {out}[{j}]")
    forward += check_lines(plan)

    # Backward: per-node statements outside the layers; one block per layer (and per lane block),
    # reached once every node that reads its outputs has passed its gradient back.
    # the seed ∂/∂root is the caller's: 1.0 for the sum over the samples, 1/n for their mean
    backward = [line.replace(" = 1.0", " = seed", 1) for line in seed_lines(plan)]
    assigned: set[Value] = {plan.root} if backward else set()
    d_varying: set[Value] = set()
    into: dict[str, list[str]] = {}  # a matrix's name (A3, V1) → the gradients passed to it
    first_output = {g.tag: min(position[o] for o in g.outputs) for g in groups}
    for i in range(len(plan.order) - 1, -1, -1):
        v = plan.order[i]
        g_out = output_of.get(v)
        if (
            g_out is not None
            and position[v] == first_output[g_out[0].tag]
            and g_out[0].members[0] in plan.needed
        ):
            backward += _layer_backward(g_out[0], plan, assigned, into, matrix_in)
            d_varying.update(x for x in g_out[0].inputs if x in assigned)  # rows of d_X: one per sample
        if i in block_at:
            backward += backward_lines(block_at[i], plan, assigned, into)
        if v in lanes.reductions and v in assigned:  # Σ over the lanes: each row gets d_Σ
            block = lanes.reductions[v].name
            into.setdefault(block, []).append(f"spread(d_{names[v]}, {block})")
            continue
        if v in fused or v not in plan.needed or not v.children or v not in assigned:
            continue
        backward += edge_lines(plan, v, assigned, d_varying)

    joined = _joined_grads(groups, spans, plan, assigned)
    grads = joined or ["    grads = zeros(n_params)"]
    for g in [] if joined else groups:  # each layer's gradients written into its place
        if g.members[0] not in plan.needed:
            continue
        if g.tag in views:
            k = len(g.inputs)
            grads.append(f"    G{g.tag} = {views[g.tag]}")
            grads.append(f"    G{g.tag}[:, :{k}] = d_W{g.tag}")
            if g.bias:
                grads.append(f"    G{g.tag}[:, {k}:] = d_B{g.tag}")
        else:
            grads.append(f"    grads[W{g.tag}_at] = d_W{g.tag}")
            if g.bias:
                grads.append(f"    grads[B{g.tag}_at] = d_B{g.tag}")
    for p in plan.params:
        if p in assigned:
            grads.append(f"    grads[{plan.param_index[p]}] = grads[{plan.param_index[p]}] + d_{names[p]}")

    root = names[plan.root]
    if as_matrix is not None:
        out_tuple = f"A{as_matrix.tag}"
    else:
        comma = "," if len(plan.outputs) == 1 else ""
        out_tuple = "(" + ", ".join(names[o] for o in plan.outputs) + comma + ")"
    lines = [
        "def forward(inputs, params):",
        f'    """{root} (and the outputs) for every sample of a batch, a layer at a time."""',
        *[line if isinstance(line, str) else line[0] for line in forward],
        f"    return {root}, {out_tuple}",
        "",
        "",
        "def forward_backward(inputs, params, n_samples, seed=1.0):",
        f'    """{root} and ∂{root}/∂(each parameter), summed over the batch: BP1–BP4 in matrix form."""',
        *[line if isinstance(line, str) else line[1] for line in forward],
        "    # backward",
        *backward,
        *grads,
        f"    return {root}, grads, {out_tuple}",
    ]
    constants["n_params"] = len(plan.params)
    return "\n".join(lines) + "\n", constants


def _joined_grads(groups: list[Group], spans: dict, plan: Plan, assigned: set) -> list[str]:
    """``grads`` as the layers' gradients side by side, when the layers' parameters are all of
    them, each layer's rows (w₁ … w_k, b per neuron) one after the other: one statement, no
    array of zeros to fill. Otherwise []."""
    needed = [g for g in groups if g.members[0] in plan.needed]
    if not groups or len(needed) != len(groups) or any(g.tag not in spans for g in groups):
        return []
    if any(p in assigned for p in plan.params):  # a parameter also read outside its layer
        return []
    layers = sorted(groups, key=lambda g: spans[g.tag][0])
    at = 0
    for g in layers:
        first, stop = spans[g.tag]
        if first != at:
            return []
        at = stop
    if at != len(plan.params):
        return []
    parts = [
        f"concatenate((d_W{g.tag}, d_B{g.tag}), 1).ravel()" if g.bias else f"d_W{g.tag}.ravel()"
        for g in layers
    ]
    return [f"    grads = concatenate(({', '.join(parts)},))"]


def _helpers() -> dict:
    """The batch program's own functions, besides the table's and the compiler's."""
    import numpy as np

    add_reduce, empty = np.add.reduce, np.empty

    def spread(d, block):  # a lane block's gradient, as a matrix (a Σ passes one row to every lane)
        if getattr(d, "shape", None) == block.shape:
            return d
        out = empty(block.shape)
        out[...] = d
        return out

    return {
        "concatenate": np.concatenate,
        "spread": spread,
        "total_lanes": lambda block: add_reduce(block, 0),  # Σ over the lanes, one number per sample
        "total_rows": lambda m: add_reduce(m, axis=1, keepdims=True),  # Σ over the samples, as a column
    }


def _layer_backward(
    g: Group, plan: Plan, assigned: set, into: dict, matrix_in: Callable[[Group], str]
) -> list[str]:
    names, tag = plan.names, g.tag
    rows = [f"d_{names[o]}" if o in assigned else "0.0" for o in g.outputs]
    parts = list(into.get(f"A{tag}", []))
    if any(r != "0.0" for r in rows):
        parts.append(f"stack(({', '.join(rows)},), n_samples)")
    if not parts:
        return []
    lines = [f"    # layer {tag}, backward: δ, then BP4, BP3 and the error passed down (BP2)"]
    lines.append(f"    d_A{tag} = {' + '.join(parts)}")
    if g.activation:
        lines.append(f"    d_Z{tag} = d_A{tag} * L{tag}")
    else:
        lines.append(f"    d_Z{tag} = d_A{tag}")
    lines.append(f"    d_W{tag} = d_Z{tag} @ {matrix_in(g)}.T")
    if g.bias:
        lines.append(f"    d_B{tag} = total_rows(d_Z{tag})")
    if any(x in plan.needed for x in g.inputs):
        # one neuron: (w)ᵀ δ is an outer product, each entry one multiplication (the same numbers as @)
        product = "*" if len(g.members) == 1 else "@"
        lines.append(f"    d_X{tag} = W{tag}.T {product} d_Z{tag}")
        if g.source is not None:
            into.setdefault(f"A{g.source.tag}", []).append(f"d_X{tag}")
        else:
            for i, x in enumerate(g.inputs):
                if x in plan.needed:
                    grad = f"d_{names[x]} + d_X{tag}[{i}]" if x in assigned else f"d_X{tag}[{i}]"
                    lines.append(f"    d_{names[x]} = {grad}")  # a new array: d_X's rows are views
                    assigned.add(x)
    return lines


def _weights(z: Value) -> list[Value]:
    parts = _split(z)
    assert parts is not None  # a layer's member is a neuron's z
    return parts[0]


def _bias(z: Value) -> Value:
    parts = _split(z)
    assert parts is not None and parts[2] is not None  # a layer with biases
    return parts[2]
