r"""A safe parser for the expressions the command line takes: ``tanh(x*w + b)``.

The text is parsed with Python's ``ast`` and only this grammar is accepted:
numbers, variable names, ``+ - * / **``, unary minus and plus, parentheses, and
calls of the engine's functions with one argument. Nothing is ever evaluated by
Python: the tree is walked here and each node becomes a Value operation.

>>> root, leaves = build("tanh(x*w + b)", {"x": 2, "w": -3, "b": 1})
>>> round(root.data, 6), sorted(leaves)
(-0.999909, ['b', 'w', 'x'])
>>> build("x.__class__", {"x": 1})
Traceback (most recent call last):
...
tinygrad_like.expr.ExpressionError: not allowed: attribute access; ...
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable
from typing import Any, cast

from tinygrad_like.labels import visible
from tinygrad_like.ops import by_parser_name
from tinygrad_like.value import Value, apply, too_large


def functions() -> tuple[str, ...]:
    """The functions an expression may call: every table entry with a ``parser`` name.

    >>> functions()
    ('exp', 'log', 'sigmoid', 'tanh', 'relu', 'abs', 'sqrt')
    """
    return tuple(by_parser_name())


def grammar() -> str:
    """What the parser accepts, in a sentence for error messages."""
    return "use numbers, variables, + - * / **, parentheses and " + ", ".join(f"{f}()" for f in functions())


def __getattr__(name: str) -> Any:
    # FUNCTIONS and GRAMMAR, read when asked: an op registered later is in them
    if name == "FUNCTIONS":
        return functions()
    if name == "GRAMMAR":
        return grammar()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MAX_LENGTH = 10_000  # characters
# Operations (+ - * / ** and calls) in one expression: a graph this size can still be drawn and
# stepped through, and Python's parser, which recurses once per operator in a chain, handles it on
# every supported version (3,000 terms x+x+…+x raise RecursionError or MemoryError inside it).
MAX_OPERATIONS = 1_000
_OPERATION = re.compile(r"\*\*|[-+*/]|\w\s*\(")

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "strings",
    ast.Await: "await",
    ast.Starred: "starred arguments",
}


class ExpressionError(ValueError):
    """The expression is outside the grammar, or names something without a value.

    ``column`` is the 1-based column it points at (0 when it concerns the whole text).
    """

    def __init__(self, message: str, text: str = "", column: int = 0) -> None:
        self.text, self.column = text, column
        super().__init__(message)

    def pointer(self, width: int = 72) -> str:
        """The expression with a caret under the column, for a terminal; a long expression is
        shown only around the column (at most ``width`` characters, "…" where it is cut), and
        control characters as escapes (a terminal must not obey them).

        >>> print(ExpressionError("", "x + y", 5).pointer())
          x + y
              ^
        """
        if not self.text or self.column < 1:
            return ""
        start = max(0, min(self.column - 1 - width // 2, len(self.text) - width))
        before = ("…" if start else "") + _echo(self.text[start : self.column - 1])
        after = _echo(self.text[self.column - 1 : start + width])
        after += "…" if start + width < len(self.text) else ""
        return f"  {before}{after}\n  {' ' * len(before)}^"


def _echo(text: str) -> str:
    """Text echoed on one terminal line: control characters (newlines too) as escapes."""
    return visible(text).replace("\n", "\\n")


def _refuse(node: ast.AST, text: str, what: str) -> ExpressionError:
    col = getattr(node, "col_offset", -1) + 1
    return ExpressionError(f"not allowed: {what}; {grammar()}", text, col)


def parse(text: str) -> ast.expr:
    """Parse and check ``text``; return the expression tree or raise ``ExpressionError``."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"the expression is empty; {grammar()}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH:,} characters")
    operations = len(_OPERATION.findall(text))
    if operations > MAX_OPERATIONS:
        raise ExpressionError(
            f"the expression has about {operations:,} operations, more than {MAX_OPERATIONS:,}; "
            "split it into smaller expressions"
        )
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" and the like: the error says it
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        if "integer string conversion" in str(exc.msg):  # an int literal past 4,300 digits
            raise ExpressionError(
                "a number in the expression has more than 4,300 digits, too large for a Value, whose "
                "data is a 64-bit float (at most about 1.8e308)"
            ) from None
        stripped = text.strip()
        column = exc.offset or 0
        if not 1 <= column <= len(stripped):  # Python says 0 when the input ends too early ("x+")
            column = len(stripped) + 1  # point past the end
            message = (
                f"syntax error at column {column}, the end of the expression: it ends too early ({exc.msg})"
            )
        else:
            message = f"syntax error at column {column}: {exc.msg}"
        raise ExpressionError(message, stripped, column) from None
    except (RecursionError, MemoryError):  # Python's parser gives up on deep nesting this way
        raise ExpressionError(
            "the expression is nested too deeply for Python's parser; split it into smaller expressions"
        ) from None
    _check(tree.body, text.strip())
    return tree.body


def _check(node: ast.AST, text: str) -> None:
    """Walk the tree (iteratively: deep nesting cannot overflow) refusing anything outside the grammar."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BinOp):
            if type(n.op) not in _BINARY:
                raise _refuse(n, text, f"the operator {type(n.op).__name__}")
            stack += [n.left, n.right]
        elif isinstance(n, ast.UnaryOp):
            if not isinstance(n.op, (ast.USub, ast.UAdd)):
                raise _refuse(n, text, f"the operator {type(n.op).__name__}")
            stack.append(n.operand)
        elif isinstance(n, ast.Constant):
            if isinstance(n.value, bool) or not isinstance(n.value, (int, float)):
                what = "strings" if isinstance(n.value, (str, bytes)) else f"the constant {n.value!r}"
                raise _refuse(n, text, what)
            try:
                finite = math.isfinite(n.value)
            except OverflowError:  # an int literal of hundreds of digits
                raise ExpressionError(
                    str(too_large("a number in the expression", n.value)), text, n.col_offset + 1
                ) from None
            if not finite:  # 1e999 is read as inf
                raise ExpressionError(
                    f"the number at column {n.col_offset + 1} is too large for a float (it would be inf); "
                    "numbers must be finite",
                    text,
                    n.col_offset + 1,
                )
        elif isinstance(n, ast.Name):
            if n.id in functions():
                raise _refuse(n, text, f"using the function {n.id} without calling it")
        elif isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name):
                raise _refuse(n.func, text, "calling anything but a function name")
            if n.func.id not in functions():
                raise ExpressionError(
                    f"unknown function {n.func.id!r}; known functions: {', '.join(functions())}",
                    text,
                    n.func.col_offset + 1,
                )
            if n.keywords:
                raise _refuse(n.keywords[0].value, text, "keyword arguments")
            if len(n.args) != 1:
                raise ExpressionError(
                    f"{n.func.id}() takes exactly one argument, got {len(n.args)}", text, n.col_offset + 1
                )
            stack.append(n.args[0])
        else:
            raise _refuse(n, text, _REFUSED.get(type(n), type(n).__name__))


def variables(text: str) -> list[str]:
    """The variable names in ``text``, in order of first appearance.

    >>> variables("x*w + b + x")
    ['x', 'w', 'b']
    """
    tree = parse(text)
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in functions()]
    return list(dict.fromkeys(n.id for n in sorted(names, key=lambda n: n.col_offset)))


def build(text: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the expression from Values: one leaf per variable (labelled by its name).

    Returns the root and the leaves by name. A variable without a value raises
    ``ExpressionError`` naming it; an op undefined at the values raises ``ValueError``.
    """
    tree = parse(text)
    text = text.strip()
    leaves: dict[str, Value] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id not in functions() and n.id not in values:
            raise ExpressionError(
                f"variable {n.id!r} has no value; give it one, e.g. --at {n.id}=1.0", text, n.col_offset + 1
            )
    for name in variables(text):
        leaves[name] = Value(values[name], label=name)

    # Post-order walk with an explicit stack: children are built before their parent.
    built: dict[int, Value | float] = {}
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        n, ready = stack.pop()
        if isinstance(n, ast.Constant):
            built[id(n)] = float(cast(float, n.value))  # parse() lets only int and float through
        elif isinstance(n, ast.Name):
            built[id(n)] = leaves[n.id]
        elif not ready:
            stack.append((n, True))
            parts = (
                [n.left, n.right]
                if isinstance(n, ast.BinOp)
                else [n.operand]
                if isinstance(n, ast.UnaryOp)
                else [_call(n)[1]]
            )
            stack += [(p, False) for p in parts]
        elif isinstance(n, ast.BinOp):
            a, b = built[id(n.left)], built[id(n.right)]
            if not isinstance(a, Value) and not isinstance(b, Value):
                a = Value(a)  # a constant expression still becomes a graph: 2*3 draws as one × node
            built[id(n)] = _BINARY[type(n.op)](a, b)
        elif isinstance(n, ast.UnaryOp):
            a = built[id(n.operand)]
            built[id(n)] = -a if isinstance(n.op, ast.USub) else a
        else:
            function, argument = _call(n)
            a = built[id(argument)]
            built[id(n)] = apply(by_parser_name()[function], a)
    root = built[id(tree)]
    if not isinstance(root, Value):
        root = Value(root, label=text)
    return root, leaves


def _call(n: ast.expr) -> tuple[str, ast.expr]:
    """The function's name and the argument of ``n``: the only other node parse() lets through."""
    assert isinstance(n, ast.Call) and isinstance(n.func, ast.Name), ast.dump(n)
    return n.func.id, n.args[0]
