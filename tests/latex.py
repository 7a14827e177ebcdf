"""Compile LaTeX the library writes with pdflatex (texlive-latex-base), as a reader's document would."""

import re
import subprocess
import tempfile
from pathlib import Path

from conftest import require_program

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
"""


def needed_packages(*pieces: str) -> list[str]:
    r"""The ``\usepackage{…}`` lines a piece's comments ask for (``% needs \usepackage{longtable} …``),
    as a teacher pasting it would add them to the preamble."""
    comments = [line for p in pieces for line in p.splitlines() if line.lstrip().startswith("%")]
    return list(dict.fromkeys(re.findall(r"\\usepackage\{[\w,]+\}", "\n".join(comments))))


def compile_latex(*pieces: str, math: bool = True) -> str:
    """Put each piece in a document (in display math unless ``math=False``) and compile it;
    fail with pdflatex's error lines when it does not compile. Returns pdflatex's log."""
    pdflatex = require_program("pdflatex", "texlive-latex-base")
    body = "\n\n".join(f"\\[\n{p}\n\\]" if math else p for p in pieces)
    packages = "".join(f"{line}\n" for line in needed_packages(*pieces))
    preamble = PREAMBLE.replace("\\begin{document}", packages + "\\begin{document}")
    with tempfile.TemporaryDirectory() as tmp:
        tex = Path(tmp) / "doc.tex"
        tex.write_text(preamble + body + "\n\\end{document}\n", encoding="utf-8")
        run = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=60,
        )
        errors = [line for line in run.stdout.splitlines() if line.startswith("!") or "Undefined" in line]
        compiled = run.returncode == 0 and (Path(tmp) / "doc.pdf").exists()
        assert compiled, "\n".join(errors) or run.stdout[-2000:]
        return (Path(tmp) / "doc.log").read_text(encoding="utf-8", errors="replace")
