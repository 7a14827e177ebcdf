r"""The step table as LaTeX that fits the text width of a plain ``article`` page.

Each step is two rows: ``# | node | child | local | upstream | contribution | child.grad``,
then under node and child the step's rule, ``∂node/∂child = …``, across the width. Node, child
and rule are ragged-right paragraph columns, so a deep expression's formulas wrap at their
``+`` and ``·`` instead of running past the margin; the numbers keep right-aligned columns
as wide as their longest entry. It is a ``longtable`` (``\small``, ``\tabcolsep`` 3pt), so a
network's hundred steps break across pages with the header repeated. The first line says which
``\usepackage`` lines it needs (both in texlive-latex-base).

The widths: the number columns are measured here from Computer Modern's character widths
(a digit is half an em at any size), and node and child share what is left of ``\linewidth``:

    width(node) = width(child) = (\linewidth − width(#) − Σ width(numbers) − 12·\tabcolsep) / 2

>>> em("0.25"), em("-1e-05")
(1.778, 3.5)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tinygrad_like.notation import to_tex

PACKAGES = ("array", "longtable")  # texlive-latex-base has both (the tools bundle and longtable)
HEADER = ("local", "upstream", "contribution", "child.grad")
WRAP = r">{\raggedright\arraybackslash}"
# Computer Modern Roman widths in em, for the characters a number is written with (text mode)
_EM = {**dict.fromkeys("0123456789", 0.5), ".": 0.278, "-": 0.778, "+": 0.778, "e": 0.444}  # − as $-$
_EM.update({"a": 0.5, "c": 0.444, "d": 0.556, "g": 0.5, "h": 0.556, "i": 0.278, "l": 0.278})
_EM.update({"b": 0.556, "f": 0.306, "m": 0.833, "n": 0.556, "o": 0.5, "p": 0.556, "r": 0.392})
_EM.update({"s": 0.394, "t": 0.389, "u": 0.556})


def em(text: str) -> float:
    """The width of ``text`` in Computer Modern Roman, in em (0.6 em for a character not listed).

    >>> em("contribution")
    5.394
    """
    return round(sum(_EM.get(ch, 0.6) for ch in text), 3)


def step_table(steps: Sequence, rows: Sequence[Sequence[str]]) -> str:
    r"""The LaTeX of the step table: ``steps`` are ``explain``'s steps, ``rows`` their text cells.

    >>> from tinygrad_like import Value
    >>> from tinygrad_like.explain import explain
    >>> x = Value(2.0, label="x"); y = x.tanh(); y.label = "y"
    >>> print(explain(y).to_latex().splitlines()[0])
    % needs \usepackage{array} \usepackage{longtable} in the preamble (texlive-latex-base has them)
    """
    number_cells = [row[4:8] for row in rows]
    minus = [[re.sub(r"^-", "$-$", cell) for cell in cells] for cells in number_cells]
    widths = [  # each number column as wide as its header or its longest number, and 0.2em to spare
        round(max([em(head)] + [em(cells[i]) for cells in number_cells]) + 0.2, 2)
        for i, head in enumerate(HEADER)
    ]
    index = round(max(0.9, 0.5 * len(str(len(steps)))) + 0.1, 2)  # the # column: digits are 0.5em
    used = f"{index + sum(widths):g}em"
    formula = rf"p{{\dimexpr(\linewidth-{used}-12\tabcolsep)/2\relax}}"
    numbers = "".join(rf">{{\raggedleft\arraybackslash}}p{{{w:g}em}}" for w in widths)
    under = (  # a row under node and child, as wide as the rest of the line
        rf"\multicolumn{{7}}{{@{{\hspace{{\dimexpr{index:g}em+2\tabcolsep}}}}"
        rf"{WRAP}p{{\dimexpr\linewidth-{index:g}em-2\tabcolsep}}@{{}}}}"
    )
    derivative = r"\partial\,\mathrm{node}/\partial\,\mathrm{child}"
    needs = " ".join(rf"\usepackage{{{name}}}" for name in PACKAGES)
    lines = [
        f"% needs {needs} in the preamble (texlive-latex-base has them)",
        r"\begingroup\small\setlength{\tabcolsep}{3pt}\setlength{\LTleft}{0pt}\setlength{\LTright}{0pt}",
        rf"\begin{{longtable}}{{@{{}}>{{\raggedleft\arraybackslash}}p{{{index:g}em}}{WRAP}{formula}{WRAP}{formula}"
        rf"{numbers}@{{}}}}",
        r"\# & node & child & " + " & ".join(HEADER) + r" \\*",
        rf"{under}{{${derivative}$, the local derivative}} \\ \hline",
        r"\endhead",
    ]
    for s, cells in zip(steps, minus):  # a negative number with a minus sign, not a hyphen
        node, child = to_tex(s.node_name), to_tex(s.child_name)
        lines.append(f"{s.index + 1} & ${node}$ & ${child}$ & " + " & ".join(cells) + r" \\*")
        lines.append(rf"{under}{{${derivative} = {to_tex(s.rule)}$}} \\[3pt]")
    lines.append(r"\end{longtable}\endgroup")
    return "\n".join(lines)
