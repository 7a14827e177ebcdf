r"""Any label made fit to show: control characters made visible, lone surrogates spelled out,
overlong labels shortened with an ellipsis.

A label is any Python string. Some of them cannot be drawn as they are: a NUL ends Graphviz's
input, a bell makes an SVG malformed, a lone surrogate cannot be written as UTF-8, and a label of
16,385 characters overflows the system ``dot``'s buffer. ``shown`` keeps what a reader would want
to see (the newline stays a line break) and writes the rest as Python writes them in a string,
``\x00``, ``\t``, ``\x1b``, ``\udc80``: readable in any font, and what the learner typed. That
covers the controls, lone surrogates, and the bidirectional overrides that would reverse the text
drawn after them.

>>> print(shown("a\x00b\x07c"))
a\x00b\x07c
>>> shown("w\udc80"), shown("x\u202eyz")
('w\\udc80', 'x\\u202eyz')
>>> len(shown("x" * 20_000)), shown("x" * 20_000)[-1]
(200, '…')
"""

from __future__ import annotations

import re

MAX_LABEL = 200  # characters per line of a label; beyond, the line ends with "…"
MAX_LINES = 40  # lines of one label; beyond, the last shown line is "…"

# C0 controls but the newline, DEL, the C1 controls, lone surrogates, and the bidirectional
# embeddings, overrides and isolates (which would reverse or hide the text drawn after them).
_UNSHOWABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]")


# The same in markup (a page's HTML and SVG), where tab, newline and return are only spacing.
_UNSAFE_IN_MARKUP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")

_NAMED = {"\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    r"""``text`` with every control character, lone surrogate and bidi override shown visibly.

    >>> print(visible("tab\there, bell\x07, DEL\x7f, line\nbreak"))
    tab\there, bell\x07, DEL\x7f, line
    break
    """
    return _UNSHOWABLE.sub(_escape, text)


def markup_safe(text: str) -> str:
    r"""Markup (HTML, SVG) with the characters that would break it, or reverse the text after
    them, shown as ``visible`` shows them; its spacing (tabs, newlines) stays.

    >>> print(markup_safe("<b>w\x00</b>\n<i>\udc80</i>"))
    <b>w\x00</b>
    <i>\udc80</i>
    """
    return _UNSAFE_IN_MARKUP.sub(_escape, text)


def shortened(text: str, limit: int = MAX_LABEL) -> str:
    r"""Each line at most ``limit`` characters (ending in "…" when cut), at most MAX_LINES lines.

    >>> shortened("abcdef", 4), len(shortened("x\n" * 100).split("\n"))
    ('abc…', 40)
    """
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], "…"]
    return "\n".join(line if len(line) <= limit else line[: limit - 1] + "…" for line in lines)


def shown(text: str) -> str:
    """A label as a drawing or a page shows it: ``visible`` and ``shortened``."""
    return shortened(visible(text))
