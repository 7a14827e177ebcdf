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
>>> to_tex("δ⁽¹⁾^2 + z³₁⁽²⁾^2")
'\\delta^{(1)}{}^{2} + {z^{3}_{1}}^{(2)}{}^{2}'

Where a graph is a layered network (``tinygrad_like.layered``) the nodes can be
named in either document's notation (``notation="blog"`` or ``"nielsen"``), and
where it holds several samples each per-sample name carries its index: r_5⁽ⁱ⁾.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

# ops writes its texts with fill_names below, and node_names reads ops' table when called:
# importing the module (not a name from it) lets each side load while the other is loading.
from tinygrad_like import ops
from tinygrad_like.labels import visible

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
            atomic = re.fullmatch(r"[\w.,′̂⁽⁾]+|\w*\((.*)\)", value) and not _top_level(value, " ·/^")
            return value if atomic and not value.startswith("-") else f"({value})"
        if value.startswith(("-", "−")):  # a negative number as an operand: a·(-1), not a·-1
            return f"({value})"
        return f"({value})" if _top_level(value, "+−") and " " in value else value


_NAMES = _Names()


def fill_names(text: str, *names: str) -> str:
    """An op's text (``"{0}·{1}"``, ``"tanh({0!b})"``) with its operands' names put in.

    >>> fill_names("{0}·{1}", "x + y", "w")
    '(x + y)·w'
    >>> fill_names("{0!t}/{1!t}", "a", "x·w")
    'a/(x·w)'
    >>> fill_names("{0}·{1}", "a", "-1")
    'a·(-1)'
    """
    whole = re.fullmatch(r"\{(\d+)\}", text)
    if whole:  # the text is one operand alone (the rule of ·): nothing around it to set it apart from
        return names[int(whole[1])]
    return _NAMES.format(text, *names)


NOTATIONS = ("blog", "nielsen")
_SUPER = dict(zip("0123456789+−-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁱⁿ"))
_SUB = dict(zip("0123456789+−-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎"))
_FROM_SUPER = {v: k for k, v in _SUPER.items() if k not in "−"}


def indexed(letter: str, upper: str, lower: str) -> str:
    """``letter`` with a superscript and a subscript, as terminal text: Unicode where every
    character of the indices has a Unicode form, else the plain form.

    >>> indexed("z", "3", "1"), indexed("w", "3", "1,2"), indexed("x", "", "2"), indexed("b", "12", "1")
    ('z³₁', 'w3_1,2', 'x₂', 'b¹²₁')
    """
    if all(c in _SUPER for c in upper) and all(c in _SUB for c in lower):
        return letter + "".join(_SUPER[c] for c in upper) + "".join(_SUB[c] for c in lower)
    return f"{letter}{upper}_{lower}" if lower else f"{letter}^{upper}"


def sample_mark(s: int | str) -> str:
    """The sample index as the blog writes it, a superscript (i): ``sample_mark(3)`` is ``⁽³⁾``."""
    return "⁽" + "".join(_SUPER[c] for c in str(s)) + "⁾"


def with_sample(name: str, s: int | str) -> str:
    """A per-sample node's name with its sample index; inside a function's parentheses for g(r).

    >>> with_sample("r_5", 2), with_sample("g(r_1)", "i"), with_sample("z³₁", 1)
    ('r_5⁽²⁾', 'g(r_1⁽ⁱ⁾)', 'z³₁⁽¹⁾')
    """
    call = re.fullmatch(r"(\w+)\((.+)\)", name)
    if call and _closing(name, len(call.group(1))) == len(name) - 1:
        return f"{call.group(1)}({call.group(2)}{sample_mark(s)})"
    return name + sample_mark(s)


def resolve_notation(notation: str | None, network) -> str:
    """The notation to speak: the one asked for, else the labels' own (the blog's networks in
    ``nn.examples`` are labelled r, g(r); every other network is Nielsen's), else none ("")."""
    if notation is not None:
        if notation not in NOTATIONS:
            raise ValueError(
                f"notation must be one of {', '.join(map(repr, NOTATIONS))} or None, got {notation!r}"
            )
        return notation
    if network is None:
        return ""
    return "blog" if _blog_labelled(network) else "nielsen"


def _blog_labelled(network) -> bool:
    return any(z.label.startswith("r") for u in network.units for z in u.z.values())


def _role_name(role: tuple[str, int, int, int], network, notation: str) -> str:
    """A network node's name in a notation, from its place in the network (kind, l, j, k)."""
    kind, l, j, k = role
    if notation == "nielsen":
        if kind == "x":
            return indexed("x", "", str(j))
        lower = f"{j},{k}" if kind == "w" else str(j)
        return indexed(kind, str(l), lower)
    # the blog numbers neurons 1, 2, … across the layers, the inputs x1, x2, …
    sizes = network.sizes

    def number(layer: int, index: int) -> int:
        return sum(sizes[1 : layer - 1]) + index

    g = number(l, j)
    if kind == "x":
        return f"x{j}"
    if kind == "w":
        return f"w_x{k},{g}" if l == 2 else f"w_{number(l - 1, k)},{g}"
    if kind == "a":
        if l == network.L:
            return "y" if sizes[-1] == 1 else f"y_{j}"
        return f"g(r_{g})"
    return f"{'r' if kind == 'z' else kind}_{g}"


def named(order: list[Value], notation: str | None = None) -> tuple[dict[Value, str], str]:
    """``node_names`` and the notation they are in ("blog", "nielsen", or "" for the labels as they are)."""
    from tinygrad_like.layered import network_or_none  # layered reads ops, which imports this module

    network = network_or_none(order)
    spoken = resolve_notation(notation, network)
    return _names(order, network, spoken), spoken


def node_names(order: list[Value], notation: str | None = None) -> dict[Value, str]:
    """A display name for every node of a graph (``order`` is children-first).

    Where the graph is a layered network (``tinygrad_like.layered``), ``notation``
    names its nodes as a document does: ``"nielsen"`` w^l_jk, b^l_j, z^l_j, a^l_j,
    x_k, the target y_j and the cost C; ``"blog"`` the blog's w_x1,1 … w_4,5, r_j,
    g(r_j), y, the target t, δ = y − t and the error E. ``None`` follows the labels.
    Where it holds several samples (model calls), every per-sample node carries its
    sample's index: ``r_5⁽²⁾``.

    >>> from tinygrad_like import Value, topological_order
    >>> x, w = Value(2.0, label="x"), Value(3.0, label="w")
    >>> y = (x * w + 1).tanh()
    >>> [node_names(topological_order(y))[v] for v in topological_order(y)]
    ['x', 'w', 'x·w', '1', 'x·w + 1', 'tanh(x·w + 1)']
    """
    return named(order, notation)[0]


def _names(order: list[Value], network, spoken: str) -> dict[Value, str]:
    relabel = network is not None and (
        spoken == "nielsen" or (spoken == "blog" and not _blog_labelled(network))
    )
    several = network is not None and network.samples > 1
    root = order[-1] if order else None
    names: dict[Value, str] = {}
    generated: set[Value] = set()
    addends: dict[Value, list[Value]] = {}  # an unnamed sum's terms, nested unnamed sums flattened
    taken: dict[str, int] = {}  # how many nodes are already called by each name
    for i, v in enumerate(order):
        label = visible(v.label)  # a control character or a bidi override in a label is shown
        if network is not None and spoken:
            if relabel and v in network.role:
                label = _role_name(network.role[v], network, spoken)
            elif v in network.targets:
                _s, j = network.targets[v]
                one = network.sizes[-1] == 1
                label = indexed("y", "", str(j)) if spoken == "nielsen" else ("t" if one else f"t_{j}")
            elif v in network.differences:
                _s, j = network.differences[v]
                if spoken == "nielsen":
                    label = ""  # δ is ∂C/∂z in Nielsen's notes: a^L_j − y_j is written out
                else:  # the blog's error signal δ = y − t; with several outputs y_n − t_n written out
                    label = "δ" if network.sizes[-1] == 1 else ""  # (δ_j is the blog's ∂E/∂g(r_j))
            elif v is root and not v.label and v not in network.sample_of:
                label = "C" if spoken == "nielsen" else "E"
            if label and several and v in network.sample_of:
                label = with_sample(label, network.sample_of[v])
        if label:
            name = label
            if name in taken:  # a second node with the same label: x1#2, x1#3, …
                name = f"{label}#{taken[label] + 1}"
            taken[label] = taken.get(label, 0) + 1
        elif is_constant(v):
            names[v] = number(v.data, "g")  # constants are shown as their values, repeats and all
            continue
        else:
            name = speak(ops.lookup(v.op).write([names[c] for c in v.children]), spoken)
            terms = _addends(v, addends)
            # a formula only of named things, short and not taken; else a Σᵢ over the samples; else
            # the sum's first and last terms (Python's sum() makes a chain of +); else v7
            if len(name) > MAX_FORMULA or name in taken or any(c in generated for c in v.children):
                samples = network.samples if several and network is not None else 0
                folded = _sum_over_samples(terms, names, samples) if terms else None
                if folded is None and terms and not any(t in generated for t in terms):
                    ends = [terms[0], terms[-1]] if len(terms) > 2 else terms
                    folded = (" + … + " if len(terms) > 2 else " + ").join(names[t] for t in ends)
                if folded is None or folded in taken:  # the operation, long operands elided: 0.0001·Σ…
                    folded = _elided(v, names, generated, spoken)
                if folded is not None and folded not in taken:
                    name = folded
                else:
                    name = f"v{i}"
                    generated.add(v)
        taken[name] = taken.get(name, 0) + 1
        names[v] = name
    return names


def _elided(v: Value, names: dict[Value, str], generated: set[Value], spoken: str) -> str:
    """The node's operation written out, each long or generated operand shown as … (Σ… for a sum):
    ``0.0001·Σ…`` for the L2 term over a network's parameters, ``tanh(…)``."""

    def short(c: Value) -> str:
        if len(names[c]) <= MAX_FORMULA and c not in generated:
            return names[c]
        return "Σ…" if c.op in ("+", "sum") else "…"

    return speak(ops.lookup(v.op).write([short(c) for c in v.children]), spoken)


def _addends(v: Value, addends: dict[Value, list[Value]]) -> list[Value]:
    """The terms of an unlabelled sum, the unlabelled sums among them flattened and zeros left out:
    Python's ``sum(squares)`` is ((0 + s₁) + s₂) + s₃, whose terms are s₁, s₂, s₃. Empty if no sum."""
    if v.op not in ("+", "sum") or v.label:
        return []
    terms: list[Value] = []
    for c in v.children:
        if c in addends:
            terms += addends[c]
        elif not (is_constant(c) and c.data == 0):
            terms.append(c)
    addends[v] = terms
    return terms


def _sum_over_samples(terms: list[Value], names: dict[Value, str], samples: int) -> str | None:
    """Terms that are one template met once in each of the ``samples`` samples, written Σᵢ as the blog does.

    The loss's Σ of δ⁽¹⁾^2 … δ⁽⁴⁾^2 is ``Σᵢ δ⁽ⁱ⁾^2``, not a place name; None when it is not such a sum
    (a sum over only some of the samples is no Σᵢ either).
    """
    if len(terms) < 2 or samples < 2:
        return None
    templates: dict[str, list[int]] = {}
    for c in terms:
        marks = re.findall(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾", names[c])
        if len(set(marks)) != 1:
            return None
        template = names[c].replace(f"⁽{marks[0]}⁾", "⁽ⁱ⁾")
        templates.setdefault(template, []).append(int(marks[0].translate(_PLAIN)))
    if any(sorted(found) != list(range(1, samples + 1)) for found in templates.values()):
        return None
    body = " + ".join(templates)
    return "Σᵢ " + (body if len(templates) == 1 else f"({body})")


def speak(text: str, notation: str) -> str:
    """A rule's or a node's text in a notation: the blog calls the sigmoid g.

    Only σ applied, σ(…) and σ′(…), becomes g; a σ inside a name (a label ``σ_1``) stays.

    >>> speak("σ(r)·(1 − σ(r)) + σ_1", "blog"), speak("σ(r)", "nielsen")
    ('g(r)·(1 − g(r)) + σ_1', 'σ(r)')
    """
    return re.sub(r"σ(?=′?\()", "g", text) if notation == "blog" else text


def is_constant(v: Value) -> bool:
    """A leaf without a label: a number written into an expression (the ½ of E, the 1 of 1 − t·y)."""
    return not v.children and not v.label


def operand(name: str) -> str:
    """``name`` as the thing a derivative is taken of or by: composites in parentheses.

    >>> operand("x·w + b"), operand("x·w"), operand("g(r_3)"), operand("w_x1,1"), operand("δ^2")
    ('(x·w + b)', '(x·w)', 'g(r_3)', 'w_x1,1', '(δ^2)')
    """
    match = re.fullmatch(r"[\w.,′̂#⁽⁾]+|\w*\((.*)\)", name)
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


def tex_number(x: float, spec: str = ".6g") -> str:
    r"""A value for LaTeX math: ``number`` with an exponent written as a power of ten.

    >>> tex_number(-9.65223e-05), tex_number(0.25), tex_number(3e21)
    ('-9.65223 \\times 10^{-5}', '0.25', '3 \\times 10^{21}')
    """
    text = number(x, spec)
    mantissa, e, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if e else text


# Words of the rules' text that LaTeX sets upright; each op's own comes from its entry (ops.Op.tex).
_TEX_WORDS = {"ln": r"\ln", "sign": r"\operatorname{sign}"}
_TEX_CHARS = {
    "·": r" \cdot ",
    "−": "-",
    "σ": r"\sigma",
    "δ": r"\delta",
    "′": "'",
    "√": r"\sqrt",
    "Σ": r"\sum ",
    "…": r"\ldots ",
    "∂": r"\partial ",
    "²": "^{2}",
    "ŵ": r"\hat{w}",
    "b̂": r"\hat{b}",
    "r̂": r"\hat{r}",
}
_SUPS, _SUBS = "⁰¹²³⁴⁵⁶⁷⁸⁹", "₀₁₂₃₄₅₆₇₈₉"
_PLAIN = str.maketrans({**{v: k for k, v in _SUPER.items() if k != "−"}, **{v: k for k, v in _SUB.items()}})
_MARK = "(⁽[^⁾]+⁾)?"


def _indexed_tex(base: str, upper: str, lower: str, mark: str | None) -> str:
    base = {"δ": r"\delta", "σ": r"\sigma"}.get(base, base)
    name = base + (f"^{{{upper.translate(_PLAIN)}}}" if upper else "") + f"_{{{lower.translate(_PLAIN)}}}"
    if not mark:
        return name
    return ("{" + name + "}" if upper else name) + f"^{{{mark.translate(_PLAIN)}}}"


def _indices_tex(text: str) -> str:
    r"""Indices as LaTeX: Nielsen's w3_1,2 and z³₁ → w^{3}_{1,2}, z^{3}_{1}; a sample's ⁽ⁱ⁾ → ^{(i)}.

    >>> print(_indices_tex("w3_1,2·σ′(z³₁⁽ⁱ⁾)·x₁ + r_5⁽²⁾ + Σᵢ δ⁽ⁱ⁾"))
    w^{3}_{1,2}·σ′({z^{3}_{1}}^{(i)})·x_{1} + r_5^{(2)} + \sum_{i} δ^{(i)}
    """
    text = re.sub(
        r"(?<![\w\\])([wbza]|δ)(\d+)_(\d+(?:,\d+)?)(?![\w,])" + _MARK,
        lambda m: _indexed_tex(m.group(1), m.group(2), m.group(3), m.group(4)),
        text,
    )
    text = re.sub(
        rf"(?<![\w\\])([A-Za-zδσ])([{_SUPS}]*)([{_SUBS}]+)" + _MARK,
        lambda m: _indexed_tex(m.group(1), m.group(2), m.group(3), m.group(4)),
        text,
    )
    text = re.sub(r"⁽([^⁾]+)⁾", lambda m: "^{(" + m.group(1).translate(_PLAIN) + ")}", text)
    return text.replace("Σᵢ", r"\sum_{i}")


# Characters LaTeX reads as commands or syntax, as a label may hold them: a backslash (\input{…}
# in a label must stay text), braces, a line break (a blank line ends math mode, and a Markdown
# table's row), a tilde (a space), a bar (a Markdown table's column).
_TEX_SPECIALS = {
    **{"#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "{": r"\{", "}": r"\}"},
    **{"\\": r"\backslash ", "~": r"\sim ", "\n": " ", "\r": " ", "\u2028": " ", "\u2029": " "},
    "|": r"\vert ",  # the same bar, and no column of a Markdown table (a notebook's display)
}


def to_tex(text: str) -> str:
    r"""The unicode formula text the engine writes, as LaTeX (math mode, without the $).

    >>> print(to_tex("∂E/∂w_x1,1 = x1⁽ⁱ⁾·g′(r_1⁽ⁱ⁾)"))
    \partial E/\partial w_{x_{1},1} = x_{1}^{(i)} \cdot g'(r_{1}^{(i)})

    Labels in it stay text: a backslash, brace or ``%`` is written as a character, never read as
    a command, and a control character as ``visible`` writes it.

    >>> print(to_tex("∂y/∂\\input{/etc/passwd}"))
    \partial y/\partial \backslash \mathrm{input}\{/\mathrm{etc}/\mathrm{passwd}\}
    >>> print(to_tex("x_ + a^ + \x00"))
    x\_ + a\hat{} + \backslash x_{00}
    """
    out = "".join(_TEX_SPECIALS.get(ch, ch) for ch in visible(text))
    words = {**_TEX_WORDS, **{op.parser or op.name: op.tex for op in ops.TABLE.values() if op.tex}}
    pattern = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    out = re.sub(rf"(?<![\\\w])({pattern})(?=[²(′ ])", lambda m: words[m.group(1)], out)
    out = _indices_tex(out)
    for ch, tex in _TEX_CHARS.items():
        out = out.replace(ch, tex)
    # subscripts: w_3,5 → w_{3,5}; w2_1,3 → w2_{1,3}
    out = re.sub(r"_([A-Za-z0-9,]+)", r"_{\1}", out)
    out = re.sub(r"\(1/(\d+)\)", r"\\frac{1}{\1}", out)  # a mean's (1/3) as Nielsen writes 1/n
    # the blog's inputs x1, x2 are x_1, x_2 (and w_x1,1 is w_{x_1,1}), as it typesets them
    out = re.sub(r"(?<![\\\w])x(\d+)(?!\w)", r"x_{\1}", out)
    out = re.sub(r"\^\(([^()]*)\)", r"^{\1}", out)
    out = re.sub(
        r"\^(-?[\w.]+)", lambda m: m.group(0) if m.group(1).startswith("{") else "^{" + m.group(1) + "}", out
    )
    out = re.sub(r"(\^\{\([^{}]*\)\})(?=\^)", r"\1{}", out)  # δ⁽¹⁾^2: no double superscript
    out = re.sub(r"(?<![\\\w])([A-Za-z]{2,})(?![\w{])", r"\\mathrm{\1}", out)  # out, relu: one word
    # a _ or ^ with nothing to put low or high (a label "x_", "^^41") is the character itself
    out = re.sub(r"(?<!\\)_(?![{\\])", r"\\_", out)
    out = re.sub(r"\^(?![{\\])", r"\\hat{}", out)
    return re.sub(r" {2,}", " ", out).strip()
