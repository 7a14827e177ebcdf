"""The step table's LaTeX, pasted into a plain article, fits the text width and keeps backward()'s numbers."""

import math
import re
import subprocess

import pytest
from conftest import command
from latex import compile_latex

from nn import data, examples
from nn.losses import sum_squared_error
from tinygrad_like import Value
from tinygrad_like.explain import explain

DEEP = "sigmoid(w2*sigmoid(w1*x+b1)+b2)"
AT = {"x": 0.5, "w1": 0.3, "b1": -0.1, "w2": 0.8, "b2": 0.2}
ROW = re.compile(r"^(\d+) & \$(.*?)\$ & \$(.*?)\$ & (\S+) & (\S+) & (\S+) & (\S+) \\\\\*?$")


def table_rows(tex: str) -> list[tuple[int, str, str, float, float, float, float]]:
    """The step rows read back from the .tex: #, node, child, local, upstream, contribution, child.grad."""
    rows = []
    for line in tex.splitlines():
        m = ROW.match(line)
        if m:
            rows.append((int(m[1]), m[2], m[3], *(float(m[i].replace("$-$", "-")) for i in range(4, 8))))
    return rows


def overfull(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith(("Overfull \\hbox", "Overfull \\vbox"))]


def test_the_command_lines_table_of_a_deep_expression_fits_a_plain_article_page():
    args = ["explain", DEEP, "--at", ",".join(f"{k}={v}" for k, v in AT.items()), "--latex"]
    run = subprocess.run([command(), *args], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    table = run.stdout.split("\n\n")[0]
    assert table.startswith("% needs \\usepackage")  # what the teacher adds to the preamble
    log = compile_latex(table, math=False)
    assert not overfull(log), overfull(log)  # was 420pt past the right margin
    assert r"\small" in table and r"\tiny" not in table and r"\scriptsize" not in table  # readable size

    rows = table_rows(table)
    assert [r[0] for r in rows] == list(range(1, 11))  # every step is in the table
    for _, _, _, local, upstream, contribution, _ in rows:
        assert contribution == pytest.approx(local * upstream, rel=1e-5)
    # the last child.grad written for each variable is its gradient from backward()
    v = {k: Value(val, label=k) for k, val in AT.items()}
    out = (v["w2"] * (v["w1"] * v["x"] + v["b1"]).sigmoid() + v["b2"]).sigmoid()
    out.backward()
    last = {child: grad for _, _, child, _, _, _, grad in rows}  # later rows overwrite earlier ones
    assert set(AT) <= set(last)
    for name in AT:
        assert last[name] == pytest.approx(v[name].grad, rel=1e-5), name
    # and by hand: ∂out/∂w1 = σ'(outer)·w2·σ'(inner)·x
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    inner = 0.3 * 0.5 - 0.1
    outer = 0.8 * s(inner) + 0.2
    by_hand = s(outer) * (1 - s(outer)) * 0.8 * s(inner) * (1 - s(inner)) * 0.5
    assert last["w1"] == pytest.approx(by_hand, rel=1e-5)


def test_the_xor_networks_cost_table_fits_the_width_and_breaks_across_pages():
    net = examples.three_layer(seed=0)
    X, T = data.xor()
    E = sum_squared_error([net(x) for x in X], T)
    E.label = "E"
    steps = explain(E)
    tex = steps.to_latex()
    log = compile_latex(tex, math=False)
    assert not overfull(log), overfull(log)  # neither past the right margin nor off the bottom of a page
    pages = re.search(r"Output written on doc\.pdf \((\d+) pages?", log)
    assert pages and int(pages[1]) > 1  # 138 steps do not fit on one page: the table breaks

    rows = table_rows(tex)
    assert len(rows) == len(steps)
    assert any(r[6] < 0 for r in rows)  # negative gradients (written with a minus sign) are read back too
    E.backward()
    from tinygrad_like.notation import to_tex

    for p in net.parameters():  # each weight's last child.grad in the table is backward()'s gradient
        name = to_tex(steps.names[p])
        written = [r[6] for r in rows if r[2] == name]
        assert written, name
        assert written[-1] == pytest.approx(p.grad, rel=1e-5, abs=1e-9), name
