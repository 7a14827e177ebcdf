"""tinygrad-like explain and tinygrad-like demo, run as a user runs them."""

import re
import subprocess

from conftest import command


def run(*args, cwd=None):
    return subprocess.run([command(), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_explain_prints_the_step_table_and_the_derivation(tmp_path):
    page = tmp_path / "backprop.html"
    result = run("explain", "tanh(x*w + b)", "--at", "x=2,w=-3,b=1", "--wrt", "x", "--html", str(page))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "backward pass from out (5 steps, one per edge)" in out
    assert "1 − tanh²(x·w + b)" in out
    # ∂/∂x tanh(xw + b) = (1 − tanh²(−5))·w, by hand
    import math

    expected = (1 - math.tanh(-5) ** 2) * -3
    (value,) = re.findall(r"^\s+= (\S+)$", out, re.M)
    assert abs(float(value) - expected) < 1e-12
    assert "∂out/∂x = tanh′(x·w + b)·w" in out
    assert page.exists() and page.read_text().count('"equation":') == 5  # one step per edge


def test_explain_refuses_bad_input_like_draw(tmp_path):
    result = run("explain", "x.y", "--at", "x=1")
    assert result.returncode == 2 and "not allowed" in result.stderr and "Traceback" not in result.stderr
    result = run("explain", "x*2", "--at", "x=1", "--wrt", "q")
    assert result.returncode == 2 and "--wrt q" in result.stderr
    result = run("explain", "x*2", "--at", "x=1", "--html", str(tmp_path / "p.txt"))
    assert result.returncode == 2 and not (tmp_path / "p.txt").exists()


def test_demo_trains_derives_checks_and_writes_its_files(tmp_path):
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    # the blog's result over its four samples, Σᵢ and ⁽ⁱ⁾ as the blog writes them
    assert (
        "∂E/∂w_x1,1 = Σᵢ δ⁽ⁱ⁾·g′(r_5⁽ⁱ⁾)·g′(r_1⁽ⁱ⁾)·x1⁽ⁱ⁾·(w_3,5·g′(r_3⁽ⁱ⁾)·w_1,3 + w_4,5·g′(r_4⁽ⁱ⁾)·w_1,4)"
        in text
    )
    assert "learning rate h = 1 (the blog's 0 < h ≤ 1)" in text
    # one name per quantity: a name printed twice stands for the same number (to the digits printed)
    values = {}
    for name, number in re.findall(r"(\S+) = ([-+]?\d[\d.]*(?:e[-+]?\d+)?)(?![\d.])", text):
        values.setdefault(name, []).append(float(number))
    assert {"δ⁽¹⁾", "δ_3⁽¹⁾", "δ³₁⁽¹⁾", "x1⁽³⁾", "t⁽⁴⁾", "∂E/∂w_x1,1"} <= set(values)
    for name, found in values.items():
        assert max(found) - min(found) <= 1e-5 * max(map(abs, found)), (name, found)
    assert "the three agree" in text and "accuracy 100%" in text
    for name in ("network.svg", "graph.svg", "backprop.html"):
        assert (out / name).stat().st_size > 1000
    assert all(page.stat().st_size <= 300_000 for page in out.glob("*.html"))
    assert str(out / "backprop.html") in text
