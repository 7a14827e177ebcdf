"""practice(): the learner does the backward pass from scripted answers; verdicts, hints and summary.

The right answers are worked out here by hand for y = tanh(m), m = x·w + b at x = 2, w = −3, b = 1:
m = −5, ∂y/∂m = 1 − tanh²(−5), and the chain rule by hand below; never read from the code under test.
"""

import math
import subprocess
import sys

import pytest
from conftest import tanh_neuron

import tinygrad_like
from tinygrad_like import Value, practice
from tinygrad_like.practice import Practice, scripted

D = 1 - math.tanh(-5.0) ** 2  # ∂y/∂m at m = −5
# step by step in explain's order: y→m, m→x·w, m→b, x·w→x, x·w→w; (local, contribution) each
BY_HAND = [(D, D), (1.0, D), (1.0, D), (-3.0, -3.0 * D), (2.0, 2.0 * D)]


def neuron():
    y, x, w, b, n = tanh_neuron()
    n.label = "m"
    return y


def run(root, answers):
    told = []
    summary = practice(root, ask=scripted(answers), tell=told.append)
    return summary, told


def verdicts(told):
    return [line.split(":")[0] for text in told for line in text.splitlines() if line[:1] in "✓✗"]


def all_right():
    return [f"{v:.10g}" for pair in BY_HAND for v in pair]


def test_the_answers_by_hand_agree_with_finite_differences():
    x, w, b, h = 2.0, -3.0, 1.0, 1e-6
    f = lambda x, w, b: math.tanh(x * w + b)  # noqa: E731
    assert math.isclose((f(x + h, w, b) - f(x - h, w, b)) / (2 * h), BY_HAND[3][1], rel_tol=1e-6)
    assert math.isclose((f(x, w + h, b) - f(x, w - h, b)) / (2 * h), BY_HAND[4][1], rel_tol=1e-6)
    assert math.isclose((f(x, w, b + h) - f(x, w, b - h)) / (2 * h), BY_HAND[2][1], rel_tol=1e-6)


def test_all_right():
    summary, told = run(neuron(), all_right())
    assert verdicts(told) == ["✓ right"] * 10
    assert (summary.steps, summary.steps_right_first_time, summary.questions) == (5, 5, 10)
    assert (summary.right_first_time, summary.hints_used, summary.skipped) == (10, 0, 0)
    assert str(summary).splitlines() == [
        "summary: 5 of 5 steps right the first time (10 of 10 questions); 0 hints used; 0 skipped",
        "mistakes: none",
    ]


def test_questions_use_explains_names_and_order():
    session = Practice(neuron())
    headers = [q.header for q in session.questions if q.header]
    assert [h.split(" passes its gradient to ")[1] for h in headers] == ["m", "x·w", "b", "x", "w"]
    assert headers[0].startswith("step 1 of 5: y = tanh(m) = -0.9999092")
    assert session.questions[0].prompt.strip().startswith("local derivative ∂y/∂m = ?")


def test_one_wrong_answer_then_the_right_one():
    answers = all_right()
    answers.insert(0, "0.5")  # a wrong ∂y/∂m first
    summary, told = run(neuron(), answers)
    assert verdicts(told) == ["✗ wrong"] + ["✓ right"] * 10
    wrong = next(t for t in told if t.startswith("✗ wrong"))
    assert "hint 1/3: the rule: ∂tanh(x)/∂x = 1 − tanh²(x)" in wrong  # the op table's rule first
    assert (summary.right_first_time, summary.steps_right_first_time, summary.hints_used) == (9, 4, 1)
    assert "other wrong values ×1" in str(summary)


def test_hints_come_in_three_stages_rule_numbers_answer():
    summary, told = run(neuron(), ["0.5", "0.25", "0.125", "0.1", "q"])
    hints = [line.strip() for t in told for line in t.splitlines() if line.strip().startswith("hint")]
    assert hints == [
        "hint 1/3: the rule: ∂tanh(x)/∂x = 1 − tanh²(x)",
        "hint 2/3: put in the numbers: ∂y/∂m = 1 − tanh²(m) with m = -5, y = -0.9999092",
        f"hint 3/3: the answer: ∂y/∂m = 1 − tanh²(m) = {D:.8g}",
        f"hint 3/3: the answer: ∂y/∂m = 1 − tanh²(m) = {D:.8g}",
    ]
    assert summary.steps_done == 0 and "ended after 0 of 5 steps" in str(summary)


def test_an_expression_answer_is_computed_at_the_graphs_values():
    answers = all_right()
    answers[0] = "1 - tanh(m)**2"
    answers[6] = "w"  # ∂(x·w)/∂x
    answers[8] = "x"  # ∂(x·w)/∂w
    summary, told = run(neuron(), answers)
    assert verdicts(told) == ["✓ right"] * 10
    assert told[2] == f"✓ right: ∂y/∂m = {D:.8g}"


def test_an_expression_may_be_typed_as_the_rules_write_it():
    for typed in ["1 − tanh²(m)", "1 - tanh(m)^2", "1 − y·y", "(1 - y)×(1 + y)"]:
        _, told = run(neuron(), [typed, "q"])
        assert verdicts(told) == ["✓ right"], typed
    sigmoid = Value(0.3, label="z").sigmoid()
    sigmoid.label = "a"
    _, told = run(sigmoid, ["σ(z)·(1 − σ(z))", "q"])
    assert verdicts(told) == ["✓ right"]


def test_a_skip_shows_the_answer_and_moves_on():
    answers = all_right()
    answers[1] = "skip"
    summary, told = run(neuron(), answers)
    assert f"skipped: {D:.8g} × 1 = {D:.8g}" in told
    assert verdicts(told) == ["✓ right"] * 9
    assert (summary.skipped, summary.right_first_time, summary.steps_right_first_time) == (1, 9, 4)
    assert summary.steps_done == 5


@pytest.mark.parametrize(
    "attempt, message",
    [
        ("__import__('os').system('echo hacked')", "not allowed: calling anything but a function name"),
        ("__import__('os')", "unknown function '__import__'"),
        ("m.__class__", "not allowed: attribute access"),
        ("open('f')", "unknown function 'open'"),
        ("q + 1", "'q' is not a name in this graph; names you can use: x, w, b, m, y"),
        ("log(-m - 6)", "log of -1.0 is undefined"),
    ],
)
def test_an_expression_outside_the_grammar_is_refused_and_the_session_goes_on(attempt, message):
    answers = all_right()
    answers.insert(0, attempt)
    summary, told = run(neuron(), answers)
    refusal = told[2]
    assert refusal.startswith(("refused: ", "cannot compute that here: ")) and message in refusal
    assert verdicts(told) == ["✓ right"] * 10  # a refusal is no verdict and no mistake
    assert summary.right_first_time == 10


def test_numbers_are_checked_to_the_precision_typed():
    a = Value(0.41997, label="a")
    x = Value(0.41997, label="x")
    z = x * a
    z.label = "z"
    # ∂z/∂x = a = 0.41997: 0.42 is right to two decimals, 0.4 to one, 0.43 is not, 0 never
    right, wrong = "✓ right", "✗ wrong"
    for typed, verdict in [("0.42", right), ("0.4", right), ("4.2e-1", right), ("0.43", wrong)]:
        _, told = run(z, [typed, "q"])
        assert verdicts(told) == [verdict], typed
    _, told = run(z, ["0.0", "0", "q"])
    assert verdicts(told) == ["✗ wrong", "✗ wrong"]
    _, told = run(z, ["0.4199700001", "q"])  # within 1e-6 relative
    assert verdicts(told) == ["✓ right"]


def test_steps_into_constants_are_not_asked():
    x = Value(3.0, label="x")
    y = 2 * x + 1  # the constants 2 and 1: their steps are done for the learner
    y.label = "y"
    session = Practice(y)
    asked = [q.step.child_name for q in session.questions if q.kind == "local"]
    assert asked == ["2·x", "x"]
    summary, told = run(y, ["1", "1", "2", "2"])
    assert verdicts(told) == ["✓ right"] * 4 and summary.steps == 2


def test_a_reused_node_asks_the_accumulated_gradient_and_names_a_forgotten_accumulation():
    x = Value(3.0, label="x")
    m = x * x
    m.label = "m"
    y = m + x  # x reached three times: from y (1), then twice from m (x = 3 each): grad 1, 4, 7
    y.label = "y"
    session = Practice(y)
    kinds = [(q.kind, q.step.child_name) for q in session.questions]
    assert kinds.count(("accumulated", "x")) == 2
    summary, told = run(y, ["1", "1", "1", "1", "x", "3", "3", "4", "x", "3", "7"])
    wrong = [t for t in told if t.startswith("✗ wrong")]
    assert len(wrong) == 1 and "(forgotten accumulation at a reused node)" in wrong[0]
    assert "hint 1/3: a reused node adds up" in wrong[0]
    assert "forgotten accumulation at a reused node ×1" in str(summary)
    # ten questions, one of them first answered wrong
    assert summary.steps_done == 4 and summary.right_first_time == 9


def test_a_wrong_sign_is_named():
    y = neuron()
    answers = all_right()
    answers.insert(6, "3")  # ∂(x·w)/∂x is w = −3
    summary, told = run(y, answers)
    assert "✗ wrong: 3 is not ∂(x·w)/∂x (wrong sign)" in "\n".join(told)
    assert summary.mistakes["wrong sign"] == 1


def test_q_ends_with_the_summary():
    summary, told = run(neuron(), [f"{D:.10g}", "q"])
    assert told[-1].startswith("summary: 0 of 5 steps right the first time (1 of 10 questions)")
    assert summary.answered == 1


# ---- the command line, as a user runs it: the interpreter under test, answers on stdin ---------


def cli(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_like", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_practice_checks_answers_and_ends_with_the_summary_at_ctrl_d():
    answers = ["1 - tanh(x*w + b)**2", f"{D:.6g}", "0.5", "1", f"{D:.6g}"]
    result = cli("practice", "tanh(x*w + b)", "--at", "x=2,w=-3,b=1", stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("✓ right") == 4 and out.count("✗ wrong") == 1
    assert "hint 1/3: the rule: ∂(x + y)/∂x = 1" in out
    assert "summary: 1 of 5 steps right the first time (3 of 10 questions); 1 hint used" in out


def test_cli_practice_says_how_to_type_an_answer_once_and_again_on_help():
    # out = x·w at x = 2, w = −3: ∂out/∂x = w = −3 (contribution −3), ∂out/∂w = x = 2 (contribution 2)
    typed = ["1", "2", "help", "w", "-3", "x", "2"]
    result = cli("practice", "x*w", "--at", "x=2,w=-3", stdin="\n".join(typed) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("(a number, or an expression in x, w, out") == 1  # with the first question only
    assert "  local derivative ∂out/∂x = ? (a number, or an expression in x, w, out) 1\n" in out
    assert out.count("  local derivative ∂out/∂x = ? 2\n") == 1  # the retry: the short prompt
    assert out.count("  local derivative ∂out/∂x = ? help\n") == 1
    assert "  answer with a number, or an expression in x, w, out; hint, skip, or q to stop\n" in out
    assert "  local derivative ∂out/∂w = ? x\n" in out
    # each wrong answer brought a hint; help is not one
    assert "summary: 1 of 2 steps right the first time (3 of 4 questions); 2 hints used" in out


def test_one_step_is_one_step_and_one_question_one_question():
    told = []
    x = Value(3.0, label="x")
    y = 2 * x
    y.label = "y"
    practice(y, ask=scripted(["2", "2"]), tell=told.append)
    assert told[0].startswith("Backpropagation from y, by you: 2 steps, 1 to do")
    assert told[-1].startswith("summary: 1 of 1 step right the first time (2 of 2 questions); 0 hints used")
    told.clear()
    x = Value(3.0, label="x")
    practice(x.tanh(), ask=scripted(["q"]), tell=told.append)
    assert told[0].startswith("Backpropagation from tanh(x), by you: 1 step, 1 to do")
    assert told[-1] == (
        "summary: 0 of 1 step right the first time (0 of 2 questions); 0 hints used; 0 skipped\n"
        "ended after 0 of 1 step\nmistakes: none"
    )


def test_cli_practice_of_one_step_says_1_step():
    result = cli("practice", "2*x", "--at", "x=3", stdin="2\n2\n")
    assert result.returncode == 0, result.stderr
    assert "step 1 of 1: " in result.stdout
    assert "summary: 1 of 1 step right the first time (2 of 2 questions); 0 hints used" in result.stdout


class Terminal:
    """The command on a pseudo-terminal, as a person at a terminal runs it (echo, line editing, Ctrl-D)."""

    def __init__(self, *args):
        import os
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tinygrad_like", *args], stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        self.screen, self.seen = "", 0

    def wait_for(self, text, timeout=60.0):
        """Read what the program writes until ``text`` appears after what was already seen."""
        import os
        import select
        import time

        deadline = time.monotonic() + timeout
        while text not in self.screen[self.seen :]:
            assert time.monotonic() < deadline, f"waited for {text!r}; the screen shows {self.screen!r}"
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the program has ended and closed the terminal
                    break
                self.screen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        self.seen = self.screen.index(text, self.seen) + len(text)

    def type(self, keys: bytes):
        import os

        os.write(self.master, keys)

    def close(self):
        import os

        code = self.proc.wait(timeout=60)
        os.close(self.master)
        return code


def test_cli_practice_in_a_terminal_checks_each_answer_and_ctrl_d_ends_it_with_the_summary():
    term = Terminal("practice", "tanh(x*w + b)", "--at", "x=2,w=-3,b=1")
    term.wait_for("local derivative ∂out/∂(x·w + b) = ? ")
    term.type(b"1 - out**2\n")  # typed as a person types it: the terminal echoes it
    term.wait_for(f"1 - out**2\n✓ right: ∂out/∂(x·w + b) = {D:.8g}")
    term.wait_for("contribution to (x·w + b).grad = local × upstream = ? ")
    term.type(b"__import__('os').system('echo hacked')\n")
    term.wait_for("refused: not allowed: calling anything but a function name")
    term.wait_for("= ? ")  # the same question again: the session goes on
    term.type(b"-1\n")
    term.wait_for("✗ wrong: -1 is not the contribution to (x·w + b).grad")
    term.wait_for("= ? ")
    term.type(b"\x04")  # Ctrl-D at an empty line
    term.wait_for("summary: 0 of 5 steps right the first time (1 of 10 questions); 1 hint used")
    assert term.close() == 0
    assert "hacked" not in term.screen.replace("echo hacked", "")


def test_cli_practice_q_ends_it():
    result = cli("practice", "x*y", "--at", "x=2,y=5", stdin="5\nq\nnever read\n")
    assert result.returncode == 0
    assert "✓ right: ∂out/∂x = 5" in result.stdout and "ended after 0 of 2 steps" in result.stdout


def test_cli_practice_of_numbers_alone_says_there_is_nothing_to_practise():
    result = cli("practice", "2*3", stdin="")  # both steps go into constants: done for the learner
    assert result.returncode == 0
    assert "Nothing to practise: no step of this backward pass goes into a variable." in result.stdout
    assert "summary: 0 of 0 steps" in result.stdout


def test_cli_practice_refuses_an_expression_outside_the_grammar():
    result = cli("practice", "__import__('os').system('echo hacked')", "--at", "x=1")
    assert result.returncode == 2
    assert "not allowed: calling anything but a function name" in result.stderr
    assert "hacked" not in result.stdout and "Traceback" not in result.stderr


def test_the_readme_shows_what_a_session_prints(monkeypatch):
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Practice: do the backward pass yourself")[1].split("\n## ")[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1).splitlines()
    asked = [line.split(" = ? ", 1)[1] for line in shown if line.startswith("  local derivative")]
    typed = [line.rsplit(") ", 1)[-1] for line in asked]  # after how to type an answer, the first time
    screen = []  # a terminal shows the prompt and what was typed on one line

    def ask(prompt):
        answer = typed.pop(0) if typed else None
        if answer is not None:
            screen.append(prompt + answer)
        return answer

    def practice_in_a_terminal(root):
        return practice(root, ask=ask, tell=screen.append)

    monkeypatch.setattr(tinygrad_like, "practice", practice_in_a_terminal)  # the README imports it
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    lines = [line for text in screen for line in text.splitlines()]
    assert lines[: len(shown)] == shown  # from the very first line a learner sees
    assert shown[-1] == f"✓ right: ∂y/∂m = {D:.8g}"  # 1 − tanh²(−5), by hand


def test_in_a_jupyter_kernel_it_asks_with_input_and_does_not_echo_the_answers():
    import queue

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = (
            "from tinygrad_like import Value, practice\n"
            "x, w = Value(2.0, label='x'), Value(-3.0, label='w')\n"
            "y = x * w\n"
            "y.label = 'y'\n"
            "summary = practice(y)\n"
        )
        request = client.execute(code, allow_stdin=True)
        answers, prompts, shown = ["-3", "-3", "1", "q"], [], []
        while True:
            try:  # the notebook's input box: a prompt comes on the stdin channel, the answer goes back
                prompts.append(client.get_stdin_msg(timeout=0.1)["content"]["prompt"])
                client.input(answers.pop(0))
            except queue.Empty:
                pass
            try:
                msg = client.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != request:
                continue
            assert msg["msg_type"] != "error", msg["content"]
            if msg["msg_type"] == "stream":
                shown.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert [p.strip().split(" = ?")[0] for p in prompts] == [
        "local derivative ∂y/∂x",
        "contribution to x.grad = local × upstream",
        "local derivative ∂y/∂w",
        "local derivative ∂y/∂w",
    ]
    out = "".join(shown).splitlines()
    assert ["✓ right: ∂y/∂x = -3", "✓ right: the contribution to x.grad = -3", "✗ wrong: 1 is not ∂y/∂w"] == [
        line for line in out if line[:1] in "✓✗"
    ]
    assert "-3" not in out and "1" not in out  # Jupyter shows what was typed in its box: no echo
    assert out[-3:] == [
        "summary: 1 of 2 steps right the first time (2 of 4 questions); 1 hint used; 0 skipped",
        "ended after 1 of 2 steps",
        "mistakes: other wrong values ×1",
    ]


# ---- the notebook widget: the same session, typed into a field --------------------------------


def test_the_widget_checks_what_is_typed_with_the_same_verdicts_hints_and_summary():
    from tinygrad_like import practice_widget

    widget = practice_widget(neuron())
    assert "local derivative ∂y/∂m = ?" in widget.prompt.value
    assert widget.lines[1] == (
        "intro",
        "Answer with a number, or an expression in m, x, w, b, y; help shows this again.",
    )
    assert "expression in" not in widget.prompt.value  # said once above, not under every prompt
    widget.field.value = "0.5"  # what Enter in the field does
    assert widget.field.value == "" and widget.lines[-1][0] == "wrong"
    assert "hint 1/3: the rule: ∂tanh(x)/∂x = 1 − tanh²(x)" in widget.log.value
    widget.field.value = "1 - tanh(m)**2"
    assert widget.lines[-1] == ("right", f"✓ right: ∂y/∂m = {D:.8g}")
    buttons = {b.description: b for b in widget.box.children[-1].children}
    buttons["hint"].click()
    assert widget.lines[-1] == (
        "hint",
        "hint 1/3: the chain rule: contribution = ∂y/∂m × y.grad "
        "(the gradient the node has gathered, ∂root/∂node)",
    )
    buttons["skip"].click()
    for answer in all_right()[2:]:
        widget.field.value = answer
    assert widget.field.disabled and widget.prompt.value == ""
    assert str(widget.summary()) in widget.log.value
    summary = widget.summary()
    assert (summary.right_first_time, summary.hints_used, summary.skipped) == (8, 2, 1)


def test_the_widget_sets_every_text_as_text():
    from tinygrad_like import practice_widget

    evil = "<img src=x onerror=alert(1)>"
    x = Value(2.0, label=evil)
    y = x * x
    y.label = "y"
    widget = practice_widget(y)
    widget.type("<b>bold</b>")
    assert evil not in widget.log.value and "&lt;img src=x onerror=alert(1)&gt;" in widget.log.value
    assert "<b>bold</b>" not in widget.log.value and "refused" in widget.lines[-1][0]


# ---- what the hints and headers say where the graph's names could be misread ------------------


def test_the_rule_is_not_written_in_letters_the_question_uses_for_other_nodes():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = w * x  # ∂y/∂w = x = 2: a rule "∂(x·y)/∂x = y" would point at the graph's y = −6
    y.label = "y"
    _, told = run(y, ["5", "q"])
    assert "hint 1/3: the rule: ∂(u·v)/∂u = v" in told[2]  # the product rule, by hand, in u and v
    _, told = run(neuron(), ["0.5", "q"])  # y = tanh(m): the question shows y and m, no x
    assert "hint 1/3: the rule: ∂tanh(x)/∂x = 1 − tanh²(x)" in told[2]


def test_a_node_used_twice_by_one_op_says_which_edge_each_step_is_and_names_taking_both_at_once():
    x = Value(3.0, label="x")
    y = x * x  # two edges y → x, each with local derivative x = 3 (the other operand); 2x = 6 is both
    y.label = "y"
    headers = [q.header for q in Practice(y).questions if q.header]
    assert headers[0].endswith("passes its gradient to x (the first of its 2 edges to x: one step each)")
    assert headers[1].endswith("passes its gradient to x (the second of its 2 edges to x: one step each)")
    summary, told = run(y, ["2*x", "3", "3", "3", "3", "6"])
    assert "✗ wrong: 6 is not ∂y/∂x (both edges at once: a step is one edge)" in told[2]
    assert verdicts(told) == ["✗ wrong"] + ["✓ right"] * 5 and summary.steps_done == 2
    assert summary.mistakes == {"both edges at once: a step is one edge": 1}


def test_the_answer_does_not_repeat_a_rule_that_is_already_the_number():
    a = Value(0.5, label="a")
    z = -a  # ∂z/∂a = −1: the answer is said once, not "−1 = -1"
    z.label = "z"
    _, told = run(z, ["skip", "q"])
    assert "skipped: ∂z/∂a = -1" in told


def test_a_number_typed_beyond_floats_is_judged_and_the_session_goes_on():
    # 1e400 is inf and 1e-400 is 0 as floats: both wrong for ∂y/∂m = 1 − tanh²(−5) ≈ 1.8e-4
    answers = ["1e400", "1e-400", "1e99999999999", "-1e400"] + all_right()
    summary, told = run(neuron(), answers)
    assert verdicts(told) == ["✗ wrong"] * 4 + ["✓ right"] * 10
    assert "✗ wrong: inf is not ∂y/∂m" in told[2] and "✗ wrong: 0 is not ∂y/∂m" in told[3]
    assert summary.steps_done == 5


def test_a_decimal_comma_is_refused_with_the_point_to_type_and_a_dot_operator_multiplies():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w  # ∂y/∂x = w = −3
    y.label = "y"
    summary, told = run(y, ["-3,0", "w⋅1", "q"])  # ⋅ (U+22C5), as some keyboards type the rules' ·
    assert told[2] == "refused: write a decimal with a point: -3.0, not -3,0. Try again, or type skip."
    assert told[3] == "✓ right: ∂y/∂x = -3" and summary.right_first_time == 1


def test_a_negative_number_put_into_a_sum_is_in_parentheses():
    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    m = x * w
    m.label = "m"
    y = m + x  # x.grad: 1 from y, then w·1 = −2 through m, so 1 + (−2) = −1
    y.label = "y"
    _, told = run(y, ["1", "1", "1", "1", "w", "-2", "hint", "hint", "skip", "q"])
    assert "hint 2/3: put in the numbers: 1 + (-2)" in told
    assert "skipped: 1 + (-2) = -1" in told
