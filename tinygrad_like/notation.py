r"""How ops and nodes are written in explanations and derivations, and how that text becomes LaTeX.

An op's text (``ops.TABLE``'s ``written`` and ``rules``) gets its operands'
names with just the parentheses it needs (``fill_names``).
A node is called by its label; an unlabelled constant by its number; an
unlabelled result by the formula that made it when that is short (``x·w``),
else ``v7`` after its place in the graph. Within one graph every name but a
constant's is unique: a label used twice becomes ``x1#2`` the second time.
``operand`` wraps a composite name in parentheses where it is differentiated
(``∂(x·w + b)/∂(x·w)``), and ``number`` writes a value without ``-0``.

>>> to_tex("1 − tanh²(n)")
'1 - \\tanh^{2}(n)'
>>> to_tex("σ′(r_5)·w_3,5")
"\\sigma'(r_{5}) \\cdot w_{3,5}"
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

# ops writes its texts with fill_names below, and node_names reads ops' table when called:
# importing the module (not a name from it) lets each side load while the other is loading.
from tinygrad_like import ops

if TYPE_CHECKING:
    from tinygrad_like.value import Value

MAX_FORMULA = 24


def _top_level(text: str, chars: str) -> bool:
    """True when one of ``chars`` occurs in ``text`` outside every parenthesis."""
    depth = 0
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and ch in chars:
            return True
    return False


class _Names(string.Formatter):
    r"""Puts operand names into an op's text with just the parentheses it needs.

    ``{0}`` wraps a sum (``(x + y)·w``), ``{0!t}`` wraps anything composite, for the
    operands of / and ^ (``a/(x·w)``), and ``{0!b}`` is bare, inside a function's
    own parentheses (``tanh(x·w + b)``).
    """

    def convert_field(self, value, conversion):
        if conversion == "b":
            return value
        if conversion == "t":
            atomic = re.fullmatch(r"[\w.,′̂]+|\w*\((.*)\)", value) and not _top_level(value, " ·/^")
            return value if atomic and not value.startswith("-") else f"({value})"
        return f"({value})" if _top_level(value, "+−") and " " in value else value


_NAMES = _Names()


def fill_names(text: str, *names: str) -> str:
    """An op's text (``"{0}·{1}"``, ``"tanh({0!b})"``) with its operands' names put in.

    >>> fill_names("{0}·{1}", "x + y", "w")
    '(x + y)·w'
    >>> fill_names("{0!t}/{1!t}", "a", "x·w")
    'a/(x·w)'
    """
    return _NAMES.format(text, *names)


def node_names(order: list[Value]) -> dict[Value, str]:
    """A display name for every node of a graph (``order`` is children-first).

    >>> from tinygrad_like import Value, topological_order
    >>> x, w = Value(2.0, label="x"), Value(3.0, label="w")
    >>> y = (x * w + 1).tanh()
    >>> [node_names(topological_order(y))[v] for v in topological_order(y)]
    ['x', 'w', 'x·w', '1', 'x·w + 1', 'tanh(x·w + 1)']
    """
    names: dict[Value, str] = {}
    generated: set[Value] = set()
    taken: dict[str, int] = {}  # how many nodes are already called by each name
    for i, v in enumerate(order):
        if v.label:
            name = v.label
            if name in taken:  # a second node with the same label: x1#2, x1#3, …
                name = f"{v.label}#{taken[v.label] + 1}"
            taken[v.label] = taken.get(v.label, 0) + 1
        elif is_constant(v):
            names[v] = number(v.data, "g")  # constants are shown as their values, repeats and all
            continue
        else:
            name = ops.lookup(v.op).write([names[c] for c in v.children])
            if v.op == "sum" and len(v.children) == 1:  # Σ of one term: not the term itself
                name = f"Σ({name})"
            # a formula only of named things, short and not taken; else a place name (v7)
            if len(name) > MAX_FORMULA or name in taken or any(c in generated for c in v.children):
                name = f"v{i}"
                generated.add(v)
        taken[name] = taken.get(name, 0) + 1
        names[v] = name
    return names


def is_constant(v: Value) -> bool:
    """A leaf without a label: a number written into an expression (the ½ of E, the 1 of 1 − t·y)."""
    return not v.children and not v.label


def operand(name: str) -> str:
    """``name`` as the thing a derivative is taken of or by: composites in parentheses.

    >>> operand("x·w + b"), operand("x·w"), operand("g(r_3)"), operand("w_x1,1"), operand("δ^2")
    ('(x·w + b)', '(x·w)', 'g(r_3)', 'w_x1,1', '(δ^2)')
    """
    match = re.fullmatch(r"[\w.,′̂#]+|\w*\((.*)\)", name)
    atomic = match is not None
    if match and match.group(1) is not None:  # f(...): atomic unless something follows the call
        atomic = _closing(name, name.index("(")) == len(name) - 1
    return name if atomic and not name.startswith("-") else f"({name})"


def _closing(text: str, start: int) -> int:
    """The index of the parenthesis that closes the one at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        depth += text[i] == "("
        depth -= text[i] == ")"
        if depth == 0:
            return i
    return len(text)


def number(x: float, spec: str = ".6g") -> str:
    """A value as the tables write it, never ``-0``.

    >>> number(0.0 * -1.5), number(-0.000174943), number(2.0, "g")
    ('0', '-0.000174943', '2')
    """
    return format(x + 0.0, spec)  # -0.0 + 0.0 is +0.0


_TEX_WORDS = {"tanh": r"\tanh", "exp": r"\exp", "log": r"\log", "ln": r"\ln", "sign": r"\operatorname{sign}"}
_TEX_CHARS = {
    "·": r" \cdot ",
    "−": "-",
    "σ": r"\sigma",
    "δ": r"\delta",
    "′": "'",
    "√": r"\sqrt",
    "Σ": r"\sum ",
    "∂": r"\partial ",
    "²": "^{2}",
    "ŵ": r"\hat{w}",
    "b̂": r"\hat{b}",
    "r̂": r"\hat{r}",
}
_TEX_SPECIALS = {"#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "{": r"\{", "}": r"\}"}


def to_tex(text: str) -> str:
    """The unicode formula text the engine writes, as LaTeX (math mode, without the $)."""
    out = "".join(_TEX_SPECIALS.get(ch, ch) for ch in text)
    out = re.sub(r"(?<![\\\w])(tanh|exp|log|ln|sign)(?=[²(′ ])", lambda m: _TEX_WORDS[m.group(1)], out)
    for ch, tex in _TEX_CHARS.items():
        out = out.replace(ch, tex)
    # subscripts: w_3,5 → w_{3,5}; w2_1,3 → w2_{1,3}; x1 stays x1
    out = re.sub(r"_([A-Za-z0-9,]+)", r"_{\1}", out)
    out = re.sub(r"\^\(([^()]*)\)", r"^{\1}", out)
    out = re.sub(
        r"\^(-?[\w.]+)", lambda m: m.group(0) if m.group(1).startswith("{") else "^{" + m.group(1) + "}", out
    )
    return re.sub(r" {2,}", " ", out).strip()
