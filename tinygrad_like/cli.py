"""The ``tinygrad-like`` command: draw and explain expressions, and run the demo.

    tinygrad-like draw "tanh(x*w + b)" --at x=2,w=-3,b=1 -o graph.svg
    tinygrad-like explain "tanh(x*w + b)" --at x=2,w=-3,b=1 --wrt x --html backprop.html
    tinygrad-like explain "sigmoid(x*w + b)" --at x=2,w=-3,b=1 --notation blog --latex
    tinygrad-like practice "tanh(x*w + b)" --at x=2,w=-3,b=1
    tinygrad-like demo --out tinygrad_like_demo

Every refused input exits with status 2 and a one-line message, writes nothing,
and shows no traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from tinygrad_like.expr import ExpressionError, build, variables


class UsageError(Exception):
    """Bad input from the command line: printed as one message, exit status 2."""


def parse_at(items: list[str]) -> dict[str, float]:
    """``["x=2,w=-3", "b=1"]`` → ``{"x": 2.0, "w": -3.0, "b": 1.0}``.

    >>> parse_at(["x=2,w=-3", "b=1e-3"])
    {'x': 2.0, 'w': -3.0, 'b': 0.001}
    """
    values: dict[str, float] = {}
    for item in items:
        for part in filter(None, (p.strip() for p in item.split(","))):
            name, sep, number = part.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise UsageError(f"--at takes name=number pairs separated by commas, got {part!r}")
            try:
                value = float(number)
            except ValueError:
                raise UsageError(f"--at {name}: {number.strip()!r} is not a number") from None
            if not math.isfinite(value):
                raise UsageError(f"--at {name}: {number.strip()!r} is not a finite number")
            values[name] = value
    return values


def _build(expression: str, at: list[str]):
    values = parse_at(at)
    try:
        unused = sorted(set(values) - set(variables(expression)))
        root, leaves = build(expression, values)
    except ExpressionError as exc:
        pointer = exc.pointer()
        raise UsageError(f"{exc}\n{pointer}" if pointer else str(exc)) from None
    except ValueError as exc:  # an op undefined at these values (log of 0, …)
        raise UsageError(str(exc)) from None
    if unused:
        print(f"note: {', '.join(unused)} not used by the expression", file=sys.stderr)
    if not root.label:
        root.label = "out"
    return root, leaves


def _output_path(path: str, allowed: tuple[str, ...]) -> Path:
    out = Path(path)
    if out.suffix.lower().lstrip(".") not in allowed:
        raise UsageError(
            f"cannot write {path!r}: use one of the extensions {', '.join('.' + a for a in allowed)}"
        )
    if not out.parent.exists():
        raise UsageError(f"cannot write {path!r}: the folder {str(out.parent)!r} does not exist")
    return out


def cmd_draw(args: argparse.Namespace) -> int:
    from tinygrad_like.draw import draw_dot
    from tinygrad_like.render import RenderError

    out = _output_path(args.output, ("svg", "png", "pdf", "dot", "gv"))
    root, _ = _build(args.expression, args.at)
    root.backward()
    drawing = draw_dot(root, rankdir=args.rankdir, show_local=args.local)
    try:
        drawing.save(out)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {out}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from tinygrad_like.derive import derive
    from tinygrad_like.explain import explain

    if args.html:
        html_out = _output_path(args.html, ("html", "htm"))
    root, leaves = _build(args.expression, args.at)
    if args.wrt and args.wrt not in leaves:
        raise UsageError(
            f"--wrt {args.wrt}: not a variable of the expression; its variables: {', '.join(leaves)}"
        )
    steps = explain(root, notation=args.notation)
    wrt = [args.wrt] if args.wrt else list(leaves)
    derivations = [derive(root, leaves[name], notation=args.notation) for name in wrt]
    if args.latex:  # LaTeX to paste into notes: the step table, then each derivation
        print(steps.to_latex())
        for d in derivations:
            print()
            print(f"\\[ {d.latex()} \\]")
    else:
        print(steps)
        for d in derivations:
            print()
            print(d)
    if args.html:
        steps.to_html(html_out)
        print(f"\nwrote {html_out}")
    return 0


def cmd_practice(args: argparse.Namespace) -> int:
    from tinygrad_like.practice import practice

    root, _ = _build(args.expression, args.at)
    practice(root)  # Ctrl-D or q ends it with the summary
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from nn.demo import run_demo  # the one place the engine's command reaches the nn package

    return run_demo(Path(args.out), progress=not args.no_progress)


def installed_version() -> str:
    """The installed package's version (the source's ``__version__`` when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tinygrad_like")
    except PackageNotFoundError:
        from tinygrad_like import __version__

        return __version__


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-like",
        description="Draw, explain and step through backpropagation on small expressions and networks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{draw,explain,practice,demo}")

    def expression_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("expression", help='e.g. "tanh(x*w + b)"')
        p.add_argument(
            "--at", action="append", default=[], metavar="x=2,w=-3", help="values of the variables"
        )

    draw = sub.add_parser("draw", help="draw an expression's computation graph after backward")
    expression_args(draw)
    draw.add_argument("-o", "--output", default="graph.svg", help="file to write: .svg, .png, .pdf or .dot")
    draw.add_argument(
        "--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"], help="direction of the graph"
    )
    draw.add_argument("--local", action="store_true", help="write each edge's local derivative on it")
    draw.set_defaults(run=cmd_draw)

    explain = sub.add_parser("explain", help="print the backward pass step by step and the derivation")
    expression_args(explain)
    explain.add_argument("--wrt", help="the variable to derive for (default: every variable)")
    explain.add_argument("--html", help="also write the step-through page to this .html file")
    explain.add_argument(
        "--notation",
        choices=["nielsen", "blog"],
        help="name things as Nielsen's notes do (σ′, w^l_jk) or as the blog does (g′, r, δ = y − t)",
    )
    explain.add_argument(
        "--latex", action="store_true", help="print the LaTeX of the step table and of the derivation"
    )
    explain.set_defaults(run=cmd_explain)

    practice = sub.add_parser(
        "practice",
        help="do the backward pass yourself, each step checked",
        description="Do the backward pass yourself: for each edge into a variable, type the local "
        "derivative, the contribution local × upstream and, at a node several edges reach, its gradient "
        "so far, as a number or an expression in the graph's names (1 - tanh(m)**2). Each answer is "
        "checked; 'hint' gives the next hint, 'skip' shows the answer, 'q' or Ctrl-D ends with a summary.",
    )
    expression_args(practice)
    practice.set_defaults(run=cmd_practice)

    demo = sub.add_parser("demo", help="train the blog's three-layer network on XOR and explain it")
    demo.add_argument("--out", default="tinygrad_like_demo", help="folder for the drawing and the page")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"tinygrad-like {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
