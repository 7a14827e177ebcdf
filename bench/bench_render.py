"""How long Graphviz takes to lay out x+x+…+x, as dot does by default and as render() asks it to.

The drawing of a sum of n terms of one variable has about n² rank crossings (x feeds every + node,
the k-th of them k ranks away), which made dot run for minutes. render() skips the network-simplex
pass that only polishes positions (nslimit=0) once a graph is large, and refuses graphs beyond
MAX_CROSSINGS at once. Runs are interleaved; each cell is the median of REPEAT runs, in seconds,
with a cap of CAP seconds (shown as ">CAP").

    python bench/bench_render.py            # 30, 50, 100 terms
    python bench/bench_render.py 30 60 100 200
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from tinygrad_like import draw_dot
from tinygrad_like.expr import build
from tinygrad_like.render import _prepared, bundled_dot, layout_cost, system_dot

REPEAT = 3
CAP = 60.0


def seconds(program: str, source: str) -> float:
    start = time.perf_counter()
    try:
        subprocess.run(
            [program, "-Tsvg"], input=source.encode(), capture_output=True, timeout=CAP, check=True
        )
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    engines = [
        (name, path)
        for name, path in (("system dot", system_dot()), ("graphviz-pure", bundled_dot()))
        if path
    ]
    print(
        f"{'terms':>5} {'crossings':>9}  "
        + "  ".join(f"{n + ' default':>22} {n + ' render()':>22}" for n, _ in engines)
    )
    for n in sizes:
        root, _ = build("+".join(["x"] * n), {"x": 1.0})
        root.backward()
        plain = draw_dot(root).source
        fast = _prepared(plain)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(REPEAT):  # interleaved: default and fast, engine after engine
            for name, path in engines:
                for kind, source in (("default", plain), ("render()", fast)):
                    times.setdefault((name, kind), []).append(seconds(path, source))
        cells = []
        for name, _ in engines:
            for kind in ("default", "render()"):
                t = statistics.median(times[(name, kind)])
                cells.append(f"{'>' + str(int(CAP)) if t == float('inf') else f'{t:.2f}':>22}")
        print(f"{n:>5} {layout_cost(plain)[2]:>9}  " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [30, 50, 100])
