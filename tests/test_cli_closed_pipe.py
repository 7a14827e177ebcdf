"""Every subcommand whose output is piped into a program that stops reading (``| head``) ends
quietly: no traceback, no "Exception ignored", and exit status 0.

Status 0, as ``git log | head`` or ``seq 1000000 | head`` end without complaint: the reader took
what it wanted, and nothing went wrong that the user should hear about.

The runs use Python's default buffered standard output: with PYTHONUNBUFFERED set (as some
shells and CI runners do), every print is written at once and the failure these tests catch
cannot happen, so the variable is removed from the command's environment.
"""

import os
import signal
import subprocess

import pytest
from conftest import command

AT = ["--at", "x=2,w=-3,b=1"]
QUIET = {"Traceback", "Exception ignored", "Error"}


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # a user's terminal buffers standard output into a pipe
    return env


def piped(args, lines_read: int, cwd, answers: bytes | None = None) -> tuple[int, str]:
    """Run the command with its output into a pipe that is closed after ``lines_read`` lines,
    as ``| head -N`` does; ``answers`` go to its standard input (practice's scripted use)."""
    run = subprocess.Popen(
        [command(), *args],
        stdin=subprocess.PIPE if answers is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=environment(),
    )
    assert run.stdout is not None and run.stderr is not None
    try:
        if answers is not None and run.stdin is not None:
            run.stdin.write(answers)
            run.stdin.close()
        for _ in range(lines_read):
            run.stdout.readline()
        run.stdout.close()  # head has its lines and exits
        status = run.wait(60)
        return status, run.stderr.read().decode()
    finally:
        run.kill()
        run.wait()


SUBCOMMANDS = {
    "draw": (["draw", "tanh(x*w + b)", *AT, "-o", "g.svg"], None),
    "explain": (["explain", "tanh(x*w + b)", *AT], None),
    "explain --latex": (["explain", "tanh(x*w + b)", *AT, "--latex"], None),
    "practice, answers piped in": (["practice", "tanh(x*w + b)", *AT], b"skip\n" * 10),
    "practice, no answers": (["practice", "tanh(x*w + b)", *AT], b""),
    "demo": (["demo", "--out", "d", "--no-progress"], None),
    "--help": (["--help"], None),
    "practice --help": (["practice", "--help"], None),
    "--version": (["--version"], None),
}


@pytest.mark.parametrize("lines_read", [0, 1, 3])
@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_output_piped_into_head_ends_quietly(tmp_path, name, lines_read):
    args, answers = SUBCOMMANDS[name]
    status, errors = piped(args, lines_read, tmp_path, answers)
    assert not [word for word in QUIET if word in errors], errors
    assert status == 0, errors


def test_practice_at_the_keyboard_ends_when_its_reader_has_gone(tmp_path):
    """``tinygrad-like practice … | head -3`` with the learner typing: once head has its lines, the
    next question finds nobody reading and the session ends (it used to ask on, unseen, until
    Ctrl-C, which then ended in 'Exception ignored … BrokenPipeError' and status 120)."""
    run = subprocess.Popen(
        [command(), "practice", "tanh(x*w + b)", *AT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment(),
    )
    assert run.stdin is not None and run.stdout is not None and run.stderr is not None
    try:
        for _ in range(2):  # the session's first line and the first step's
            run.stdout.readline()
        run.stdout.close()  # head -2 exits
        run.stdin.write(b"skip\n")  # the learner answers, and keeps the keyboard open
        run.stdin.flush()
        try:
            status = run.wait(20)
        except subprocess.TimeoutExpired:
            run.send_signal(signal.SIGINT)  # what the learner would do: Ctrl-C
            run.wait(20)
            pytest.fail(
                "practice kept asking with nobody reading its output; after Ctrl-C: "
                f"status {run.returncode}, {run.stderr.read().decode()!r}"
            )
        errors = run.stderr.read().decode()
        assert status == 0 and errors == "", (status, errors)
    finally:
        run.kill()
        run.wait()


def test_help_into_a_full_disk_is_one_line_and_status_2():
    with open("/dev/full", "w") as full:
        # argparse printed the help at exit, where Python said "Exception ignored … OSError", status 120
        run = subprocess.run(
            [command(), "--help"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
            timeout=20,
        )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [
        "tinygrad-like: error: cannot write the standard output: No space left on device"
    ]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_a_terminal_that_cannot_show_unicode_gets_escapes_not_a_traceback(tmp_path, name):
    args, answers = SUBCOMMANDS[name]
    env = {**environment(), "PYTHONIOENCODING": "ascii"}
    run = subprocess.run(
        [command(), *args], input=answers or b"", capture_output=True, cwd=tmp_path, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr.decode()
    assert not QUIET & set(run.stderr.decode().split()), run.stderr.decode()
    run.stdout.decode("ascii")  # every byte is ASCII: δ, ∂ and Σ came as escapes
