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


def test_the_lines_the_compile_section_quotes_are_in_the_programs_it_makes():
    section = README.split("## Compile a graph into a program")[1].split("\n## ")[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "README.md", "exec"), scope)
    program = scope["program"]
    # print(program.source)  # … y, (l0_y,) = sigmoid(r_5) … d_r_5 = d_y * l0_y … : each piece a line
    comment = re.search(r"print\(program\.source\)\s+# (.*)", code).group(1)
    quoted = [piece.strip() for piece in comment.split("…") if piece.strip()]
    assert len(quoted) == 3
    for line in quoted:
        assert f"    {line}" in program.source.splitlines()
    # the batch program's matrices, as the paragraph after the code quotes them
    after = section.split("`program.batch_source`")[1].split("The code comes only")[0]
    statements = [s for s in re.findall(r"`([^`]+)`", after) if " = " in s]
    assert len(statements) == 3
    for line in statements:
        assert f"    {line}" in program.batch_source.splitlines()
    # and the one sample's numbers are backward()'s (one.loss is E = ½(y − t)² of x = (1, 0.5), t = 1)
    one, net = scope["one"], scope["net"]
    y = net([1.0, 0.5])
    assert math.isclose(one.loss, 0.5 * (y.data - 1.0) ** 2, rel_tol=1e-15)


def test_every_picture_the_readme_shows_is_made_by_make_pictures():
    root = pathlib.Path(__file__).parent.parent
    shown = set(re.findall(r"\(docs/([\w.]+\.(?:svg|png))\)", README))
    assert {"neuron.svg", "backprop.png", "practice.png"} <= shown
    script = (root / "docs" / "make_pictures.py").read_text(encoding="utf-8")
    for name in sorted(shown):
        assert (root / "docs" / name).is_file(), f"the README shows docs/{name}, which is not there"
        assert f'"{name}"' in script, f"python docs/make_pictures.py does not make docs/{name}"


def test_the_demo_writes_the_files_the_set_up_section_names(tmp_path):
    from nn.demo import run_demo

    setup = README.split("## Set up")[1].split("\n## ")[0]
    named = re.findall(r"`(\w+\.(?:svg|html))`", setup.split("`tinygrad_like_demo/`")[1])
    assert len(named) == 4
    out = tmp_path / "tinygrad_like_demo"
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_demo(out, progress=False) == 0  # 0: derivation, backward() and differences agree
    assert sorted(path.name for path in out.iterdir()) == sorted(named)
