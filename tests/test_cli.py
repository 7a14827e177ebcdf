"""The tinygrad-like command, run as a user runs it: a subprocess, on good and bad input."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import command

import tinygrad_like


def run(*args, cwd=None):
    return subprocess.run([command(), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_draw_writes_an_svg_of_the_expression(tmp_path):
    out = tmp_path / "graph.svg"
    result = run("draw", "tanh(x*w + b)", "--at", "x=2,w=-3,b=1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    svg = out.read_text()
    ET.fromstring(svg)
    assert "data 2.0000" in svg and "tanh" in svg and "grad 1.0000" in svg


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"tinygrad-like {version('tinygrad_like')}"
    assert version("tinygrad_like") == tinygrad_like.__version__


def test_draw_writes_dot_and_png(tmp_path):
    assert run("draw", "x**2", "--at", "x=3", "-o", str(tmp_path / "g.dot")).returncode == 0
    assert "digraph" in (tmp_path / "g.dot").read_text()
    assert run("draw", "x**2", "--at", "x=3", "-o", str(tmp_path / "g.png")).returncode == 0
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_python_dash_m_runs_the_same_command(tmp_path):
    out = tmp_path / "g.svg"
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_like", "draw", "x*y", "--at", "x=1,y=2", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and out.exists()


@pytest.mark.parametrize(
    "expression, message",
    [
        ("tanh(x*w + b", "syntax error at column"),
        ("foo(x)", "unknown function 'foo'"),
        ("x + q", "variable 'q' has no value"),
        ("x.__class__", "not allowed: attribute access"),
        ("x[0]", "not allowed: subscripts"),
        ("(lambda: x)()", "not allowed"),
        ("[x for x in y]", "not allowed: comprehensions"),
        ("tanh(x=1)", "not allowed: keyword arguments"),
        ("'x'", "not allowed: strings"),
        ("__import__('os').system('echo hacked')", "not allowed: calling anything but a function name"),
        ("__import__('os')", "unknown function '__import__'"),
        ("log(x - 2)", "log of 0.0"),
        ("", "empty"),
    ],
)
def test_refused_expressions_exit_2_write_nothing_and_show_no_traceback(tmp_path, expression, message):
    out = tmp_path / "graph.svg"
    result = run("draw", expression, "--at", "x=2,w=-3,b=1", "-o", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "hacked" not in result.stdout
    assert not out.exists()


def test_syntax_error_points_at_the_column(tmp_path):
    result = run("draw", "x * * 2", "--at", "x=1", "-o", str(tmp_path / "g.svg"))
    assert result.returncode == 2
    line, caret = result.stderr.splitlines()[-2:]
    assert caret.index("^") == line.index("*", line.index("*") + 1)


@pytest.mark.parametrize("expression", ["x+", "x**", "tanh(x) * w -"])
def test_an_expression_that_ends_too_early_points_past_its_end(tmp_path, expression):
    result = run("draw", expression, "--at", "x=1,w=2", "-o", str(tmp_path / "g.svg"))
    assert result.returncode == 2
    # columns count from 1: the one after the last character, not "column 0" with no caret
    assert f"column {len(expression) + 1}, the end of the expression" in result.stderr
    line, caret = result.stderr.splitlines()[-2:]
    assert line == "  " + expression and caret == " " * (len(expression) + 2) + "^"


@pytest.mark.parametrize(
    "at, message", [("x", "name=number"), ("x=abc", "not a number"), ("x=inf", "finite")]
)
def test_bad_values_exit_2(tmp_path, at, message):
    result = run("draw", "x", "--at", at, "-o", str(tmp_path / "g.svg"))
    assert result.returncode == 2 and message in result.stderr


def test_bad_output_path_exits_2(tmp_path):
    assert run("draw", "x", "--at", "x=1", "-o", str(tmp_path / "g.txt")).returncode == 2
    assert run("draw", "x", "--at", "x=1", "-o", str(tmp_path / "no" / "g.svg")).returncode == 2
