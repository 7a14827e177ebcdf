r"""The neuron-level page's frames in Nielsen's notation: BP1, BP2, then BP3 and BP4 with the numbers.

The same pass as the blog's frames (``network_page``), in the same backward order, written as
Nielsen's notes write it, δ^l_j = ∂C/∂z^l_j being ``z.grad``:

    BP1  δ^L_j = ∂C/∂a^L_j · σ′(z^L_j)                    (the output layer)
    BP2  δ^l_j = Σ_k w^{l+1}_kj δ^{l+1}_k · σ′(z^l_j)      (each hidden layer)
    BP3  ∂C/∂b^l_j = δ^l_j
    BP4  ∂C/∂w^l_jk = a^{l−1}_k δ^l_j                     (a^1 being the input x)

Names are the library's Nielsen names (``notation.node_names``): w3_1,2, z³₁, a²₁, x₁, y₁, C,
and δ³₁ for δ^3_1 (Unicode indices where each character has one, else the plain form).

``explain(cost).frames(model=net, level="neuron")`` of a plain ``nn.MLP`` shows them (its default
notation is Nielsen's; ``notation="nielsen"`` asks for it on any network).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tinygrad_like.notation import number
from tinygrad_like.ops import lookup
from tinygrad_like.page import factor as page_factor

if TYPE_CHECKING:
    from tinygrad_like.value import Value


def delta_name(z_name: str) -> str:
    """Nielsen's δ^l_j = ∂C/∂z^l_j, named after its z^l_j.

    >>> delta_name("z³₁"), delta_name("z12_1")
    ('δ³₁', 'δ12_1')
    """
    return "δ" + z_name[1:] if z_name.startswith("z") else f"δ({z_name})"


def nielsen_steps(
    layers: list[list[Any]],
    grads: dict[Value, float],
    names: dict[Value, str],
    root: str,
    inputs_of: dict[str, list[tuple[str, Value]]],
    number_of: dict[Any, int],
    answer: Callable[..., dict],
) -> list[dict]:
    """The neuron-level frames (``network_page.neuron_parts``'s steps) in Nielsen's notation."""
    e = html.escape
    neurons = [n for layer in layers for n in layer]
    output = layers[-1]

    def name(v: Value) -> str:
        return names.get(v, v.label)

    def a_of(n) -> Value:
        return n.a if n.a is not None and n.a in grads else n.z

    def linear(n) -> bool:
        return a_of(n) is n.z

    def sigma_prime(n) -> float:  # σ′(z^l_j): the activation's stored local derivative
        return 1.0 if linear(n) else a_of(n).local_grads[0]

    def prime_name(n) -> str:  # σ′(z²₁), as the op table writes the activation's derivative
        return lookup(a_of(n).op).derivative_name([name(n.z)])

    def delta(n) -> float:  # δ^l_j = ∂C/∂z^l_j, what backward() leaves in z.grad
        return grads[n.z]

    def d(n) -> str:
        return delta_name(name(n.z))

    def factor(x: float, spec: str = ".4g") -> str:
        return page_factor(x, spec)

    def nid(n) -> str:
        return f"f{number_of[n]}"

    def forward(n) -> str:
        return f"{name(n.z)} = {number(n.z.data, '.6g')}, {name(a_of(n))} = {number(a_of(n).data, '.6g')}"

    def target(n) -> str:  # y_j of C = ½‖y − a^L‖², where the cost subtracts a leaf from a^L_j
        found = [
            v.children[1]
            for v in grads
            if v.op == "-" and v.children[0] is a_of(n) and not v.children[1].children
        ]
        return f", {name(found[0])} = {number(found[0].data, '.6g')}" if found else ""

    def dc_da(n) -> str:
        return f"∂{root}/∂{name(a_of(n))}"

    steps: list[dict] = []
    gradient = ", ".join(f"{e(dc_da(n))} = <b>{number(grads[a_of(n)])}</b>" for n in output)
    steps.append(
        {
            "active": ["loss"],
            "target": ["loss"],
            "source": [],
            "edges": [],
            # ∂C/∂a^L_j under each output neuron (its BP1 frame writes δ^L_j there), ∇ₐC under the cost
            "set": [
                ["loss-delta", f"∇ₐ{root}"],
                *([f"{nid(n)}-delta", f"{dc_da(n)} = {number(grads[a_of(n)], '.4g')}"] for n in output),
            ],
            "title": f"∇ₐ{e(root)}, the cost's gradient at the output",
            "equation": f"<p class='rule'>{gradient}</p>"
            f"<p class='muted'>for the quadratic cost {e(root)} = ½‖y − a^L‖² this is a^L_j − y_j: "
            f"Nielsen's ∇ₐ{e(root)} = (a^L − y).</p>",
            "answer": [
                answer(
                    dc_da(n),
                    grads[a_of(n)],
                    "∂C/∂a^L_j; for the quadratic cost C = ½‖y − a^L‖² it is a^L_j − y_j",
                    f"{name(a_of(n))} = {number(a_of(n).data)} and the sample's target",
                    f"{name(a_of(n))} = {number(a_of(n).data, '.6g')}{target(n)}",
                )
                for n in output
            ],
        }
    )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            slips: list[tuple[float, str]] = []
            bias = name(n.bias) if n.bias is not None else f"b of {name(n.z)}"
            sp = "" if linear(n) else f"·{prime_name(n)}"
            sp_number = "" if linear(n) else f"·{factor(sigma_prime(n))}"
            if n in output:
                bp, rule = "BP1", f"{d(n)} = {dc_da(n)}{sp}"
                numbers = f"{factor(grads[a_of(n)])}{sp_number}"
                given = f"{forward(n)}, {dc_da(n)} = {number(grads[a_of(n)], '.6g')}"
                source, edges, title = ["loss"], [f"e-{nid(n)}-loss"], f"{d(n)} at the output layer"
                if not linear(n):
                    slips = [(grads[a_of(n)], f"{dc_da(n)} without {prime_name(n)}")]
            else:
                k = layers[li].index(n)
                terms = [(m, m.weights[k]) for m in layers[li + 1]]
                total = " + ".join(f"{name(w)}·{d(m)}" for m, w in terms)
                total_numbers = " + ".join(f"{factor(w.data)}·{factor(delta(m))}" for m, w in terms)
                several = len(terms) > 1 and sp
                bp = "BP2"
                rule = f"{d(n)} = " + (f"({total}){sp}" if several else f"{total}{sp}")
                numbers = f"({total_numbers}){sp_number}" if several else f"{total_numbers}{sp_number}"
                given = f"{forward(n)}; " + "; ".join(
                    f"{name(w)} = {number(w.data, '.6g')}, {d(m)} = {number(delta(m), '.6g')}"
                    for m, w in terms
                )
                source, edges = [nid(m) for m, _ in terms], [f"w-{nid(n)}-{nid(m)}" for m, _ in terms]
                title = f"{d(n)}, from layer {li + 3}"
                if len(terms) > 1:  # a^l_j feeds several neurons: its δ adds up what comes back from each
                    slips = [
                        (w.data * delta(m) * sigma_prime(n), "forgotten accumulation at a reused node")
                        for m, w in terms
                    ]
                if sp:
                    slips.append((grads[a_of(n)], f"∂{root}/∂{name(a_of(n))} without {prime_name(n)}"))
            steps.append(
                {
                    "active": [nid(n)],
                    "target": [nid(n)],
                    "source": source,
                    "edges": edges,
                    "set": [[f"{nid(n)}-delta", f"{d(n)} = {number(delta(n), '.4g')}"]],
                    "title": e(title),
                    "equation": f"<p class='rule'>{bp}: {e(rule)}</p><p>= {e(numbers)} = "
                    f"<b>{number(delta(n))}</b> = ∂{e(root)}/∂{e(bias)} (BP3)</p>"
                    f"<p class='muted'>Nielsen's {d(n)} = ∂{e(root)}/∂{e(name(n.z))} (z.grad); "
                    f"the blog's δ_j is ∂{e(root)}/∂{e(name(a_of(n)))} = {number(grads[a_of(n)])}.</p>",
                    "answer": [answer(d(n), delta(n), rule, numbers, given, slips)],
                }
            )
    for li in range(len(layers) - 1, -1, -1):
        for n in layers[li]:
            for src, w in inputs_of[nid(n)]:
                if src.startswith("x"):
                    leaf = next(v for v in grads if v.label == src and not v.children)
                    a_value, a_name = leaf.data, name(leaf)
                else:
                    before = a_of(neurons[int(src[1:]) - 1])
                    a_value, a_name = before.data, name(before)
                rule = f"∂{root}/∂{name(w)} = {a_name}·{d(n)}"
                steps.append(
                    {
                        "active": [nid(n)],
                        "target": [f"w-{src}-{nid(n)}-label"],
                        "source": [src],
                        "edges": [f"w-{src}-{nid(n)}"],
                        "set": [[f"w-{src}-{nid(n)}-grad", f"∂{root}/∂w = {number(grads[w], '.3g')}"]],
                        "title": f"the gradient of {e(name(w))}",
                        "equation": f"<p class='rule'>BP4: {e(rule)}</p><p>= {factor(a_value)}·"
                        f"{factor(delta(n))} = <b>{number(a_value * delta(n))}</b></p>"
                        f"<p class='muted'>BP4 is ∂C/∂w^l_jk = a^{{l−1}}_k·δ^l_j, the input x being a¹; "
                        f"backward() gives {number(grads[w])}.</p>",
                        "answer": [
                            answer(
                                f"∂{root}/∂{name(w)}",
                                grads[w],
                                rule,
                                f"{number(a_value, '.6g')} × {page_factor(delta(n), '.6g')}",
                                f"{a_name} = {number(a_value, '.6g')}, {d(n)} = {number(delta(n), '.6g')}",
                            )
                        ],
                    }
                )
    return steps
