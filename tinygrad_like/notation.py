r"""How nodes are named in explanations and derivations, and how that text becomes LaTeX.

A node is called by its label; an unlabelled constant by its number; an
unlabelled result by the formula that made it when that is short (``x·w``),
else ``v7`` after its place in the graph.

>>> to_tex("1 − tanh²(n)")
'1 - \\tanh^{2}(n)'
>>> to_tex("σ′(r_5)·w_3,5")
"\\sigma'(r_{5}) \\cdot w_{3,5}"
"""

from __future__ import annotations

import re

from tinygrad_like.ops import lookup
from tinygrad_like.value import Value

MAX_FORMULA = 24


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
    for i, v in enumerate(order):
        if v.label:
            names[v] = v.label
        elif not v.children:
            names[v] = f"{v.data:g}"
        else:
            formula = lookup(v.op).write([names[c] for c in v.children])
            # a formula only of named things, and short; else a place name (v7)
            if len(formula) <= MAX_FORMULA and not any(c in generated for c in v.children):
                names[v] = formula
            else:
                names[v] = f"v{i}"
                generated.add(v)
    return names


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
