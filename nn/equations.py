r"""Nielsen's four equations of backpropagation, written for a model and a cost and evaluated.

    BP1  δ^L = ∇_a C ⊙ σ′(z^L)                     δ^L_j = ∂C/∂a^L_j · σ′(z^L_j)
    BP2  δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)       δ^l_j = Σ_k w^{l+1}_kj δ^{l+1}_k · σ′(z^l_j)
    BP3  ∂C/∂b^l = δ^l                             ∂C/∂b^l_j = δ^l_j
    BP4  ∂C/∂w^l = δ^l (a^{l−1})ᵀ                  ∂C/∂w^l_jk = a^{l−1}_k δ^l_j

with δ^l_j = ∂C/∂z^l_j. ``backprop_equations(cost, model)`` reads the network
from the cost's graph (``tinygrad_like.layered``: which node is w^l_jk, z^l_j,
a^l_j, whatever the labels), takes ∇_a C from the graph above the outputs and
σ′(z) from the activations' stored local derivatives, runs the four equations
with the current numbers, and checks each against ``backward()`` (run on the
side: every ``grad`` is put back). Where the graph holds several samples, BP1
and BP2 hold per sample and BP3, BP4 sum over them.

>>> from nn import MLP, quadratic_cost
>>> model = MLP(2, [3, 1], seed=0)
>>> C = quadratic_cost([model([0.5, -1.0])], [1.0])
>>> eq = backprop_equations(C, model)
>>> [e.name for e in eq], eq.largest_difference < 1e-15
(['BP1', 'BP2', 'BP3', 'BP4'], True)
"""

from __future__ import annotations

from dataclasses import dataclass

from tinygrad_like import Value
from tinygrad_like.graph import backward, topological_order
from tinygrad_like.layered import Network, NotLayered, read_network
from tinygrad_like.notation import indexed, sample_mark, to_tex
from tinygrad_like.ops import lookup

Vector = list[float]
Matrix = list[list[float]]


@dataclass(frozen=True)
class Check:
    """One layer of one equation: what the equation gives beside what backward() gave."""

    layer: int
    what: str  # "δ⁴", "∂C/∂b³", …
    equation: Matrix  # per sample (δ) or one row per neuron (∂C/∂w), as computed by the equation
    engine: Matrix  # the same numbers read from the grads backward() fills
    difference: float  # the largest |equation − engine|


@dataclass(frozen=True)
class Equation:
    """One of BP1–BP4: its forms (text and LaTeX) and its checks, layer by layer."""

    name: str
    title: str
    matrix: str
    component: str
    matrix_tex: str
    component_tex: str
    checks: tuple[Check, ...]

    @property
    def largest_difference(self) -> float:
        return max((c.difference for c in self.checks), default=0.0)


def _fmt(xs: Vector, limit: int = 6) -> str:
    shown = ", ".join(f"{x:+.6g}" for x in xs[:limit])
    return f"[{shown}{', …' if len(xs) > limit else ''}]"


class BackpropEquations:
    """BP1–BP4 for one model and cost: ``str()``, ``.latex()``, Jupyter display; iterate for the four.

    ``delta[l][s]`` is the vector δ^l of sample s (1…M) as the equations give it,
    ``nabla[s]`` the vector ∇_a C read from the graph above the outputs;
    ``grad_b[l]``, ``grad_w[l]`` are ∂C/∂b^l and ∂C/∂w^l (rows j, columns k).
    """

    def __init__(
        self,
        equations: list[Equation],
        network: Network,
        activation: dict[int, str],
        cost_name: str,
        delta: dict[int, dict[int, Vector]],
        grad_b: dict[int, Vector],
        grad_w: dict[int, Matrix],
        nabla: dict[int, Vector],
    ) -> None:
        self.equations = equations
        self.nabla = nabla
        self.network = network
        self.activation = activation
        self.cost_name = cost_name
        self.delta = delta
        self.grad_b = grad_b
        self.grad_w = grad_w

    def __iter__(self):
        return iter(self.equations)

    def __len__(self) -> int:
        return len(self.equations)

    def __getitem__(self, name: str | int) -> Equation:
        if isinstance(name, int):
            return self.equations[name]
        for e in self.equations:
            if e.name == name:
                return e
        raise KeyError(f"no equation {name!r}; they are BP1, BP2, BP3, BP4")

    @property
    def largest_difference(self) -> float:
        """The largest difference between any number the equations give and backward()'s."""
        return max(e.largest_difference for e in self.equations)

    def _head(self) -> str:
        net = self.network
        sizes = " → ".join(map(str, net.sizes))
        samples = "1 sample"
        if net.samples > 1:
            samples = f"{net.samples} samples (BP1, BP2 per sample; BP3, BP4 summed)"
        return (
            f"Nielsen's four equations for the network {sizes} (layers 1 … L = {net.L}) and the cost "
            f"{self.cost_name}, {samples}; δ^l_j = ∂{self.cost_name}/∂z^l_j"
        )

    def _tag(self, what: str, sample: int, equation: str) -> str:
        """A row's name: with its sample's ⁽ⁱ⁾ where BP1, BP2 hold per sample."""
        several = self.network.samples > 1 and equation in ("BP1", "BP2")
        return f"{what + (sample_mark(sample) if several else ''):<10}"

    def __str__(self) -> str:
        lines = [self._head(), ""]
        for e in self.equations:
            lines.append(f"{e.name}  {e.matrix}")
            lines.append(f"{' ' * len(e.name)}  {e.component}     ({e.title})")
            if e.name == "BP1":
                for s, row in self.nabla.items():
                    lines.append(f"      {self._tag(f'∇ₐ{self.cost_name}', s, e.name)} {_fmt(row)}")
            for c in e.checks:
                rows = c.equation if len(c.equation) <= 4 else c.equation[:4]
                for i, row in enumerate(rows):
                    if e.name == "BP4":  # a matrix: one row j per neuron, named once (columns k)
                        tag = f"{c.what if i == 0 else '':<10}"
                        lines.append(f"      {tag} j = {i + 1}: {_fmt(row)}")
                    else:
                        lines.append(f"      {self._tag(c.what, i + 1, e.name)} {_fmt(row)}")
                if len(c.equation) > 4:
                    lines.append(f"      {'':<10} … {len(c.equation) - 4} more rows")
                lines.append(f"      {'':<10} largest difference from backward(): {c.difference:.1e}")
            lines.append("")
        lines.append(f"largest difference from backward() over all four: {self.largest_difference:.1e}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        worst = self.largest_difference
        return f"<BackpropEquations BP1–BP4, largest difference from backward() {worst:.1e}>"

    def latex(self) -> str:
        """The four equations in LaTeX (an ``align*``), matrix form & component form, with the check."""
        rows = [
            rf"\text{{{e.name}}} &\quad {e.matrix_tex} &&\quad {e.component_tex} "
            rf"&&\quad \max|\Delta| = {_tex_number(e.largest_difference)}"
            for e in self.equations
        ]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return self.latex()  # an align* environment: display math by itself (MathJax and LaTeX alike)

    def _repr_markdown_(self) -> str:
        head = f"{self._head()}\n\n| | matrix form | component form | largest difference from backward() |"
        body = [
            f"| {e.name} | ${e.matrix_tex}$ | ${e.component_tex}$ | {e.largest_difference:.1e} |"
            for e in self.equations
        ]
        header = "| equation | evaluated at the current numbers | | largest difference from backward() |"
        numbers = ["", header]
        numbers.append("|---|---|---|---|")
        for e in self.equations:
            for c in e.checks:
                for i, row in enumerate(c.equation[:4]):
                    label = c.what + (sample_mark(i + 1) if self.network.samples > 1 else "")
                    if e.name in ("BP3", "BP4"):  # summed over the samples; BP4 a matrix, row by row
                        label = f"{c.what}, j = {i + 1}" if e.name == "BP4" else c.what
                    shown = f"{c.difference:.1e}" if i == 0 else ""
                    numbers.append(f"| {e.name if i == 0 else ''} | {label} | {_fmt(row)} | {shown} |")
        return "\n".join([head, "|---|---|---|---|", *body, *numbers])


def _tex_number(x: float) -> str:
    r"""``1.3 \times 10^{-18}``; an exact 0 as ``0``.

    >>> _tex_number(1.3e-18), _tex_number(0.0)
    ('1.3 \\times 10^{-18}', '0')
    """
    if x == 0:
        return "0"
    mantissa, _, exponent = f"{x:.1e}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def _prime(op: str) -> tuple[str, str]:
    """σ′ for this layer's activation, as text and LaTeX (linear: g′ = 1)."""
    if op == "linear":  # a = z: g′ = 1
        return "g′", "g'"
    text = lookup(op).prime.replace("({0!b})", "").replace("({0})", "")
    return text, to_tex(text)


def backprop_equations(cost: Value, model) -> BackpropEquations:
    r"""BP1–BP4 for ``model`` and ``cost`` (a Value built by calling the model), evaluated and checked.

    The graph of ``cost`` must be a layered, fully-connected network of ``model``'s
    parameters (an ``nn.MLP``, or any model built from ``Value.weighted_sum``
    neurons layer by layer); anything else raises ``ValueError`` saying why.
    No ``grad`` changes: ``backward()`` for the check runs with every grad put back.
    """
    if not isinstance(cost, Value):
        raise TypeError(f"backprop_equations(cost, model): cost must be a Value, got {type(cost).__name__}")
    if not hasattr(model, "parameters"):
        raise TypeError(
            "backprop_equations(cost, model): model must be a network (an nn.MLP), "
            f"got {type(model).__name__}"
        )
    order = topological_order(cost)
    try:
        net = read_network(order)
    except NotLayered as exc:
        raise ValueError(
            f"backprop_equations: the graph of the cost is not a layered network: {exc}"
        ) from None
    params = set(model.parameters())
    if net.parameters() - params or params - net.parameters():
        raise ValueError(
            "backprop_equations: the cost's network and the model's parameters differ: build the cost "
            "from this model's outputs (cost = loss([model(x) for x in X], targets))"
        )
    cost_name = cost.label or "C"
    L, samples = net.L, range(1, net.samples + 1)
    layers = {l: net.layer(l) for l in range(2, L + 1)}
    activation = {l: layers[l][0].activation for l in layers}
    w = {l: [[p.data for p in u.weights] for u in layers[l]] for l in layers}
    a = {1: {s: [x.data for x in net.inputs[s]] for s in samples}}
    sp = {}  # σ′(z^l) per sample: the activation's stored local derivative
    for l in layers:
        a[l] = {s: [u.a[s].data for u in layers[l]] for s in samples}
        sp[l] = {
            s: [u.a[s].local_grads[0] if u.a[s] is not u.z[s] else 1.0 for u in layers[l]] for s in samples
        }

    # ∇_a C from the graph above the outputs: the chain rule down to a^L and no further
    outputs = {u.a[s]: (s, j) for j, u in enumerate(layers[L]) for s in samples}
    upstream = {cost: 1.0}
    for v in reversed(order):
        g = upstream.get(v)
        if g is None or v in outputs:
            continue
        for c, local in zip(v.children, v.local_grads):
            upstream[c] = upstream.get(c, 0.0) + local * g
    nabla = {s: [upstream.get(u.a[s], 0.0) for u in layers[L]] for s in samples}

    # the four equations, with the current numbers
    delta = {L: {s: [g * d for g, d in zip(nabla[s], sp[L][s])] for s in samples}}
    for l in range(L - 1, 1, -1):
        wt = list(zip(*w[l + 1]))  # (w^{l+1})ᵀ
        delta[l] = {
            s: [sum(wkj * dk for wkj, dk in zip(row, delta[l + 1][s])) * d for row, d in zip(wt, sp[l][s])]
            for s in samples
        }
    grad_b = {l: [sum(delta[l][s][j] for s in samples) for j in range(len(layers[l]))] for l in layers}
    grad_w = {
        l: [
            [sum(delta[l][s][j] * a[l - 1][s][k] for s in samples) for k in range(len(a[l - 1][1]))]
            for j in range(len(layers[l]))
        ]
        for l in layers
    }

    engine = _backward_on_the_side(cost, order)
    dz = {l: {s: [engine[u.z[s]] for u in layers[l]] for s in samples} for l in layers}

    def diff(x: Matrix, y: Matrix) -> float:
        return max((abs(p - q) for rx, ry in zip(x, y) for p, q in zip(rx, ry)), default=0.0)

    def per_sample(l: int) -> Check:
        eq, en = [delta[l][s] for s in samples], [dz[l][s] for s in samples]
        return Check(l, f"δ{_sup(l)}", eq, en, diff(eq, en))

    def biases(l: int) -> Check:
        eq = [grad_b[l]]
        en = [[engine.get(u.bias, 0.0) if u.bias is not None else 0.0 for u in layers[l]]]
        return Check(l, f"∂{cost_name}/∂b{_sup(l)}", eq, en, diff(eq, en))

    def weights(l: int) -> Check:
        en = [[engine[p] for p in u.weights] for u in layers[l]]
        return Check(l, f"∂{cost_name}/∂w{_sup(l)}", grad_w[l], en, diff(grad_w[l], en))

    s_L, t_L = _prime(activation[L])
    hidden = [activation[l] for l in range(2, L)]
    s_h, t_h = _prime(hidden[0]) if hidden else ("σ′", r"\sigma'")
    C = cost_name
    equations = [
        Equation(
            "BP1",
            "the error of the output layer",
            f"δᴸ = ∇ₐ{C} ⊙ {s_L}(zᴸ)",
            f"δᴸⱼ = ∂{C}/∂aᴸⱼ · {s_L}(zᴸⱼ)",
            rf"\delta^{{L}} = \nabla_a {C} \odot {t_L}(z^{{L}})",
            rf"\delta^{{L}}_{{j}} = \frac{{\partial {C}}}{{\partial a^{{L}}_{{j}}}}\, {t_L}(z^{{L}}_{{j}})",
            (per_sample(L),),
        ),
        Equation(
            "BP2",
            "the error of a layer from the next one's",
            f"δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ {s_h}(zˡ)",
            f"δˡⱼ = Σₖ wˡ⁺¹ₖⱼ δˡ⁺¹ₖ · {s_h}(zˡⱼ)",
            rf"\delta^{{l}} = \left((w^{{l+1}})^{{T}} \delta^{{l+1}}\right) \odot {t_h}(z^{{l}})",
            rf"\delta^{{l}}_{{j}} = \sum_{{k}} w^{{l+1}}_{{kj}} \delta^{{l+1}}_{{k}}\, {t_h}(z^{{l}}_{{j}})",
            tuple(per_sample(l) for l in range(L - 1, 1, -1)),
        ),
        Equation(
            "BP3",
            "the gradient of a bias",
            f"∂{C}/∂bˡ = δˡ",
            f"∂{C}/∂bˡⱼ = δˡⱼ",
            rf"\frac{{\partial {C}}}{{\partial b^{{l}}}} = \delta^{{l}}",
            rf"\frac{{\partial {C}}}{{\partial b^{{l}}_{{j}}}} = \delta^{{l}}_{{j}}",
            tuple(biases(l) for l in range(L, 1, -1)),
        ),
        Equation(
            "BP4",
            "the gradient of a weight",
            f"∂{C}/∂wˡ = δˡ (aˡ⁻¹)ᵀ",
            f"∂{C}/∂wˡⱼₖ = aˡ⁻¹ₖ δˡⱼ",
            rf"\frac{{\partial {C}}}{{\partial w^{{l}}}} = \delta^{{l}} (a^{{l-1}})^{{T}}",
            rf"\frac{{\partial {C}}}{{\partial w^{{l}}_{{jk}}}} = a^{{l-1}}_{{k}} \delta^{{l}}_{{j}}",
            tuple(weights(l) for l in range(L, 1, -1)),
        ),
    ]
    if net.samples > 1:  # several samples: BP1/BP2 per sample, BP3/BP4 summed over them
        equations[2] = _summed(equations[2])
        equations[3] = _summed(equations[3])
    return BackpropEquations(equations, net, activation, cost_name, delta, grad_b, grad_w, nabla)


def _summed(e: Equation) -> Equation:
    """BP3/BP4 over several samples: the per-sample products add up (⁽ⁱ⁾ marks the sample)."""
    matrix = e.matrix.replace("= δˡ", "= Σᵢ δˡ⁽ⁱ⁾").replace("(aˡ⁻¹)ᵀ", "(aˡ⁻¹⁽ⁱ⁾)ᵀ")
    component = e.component.replace("= δˡⱼ", "= Σᵢ δˡⱼ⁽ⁱ⁾").replace("= aˡ⁻¹ₖ δˡⱼ", "= Σᵢ aˡ⁻¹ₖ⁽ⁱ⁾ δˡⱼ⁽ⁱ⁾")
    tex = {
        r"= \delta^{l}_{j}": r"= \sum_{i} {\delta^{l}_{j}}^{(i)}",
        r"= \delta^{l} (a^{l-1})^{T}": r"= \sum_{i} {\delta^{l}}^{(i)} ({a^{l-1}}^{(i)})^{T}",
        r"= a^{l-1}_{k} \delta^{l}_{j}": r"= \sum_{i} {a^{l-1}_{k}}^{(i)} {\delta^{l}_{j}}^{(i)}",
    }
    matrix_tex, component_tex = e.matrix_tex, e.component_tex
    for old, new in tex.items():
        matrix_tex, component_tex = matrix_tex.replace(old, new), component_tex.replace(old, new)
    if matrix_tex.endswith(r"= \delta^{l}"):
        matrix_tex = matrix_tex[: -len(r"\delta^{l}")] + r"\sum_{i} {\delta^{l}}^{(i)}"
    return Equation(e.name, e.title, matrix, component, matrix_tex, component_tex, e.checks)


def _sup(l: int) -> str:
    return indexed("", str(l), "") if l < 10 else f"^{l}"


def _backward_on_the_side(cost: Value, order: list[Value]) -> dict[Value, float]:
    """Every node's grad from a fresh ``backward()`` (leaves from 0), then each grad put back."""
    saved = [v.grad for v in order]
    try:
        for v in order:
            v.grad = 0.0
        backward(cost)
        return {v: v.grad for v in order}
    finally:
        for v, g in zip(order, saved):
            v.grad = g
