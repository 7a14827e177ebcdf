r"""The backward pass, one chain-rule step at a time.

``explain(root)`` shows the steps of a fresh backward pass from ``root`` (root
seeded with 1, every other node starting from 0) without changing any ``grad``:
at each step a node passes its gradient to one operand,

    child.grad += ∂node/∂child × node.grad        (local × upstream = contribution)

with the local derivative written out as a rule (``1 − tanh²(n)``) from the
table of operations. One step per edge, in the order ``backward()`` takes them;
``child_grad`` is the child's gradient after the step, as far as the pass has got.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
>>> n = x * w + b; n.label = "n"
>>> y = n.tanh(); y.label = "y"
>>> steps = explain(y)
>>> len(steps), steps[0].rule, steps[0].child.label
(5, '1 − tanh²(n)', 'n')
>>> x.grad                       # explain only shows: no grad is touched
0.0
>>> y.backward(); x.grad == steps[-2].child_grad
True
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tinygrad_like.graph import topological_order
from tinygrad_like.notation import is_constant, named, number, operand, speak, to_tex
from tinygrad_like.ops import lookup
from tinygrad_like.value import Value


@dataclass(frozen=True)
class Step:
    """One chain-rule step: ``node`` sends ``contribution = local × upstream`` to ``child``."""

    index: int
    node: Value
    child: Value
    local: float
    rule: str
    upstream: float
    contribution: float
    child_grad: float
    node_name: str
    child_name: str

    @property
    def to_constant(self) -> bool:
        """True when the child is a constant (a number in the expression, not a variable)."""
        return is_constant(self.child)

    def derivative(self) -> str:
        """The local derivative's name, ``∂(x·w + b)/∂(x·w)``; for a constant child, what it is."""
        if self.to_constant:
            return f"∂{operand(self.node_name)}/∂(the constant {self.child_name})"
        return f"∂{operand(self.node_name)}/∂{operand(self.child_name)}"

    def equation(self) -> str:
        """The step as one line: ∂y/∂n = 1 − tanh²(n) = 0.0002; n.grad += 0.0002 × 1 → 0.0002."""
        local, upstream, after = number(self.local), number(self.upstream), number(self.child_grad)
        if self.to_constant:
            return (
                f"{self.node_name} → the constant {self.child_name}: local {self.rule} = {local};  "
                f"its grad += {local} × {upstream} → {after} (nothing to learn: a constant)"
            )
        return (
            f"{self.derivative()} = {self.rule} = {local};  "
            f"{operand(self.child_name)}.grad += {local} × {upstream} → {after}"
        )


class Explanation(Sequence[Step]):
    """The steps of one backward pass, in order; prints as a table, renders in Jupyter."""

    def __init__(
        self,
        root: Value,
        steps: list[Step],
        names: dict[Value, str],
        start: dict[Value, float],
        notation: str = "",
    ) -> None:
        self.root = root
        self.steps = steps
        self.names = names
        self.notation = notation  # "blog", "nielsen", or "" (the labels as they are)
        self._start = start  # each node's grad when the pass began (after seeding)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    # ---- text ------------------------------------------------------------------------------

    COLUMNS = ("#", "node", "child", "∂node/∂child", "local", "upstream", "contribution", "child.grad")

    def _rows(self) -> list[list[str]]:
        return [
            [
                str(s.index + 1),
                s.node_name,
                s.child_name,
                s.rule,
                number(s.local),
                number(s.upstream),
                number(s.contribution),
                number(s.child_grad),
            ]
            for s in self.steps
        ]

    def __str__(self) -> str:
        rows = [list(self.COLUMNS), *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.COLUMNS))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        title = f"backward pass from {self.names[self.root]} ({len(self.steps)} steps, one per edge)"
        return "\n".join([title, *lines])

    def __repr__(self) -> str:
        return f"<Explanation of {len(self.steps)} steps from {self.names[self.root]!r}; print() it>"

    def to_markdown(self) -> str:
        """A Markdown table a teacher can paste into notes."""
        head = "| " + " | ".join(self.COLUMNS) + " |"
        rule = "|" + "|".join("---" for _ in self.COLUMNS) + "|"
        body = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in self._rows()]
        return "\n".join([head, rule, *body])

    def to_latex(self) -> str:
        r"""The step table in LaTeX, fitting a plain article's text width (``step_table_tex``).

        Each step is two rows: node, child and the four numbers, then the rule ∂node/∂child
        written out; formulas wrap at + and ·. The first line is a comment naming the
        ``\usepackage`` lines it needs.
        """
        from tinygrad_like.step_table_tex import step_table

        return step_table(self.steps, self._rows())

    def _repr_markdown_(self) -> str:
        head = "| # | step | local | upstream | contribution | child.grad |\n|---|---|---|---|---|---|"
        body = []
        for s, row in zip(self.steps, self._rows()):
            top, bottom = to_tex(operand(s.node_name)), to_tex(operand(s.child_name))
            if s.to_constant:
                bottom = f"(\\text{{the constant }} {bottom})"
            frac = f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"
            numbers = " | ".join(row[4:])
            body.append(f"| {s.index + 1} | ${frac} = {to_tex(s.rule)}$ | {numbers} |")
        return "\n".join([head, *body])

    # ---- pictures ----------------------------------------------------------------------------

    def frames(
        self,
        max_frames: int = 400,
        *,
        level: str = "edge",
        sample: str = "",
        notation: str | None = None,
        **draw_options,
    ):
        """The pass as pictures, one per frame of the step-through page.

        ``level="edge"``: one ``draw_dot`` drawing per step, the node pushing its gradient
        highlighted, the edge it flows along in red, every grad as far as the pass has got
        (``draw_options`` go to ``draw_dot``, for example ``model=net``). ``level="neuron"``
        (needs ``model=``): the blog's closing pictures, one ``network_page.Frame`` per frame of
        the neuron-level page: the neuron forming its δ (class ``active``), the neurons and
        edges it draws from, the δ and weight gradients so far, the frame's equation above.
        ``notation``: as ``page``'s; in Nielsen's the neuron frames are his BP1, BP2 (with BP3)
        and BP4 with the numbers, δ^l_j under each neuron (a plain ``MLP``'s default).
        """
        if notation is not None and notation != self.notation:  # the same pass, named in that notation
            again = explain(self.root, notation=notation)
            return again.frames(max_frames, level=level, sample=sample, **draw_options)
        if level == "neuron":
            from tinygrad_like.network_page import neuron_frames

            unknown = set(draw_options) - {"model"}
            if unknown:
                raise TypeError(
                    f"frames(level='neuron') takes model= and sample=, not {', '.join(sorted(unknown))}"
                )
            return neuron_frames(self, model=draw_options.get("model"), sample=sample)
        if level != "edge":
            raise ValueError(f"frames: level must be 'edge' (one step per edge) or 'neuron', got {level!r}")
        from tinygrad_like.draw import draw_dot

        if len(self.steps) > max_frames:
            raise ValueError(
                f"frames: {len(self.steps)} steps is more than max_frames={max_frames}; "
                "explain a smaller graph (one sample, fewer neurons) or raise max_frames"
            )
        grads = dict(self._start)
        drawings = []
        for s in self.steps:
            grads[s.child] = s.child_grad
            drawings.append(
                draw_dot(
                    self.root,
                    highlight=[s.node],
                    highlight_edges=[(s.node, s.child)],
                    grads=dict(grads),
                    names=self.names,
                    title=f"step {s.index + 1}: {s.equation()}",
                    **draw_options,
                )
            )
        return drawings

    def page(
        self,
        *,
        model=None,
        level: str = "edge",
        sample: str = "",
        max_steps: int | None = None,
        practice: bool = False,
        notation: str | None = None,
    ) -> str:
        """The step-through page's HTML (what ``to_html`` writes and ``player`` shows)."""
        if notation is not None and notation != self.notation:  # the same pass, named in that notation
            again = explain(self.root, notation=notation)
            return again.page(model=model, level=level, sample=sample, max_steps=max_steps, practice=practice)
        if practice:
            from tinygrad_like.practice_page import practice_page

            return practice_page(self, model=model, level=level, sample=sample, max_steps=max_steps)
        if level == "edge":
            from tinygrad_like.graph_page import edge_page

            return edge_page(self, model=model, sample=sample, max_steps=max_steps)
        if level == "neuron":
            from tinygrad_like.network_page import neuron_page

            return neuron_page(self, model=model, sample=sample)
        raise ValueError(f"to_html: level must be 'edge' (one step per edge) or 'neuron', got {level!r}")

    def to_html(
        self,
        path: str | Path,
        *,
        model=None,
        level: str = "edge",
        sample: str = "",
        max_steps: int | None = None,
        practice: bool = False,
        notation: str | None = None,
    ) -> Path:
        """Write one self-contained page stepping through the pass (works offline, no CDN).

        ``level="edge"``: the computation graph, one step per edge (``model`` adds what a
        neuron's r and g(r) are). ``level="neuron"``: the network as the blog draws it, δ
        neuron by neuron, then the weight gradients (needs ``model``). ``sample`` says
        which sample the graph is of (default: read from the inputs x1, x2, …). Beyond
        ``max_steps`` (default 10,000) it refuses, saying how to make the graph smaller.
        ``practice=True``: the practice page, answer fields in place of the revealed numbers
        (``tinygrad_like.practice_page``). ``notation="blog"`` or ``"nielsen"`` names the page's
        nodes in that document's notation (default: the explanation's own).
        """
        from tinygrad_like.page import write_html

        page = self.page(
            model=model, level=level, sample=sample, max_steps=max_steps, practice=practice, notation=notation
        )
        return write_html(Path(path), page)

    def player(self, *, height: int = 640, **options) -> Player:
        """The step-through page inside a notebook cell (an iframe of the page; no file written).

        Takes ``to_html``'s options (``model``, ``level``, ``sample``, ``max_steps``, ``practice``,
        ``notation``).
        """
        return Player(self.page(**options), height)


class Player:
    """The step-through page shown inline in Jupyter; ``.html`` is the page itself."""

    def __init__(self, page: str, height: int = 640) -> None:
        self.html = page
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width: 100%; '
            f'height: {self.height}px; border: 1px solid #ddd" title="step-through of the backward pass">'
            "</iframe>"
        )

    def __repr__(self) -> str:
        return f"<Player: a {len(self.html):,}-character step-through page; display it in a notebook>"


def explain(root: Value, *, notation: str | None = None) -> Explanation:
    r"""The steps of a fresh backward pass from ``root``, in the order they happen; changes no grad.

    ``notation`` names the nodes as ``derive`` does: ``"blog"`` (r, g(r), g′, t, δ = y − t),
    ``"nielsen"`` (w^l_jk, z^l_j, a^l_j, σ′, y) or ``None`` to follow the labels; where the
    graph holds several samples each per-sample name carries its index, r_5⁽ⁱ⁾.

    The pass is ``backward()``'s, run on the side: ``root`` seeded with 1.0, every
    other node starting from 0, each step adding local × upstream to one child. So
    after ``root.backward()`` on fresh leaves each node's last ``child_grad`` is its
    ``.grad``, and explaining twice gives the same table.

    >>> from tinygrad_like import Value
    >>> a = Value(3.0, label="a"); y = a * a; y.label = "y"
    >>> print(explain(y))        # a is used twice: two steps add into a's gradient
    backward pass from y (2 steps, one per edge)
    #  node  child  ∂node/∂child  local  upstream  contribution  child.grad
    -  ----  -----  ------------  -----  --------  ------------  ----------
    1  y     a      a             3      1         3             3
    2  y     a      a             3      1         3             6
    >>> a.grad                   # untouched: call y.backward() to fill the grads
    0.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    names, spoken = named(order, notation)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    start = dict(grads)
    steps: list[Step] = []
    for node in reversed(order):
        if not node.children:
            continue
        op = lookup(node.op)
        operand_names = [names[c] for c in node.children]
        upstream = grads[node]
        for i, (child, local) in enumerate(zip(node.children, node.local_grads)):
            contribution = local * upstream
            grads[child] += contribution
            steps.append(
                Step(
                    len(steps),
                    node,
                    child,
                    local,
                    speak(op.rule(i, operand_names), spoken),
                    upstream,
                    contribution,
                    grads[child],
                    names[node],
                    names[child],
                )
            )
    return Explanation(root, steps, names, start, spoken)
