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
import signal
import subprocess
import sys
import sysconfig
import webbrowser
from pathlib import Path

import graphviz

from tinygrad_like.labels import visible

SYSTEM_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "https://graphviz.org/download)"
)
BUNDLED_HINT = "pip install graphviz-pure (it comes with tinygrad_like; SVG and PNG)"
BUNDLED_FORMATS = ("svg", "png", "jpeg", "jpg")
ENGINES = ("auto", "system", "bundled")


TIMEOUT = 8.0  # seconds a renderer may run before it is stopped and the drawing refused
# Graphviz's dot gives each edge one node per rank it crosses: a graph whose edges cross more
# ranks than this in all is refused at once (drawing it would take minutes), with advice.
MAX_CROSSINGS = 100_000
# From this many nodes, or rank crossings, on, the network-simplex pass that only polishes the
# positions is skipped (nslimit=0): x+x+…+x with 100 terms took 39 s in dot, now 0.1 s, looking
# alike. (Skipping the ranking pass too, nslimit1=0, makes the system dot 2.43 lose record edges.)
LARGE = 120
LONG = 1_000

_DOT_EDGE = re.compile(r"^\s*(\w+)(?::\w+)? -> (\w+)", re.M)
_DOT_NODE = re.compile(r"^\s*(?!graph |node |edge |subgraph )(\w+) \[", re.M)
# Characters no DOT text may hold (C0 controls but tab, newline and return; DEL; lone surrogates):
# shown visibly, so that a label with a NUL or a surrogate still draws (drawings show labels
# through labels.shown already; this keeps DOT text from anywhere else renderable too).
_UNRENDERABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class RenderError(RuntimeError):
    """The drawing cannot be rendered here: no renderer for the format, a renderer that failed or
    ran too long, or a graph too large to lay out; the message says why and what to do."""


class RenderTimeout(RenderError):
    """The renderer ran longer than its time limit and was stopped."""


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot``, or None."""
    return shutil.which("dot")


def bundled_dot() -> str | None:
    """The path of the ``graphviz-pure`` program pip installed beside this Python, or None."""
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    beside = os.path.join(sysconfig.get_path("scripts"), name)
    return beside if os.access(beside, os.X_OK) else shutil.which("graphviz-pure")


def _size_advice(nodes: int, edges: int) -> str:
    return (
        f"this drawing has {nodes} nodes and {edges} edges; draw a smaller part of the graph "
        "(for a network, draw_dot(..., model=net, collapse=True) or draw_network(net)), or step "
        "through it with explain(root).to_html(path), whose page lays out thousands of nodes"
    )


def layout_cost(source: str) -> tuple[int, int, int]:
    r"""(nodes, edges, rank crossings) of DOT text written by ``draw``: the crossings are the sum
    over the edges of how many ranks each spans, each rank the longest path from a source node.

    >>> layout_cost("digraph {\n a [label=1]\n a -> b\n b -> c\n a -> c\n}")
    (3, 3, 4)
    """
    edges = _DOT_EDGE.findall(source)
    nodes = len(_DOT_NODE.findall(source))
    into: dict[str, list[str]] = {}
    for a, b in edges:
        into.setdefault(b, []).append(a)
        into.setdefault(a, [])
    rank: dict[str, int] = {}
    for start in into:  # longest path from a source, iteratively (graphs may be deep)
        stack = [start]
        while stack:
            n = stack[-1]
            if n in rank:
                stack.pop()
                continue
            waiting = [a for a in into[n] if a not in rank]
            if waiting:
                if len(stack) > len(into):  # a cycle: no ranks to speak of
                    return nodes, len(edges), 0
                stack += waiting
                continue
            rank[n] = max((rank[a] + 1 for a in into[n]), default=0)
            stack.pop()
    crossings = sum(max(1, rank[b] - rank[a]) for a, b in edges)
    return max(nodes, len(into)), len(edges), crossings


def _prepared(source: str) -> str:
    """The DOT text made renderable and, for a large graph, quick to lay out (see ``LARGE``)."""
    source = _UNRENDERABLE.sub(lambda m: visible(m.group()).replace("\\", "\\\\"), source)
    nodes, edges, crossings = layout_cost(source)
    if crossings > MAX_CROSSINGS:
        raise RenderError(f"too large to lay out in seconds: {_size_advice(nodes, edges)}")
    if nodes >= LARGE or crossings >= LONG:
        brace = source.find("{")
        if brace >= 0:  # first in the graph, so attributes the text sets itself still win
            source = f"{source[: brace + 1]}\n\tgraph [nslimit=0]{source[brace + 1 :]}"
    return source


def _run(program: str, fmt: str, source: str, who: str, timeout: float | None = None) -> bytes:
    timeout = TIMEOUT if timeout is None else timeout
    try:
        # its own process group, so that stopping it stops whatever it started too
        proc = subprocess.Popen(
            [program, f"-T{fmt}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise RenderError(f"{who} could not be run ({program}): {exc.strerror or exc}") from None
    with proc:
        try:
            out, err = proc.communicate(source.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            nodes, edges, _ = layout_cost(source)
            raise RenderTimeout(
                f"{who} took more than {timeout:g} s and was stopped: {_size_advice(nodes, edges)}"
            ) from None
    if proc.returncode != 0 or not out:
        why = err.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"{who} could not render {fmt}: {why}")
    return out


def _stop(proc: subprocess.Popen) -> None:
    """Kill a renderer and everything it started, and reap it."""
    killpg = getattr(os, "killpg", None)
    try:
        if killpg is not None:
            killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except ProcessLookupError:
        pass
    proc.communicate()


def render(source: str, fmt: str = "svg", engine: str = "auto", timeout: float | None = None) -> bytes:
    """Render DOT ``source`` to ``fmt`` (svg, png, pdf, …) and return the bytes.

    ``engine`` is ``"auto"`` (the system dot, else the bundled graphviz-pure), ``"system"``
    or ``"bundled"`` (``"wasm"``, its name before 0.2, still means the bundled one).

    Every failure is a ``RenderError`` saying why: no renderer for the format, the renderer's
    own error, a graph too large to lay out in seconds (refused at once, with advice), or a
    renderer still running after ``timeout`` seconds (default ``TIMEOUT``), which is stopped.
    """
    engine = "bundled" if engine == "wasm" else engine
    if engine not in ENGINES:
        raise ValueError(f"render: engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    fmt = fmt.lower()
    source = _prepared(source)
    dot = system_dot() if engine in ("auto", "system") else None
    if dot:
        try:
            return _run(dot, fmt, source, "Graphviz dot", timeout)
        except RenderTimeout:
            raise
        except RenderError as failed:  # dot's own error: the bundled one may draw it (SVG, PNG)
            bundled = bundled_dot()
            if engine == "system" or fmt not in BUNDLED_FORMATS or bundled is None:
                raise
            try:
                return _run(bundled, fmt, source, "the bundled Graphviz (graphviz-pure)", timeout)
            except RenderError as also:
                raise RenderError(f"{failed}; {also}") from None
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
    return _run(bundled, fmt, source, "the bundled Graphviz (graphviz-pure)", timeout)


def _pdf_from_bundled_svg(source: str) -> bytes:
    """PDF with no system Graphviz: the bundled SVG through Typst, or an error naming both."""
    from tinygrad_like import pdf

    try:
        import typst  # noqa: F401  (only asked whether it is there)
    except ImportError:
        raise RenderError(
            f"rendering PDF needs the system Graphviz or Typst: {SYSTEM_HINT}, or {pdf.HINT} (Typst). "
            "SVG and PNG work without them."
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
