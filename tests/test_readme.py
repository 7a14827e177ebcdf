"""The README's quick example runs and prints what the README shows, and those numbers are right."""

import contextlib
import io
import math
import pathlib
import re

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text()


def test_quick_example_prints_what_the_readme_says():
    code = re.search(r"## The quick example\s+```python\n(.*?)```", README, re.S).group(1)
    shown = re.search(r"prints\s+```text\n(.*?)```", README, re.S).group(1).strip()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().strip() == shown
    # and by hand: y = tanh(n), n = xw + b = −5, ∂y/∂n = 1 − tanh²(−5)
    dn = 1 - math.tanh(-5.0) ** 2
    gx, gw, gb = (float(v) for v in shown.split())
    assert math.isclose(gx, dn * -3.0, rel_tol=1e-15)
    assert math.isclose(gw, dn * 2.0, rel_tol=1e-15)
    assert math.isclose(gb, dn, rel_tol=1e-15)


def test_readme_gives_exactly_two_setup_commands_and_ci_runs_the_second():
    setup = README.split("## Set up")[1].split("\n## ")[0]
    commands = re.findall(r"```bash\n(.*?)\n```", setup, re.S)
    assert commands == [
        "pip install -e . && tinygrad-like demo",
        'pip install -e ".[test]" && ruff check . && mypy && python -m pytest',
    ]
    ci = (pathlib.Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_the_softplus_entry_registers_and_works_as_the_readme_says():
    from tinygrad_like import ops

    section = README.split("## Adding an operation is one entry")[1].split("\n## ")[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        value, slope = (float(v) for v in out.getvalue().split())
        assert math.isclose(value, math.log(1 + math.e), rel_tol=1e-15)  # ln(1 + e¹)
        assert math.isclose(slope, 1 / (1 + math.exp(-1)), rel_tol=1e-15)  # σ(1)
        assert ops.TABLE["softplus"].activation and ops.TABLE["softplus"].parser == "softplus"
    finally:
        ops.unregister("softplus")
