"""The README's pictures as a reader sees them at the README's usual width (~880 CSS px)."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
README_WIDTH = 880  # CSS px: GitHub's README column on a laptop


def width_px(svg: Path) -> float:
    """The SVG's drawn width in CSS px (Graphviz writes pt: 1 pt = 4/3 px)."""
    found = re.search(r'<svg width="([\d.]+)pt"', svg.read_text(encoding="utf-8"))
    assert found, f"{svg.name} has no width in pt"
    return float(found.group(1)) * 4 / 3


def test_the_quick_examples_picture_is_drawn_at_full_size_in_the_readme():
    # 11 pt record text and 9 pt edge numbers stay 14.7 px and 12 px only if nothing shrinks them
    assert width_px(DOCS / "neuron.svg") <= README_WIDTH


def test_the_quick_examples_picture_shows_what_the_readmes_code_draws():
    # the README's quick example labels x, w and b only: no record says n or y
    text = (DOCS / "neuron.svg").read_text(encoding="utf-8")
    names = set(re.findall(r">([a-z])</text>", text))
    assert names == {"x", "w", "b"}
