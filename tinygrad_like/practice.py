r"""Practice: the learner does the backward pass, the library checks every step.

``practice(root)`` walks through ``explain(root)``'s steps, in its order and with
its names, and for each step into a variable (steps into constants are not
asked) asks

1. the local derivative ∂node/∂child, a number or an expression in the graph's names;
2. the contribution to the child's gradient, local × upstream;
3. where the child gets gradient from several edges, its gradient so far
   (earlier contributions + this one: the accumulation).

A number is right to the precision it is typed with (``0.42`` is right for
0.4199…: half a unit in its last digit) or within 1e-6 relative; an integer or an
expression must be within 1e-6 relative. Expressions are read by the library's own
parser (``tinygrad_like.expr``) and computed at the graph's values: nothing is
evaluated by Python, and anything outside the grammar is refused with a message.
A wrong answer gets a hint in three stages (the rule from the table of
operations, the numbers to put in, the answer); ``skip`` shows the answer and
moves on, ``hint`` asks for the next stage, ``q`` (or Ctrl-D) ends with the summary.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> m = x * w; m.label = "m"
>>> summary = practice(m, ask=scripted(["-3", "-3", "2", "-2", "2"]), tell=lambda text: None)
>>> summary.questions, summary.right_first_time, dict(summary.mistakes)
(4, 3, {'wrong sign': 1})
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from tinygrad_like.explain import Explanation, Step, explain
from tinygrad_like.expr import MAX_LENGTH, ExpressionError, build, functions, variables
from tinygrad_like.notation import is_constant, operand
from tinygrad_like.ops import by_parser_name, lookup
from tinygrad_like.page import factor
from tinygrad_like.plan import identifier
from tinygrad_like.value import Value, no_grad

RELATIVE = 1e-6
LOCAL, CONTRIBUTION, ACCUMULATED = "local", "contribution", "accumulated"
SKIP, HINT, HELP, QUIT = ("skip", "s"), ("hint", "?"), ("help",), ("q", "quit", "exit")
_NUMBER = re.compile(r"[+-]?(?:\d+(\.\d*)?|(\.\d+))(?:[eE]([+-]?\d+))?")
_TYPED = {"−": "-", "·": "*", "⋅": "*", "×": "*", "^": "**", "²": "**2"}
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")  # 0,5: a decimal written with a comma
# tanh²(m): the square of tanh(m). A name is tried only where a word starts, so an answer of
# thousands of letters is read in one pass (tried at every letter, it took minutes).
_SQUARED_CALL = re.compile(r"(?<!\w)([A-Za-z_]\w*)²\(([^()]*)\)")


def as_typed(text: str) -> str:
    """An answer written as the rules write it, in the parser's grammar: − · × ^ ², σ, tanh²(m).

    >>> as_typed("1 − tanh²(m)"), as_typed("σ(z)·(1 − σ(z))"), as_typed("x^2 × w")
    ('1 - tanh(m)**2', 'sigmoid(z)*(1 - sigmoid(z))', 'x**2 * w')
    """
    for name, op in by_parser_name().items():  # σ(z) is sigmoid(z): a function's symbol, as drawn
        if op.symbol:
            text = text.replace(op.symbol, name)
    text = _SQUARED_CALL.sub(r"\1(\2)**2", text)
    for typed, spelled in _TYPED.items():
        text = text.replace(typed, spelled)
    return text.strip()


def counted(n: int, word: str) -> str:
    """``n`` and the word, plural unless n is 1: "1 step", "2 steps", "0 steps".

    >>> counted(1, "step"), counted(5, "question"), counted(0, "hint")
    ('1 step', '5 questions', '0 hints')
    """
    return f"{n} {word}{'s' * (n != 1)}"


def num(x: float) -> str:
    """A number as the practice writes it: eight significant digits, never -0.

    >>> num(-0.0), num(1 / 3), num(2.0)
    ('0', '0.33333333', '2')
    """
    return format(x + 0.0, ".8g")


def typed_tolerance(text: str) -> float:
    """Half a unit in the last digit typed; 0 for an integer (which must be exact to 1e-6).

    >>> typed_tolerance("0.42"), typed_tolerance(".42"), typed_tolerance("-3"), typed_tolerance("5.4e-4")
    (0.005, 0.005, 0.0, 5e-06)
    >>> typed_tolerance("1e400"), typed_tolerance("1e-400")
    (inf, 0.0)
    """
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"typed_tolerance: {text!r} is not a number")
    fraction, exponent = match.group(1) or match.group(2), match.group(3)
    if fraction is None and exponent is None:
        return 0.0
    if exponent and len(exponent.lstrip("+-")) > 6:  # far beyond floats: the number is 0 or inf
        exponent = exponent[0] + "999999" if exponent[0] == "-" else "999999"
    decimals = (len(fraction) - 1 if fraction else 0) - (int(exponent) if exponent else 0)
    try:
        return 0.5 * 10.0 ** (-decimals)
    except OverflowError:  # an exponent past 1e308: the number typed is 0 or inf, which matches() judges
        return math.inf


def matches(value: float, target: float, tolerance: float = 0.0) -> bool:
    """True when ``value`` is ``target`` to ``tolerance`` (the typed precision) or to 1e-6 relative.

    A typed 0 is right only for a target that is 0: rounding a small gradient away is not an answer.

    >>> matches(0.42, 0.41997), matches(0.0, 0.0003, 0.05), matches(-2.0000001, -2.0)
    (False, False, True)
    >>> matches(0.42, 0.41997, 0.005)
    True
    """
    if not (math.isfinite(value) and math.isfinite(target)):
        return value == target
    if value == 0.0:
        return abs(target) <= 1e-12
    slack = tolerance * (1 + 1e-9) + 1e-15
    return abs(value - target) <= max(slack, RELATIVE * abs(target))


@dataclass(frozen=True)
class Question:
    """One question of a step: what is asked, the right value, and three staged hints."""

    step: Step
    kind: str  # local, contribution or accumulated
    number: int  # the step's number among the asked steps, from 1
    prompt: str
    expected: float
    hints: tuple[str, str, str]
    previous: float = 0.0  # for an accumulation: the child's gradient before this step
    header: str = ""  # the step's introduction, on its first question: shown once, not on each retry
    how: str = ""  # how to type an answer (the names, their spellings): shown once, and on ``help``

    @property
    def long_prompt(self) -> str:
        """The prompt with how to type an answer, as the first question of a session shows it."""
        return f"{self.prompt.rstrip()} ({self.how}) " if self.how else self.prompt

    @property
    def what(self) -> str:
        s = self.step
        if self.kind == LOCAL:
            return f"∂{operand(s.node_name)}/∂{operand(s.child_name)}"
        if self.kind == CONTRIBUTION:
            return f"the contribution to {operand(s.child_name)}.grad"
        return f"{operand(s.child_name)}.grad so far"


@dataclass(frozen=True)
class Feedback:
    """What the session says to one answer. ``verdict``: right, wrong, refused, skipped or hint."""

    verdict: str
    text: str
    done: bool  # the question is finished: the session moves on
    mistake: str = ""


@dataclass
class Record:
    """How one question went."""

    question: Question
    attempts: int = 0
    hints: int = 0
    right: bool = False
    skipped: bool = False
    mistakes: list[str] = field(default_factory=list)

    @property
    def right_first_time(self) -> bool:
        return self.right and self.attempts == 1 and self.hints == 0


@dataclass(frozen=True)
class Summary:
    """The end of a practice session: what went right, the hints used, the mistakes by kind."""

    steps: int
    steps_done: int
    steps_right_first_time: int
    questions: int
    answered: int
    right_first_time: int
    hints_used: int
    skipped: int
    mistakes: Counter

    def __str__(self) -> str:
        lines = [
            f"summary: {self.steps_right_first_time} of {counted(self.steps, 'step')} right the first time "
            f"({self.right_first_time} of {counted(self.questions, 'question')}); "
            f"{counted(self.hints_used, 'hint')} used; {self.skipped} skipped"
        ]
        if self.steps_done < self.steps:
            lines.append(f"ended after {self.steps_done} of {counted(self.steps, 'step')}")
        if self.mistakes:
            kinds = ", ".join(f"{kind} ×{n}" for kind, n in self.mistakes.most_common())
            lines.append(f"mistakes: {kinds}")
        else:
            lines.append("mistakes: none")
        return "\n".join(lines)


# other letters for a rule whose own (x, y; w1, x1, …, b) are names in the learner's graph too
_LETTERS: tuple[dict[str, str], ...] = (
    {},
    {"x": "u", "y": "v", "w": "v", "b": "c"},
    {"x": "p", "y": "q", "w": "q", "b": "d"},
)


def rule_names(op_name: str, count: int, taken: Collection[str] = ()) -> list[str]:
    """Operand names for a rule as the table states it (x, y; w1, x1, …, b), in other letters when
    one of them is a name the learner sees in the question (``taken``).

    >>> rule_names("*", 2), rule_names("*", 2, {"y", "w", "x"}), rule_names("tanh", 1, {"x"})
    (['x', 'y'], ['u', 'v'], ['u'])
    """
    names = lookup(op_name).operand_names(count)
    for letters in _LETTERS:
        renamed = [letters.get(n[0], n[0]) + n[1:] for n in names]
        if not set(renamed) & set(taken):
            return renamed
    return names


def rule_text(step: Step, index: int, taken: Collection[str] = ()) -> str:
    """The op's rule from the table, in the table's own operand names: ∂tanh(x)/∂x = 1 − tanh²(x).

    ``index`` is which operand of the step's node the child is; ``taken``: the names the question
    shows, which the rule's operand names avoid (the rule's x is not the graph's x).

    >>> from tinygrad_like import Value
    >>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
    >>> rule_text(explain(a * b)[1], 1)
    'the rule: ∂(x·y)/∂y = x'
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> rule_text(explain(w * x)[1], 1, taken={"w", "x"})
    'the rule: ∂(u·v)/∂v = u'
    """
    op = lookup(step.node.op)
    generic = rule_names(op.name, len(step.node.children), taken)
    return f"the rule: ∂{operand(op.write(generic))}/∂{generic[index]} = {op.rule(index, generic)}"


class Practice:
    """A practice session over ``explain(root)``: ``question`` is what is asked now, ``answer`` checks.

    The front ends (``practice`` in a terminal or notebook, the command line, tests) only
    show ``question.prompt`` and pass what the learner typed to ``answer``.
    """

    def __init__(
        self,
        root: Value,
        only: Iterable[Value | str] | None = None,
        meanings: Mapping[Value, str] | None = None,
    ) -> None:
        self.explanation: Explanation = explain(root)
        # what a node's gradient is in a document's terms: "δ_3 = δ·g′(r_5)·w_3,5", or "δ·g′(r_5)"
        self.meanings: dict[Value, str] = dict(meanings or {})
        self.names = self.explanation.names
        self.variables = self._variables()
        # a name typed as it is shown (z²₁, g(r_1), w_3,5) is read as its spelling (z2_1, g_r_1, w_3_5)
        self.as_shown = {self.names[v]: k for k, v in self.variables.items() if self.names[v] != k}
        shown = sorted(self.as_shown, key=len, reverse=True)
        self.shown_names = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in shown) or "(?!)")
        self.only = None if only is None else self._nodes(only)
        self.questions = self._questions()
        self.records = [Record(q) for q in self.questions]
        self.position = 0

    # ---- the questions ----------------------------------------------------------------------

    def _variables(self) -> dict[str, Value]:
        """The names an expression answer may use, one per labelled node (and leaf): its label as
        Python's parser reads a name (ŵ_1, δ, z2_1), or spelled as an identifier when it is not
        one (w_3,5 → w_3_5, g(r_1) → g_r_1).

        ``self.spellings`` holds these and the other ways to type the same nodes that collide with
        nothing: the shown name where it differs (z²₁ is read as z21), the plain-letters spelling
        (δ → delta).
        """
        taken = set(functions())
        out: dict[str, Value] = {}
        others: list[tuple[str, Value]] = []
        for v, name in self.names.items():
            if is_constant(v) or not (v.label or not v.children):
                continue
            label = v.label or name
            typed = unicodedata.normalize("NFKC", label)  # ŵ_1, b̂, δ stay; x₁ is read as x1
            ways = [typed] if typed.isidentifier() else []
            ways += [identifier(label, set()), unicodedata.normalize("NFKC", name)]
            ways = [w for w in dict.fromkeys(ways) if w.isidentifier()]
            spelled = next((w for w in ways if w not in taken), None) or identifier(label, taken)
            taken.add(spelled)
            out[spelled] = v
            others += [(w, v) for w in ways if w != spelled]
        self.spellings = dict(out)
        for way, v in others:
            if way not in taken:
                taken.add(way)
                self.spellings[way] = v
        return out

    def _nodes(self, only: Iterable[Value | str]) -> set[Value]:
        """The nodes ``only`` names (Values of the graph, or their names as explain writes them or
        as they are typed), each checked: one that is not in the graph, or that nothing passes a
        gradient to, is refused by name."""
        if isinstance(only, (str, Value)):
            only = [only]
        by_name = {name: v for v, name in self.names.items()}
        by_name.update(self.spellings)
        by_name.update({v.label: v for v in self.names if v.label})
        reached = {s.child for s in self.explanation if not is_constant(s.child)}
        chosen: set[Value] = set()
        for item in only:
            node = item if isinstance(item, Value) else by_name.get(item)
            if node is None or node not in self.names:
                known = ", ".join(self.names[v] for v in self.names if v in reached)
                raise ValueError(f"practice(only=...): {item!r} is not a node of this graph; nodes: {known}")
            if node not in reached:
                what = "the root" if node is self.explanation.root else "a constant"
                raise ValueError(
                    f"practice(only=...): {self.names[node]!r} is {what}: no step passes it a gradient"
                )
            chosen.add(node)
        return chosen

    def spelled(self, v: Value) -> str:
        """How to type ``v``'s name in an expression ('' when it has no name to type)."""
        return next((k for k, u in self.variables.items() if u is v), "")

    def _questions(self) -> list[Question]:
        # explain takes a node's operands in order, one step each: count them to know which is which
        operand_index: list[int] = []
        for k, s in enumerate(self.explanation):
            same = k > 0 and self.explanation[k - 1].node is s.node
            operand_index.append(operand_index[-1] + 1 if same else 0)
        steps = [
            (s, i)
            for s, i in zip(self.explanation, operand_index)
            if not is_constant(s.child) and (self.only is None or s.child in self.only)
        ]
        edges_into = Counter(s.child for s, _ in steps)
        so_far: dict[Value, float] = {}
        questions: list[Question] = []
        for number, (s, index) in enumerate(steps, 1):
            previous = so_far.get(s.child)
            so_far[s.child] = (previous or 0.0) + s.contribution
            head = self._head(number, len(steps), s, index)
            local = self._local(number, s, index, head)
            questions += [local, self._contribution(number, s, local.how)]
            if previous is not None:
                questions.append(self._accumulated(number, s, previous, edges_into[s.child], local.how))
        return questions

    def meaning(self, node: Value) -> str:
        """What ``node``'s gradient is in the document's terms, as a sentence's end: "δ_3 =
        δ·g′(r_5)·w_3,5", or "r_5.grad = δ·g′(r_5)" for a formula without a name; '' if none given."""
        said = self.meanings.get(node, "")
        if said and "=" not in said:
            said = f"{operand(self.names[node])}.grad = {said}"
        return said

    def completes(self, q: Question) -> Value | None:
        """The node whose gradient is complete once ``q`` is answered: its last question into a
        child that no later step of the backward pass reaches again; else None."""
        later = self.questions[next(k for k, r in enumerate(self.questions) if r is q) + 1 :]
        if any(r.step is q.step for r in later):
            return None
        steps = list(self.explanation)
        after = steps[next(k for k, s in enumerate(steps) if s is q.step) + 1 :]
        return None if any(s.child is q.step.child for s in after) else q.step.child

    def _head(self, number: int, total: int, s: Step, index: int) -> str:
        op = lookup(s.node.op)
        formula = op.write([self.names[c] for c in s.node.children])
        values = ", ".join(
            f"{self.names[c]} = {num(c.data)}" for c in dict.fromkeys(s.node.children) if not is_constant(c)
        )
        written = f"{s.node_name} = {formula}" if formula != s.node_name else formula
        upstream = f"{operand(s.node_name)}.grad = {num(s.upstream)}"
        said = self.meanings.get(s.node, "")
        if said:  # r_5.grad is the blog's δ·g′(r_5): say so where the number is given
            upstream += f", which is {said.split(' = ')[0] if ' = ' in said else said}"
        uses = sum(c is s.child for c in s.node.children)
        which = ""
        if uses > 1:  # x·x: one step per operand, the same child twice; say which edge this is
            nth = sum(c is s.child for c in s.node.children[:index]) + 1
            ordinal = {1: "first", 2: "second", 3: "third"}.get(nth, f"{nth}th")
            which = f" (the {ordinal} of its {uses} edges to {s.child_name}: one step each)"
        return (
            f"step {number} of {total}: {written} = {num(s.node.data)} (with {values}; {upstream}) "
            f"passes its gradient to {s.child_name}{which}"
        )

    def _operand_values(self, s: Step) -> str:
        shown = [c for c in dict.fromkeys(s.node.children) if not is_constant(c)]
        parts = [f"{self.names[c]} = {num(c.data)}" for c in shown]
        if s.node_name not in [self.names[c] for c in shown]:
            parts.append(f"{s.node_name} = {num(s.node.data)}")
        return ", ".join(parts)

    def _shown_with(self, s: Step) -> set[str]:
        """The names a step's question shows: its node's and the node's operands' (as shown and as typed)."""
        nodes = [s.node, *s.node.children]
        return {self.names[v] for v in nodes} | {self.spelled(v) for v in nodes}

    def _local(self, number: int, s: Step, index: int, head: str) -> Question:
        d = f"∂{operand(s.node_name)}/∂{operand(s.child_name)}"
        operands = [self.spelled(c) for c in dict.fromkeys(s.node.children) if self.spelled(c)]
        typeable = list(dict.fromkeys([*operands, *self.variables]))
        names = ", ".join(typeable[:6]) + (", …" if len(typeable) > 6 else "")
        how = f"a number, or an expression in {names}" if typeable else "a number"
        spelled = [
            f"{self.names[c]} as {self.spelled(c)}"
            for c in dict.fromkeys(s.node.children)
            if self.spelled(c) and self.spelled(c) != self.names[c]
        ]
        if spelled:
            how += f"; type {', '.join(spelled)}"
        return Question(
            s,
            LOCAL,
            number,
            f"  local derivative {d} = ? ",
            s.local,
            (
                rule_text(s, index, self._shown_with(s)),
                f"put in the numbers: {d} = {s.rule} with {self._operand_values(s)}",
                f"the answer: {d} = {s.rule} = {num(s.local)}"
                if s.rule.replace("−", "-") != num(s.local)
                else f"the answer: {d} = {num(s.local)}",
            ),
            header=head,
            how=how,
        )

    def _contribution(self, number: int, s: Step, how: str) -> Question:
        child = operand(s.child_name)
        return Question(
            s,
            CONTRIBUTION,
            number,
            f"  contribution to {child}.grad = local × upstream = ? ",
            s.contribution,
            (
                f"the chain rule: contribution = ∂{operand(s.node_name)}/∂{child} × "
                f"{operand(s.node_name)}.grad (the gradient the node has gathered, ∂root/∂node)",
                f"put in the numbers: {num(s.local)} × {factor(s.upstream, '.8g')}",
                f"the answer: {num(s.local)} × {factor(s.upstream, '.8g')} = {num(s.contribution)}",
            ),
            how=how,
        )

    def _accumulated(self, number: int, s: Step, previous: float, edges: int, how: str) -> Question:
        child = operand(s.child_name)
        total = previous + s.contribution
        return Question(
            s,
            ACCUMULATED,
            number,
            f"  {child} is reached by {edges} edges: {child}.grad so far = ? ",
            total,
            (
                f"a reused node adds up: {child}.grad = what it had + this contribution (grad += …)",
                f"put in the numbers: {num(previous)} + {factor(s.contribution, '.8g')}",
                f"the answer: {num(previous)} + {factor(s.contribution, '.8g')} = {num(total)}",
            ),
            previous,
            how=how,
        )

    # ---- answering --------------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        """The question being asked, or None when every step is done."""
        return self.questions[self.position] if self.position < len(self.questions) else None

    def __iter__(self) -> Iterator[Question]:
        while self.question is not None:
            yield self.question

    def read(self, text: str) -> tuple[float, float]:
        """The value of an answer and the tolerance it was typed with.

        Raises ``ExpressionError`` for anything outside the parser's grammar or a name not in
        the graph, ``ValueError`` for an expression undefined at the graph's values.
        """
        if len(text) > MAX_LENGTH:  # before any pass over it: an answer is a short expression
            raise ExpressionError(f"the answer is longer than {MAX_LENGTH:,} characters")
        text = as_typed(self.shown_names.sub(lambda m: self.as_shown[m.group(0)], text))
        if _NUMBER.fullmatch(text):
            return float(text), typed_tolerance(text)
        if _DECIMAL_COMMA.fullmatch(text):
            raise ExpressionError(f"write a decimal with a point: {text.replace(',', '.')}, not {text}")
        unknown = [name for name in variables(text) if name not in self.spellings]
        if unknown:
            known = ", ".join(self.variables) or "none (answer with a number)"
            raise ExpressionError(f"{unknown[0]!r} is not a name in this graph; names you can use: {known}")
        with no_grad():
            value, _ = build(text, {name: v.data for name, v in self.spellings.items()})
        return value.data, 0.0

    def answer(self, text: str) -> Feedback:
        """Check one answer to the current question and say what follows."""
        q = self.question
        if q is None:
            raise ValueError("answer: the practice is over; every step has been answered")
        record = self.records[self.position]
        word = text.strip().lower()
        if word in SKIP:
            record.skipped = True
            answer = q.hints[2][len("the answer: ") :]
            return self._next(Feedback("skipped", f"skipped: {answer}{self._that_is(q)}", True))
        if word in HINT:
            return Feedback("hint", self._hint(record), False)
        if word in HELP:
            return Feedback("help", f"  answer with {q.how or 'a number'}; hint, skip, or q to stop", False)
        try:
            value, tolerance = self.read(text)
        except ExpressionError as exc:
            return Feedback("refused", f"refused: {exc}. Try again, or type skip.", False)
        except ValueError as exc:  # an op undefined at these values: log of a negative number, 1/0, …
            return Feedback("refused", f"cannot compute that here: {exc}. Try again, or type skip.", False)
        record.attempts += 1
        if matches(value, q.expected, tolerance):
            record.right = True
            text = f"✓ right: {q.what} = {num(q.expected)}{self._that_is(q)}"
            return self._next(Feedback("right", text, True))
        mistake = self._mistake(q, value, tolerance)
        record.mistakes.append(mistake)
        note = f" ({mistake})" if mistake != "wrong value" else ""
        hint = self._hint(record)
        text = f"✗ wrong: {num(value)} is not {q.what}{note}\n  {hint}\n  try again, or type skip"
        return Feedback("wrong", text, False, mistake)

    def _that_is(self, q: Question) -> str:
        """A line naming the number just found in the document's terms, when ``q`` completes a
        gradient it names: "that is δ_3 = δ·g′(r_5)·w_3,5 = 0.0056357474"."""
        node = self.completes(q)
        said = self.meaning(node) if node is not None else ""
        return f"\nthat is {said} = {num(q.step.child_grad)}" if said else ""

    def _hint(self, record: Record) -> str:
        stage = min(record.hints, 2)
        record.hints = min(record.hints + 1, 3)
        return f"hint {stage + 1}/3: {record.question.hints[stage]}"

    def _next(self, feedback: Feedback) -> Feedback:
        self.position += 1
        return feedback

    def traps(self, q: Question) -> list[tuple[float, str]]:
        """The known slips for ``q``, in the order they are tried: (the value a slip gives, its name).

        A slip whose value is the right answer too is left out (it could not be told apart).
        """
        s = q.step
        found: list[tuple[float, str]] = []
        if q.kind == ACCUMULATED:
            found += [(s.contribution, "forgotten accumulation at a reused node")]
            found += [(q.previous, "forgotten accumulation at a reused node")]
        found.append((-q.expected, "wrong sign"))
        if q.kind == CONTRIBUTION:
            found += [(s.local, "forgot to multiply by the upstream gradient")]
            found += [(s.upstream, "forgot the local derivative")]
        if q.kind == LOCAL:
            others = [loc for c, loc in zip(s.node.children, s.node.local_grads) if c is not s.child]
            found += [(loc, "derivative with respect to the other operand") for loc in others]
            mine = [loc for c, loc in zip(s.node.children, s.node.local_grads) if c is s.child]
            if len(mine) > 1:  # x·x: ∂/∂x is 2x through both edges; this step is one of them
                found.append((sum(mine), "both edges at once: a step is one edge"))
            found.append((s.node.data, "the node's value, not its derivative"))
        return [(target, name) for target, name in found if not matches(q.expected, target)]

    def _mistake(self, q: Question, value: float, tolerance: float) -> str:
        """Name the mistake when the wrong value is a known slip; else 'wrong value'."""
        slips = (name for target, name in self.traps(q) if matches(value, target, tolerance))
        return next(slips, "wrong value")

    def summary(self) -> Summary:
        """Where the session has got: steps and questions right the first time, hints, mistakes."""
        by_step: dict[int, list[Record]] = {}
        for r in self.records:
            by_step.setdefault(r.question.number, []).append(r)
        done = [rs for rs in by_step.values() if all(r.right or r.skipped for r in rs)]
        mistakes = Counter(m for r in self.records for m in r.mistakes if m != "wrong value")
        wrong = sum(m == "wrong value" for r in self.records for m in r.mistakes)
        if wrong:
            mistakes["other wrong values"] = wrong
        return Summary(
            steps=len(by_step),
            steps_done=len(done),
            steps_right_first_time=sum(all(r.right_first_time for r in rs) for rs in done),
            questions=len(self.records),
            answered=sum(r.right or r.skipped for r in self.records),
            right_first_time=sum(r.right_first_time for r in self.records),
            hints_used=sum(r.hints for r in self.records),
            skipped=sum(r.skipped for r in self.records),
            mistakes=mistakes,
        )


def scripted(answers: list[str], echo: bool = False) -> Callable[[str], str | None]:
    """An ``ask`` that gives these answers in turn, then ends the session (for tests and lessons).

    ``echo=True`` prints each question with the answer given, as a terminal shows them, so that a
    lesson's output reads as the session a learner had.

    >>> ask = scripted(["0.5"]); ask("∂y/∂x = ? "), ask("next? ")
    ('0.5', None)
    >>> answer = scripted(["0.5"], echo=True)("  ∂y/∂x = ? ")
      ∂y/∂x = ? 0.5
    """
    remaining = iter(answers)

    def ask(prompt: str) -> str | None:
        answer = next(remaining, None)
        if echo and answer is not None:
            print(prompt + answer)
        return answer

    return ask


def _input(prompt: str) -> str | None:
    """``input``; None at the end of input (Ctrl-D). Typed lines piped in are echoed, as a terminal would.

    Into a pipe the prompt is written and flushed here: ``input`` drops an error of its own flush,
    so with the reader gone (``| head``) the session would ask on with nobody to see the questions.
    Here a closed pipe raises BrokenPipeError, which ends the session (the command says nothing more).
    """
    try:
        if "ipykernel" not in sys.modules and not _terminal(sys.stdout):
            sys.stdout.write(prompt)
            sys.stdout.flush()
            prompt = ""
        text = input(prompt)
    except EOFError:  # Ctrl-D
        print()
        return None
    if not sys.stdin.isatty() and "ipykernel" not in sys.modules:  # Jupyter shows what was typed itself
        print(text)
    return text


def _terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for a pipe, a file, or no stream at all)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):  # None, a closed stream, a stream without isatty
        return False


def practice(
    root: Value,
    ask: Callable[[str], str | None] | None = None,
    tell: Callable[[str], None] | None = None,
    *,
    only: Iterable[Value | str] | None = None,
    meanings: Mapping[Value, str] | None = None,
) -> Summary:
    r"""Do the backward pass from ``root`` yourself, step by step; every answer is checked.

    ``ask(prompt)`` returns what the learner typed (None, ``q`` or Ctrl-D ends the
    session); ``tell(text)`` shows the verdicts, hints and summary. They default to
    ``input`` and ``print``, which work in a terminal and in Jupyter (where
    ``practice_widget(root)`` is the same session as a small widget, if ipywidgets is
    installed); tests and other front ends pass their own. ``only``: the nodes (Values, or their names) whose
    gradients the learner works out; every other step is done for them, and each
    question still says the upstream gradient it needs. ``meanings``: what some nodes'
    gradients are in a document's terms ({g(r_3): "δ_3 = δ·g′(r_5)·w_3,5", r_5: "δ·g′(r_5)"}),
    said where such a gradient is given and where one is complete. How to type an answer
    is shown with the first question, and again on ``help``. Returns the ``Summary`` (also
    told at the end).

    >>> from tinygrad_like import Value
    >>> a = Value(3.0, label="a"); y = a * a; y.label = "y"      # a reused: its grads add up
    >>> print(practice(y, ask=scripted(["a", "3", "3", "3", "6"]), tell=lambda text: None))
    summary: 2 of 2 steps right the first time (5 of 5 questions); 0 hints used; 0 skipped
    mistakes: none
    """
    ask = ask or _input
    tell = tell or print
    session = Practice(root, only, meanings)
    done_for_you = "steps into constants" if only is None else "the other steps"
    tell(
        f"Backpropagation from {session.names[root]}, by you: {counted(len(session.explanation), 'step')}, "
        f"{session.summary().steps} to do ({done_for_you} are done for you). Type a number or an "
        "expression; help, hint, skip, or q to stop."
    )
    if not session.questions:
        tell("Nothing to practise: no step of this backward pass goes into a variable.")
    introduced = None
    helped = False
    for question in session:
        if question.header and introduced is not question:
            tell(question.header)
            introduced = question
        text = ask(question.prompt if helped else question.long_prompt)  # the long help once
        helped = helped or bool(question.how)
        if text is None or text.strip().lower() in QUIT:
            break
        tell(session.answer(text).text)
    summary = session.summary()
    tell(str(summary))
    return summary
