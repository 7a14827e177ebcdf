"""PDF without the system Graphviz: the bundled Graphviz's SVG, typeset as vector PDF by Typst.

``pip install "tinygrad_like[pdf]"`` brings Typst (the ``typst`` package, a typesetter in one
wheel). It draws the SVG's lines and shapes as PDF paths and its text in a font Typst carries
itself (Libertinus Serif, with δ, ∂, ′, Σ, sub- and superscripts), reading no system font, so a
PDF looks the same on every machine. With the system Graphviz installed, ``render`` uses its
``dot -Tpdf`` instead and this module is not needed.
"""

from __future__ import annotations

HINT = 'pip install "tinygrad_like[pdf]"'

# One page the size of the picture, holding the SVG passed in as an input (no file is written).
_PAGE = b'#set page(width: auto, height: auto, margin: 0pt)\n#image(bytes(sys.inputs.svg), format: "svg")\n'


def svg_to_pdf(svg: bytes) -> bytes:
    """The SVG ``svg`` as a one-page vector PDF of its size.

    Raises ``ImportError`` when Typst is not installed and ``RuntimeError`` (Typst's
    ``TypstError``) when it cannot read the SVG.
    """
    import typst

    return typst.compile(_PAGE, sys_inputs={"svg": svg.decode("utf-8")}, ignore_system_fonts=True)
