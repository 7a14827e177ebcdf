r"""The practice session as a small notebook widget: a field, check / hint / skip, the verdicts.

``practice(root)`` asks with ``input()``, which works in every notebook. Where
``ipywidgets`` is installed, ``practice_widget(root)`` is the same session as a widget:
the question, an answer field (Enter or *check* checks it), *hint* and *skip* buttons,
and below them the verdicts and hints as ``practice`` tells them, then the summary.
Every text is escaped: nothing typed and nothing a label says becomes HTML.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> y = x * w; y.label = "y"
>>> widget = practice_widget(y)
>>> widget.type("-3").verdict, widget.type("-6").verdict
('right', 'wrong')
>>> widget.lines[-1][1].splitlines()[0]
'✗ wrong: -6 is not the contribution to x.grad'
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from tinygrad_like.practice import Feedback, Practice, Summary, counted
from tinygrad_like.value import Value

COLOURS = {"right": "#2e7d32", "wrong": "#c62828", "refused": "#8a5a00", "skipped": "#555", "hint": "#333"}


class PracticeWidget:
    """``practice(root)`` in a notebook, as ipywidgets: ``type(text)`` is what Enter does."""

    def __init__(self, root: Value, only: Iterable[Value | str] | None = None) -> None:
        try:
            import ipywidgets as widgets
        except ImportError as exc:
            raise ImportError(
                "practice_widget needs ipywidgets: pip install ipywidgets (or use practice(root), which asks "
                "with input())"
            ) from exc
        self.session = Practice(root, only)
        self.lines: list[tuple[str, str]] = []  # (kind, text) as practice() would tell them
        self.prompt = widgets.HTML()
        self.field = widgets.Text(
            placeholder="a number or an expression; Enter checks", continuous_update=False
        )
        self.field.layout.width = "100%"
        buttons = [widgets.Button(description=word) for word in ("check", "hint", "skip")]
        self.log = widgets.HTML()
        self.box = widgets.VBox([self.log, self.prompt, self.field, widgets.HBox(buttons)])
        self.field.observe(lambda change: self._enter(change["new"]), names="value")  # Enter, or leaving it
        buttons[0].on_click(lambda _: self._enter(self.field.value))
        buttons[1].on_click(lambda _: self.type("hint"))
        buttons[2].on_click(lambda _: self.type("skip"))
        steps = counted(self.summary().steps, "step")
        self._add("intro", f"Backpropagation from {self.session.names[root]}, by you: {steps}.")
        first = self.session.question
        if first is not None and first.how:  # how to type an answer: once, not under every prompt
            self._add("intro", f"Answer with {first.how}; help shows this again.")
        self._show()

    def type(self, text: str) -> Feedback:
        """Answer the current question with ``text``, as if typed and Enter pressed."""
        question = self.session.question
        if question is None:
            raise ValueError("practice_widget: every step has been answered; see .summary()")
        feedback = self.session.answer(text)
        self._add("answer", f"{question.prompt.strip()} {text.strip()}")
        self._add(feedback.verdict, feedback.text)
        self._show()
        return feedback

    def summary(self) -> Summary:
        """Where the session has got (the same ``Summary`` that ``practice`` returns)."""
        return self.session.summary()

    def _enter(self, text: str) -> None:
        if text.strip() and self.session.question is not None:
            self.type(text)
            self.field.value = ""  # ready for the next answer (this change has no text: ignored)

    def _add(self, kind: str, text: str) -> None:
        if (kind, text) not in self.lines or kind not in ("header", "summary"):
            self.lines.append((kind, text))

    def _show(self) -> None:
        question = self.session.question
        if question is not None and question.header:
            self._add("header", question.header)  # once per step
        if question is None:
            self._add("summary", str(self.summary()))
        self.log.value = "".join(
            f'<div style="white-space: pre-wrap; color: {COLOURS.get(kind, "#222")}; '
            f'font-weight: {600 if kind in ("right", "wrong", "header") else 400}">{html.escape(text)}</div>'
            for kind, text in self.lines
        )
        self.prompt.value = f"<b>{html.escape(question.prompt.strip())}</b>" if question else ""
        self.field.disabled = question is None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


def practice_widget(root: Value, *, only: Iterable[Value | str] | None = None) -> PracticeWidget:
    """The practice session from ``root`` as a notebook widget (needs ``ipywidgets``).

    ``only``: as ``practice``'s, the nodes whose gradients the learner works out.
    """
    return PracticeWidget(root, only)
