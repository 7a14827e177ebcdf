r"""∂root/∂wrt written out as the chain rule, the way the documents write it by hand.

Along one path the local derivatives multiply; where paths split and join again
their products add, and what every path shares is pulled out of the sum (the
split and the join are found as post-dominators of the graph). For the blog's
three-layer network this gives its result

    ∂E/∂w_x1,1 = δ·g′(r_5)·g′(r_1)·x1·(w_3,5·g′(r_3)·w_1,3 + w_4,5·g′(r_4)·w_1,4)

The derivation reads only ``local_grads``; it changes no ``grad``. Where there
are too many paths to write out, it says so and writes the backpropagation form
instead: ∂root/∂v = Σ over v's parents p of ∂root/∂p · ∂p/∂v, node by node.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> y = (x * w).tanh(); y.label = "y"
>>> d = derive(y, x)
>>> str(d).splitlines()[0]
'∂y/∂x = tanh′(x·w)·w'
>>> len(d.paths), abs(d.value - (1 - y.data ** 2) * -3.0) < 1e-15
(1, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tinygrad_like.graph import topological_order
from tinygrad_like.notation import _closing, named, number, operand, tex_number, to_tex
from tinygrad_like.ops import lookup
from tinygrad_like.value import Value


class TooLarge(Exception):
    """The factored expression would exceed its size bound."""


@dataclass
class Factor:
    """One local derivative: its rule text and its value."""

    text: str
    value: float


@dataclass
class Sum:
    """Products that add up where paths split and rejoin."""

    terms: list[list[Factor | Sum]]


def _value(factors: list[Factor | Sum]) -> float:
    result = 1.0
    for f in factors:
        result *= f.value if isinstance(f, Factor) else math.fsum(_value(t) for t in f.terms)
    return result


def _split(text: str) -> list[str]:
    """Split a rule at its top-level '·' (not inside parentheses)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "·" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _number(text: str) -> float | None:
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


_SAMPLE = re.compile(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _product(factors: list[Factor | Sum]) -> tuple[float, list[str]]:
    """A product as its constant and the texts of its other factors: words, then sums, a Σᵢ last."""
    constant = 1.0
    words: list[str] = []
    sums: list[str] = []
    sigma: list[str] = []
    for f in factors:
        if isinstance(f, Sum):
            c, text, folded = _sum(f)
            constant *= c
            (sigma if folded else sums).append(text)
            continue
        if _number(f.text) is not None:  # a constant factor: its exact value, not its rounded text
            constant *= f.value
            continue
        for part in _split(f.text):
            number = _number(part)
            if number is None:
                words.append(part)
            else:
                constant *= number
    if len(sigma) > 1:  # Σᵢ reaches to the end of the product: only the last may go bare
        sums += [f"({t})" for t in sigma[:-1]]
        sigma = sigma[-1:]
    return constant, [*words, *sums, *sigma]


def _join(constant: float, parts: list[str]) -> str:
    """A product as text: the constant first (1 dropped, −1 as a sign), then the factors.

    A mean's 1/n before a Σ over the samples is written as Nielsen writes it, (1/n):

    >>> _join(1 / 3, ["Σᵢ x⁽ⁱ⁾"]), _join(-0.25, ["Σᵢ a⁽ⁱ⁾"]), _join(0.5, ["a"]), _join(0.3, ["Σᵢ a⁽ⁱ⁾"])
    ('(1/3)·Σᵢ x⁽ⁱ⁾', '−(1/4)·Σᵢ a⁽ⁱ⁾', '0.5·a', '0.3·Σᵢ a⁽ⁱ⁾')
    """
    if constant == 0:
        return "0"
    if constant != 1 or not parts:
        mean = any(p.startswith("Σᵢ") for p in parts)
        shown = _constant(constant) if mean else f"{constant:g}"
        parts = [shown if constant != -1 or not parts else "−", *parts]
    return "·".join(parts).replace("−·", "−").replace("-", "−")


def _constant(c: float) -> str:
    """A constant factor: 1/n for a mean's 1/n (n up to 10,000), else its value."""
    n = round(1 / abs(c)) if abs(c) < 1 else 0
    if 2 <= n <= 10_000 and abs(1 / n - abs(c)) <= 1e-12 * abs(c):
        return f"{'-' if c < 0 else ''}(1/{n})"
    return f"{c:g}"


def _terms(s: Sum) -> list[tuple[float, list[str]]]:
    """A sum's terms as (constant, factors); a term that is only a sum is spliced in: a + (b + c)."""
    out = []
    for term in s.terms:
        inner = [f for f in term if isinstance(f, Sum)]
        plain = [p for f in term if isinstance(f, Factor) for p in _split(f.text)]
        if len(inner) == 1 and all(_number(p) == 1 for p in plain):
            out += _terms(inner[0])
        else:
            out.append(_product(term))
    return out


def _sum(s: Sum) -> tuple[float, str, bool]:
    """A sum as (its common constant, its text, whether it is a Σ over the samples).

    Terms that differ only in their sample index ⁽¹⁾, ⁽²⁾, … are folded into one
    Σᵢ with ⁽ⁱ⁾, as the blog writes them; a constant every term has is put in front,
    so ½·Σ 2·… cancels to Σ ….
    """
    terms = _terms(s)
    folded = _fold_samples(terms)
    if folded is not None:
        terms = folded
    common = terms[0][0]
    if common in (0, 1, -1) or any(c != common for c, _ in terms):
        common = 1.0
    texts = [_join(c / common, parts) for c, parts in terms]
    body = " + ".join(texts).replace("+ −", "− ")
    if folded is not None:
        return common, "Σᵢ " + (f"({body})" if len(texts) > 1 else body), True
    return common, f"({body})", False


def _fold_samples(terms: list[tuple[float, list[str]]]) -> list[tuple[float, list[str]]] | None:
    """The terms with the samples folded: each a template in ⁽ⁱ⁾ met once for every sample 1…M."""
    templates: dict[tuple[float, str], list[int]] = {}
    for constant, parts in terms:
        text = "·".join(parts)
        marks = set(_SAMPLE.findall(text))
        if len(marks) != 1:
            return None
        key = (constant, _SAMPLE.sub("⁽ⁱ⁾", text))
        templates.setdefault(key, []).append(int(marks.pop().translate(_DIGITS)))
    every = max(i for found in templates.values() for i in found)
    if every < 2 or any(sorted(found) != list(range(1, every + 1)) for found in templates.values()):
        return None
    return [(c, _split(text)) for c, text in templates]


def _text(factors: list[Factor | Sum]) -> str:
    """A product as text: numbers folded into one constant, 1s dropped, sums last (as the blog does)."""
    constant, parts = _product(factors)
    if constant == 1 and len(parts) == 1 and len(factors) == 1 and isinstance(factors[0], Sum):
        text = parts[0]
        if text.startswith("(") and _closing(text, 0) == len(text) - 1:
            return text[1:-1]  # a lone sum needs no parentheses
    return _join(constant, parts)


@dataclass
class Derivation:
    r"""∂root/∂wrt as text and as a number. ``str()`` gives the text, ``.latex()`` LaTeX.

    ``.value`` is the expression evaluated from the graph's local derivatives (it
    equals ``wrt.grad`` after a fresh ``backward()``); ``.paths`` lists the paths
    from root to wrt (each a list of Values) and ``.path_count`` counts them.
    ``.form`` is ``"paths"`` or, where paths explode, ``"backpropagation"``.
    """

    root: Value
    wrt: Value
    expression: str
    value: float
    path_count: int
    form: str
    names: dict[Value, str]
    note: str = ""
    lines: list[str] = field(default_factory=list)
    _paths: list[list[Value]] | None = None

    @property
    def paths(self) -> list[list[Value]]:
        if self._paths is None:
            raise ValueError(
                f"{self.path_count} paths from {self.names[self.root]} to {self.names[self.wrt]}: "
                "too many to list; see .path_count and the backpropagation form"
            )
        return self._paths

    def _lhs(self) -> str:
        return f"∂{self.names[self.root]}/∂{self.names[self.wrt]}"

    def __str__(self) -> str:
        head = f"{self._lhs()} = {self.expression}"
        out = [head, f"{' ' * (len(self._lhs()) + 1)}= {number(self.value, '.10g')}"]
        if self.note:
            out.insert(0, self.note)
        return "\n".join([*out, *self.lines])

    def __repr__(self) -> str:
        return f"<Derivation {self._lhs()} = {self.value:.6g} ({self.path_count} paths, {self.form} form)>"

    def latex(self) -> str:
        """LaTeX for ∂root/∂wrt = expression = value (math mode, without the $)."""
        root, wrt = to_tex(self.names[self.root]), to_tex(self.names[self.wrt])
        body = to_tex(self.expression)
        return rf"\frac{{\partial {root}}}{{\partial {wrt}}} = {body} = {tex_number(self.value)}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def _factor(node: Value, index: int, names: dict[Value, str], prime: str | None) -> Factor:
    op = lookup(node.op)
    operand_names = [names[c] for c in node.children]
    if op.activation and op.prime:
        text = f"{prime}′({operand_names[0]})" if prime else op.derivative_name(operand_names)
    else:
        text = op.rule(index, operand_names)
    return Factor(text, node.local_grads[index])


def derive(
    root: Value,
    wrt: Value,
    *,
    notation: str | None = None,
    prime: str | None = None,
    max_paths: int = 256,
    max_factors: int = 400,
) -> Derivation:
    r"""The chain-rule expression for ∂root/∂wrt, built from the graph's local derivatives.

    ``notation="blog"`` speaks the blog's language: r, g(r), g′(r), y, t, δ = y − t,
    E; ``notation="nielsen"`` Nielsen's: w^l_jk, b^l_j, z^l_j, a^l_j, σ′, y, C. The
    default follows the labels (the blog's networks in ``nn.examples`` → blog,
    other networks → Nielsen, plain expressions as labelled). Where the graph holds
    several samples (model calls), per-sample names carry their index, r_5⁽²⁾, and
    terms that differ only in the sample are folded into one Σᵢ with ⁽ⁱ⁾. Samples are
    numbered in the order the cost takes them: the call order for
    ``loss([model(x) for x in X], T)``.
    ``prime="g"`` writes every activation's derivative as g′(r) (the blog's default);
    else each is named after its function (σ′(r), tanh′(r)).
    Beyond ``max_paths`` paths or ``max_factors`` factors it falls back to the
    backpropagation form (∂root/∂v node by node) instead of expanding anything.

    With nn's two-layer network on XOR (tests/test_layers_of_the_project.py runs it)::

        net = examples.two_layer(seed=0); X, T = data.xor()
        E = sum_squared_error([net(x) for x in X], T)
        derive(E, net.parameter("ŵ_1")).expression   # Σᵢ δ⁽ⁱ⁾·g′(r̂⁽ⁱ⁾)·g(r_1⁽ⁱ⁾)
    """
    if not isinstance(root, Value) or not isinstance(wrt, Value):
        raise TypeError("derive(root, wrt) needs two Values")
    order = topological_order(root)
    names, spoken = named(order, notation)
    if prime is None and spoken == "blog":
        prime = "g"
    position = {v: i for i, v in enumerate(order)}

    # Nodes on some path root → wrt, and how many paths leave each (multi-edges count apart).
    count: dict[Value, int] = {wrt: 1}
    for v in order[position[wrt] + 1 :] if wrt in position else []:
        n = sum(count.get(c, 0) for c in v.children)
        if n:
            count[v] = n
    paths_total = count.get(root, 0)
    if paths_total == 0:
        names.setdefault(wrt, wrt.label or "wrt")
        note = f"{names[root]} does not depend on {names[wrt]}"
        return Derivation(root, wrt, "0", 0.0, 0, "paths", names, note=note, _paths=[])

    # Immediate post-dominators toward wrt: where every path from v to wrt first meets again.
    ipdom: dict[Value, Value] = {wrt: wrt}  # the walk ends at wrt

    def meet(a: Value, b: Value) -> Value:
        while a is not b:
            while position[a] > position[b]:
                a = ipdom[a]
            while position[b] > position[a]:
                b = ipdom[b]
        return a

    for v in order[position[wrt] + 1 :]:
        if v in count:
            on_path = [c for c in v.children if c in count]
            d = on_path[0]
            for c in on_path[1:]:
                d = meet(d, c)
            ipdom[v] = d

    try:
        if paths_total > max_paths:
            raise TooLarge
        factors = _expand(root, wrt, count, ipdom, names, prime, [max_factors])
        expression, value = _text(factors), _value(factors)
        paths = _enumerate_paths(root, wrt, count)
        return Derivation(root, wrt, expression, value, paths_total, "paths", names, _paths=paths)
    except TooLarge:
        return _backprop_form(root, wrt, order, position, count, names, paths_total, prime)


def _expand(u, t, count, ipdom, names, prime, budget) -> list[Factor | Sum]:
    """The factors of ∂u/∂t, t a post-dominator of u: a chain, with a Sum where paths split."""
    factors: list[Factor | Sum] = []
    while u is not t:
        d = ipdom[u]
        edges = [i for i, c in enumerate(u.children) if c in count]
        budget[0] -= len(edges)
        if budget[0] < 0:
            raise TooLarge
        if len(edges) == 1:
            factors.append(_factor(u, edges[0], names, prime))
        else:
            terms = [
                [_factor(u, i, names, prime), *_expand(u.children[i], d, count, ipdom, names, prime, budget)]
                for i in edges
            ]
            factors.append(Sum(terms))
        u = d
    return factors


def _enumerate_paths(root: Value, wrt: Value, count: dict[Value, int]) -> list[list[Value]]:
    """Every path root → wrt (a list of Values), depth-first in operand order."""
    paths: list[list[Value]] = []
    stack = [(root, [root])]
    while stack:
        node, path = stack.pop()
        if node is wrt:
            paths.append(path)
            continue
        for c in reversed(node.children):
            if c in count:
                stack.append((c, [*path, c]))
    return paths


def _backprop_form(root, wrt, order, position, count, names, paths_total, prime) -> Derivation:
    """∂root/∂v for every node on a path, from the root down: bounded size, no expansion.

    Written ∂E/∂v, not δ: the documents keep δ for the error signal and the neurons' errors.
    """
    grad: dict[Value, float] = {root: 1.0}
    terms: dict[Value, list[str]] = {}
    by = f"∂{names[root]}/∂"
    for v in reversed(order[position[wrt] :]):
        if v not in count or v not in grad:
            continue
        for i, c in enumerate(v.children):
            if c in count:
                grad[c] = grad.get(c, 0.0) + grad[v] * v.local_grads[i]
                upstream = "" if v is root else f"{by}{operand(names[v])}·"
                terms.setdefault(c, []).append(upstream + _factor(v, i, names, prime).text)

    def rhs(v: Value) -> str:
        more = f" + … ({len(terms[v]) - 6} more)" if len(terms[v]) > 6 else ""
        return " + ".join(terms[v][:6]) + more

    def line(v: Value) -> str:
        text = rhs(v)  # a bare number (the ½ of C = ½·Σ…) is the value itself: said once, not "= 0.5 = 0.5"
        said = _number(text) is not None and math.isclose(_number(text) or 0.0, grad[v], rel_tol=1e-9)
        return f"  {by}{operand(names[v])} = {text}" + ("" if said else f" = {number(grad[v])}")

    shown = [v for v in reversed(order) if v in terms and v is not wrt]
    lines = [line(v) for v in shown[:40]]
    if len(shown) > 40:
        lines.append(f"  … {len(shown) - 40} more nodes")
    note = (
        f"{paths_total} paths from {names[root]} to {names[wrt]}: too many to write out; "
        f"the backpropagation form, each node's {by}v from its parents' (listed below):"
    )
    folded = _fold_samples([(1.0, _split(t)) for t in terms[wrt]])  # one term per sample: Σᵢ
    expression = (
        f"Σᵢ {' + '.join(_join(c, p) for c, p in folded)}" if folded and len(folded) == 1 else rhs(wrt)
    )
    return Derivation(
        root, wrt, expression, grad[wrt], paths_total, "backpropagation", names, note=note, lines=lines
    )
