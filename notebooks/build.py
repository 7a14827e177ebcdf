"""Build the lesson notebooks from their sources in notebooks/src/ and run them, keeping the outputs.

    pip install -e ".[notebooks]" && python notebooks/build.py            # every lesson
    python notebooks/build.py 03_the_error_signal                          # one lesson

A source is a Python file in the percent format: ``# %%`` starts a code cell and
``# %% [markdown]`` a text cell whose lines start with ``# ``. The .ipynb files are what a
reader opens; the sources are what a maintainer edits (the tests check that both agree).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
SOURCES = HERE / "src"


def cells_from_source(text: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format source into notebook cells."""
    cells, kind, lines = [], None, []

    def close():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(
                line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines()
            )
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            close()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    close()
    return cells


def notebook_from_source(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells_from_source(path.read_text(encoding="utf-8")))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel, in the notebooks folder; raise on the first error."""
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    return nb


def build(name: str) -> Path:
    source = SOURCES / f"{name}.py"
    nb = notebook_from_source(source)
    start = time.perf_counter()
    execute(nb)
    target = HERE / f"{name}.ipynb"
    nbformat.write(nb, target)
    print(f"{target.name}: {len(nb.cells)} cells, ran in {time.perf_counter() - start:.1f} s")
    return target


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.stem for p in SOURCES.glob("*.py"))
    for name in names:
        build(name)
