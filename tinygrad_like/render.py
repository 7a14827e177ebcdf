"""Turn DOT text into SVG, PNG or PDF: the system's Graphviz where there is one, else the bundled one.

The order: the system ``dot`` on PATH (every format), then ``graphviz-pure``
(Graphviz's dot as one self-contained program, installed by the package's own
``pip install``; SVG and PNG), so ``pip install`` alone is enough to see a graph.
Both lay a graph out the same way; the bundled one carries its own Helvetica-like
font, so its PNG reads like dot's. PDF without the system dot is the bundled SVG
typeset by Typst (``pip install "tinygrad_like[pdf]"``, see ``tinygrad_like.pdf``).

>>> render("digraph { a -> b }", "svg").startswith(b"<?xml")
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import webbrowser
from pathlib import Path

import graphviz

SYSTEM_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "https://graphviz.org/download)"
)
BUNDLED_HINT = "pip install graphviz-pure (it comes with tinygrad_like; SVG and PNG)"
BUNDLED_FORMATS = ("svg", "png", "jpeg", "jpg")
ENGINES = ("auto", "system", "bundled")


class RenderError(RuntimeError):
    """Nothing on this machine can render the drawing in the format asked for."""


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot``, or None."""
    return shutil.which("dot")


def bundled_dot() -> str | None:
    """The path of the ``graphviz-pure`` program pip installed beside this Python, or None."""
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    beside = os.path.join(sysconfig.get_path("scripts"), name)
    return beside if os.access(beside, os.X_OK) else shutil.which("graphviz-pure")


def _run(program: str, fmt: str, source: str, who: str) -> bytes:
    result = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        why = result.stderr.decode(errors="replace").strip()
        raise RenderError(f"{who} could not render {fmt}: {why}")
    return result.stdout


def render(source: str, fmt: str = "svg", engine: str = "auto") -> bytes:
    """Render DOT ``source`` to ``fmt`` (svg, png, pdf, …) and return the bytes.

    ``engine`` is ``"auto"`` (the system dot, else the bundled graphviz-pure), ``"system"``
    or ``"bundled"`` (``"wasm"``, its name before 0.2, still means the bundled one).
    """
    engine = "bundled" if engine == "wasm" else engine
    if engine not in ENGINES:
        raise ValueError(f"render: engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    fmt = fmt.lower()
    dot = system_dot() if engine in ("auto", "system") else None
    if dot:
        return _run(dot, fmt, source, "Graphviz dot")
    if engine == "system":
        raise RenderError(f"no system Graphviz 'dot' on PATH; {SYSTEM_HINT}")
    if fmt == "pdf":
        return _pdf_from_bundled_svg(source)
    if fmt not in BUNDLED_FORMATS:
        raise RenderError(
            f"rendering {fmt.upper()} needs the system Graphviz: {SYSTEM_HINT}. "
            f"Without it, SVG and PNG work ({BUNDLED_HINT})."
        )
    bundled = bundled_dot()
    if bundled is None:
        raise RenderError(f"nothing can render {fmt.upper()} here: {BUNDLED_HINT}, or {SYSTEM_HINT}")
    return _run(bundled, fmt, source, "the bundled Graphviz (graphviz-pure)")


def _pdf_from_bundled_svg(source: str) -> bytes:
    """PDF with no system Graphviz: the bundled SVG through Typst, or an error naming both."""
    from tinygrad_like import pdf

    try:
        import typst  # noqa: F401  (only asked whether it is there)
    except ImportError:
        raise RenderError(
            f"rendering PDF needs the system Graphviz: {SYSTEM_HINT}; or Typst: {pdf.HINT}. "
            f"Without them, SVG and PNG work ({BUNDLED_HINT})."
        ) from None
    svg = render(source, "svg", engine="bundled")
    try:
        return pdf.svg_to_pdf(svg)
    except RuntimeError as exc:
        raise RenderError(f"Typst could not turn the drawing into PDF: {exc}") from None


class Drawing:
    """A drawing that behaves like a ``graphviz.Digraph``: ``.source``, ``format``, ``render()``,
    ``pipe()``, ``view()``; also ``.graph`` (the Digraph itself), ``svg()`` and ``save(path)``.

    micrograd's tutorial lines run unchanged: ``dot = draw_dot(y); dot.render('gout')`` writes the
    DOT text to ``gout`` and the picture to ``gout.svg``. In Jupyter it displays as SVG; where
    nothing can render, it shows its DOT text and one line saying why.

    >>> import graphviz
    >>> d = Drawing(graphviz.Digraph("g", body=["a -> b"]))
    >>> d.format, d.pipe(format="svg")[:5], d.pipe("svg", encoding="utf-8")[:5]
    ('svg', b'<?xml', '<?xml')
    """

    def __init__(self, graph: graphviz.Digraph, format: str = "svg") -> None:
        self.graph = graph
        self.format = format
        self.directory = ""

    @property
    def source(self) -> str:
        """The DOT text."""
        return str(self.graph.source)

    @property
    def filename(self) -> str:
        """Where ``render()`` writes the DOT text when no filename is given (``computation.gv``)."""
        return str(self.graph.filename)

    @filename.setter
    def filename(self, name: str) -> None:
        self.graph.filename = name

    def pipe(self, format: str | None = None, encoding: str | None = None, engine: str = "auto"):
        """The rendered picture as bytes (as text when ``encoding`` is given), writing no file."""
        data = render(self.source, format or self.format, engine)
        return data.decode(encoding) if encoding else data

    def svg(self, engine: str = "auto") -> str:
        """The drawing as SVG text."""
        return render(self.source, "svg", engine).decode("utf-8")

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str = "auto",
    ) -> str:
        """Write the DOT text to ``filename`` and the picture beside it as ``filename.format``, as
        ``graphviz.Digraph.render`` does; returns the picture's path. ``cleanup`` deletes the DOT
        file afterwards, ``view`` opens the picture. ``outfile`` names the picture instead (its
        extension is the format)."""
        if outfile is not None:
            out = Path(directory or "", outfile)
            fmt = (format or out.suffix.lstrip(".") or self.format).lower()
            source_path = Path(directory or "", filename) if filename else out.with_suffix(".gv")
        else:
            fmt = (format or self.format).lower()
            source_path = Path(directory or self.directory or "", filename or self.filename)
            out = Path(f"{source_path}.{fmt}")
        data = render(self.source, fmt, engine)  # first, so that a failure leaves no file behind
        source_path.parent.mkdir(parents=True, exist_ok=True)
        source_path.write_text(self.source, encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        if cleanup:
            source_path.unlink()
        if view:
            open_file(out)
        return str(out)

    def view(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = False,
    ) -> str:
        """Render and open the picture in the system's viewer; returns its path."""
        return self.render(filename, directory, view=True, cleanup=cleanup)

    def save(self, path: str | Path, engine: str = "auto") -> Path:
        """Write the drawing; the format comes from the extension (.svg, .png, .pdf, .dot)."""
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if fmt in ("dot", "gv"):
            path.write_text(self.source, encoding="utf-8")
            return path
        if not fmt:
            raise ValueError(f"save: {str(path)!r} has no extension; use .svg, .png, .pdf or .dot")
        data = render(self.source, fmt, engine)
        path.write_bytes(data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.svg()}
        except RenderError as exc:
            return {"text/plain": f"(not drawn: {exc})\n{self.source}"}

    def _repr_svg_(self) -> str | None:
        try:
            return self.svg()
        except RenderError:
            return None  # Jupyter then shows the text from _repr_mimebundle_

    def __repr__(self) -> str:
        nodes = len(re.findall(r"^\s*(?!graph |node |edge )\w+ \[", self.source, re.M))
        edges = self.source.count(" -> ")
        return f"<Drawing of {nodes} nodes and {edges} edges; .source, .svg(), .save(path)>"


def open_file(path: str | os.PathLike[str]) -> None:
    """Open ``path`` in the system's viewer, as graphviz's ``view`` does."""
    path = os.fspath(path)
    if sys.platform == "win32":
        os.startfile(path)  # Windows only
        return
    opener = "open" if sys.platform == "darwin" else shutil.which("xdg-open")
    if opener:
        subprocess.Popen([opener, path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        webbrowser.open(Path(path).resolve().as_uri())
