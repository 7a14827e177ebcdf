r"""Every δ the two documents define, per neuron, side by side, with how they relate.

The documents use the letter δ for three different quantities:

- the blog's error signal δ⁽ⁱ⁾ = y⁽ⁱ⁾ − t⁽ⁱ⁾ (output minus target, sample i);
- the blog's δ_j⁽ⁱ⁾ = ∂E/∂g(r_j), the error arriving at neuron j's output
  (its δ_3 = δ·g′(r_5)·w_3,5);
- Nielsen's δ^l_j = ∂C/∂z^l_j, the error at neuron j's weighted input.

They are related by the neuron's own slope: δ^l_j = δ_j · g′(r_j), the blog's
g(r_j) being Nielsen's a^l_j; and at the output of E = ½ Σ (y − t)², δ_j = δ.
``delta_table(cost)`` computes all three for every neuron of every sample from
the graph (no ``grad`` is touched) and checks both relations.

With nn's blog network (tests/test_layers_of_the_project.py runs it: the engine never reaches nn)::

    net = examples.three_layer(seed=0)
    table = delta_table(sum_squared_error([net([1.0, 0.0])], [1.0]))
    [row.blog for row in table.rows]    # ['δ', 'δ_3', 'δ_4', 'δ_1', 'δ_2']: at the output ∂E/∂y is δ = y − t
    # and every row's nielsen_value is its blog_value × slope, to 1e-15
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tinygrad_like.graph import topological_order
from tinygrad_like.layered import NotLayered, read_network
from tinygrad_like.notation import indexed, named, number, sample_mark, tex_number, to_tex
from tinygrad_like.value import Value


@dataclass(frozen=True)
class DeltaRow:
    """One neuron in one sample: the blog's δ_j, the slope g′(r_j), Nielsen's δ^l_j, and y − t."""

    sample: int
    layer: int
    j: int
    neuron: str  # the blog's f_5 with Nielsen's j and l: "f_5 is neuron 1 of layer 4"
    blog: str  # δ_5⁽ⁱ⁾
    blog_value: float  # ∂cost/∂g(r_j)
    slope: float  # g′(r_j) = σ′(z^l_j)
    nielsen: str  # δ⁴₁⁽ⁱ⁾
    nielsen_value: float  # ∂cost/∂z^l_j
    error_signal: float | None  # y − t for an output neuron (the blog's δ⁽ⁱ⁾), else None
    error_name: str  # δ⁽ⁱ⁾ (δ_5⁽ⁱ⁾ … for several outputs) or ""


class DeltaTable:
    """The δs of every neuron; ``str()`` is a table, ``.latex()`` a tabular, Jupyter shows Markdown."""

    def __init__(self, rows: list[DeltaRow], cost: str, samples: int) -> None:
        self.rows = rows
        self.cost = cost
        self.samples = samples

    def relations(self) -> list[str]:
        """The two relations, each with the largest difference found over the rows."""
        C = self.cost
        slope = max((abs(r.nielsen_value - r.blog_value * r.slope) for r in self.rows), default=0.0)
        out = [
            f"Nielsen's δˡⱼ = ∂{C}/∂zˡⱼ = ∂{C}/∂g(r_j) · g′(r_j) = the blog's δ_j · g′(r_j)"
            f"   (largest difference {slope:.1e})"
        ]
        ends = [r for r in self.rows if r.error_signal is not None]
        ratios = {round(r.blog_value / r.error_signal, 12) for r in ends if r.error_signal}
        if len(ratios) == 1:
            ratio = ratios.pop()
            if ratio == 1:
                out.append(f"at the output, ∂{C}/∂y = y − t is the blog's error signal δ itself")
            else:
                out.append(
                    f"at the output, the blog's δ_j = ∂{C}/∂y = {ratio:g}·(y − t): {C} is not ½ Σ (y − t)², "
                    "so δ_j is not the error signal y − t"
                )
        return out

    # written as the cells are: the blog's δ_3, Nielsen's δ⁴₁ (l up, j down), so δˡⱼ
    COLUMNS = (
        "neuron",
        "blog δ_j = ∂{C}/∂g(r_j)",
        "g′(r_j)",
        "Nielsen δˡⱼ = ∂{C}/∂zˡⱼ",
        "δ_j·g′(r_j)",
        "y − t",
    )

    def _cells(self) -> list[list[str]]:
        return [
            [
                r.neuron,
                f"{r.blog} = {number(r.blog_value)}",
                number(r.slope),
                f"{r.nielsen} = {number(r.nielsen_value)}",
                number(r.blog_value * r.slope),
                f"{r.error_name} = {number(r.error_signal)}" if r.error_signal is not None else "",
            ]
            for r in self.rows
        ]

    def __str__(self) -> str:
        head = [c.format(C=self.cost) for c in self.COLUMNS]
        rows = [head, *self._cells()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        samples = f"{self.samples} sample{'s' if self.samples > 1 else ''}"
        each = ", sample by sample" if self.samples > 1 else ""
        title = f"Every δ of every neuron{each} ({samples}), output layer first:"
        return "\n".join([title, *lines, "", *self.relations()])

    def __repr__(self) -> str:
        return f"<DeltaTable: {len(self.rows)} rows (neuron × sample); print() it>"

    def latex(self) -> str:
        """A LaTeX tabular of the table (names and numbers in math mode)."""
        C = self.cost
        lines = [
            r"\begin{tabular}{lrrrrr}",
            rf"neuron & $\delta_j = \partial {C}/\partial g(r_j)$ & $g'(r_j)$ & "
            rf"$\delta^l_j = \partial {C}/\partial z^l_j$ & $\delta_j\, g'(r_j)$ & $y - t$ \\ \hline",
        ]
        for r in self.rows:
            error = ""
            if r.error_signal is not None:
                error = f"${to_tex(r.error_name)} = {tex_number(r.error_signal)}$"
            neuron = f"$f_{{{r.neuron[2:].split()[0]}}}$ is " + r.neuron.split(" ", 2)[2]
            blog, nielsen = tex_number(r.blog_value), tex_number(r.nielsen_value)
            slope, product = tex_number(r.slope), tex_number(r.blog_value * r.slope)
            lines.append(
                f"{neuron} & ${to_tex(r.blog)} = {blog}$ & ${slope}$ & "
                f"${to_tex(r.nielsen)} = {nielsen}$ & ${product}$ & {error} \\\\"
            )
        lines.append(r"\end{tabular}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        head = [c.format(C=self.cost) for c in self.COLUMNS]
        body = ["| " + " | ".join(cells) + " |" for cells in self._cells()]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *body]
        return "\n".join([*lines, "", *(f"- {r}" for r in self.relations())])


def delta_table(cost: Value) -> DeltaTable:
    r"""Per neuron and sample: the blog's δ_j = ∂cost/∂g(r_j), Nielsen's δ^l_j = ∂cost/∂z^l_j,
    the slope g′(r_j) that relates them, and at the output the blog's δ = y − t.

    ``cost`` must be built from a layered network (an ``nn`` model's outputs); no grad changes.
    """
    if not isinstance(cost, Value):
        raise TypeError(f"delta_table(cost) needs the cost, a Value; got {type(cost).__name__}")
    order = topological_order(cost)
    try:
        net = read_network(order)
    except NotLayered as exc:
        raise ValueError(f"delta_table: the graph of the cost is not a layered network: {exc}") from None
    names, _ = named(order, "blog")
    grads = {cost: 1.0}  # ∂cost/∂v for every node, by the backward pass's own rule, on the side
    for v in reversed(order):
        g = grads.get(v, 0.0)
        for c, local in zip(v.children, v.local_grads):
            grads[c] = grads.get(c, 0.0) + local * g
    differences = {(s, j): d for d, (s, j) in net.differences.items()}
    cost_name = names[cost]
    rows = []
    for s in range(1, net.samples + 1):
        mark = sample_mark(s) if net.samples > 1 else ""
        for l in range(net.L, 1, -1):
            for u in net.layer(l):
                g = sum(net.sizes[1 : l - 1]) + u.j  # the blog numbers neurons 1, 2, … across layers
                a, z = u.a[s], u.z[s]
                d = differences.get((s, u.j)) if l == net.L else None
                one = net.sizes[-1] == 1
                rows.append(
                    DeltaRow(
                        s,
                        l,
                        u.j,
                        f"f_{g} is neuron {u.j} of layer {l}",
                        f"δ_{g}{mark}",
                        grads.get(a, 0.0),
                        a.local_grads[0] if a is not z else 1.0,
                        indexed("δ", str(l), str(u.j)) + mark,
                        grads.get(z, 0.0),
                        d.data if d is not None else None,
                        (f"δ{mark}" if one else f"y_{u.j}{mark} − t_{u.j}{mark}") if d is not None else "",
                    )
                )
    ends = [(r.blog_value, r.error_signal) for r in rows if r.error_signal]
    if ends and all(abs(blog - error) <= 1e-12 * abs(error) for blog, error in ends):
        # E = ½ Σ (y − t)²: the output's ∂E/∂y is the error signal itself, one quantity, one name
        rows = [replace(r, blog=r.error_name) if r.error_signal is not None else r for r in rows]
    return DeltaTable(rows, cost_name, net.samples)
