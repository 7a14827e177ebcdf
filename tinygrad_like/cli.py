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
import errno
import math
import os
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import NoReturn

from tinygrad_like.expr import ExpressionError, build, variables


class UsageError(Exception):
    """Bad input from the command line: printed as one message, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (no usage block), exit status 2."""

    dash_word = False  # a word of the command line starts with "-" and is no option (set by main)

    def error(self, message: str) -> NoReturn:
        if "required: expression" in message and _Parser.dash_word:
            message += (
                '; an expression starting with "-" reads as an option: put it in parentheses, '
                '"(-x*w)", or after the other options and --, as in: draw --at x=1,w=2 -- "-x*w"'
            )
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def expression_first(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Let an expression starting with "-" come first, as in ``draw "-x*w" --at x=1,w=2``.

    argparse takes any word starting with "-" for an option. A word after the command that
    is no option of it (nor an option's value) is the expression: it moves after ``--``.

    >>> expression_first(["draw", "-x*w", "--at", "x=1,w=2"], make_parser())
    ['draw', '--at', 'x=1,w=2', '--', '-x*w']
    """
    if not argv or argv[0] not in ("draw", "explain", "practice") or "--" in argv:
        return argv
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = sub.choices[argv[0]]
    takes_value = {o for a in command._actions if a.option_strings and a.nargs != 0 for o in a.option_strings}
    known = {o for a in command._actions for o in a.option_strings}
    rest, expression, i = [argv[0]], [], 1
    while i < len(argv):
        word = argv[i]
        if word in takes_value:
            value = argv[i + 1 : i + 2]
            if value and value[0].startswith("-"):  # -o -x.svg: a value that argparse would take
                joined = f"{word}={value[0]}" if word.startswith("--") else word + value[0]  # for an option
                rest.append(joined)
            else:
                rest += [word, *value]
            i += 2
            continue
        if _is_expression(word, known):
            expression.append(word)
        else:
            rest.append(word)
        i += 1
    return [*rest, "--", *expression] if expression else argv


def _is_expression(word: str, known: set[str]) -> bool:
    """A word starting with one "-" that is no option: not ``-o``, ``--at=…``, ``--out`` (argparse
    takes a prefix of a long option), nor ``-oout.svg`` (a short option with its value attached)."""
    if not word.startswith("-") or len(word) == 1 or word in known:
        return False
    if word.startswith("--"):  # --out, --at=x=1: long options; ---x, --x*w: expressions
        return not re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", word, re.S)
    attached = word[:2] in known and not any(c in word[2:] for c in "*+()")
    return not attached


def parse_at(items: list[str]) -> dict[str, float]:
    """``["x=2,w=-3", "b=1"]`` → ``{"x": 2.0, "w": -3.0, "b": 1.0}``.

    >>> parse_at(["x=2,w=-3", "b=1e-3"])
    {'x': 2.0, 'w': -3.0, 'b': 0.001}
    """
    values: dict[str, float] = {}
    for item in items:
        for part in filter(None, (p.strip() for p in item.split(","))):
            name, sep, number = part.partition("=")
            # Python reads names in NFKC form: ｘ in the expression is x, so it is here too
            name = unicodedata.normalize("NFKC", name.strip())
            if not sep or not name.isidentifier():
                raise UsageError(f"--at takes name=number pairs separated by commas, got {part!r}")
            try:
                value = float(number)
            except ValueError:
                raise UsageError(f"--at {name}: {number.strip()!r} is not a number") from None
            if not math.isfinite(value):
                raise UsageError(f"--at {name}: {number.strip()!r} is not a finite number")
            if name in values and values[name] != value:
                raise UsageError(
                    f"--at {name}: given twice ({values[name]!r} and {value!r}); give each variable one value"
                )
            values[name] = value
    return values


_NOTES: list[str] = []  # notes for the standard error, written when the command succeeds


def _say_notes() -> None:
    for note in _NOTES:
        print(note, file=sys.stderr)
    _NOTES.clear()


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
    if unused:  # said once the command has done its work: a refusal stays its one line
        _NOTES.append(f"note: {', '.join(unused)} not used by the expression")
    if not root.label:
        root.label = "out"
    return root, leaves


def _output_path(path: str, allowed: tuple[str, ...]) -> Path:
    """The file to write, checked before any work is done: extension, folder, name, permission."""
    out = Path(path)
    if out.suffix.lower().lstrip(".") not in allowed:
        raise UsageError(
            f"cannot write {path!r}: use one of the extensions {', '.join('.' + a for a in allowed)}"
        )
    _check_writable(out, path)
    return out


def _check_writable(out: Path, path: str, folder: bool = False) -> None:
    """Refuse, with the reason, a path that cannot be written (as a file, or as a folder)."""
    if "\0" in path:
        raise UsageError(f"cannot write {path!r}: a path cannot hold a NUL character")
    try:
        max_name = os.pathconf(out.parent if out.parent.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not on this system: let the write say so
        max_name = 255
    long_part = next((p for p in out.parts if len(os.fsencode(p)) > max_name), None)
    if long_part is not None:
        raise UsageError(
            f"cannot write {path!r}: the name {long_part[:40]!r}… is longer than {max_name} bytes"
        )
    parent = next((p for p in [out.parent, *out.parent.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise UsageError(f"cannot write {path!r}: {str(parent)!r} is a file, not a folder")
    if parent != out.parent and not folder:
        raise UsageError(f"cannot write {path!r}: the folder {str(out.parent)!r} does not exist")
    if out.is_dir() and not folder:
        raise UsageError(f"cannot write {path!r}: it is a folder; give the file's name in it")
    if out.exists() and not out.is_dir() and folder:
        raise UsageError(f"cannot write into {path!r}: it is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise UsageError(f"cannot write {path!r}: permission denied")
    # The folder may still refuse files (a read-only or special file system such as /proc, also
    # for root, whom os.access lets through): try one, gone at once, before any work is done.
    try:
        with tempfile.TemporaryFile(dir=out if folder and out.is_dir() else parent):
            pass
    except OSError as exc:
        where = out if folder and out.is_dir() else parent
        raise UsageError(
            f"cannot write {path!r}: the folder {str(where)!r} takes no new files ({exc.strerror or exc})"
        ) from None


def _write(write, path: Path) -> None:
    """Run ``write()``; an operating-system refusal becomes one line naming the path and why."""
    try:
        write()
    except OSError as exc:
        why = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
        raise UsageError(f"cannot write {str(path)!r}: {why}") from None


def cmd_draw(args: argparse.Namespace) -> int:
    from tinygrad_like.draw import draw_dot
    from tinygrad_like.render import RenderError

    out = _output_path(args.output, ("svg", "png", "pdf", "dot", "gv"))
    root, _ = _build(args.expression, args.at)
    root.backward()
    drawing = draw_dot(root, rankdir=args.rankdir, show_local=args.local)
    try:
        _write(lambda: drawing.save(out), out)
    except RenderError as exc:
        advice = f'; or step through it: tinygrad-like explain "..." --html {out.stem}.html'
        raise UsageError(str(exc) + (advice if "lays out thousands" in str(exc) else "")) from None
    print(f"wrote {out}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from tinygrad_like.derive import derive
    from tinygrad_like.explain import explain

    if args.html is not None:  # --html "" is refused, not ignored
        html_out = _output_path(args.html, ("html", "htm"))
    root, leaves = _build(args.expression, args.at)
    if args.wrt is not None and args.wrt not in leaves:
        raise UsageError(
            f"--wrt {args.wrt}: not a variable of the expression; its variables: {', '.join(leaves)}"
        )
    steps = explain(root, notation=args.notation)
    page = None
    if args.html is not None:  # made first: a page that cannot be made is refused before anything is printed
        if not root.children:
            raise UsageError(
                f"--html: {args.expression.strip()!r} has no operation, so nothing to step through; "
                "write an expression such as x*w"
            )
        try:
            page = steps.page()
        except ValueError as exc:
            raise UsageError(f"--html: {exc}") from None
    wrt = [args.wrt] if args.wrt is not None else list(leaves)
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
    if args.html is not None and page is not None:
        _write(lambda: html_out.write_text(page, encoding="utf-8"), html_out)
        print(f"\nwrote {html_out}")
    return 0


def cmd_practice(args: argparse.Namespace) -> int:
    from tinygrad_like.practice import practice

    root, _ = _build(args.expression, args.at)
    _say_notes()  # before the session, whose questions follow
    practice(root)  # Ctrl-D or q ends it with the summary
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from nn.demo import run_demo  # the one place the engine's command reaches the nn package

    if not args.out.strip():
        raise UsageError("--out: give the name of a folder to write into")
    out = Path(args.out)
    _check_writable(out, args.out, folder=True)
    try:
        return run_demo(out, progress=not args.no_progress)
    except BrokenPipeError:  # standard output, not the folder: main says nothing more
        raise
    except OSError as exc:
        raise UsageError(f"cannot write into {args.out!r}: {exc.strerror or exc}") from None


def installed_version() -> str:
    """The installed package's version (the source's ``__version__`` when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tinygrad_like")
    except PackageNotFoundError:
        from tinygrad_like import __version__

        return __version__


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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


def _discard_output() -> None:
    """Send what is left of standard output to /dev/null, so that Python's own flush at exit
    does not fail again with a traceback after the one-line message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):  # no standard output to speak of
        pass


def _show_any_text() -> None:
    """Where the terminal or pipe cannot encode δ, ∂, Σ … (``PYTHONIOENCODING=ascii``, a Latin-1
    console), write them as escapes (``\\u2202``) rather than fail with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _show_any_text()
    parser = make_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    _Parser.dash_word = any(w.startswith("-") and w not in ("-h", "--help") for w in words[1:])
    try:
        args = parser.parse_args(expression_first(words, parser))
    except SystemExit:  # --help, --version or a refusal, printed by argparse: written out here
        status = _flush_output("tinygrad-like")
        if status is not None:
            return status
        raise
    _NOTES.clear()
    try:
        status = args.run(args)
        _say_notes()
        flushed = _flush_output(f"tinygrad-like {args.command}")
        return status if flushed is None else flushed
    except UsageError as exc:
        message = str(exc)
    except (RecursionError, MemoryError) as exc:  # a graph too deep or too large for this machine
        message = f"the expression is too large to work with here ({type(exc).__name__}); split it"
    except KeyboardInterrupt:
        print(f"tinygrad-like {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a program that stopped reading (| head)
        _discard_output()
        return 0
    except OSError as exc:  # standard output cannot be written (>/dev/full, a full disk)
        _discard_output()
        where = repr(exc.filename) if exc.filename else "the standard output"
        message = f"cannot write {where}: {exc.strerror or exc}"
    print(f"tinygrad-like {args.command}: error: {message}", file=sys.stderr)
    return 2


def _flush_output(who: str) -> int | None:
    """Write out what standard output holds, here rather than at exit (where a failure is a
    Python message): None when written; 0 when its reader has gone (| head), which is no error;
    2 with one line when it cannot be written (>/dev/full, a full disk)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        return None
    except BrokenPipeError:
        _discard_output()
        return 0
    except OSError as exc:
        _discard_output()
        print(f"{who}: error: cannot write the standard output: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
