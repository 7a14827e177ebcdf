"""Both documents' languages: notation= on derive and explain, the δ table, the command line's LaTeX."""

import math
import re
import subprocess

import pytest
from conftest import command
from latex import compile_latex

from nn import MLP, data, examples, quadratic_cost, sum_squared_error
from tinygrad_like import delta_table, derive, explain


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def nielsen_case():
    model = MLP(3, [2, 2], seed=5)
    x, y = [0.3, -0.8, 0.5], [1.0, 0.0]
    return model, x, y, quadratic_cost([model(x)], [y])


def test_an_mlp_speaks_nielsen_by_default_and_the_blog_when_asked():
    model, x, y, C = nielsen_case()
    d = derive(C, model.parameter("w2_1,3"))
    # Nielsen: w^l_jk plain in the terminal (no subscript comma), z, a, δ in Unicode, target y_j
    assert str(d).startswith("∂C/∂w2_1,3 = ")
    assert d.expression == "σ′(z²₁)·x₃·((a³₁ − y₁)·σ′(z³₁)·w3_1,1 + (a³₂ − y₂)·σ′(z³₂)·w3_2,1)"
    assert r"\frac{\partial C}{\partial w^{2}_{1,3}}" in d.latex() and "{a^{3}_{1}} " not in d.latex()
    assert "a^{3}_{1} - y_{1}" in d.latex()
    blog = derive(C, model.parameter("w2_1,3"), notation="blog")
    # the blog numbers neurons across layers: hidden f_1, f_2, outputs f_3, f_4; inputs x1 … x3
    assert blog.expression == "g′(r_1)·x3·((y_1 − t_1)·g′(r_3)·w_1,3 + (y_2 − t_2)·g′(r_4)·w_1,4)"
    assert blog.value == d.value
    steps = explain(C, notation="blog")
    assert any(s.rule == "g(r_3)·(1 − g(r_3))" for s in steps)
    assert {s.child_name for s in explain(C)} >= {"z³₁", "a³₁", "w3_1,2", "b³₂", "x₁", "y₁"}


def test_the_blogs_network_speaks_the_blog_by_default_and_nielsen_when_asked():
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.5])], [1.0])
    assert derive(E, net.parameter("w_x1,1")).expression.startswith("δ·g′(r_5)·g′(r_1)·x1·")
    d = derive(E, net.parameter("w_x1,1"), notation="nielsen")
    # the blog's w_x1,1 (input 1 → neuron 1) is Nielsen's w2_1,1; its w_1,3 (neuron 1 → 3) is w3_1,1
    assert d.expression == ("(a⁴₁ − y₁)·σ′(z⁴₁)·σ′(z²₁)·x₁·(w4_1,1·σ′(z³₁)·w3_1,1 + w4_1,2·σ′(z³₂)·w3_2,1)")
    assert str(d).startswith("∂E/∂w2_1,1")  # the cost keeps its name: E = ½ Σ (y − t)² is not C's mean
    with pytest.raises(ValueError, match="notation must be one of 'blog', 'nielsen'"):
        derive(E, net.parameter("w_x1,1"), notation="Nielsen")


def test_delta_table_gives_every_delta_side_by_side_and_checks_each_against_the_engine():
    net = examples.three_layer(seed=0)
    X, T = data.xor()
    E = sum_squared_error([net(x) for x in X], T)
    table = delta_table(E)
    assert len(table.rows) == 4 * 5  # every neuron of every sample
    net.zero_grad()
    E.backward()
    f = {p.label: p.data for p in net.parameters()}
    named = {s.child_name: s.child for s in explain(E)}
    for row in table.rows:
        unit = net.layers[row.layer - 2].neurons[row.j - 1]
        # Nielsen's δ^l_j is z.grad for that sample's z: compare with the graph's own node
        mark = "⁽" + "¹²³⁴"[row.sample - 1] + "⁾"
        z = named[f"r_{row.neuron[2]}{mark}"]
        assert row.nielsen_value == pytest.approx(z.grad, rel=1e-12)
        assert row.nielsen_value == pytest.approx(row.blog_value * row.slope, rel=1e-12)
        assert unit.z_label == f"r_{row.neuron[2]}"
    by = {(r.sample, r.layer, r.j): r for r in table.rows}
    for s in range(1, 5):
        out = by[(s, 4, 1)]
        assert out.blog_value == pytest.approx(out.error_signal, rel=1e-12)  # ∂E/∂y = y − t = δ
        assert out.blog == out.error_name == "δ" + "⁽" + "¹²³⁴"[s - 1] + "⁾"  # one quantity, one name
        # the blog's own rule: δ_3 = δ·g′(r_5)·w_3,5, δ_4 = δ·g′(r_5)·w_4,5
        signal = out.error_signal * out.slope
        three, four = by[(s, 3, 1)], by[(s, 3, 2)]
        assert three.blog.startswith("δ_3") and four.blog.startswith("δ_4")
        assert three.blog_value == pytest.approx(signal * f["w_3,5"], rel=1e-12)
        assert four.blog_value == pytest.approx(signal * f["w_4,5"], rel=1e-12)
        # and δ_1 = δ_3·g′(r_3)·w_1,3 + δ_4·g′(r_4)·w_1,4
        expected = three.blog_value * three.slope * f["w_1,3"] + four.blog_value * four.slope * f["w_1,4"]
        assert by[(s, 2, 1)].blog_value == pytest.approx(expected, rel=1e-12)
    text = str(table)
    assert "δ_3⁽²⁾" in text and "δ³₁⁽²⁾" in text and "δ⁽²⁾ =" in text and "error signal δ itself" in text
    compile_latex(table.latex(), math=False)


def test_delta_table_with_a_mean_cost_says_the_output_deltas_differ():
    model = MLP(2, [2, 1], seed=0)
    C = quadratic_cost([model([1.0, 0.0]), model([0.0, 1.0])], [1.0, 0.0])
    text = str(delta_table(C))
    assert "0.5·(y − t)" in text and "not the error signal" in text
    with pytest.raises(ValueError, match="not a layered network"):
        delta_table(model.parameters()[0] * 2)


def test_explain_latex_and_derivation_latex_compile_in_both_notations():
    model, x, y, C = nielsen_case()
    for notation in ("nielsen", "blog"):
        steps = explain(C, notation=notation)
        compile_latex(steps.to_latex(), math=False)
        compile_latex(derive(C, model.parameter("w2_2,1"), notation=notation).latex())


def test_command_line_prints_latex_in_either_notation():
    args = ["explain", "sigmoid(x*w + b)", "--at", "x=2,w=-3,b=1", "--wrt", "w", "--latex"]
    run = subprocess.run([command(), *args, "--notation", "blog"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert r"\begin{longtable}" in run.stdout
    assert r"g(x \cdot w + b) \cdot (1 - g(x \cdot w + b))" in run.stdout
    (derivation,) = re.findall(r"\\\[ (.*) \\\]", run.stdout)
    assert derivation.startswith(r"\frac{\partial \mathrm{out}}{\partial w} = g'(x \cdot w + b) \cdot x = ")
    s = sigmoid(2 * -3 + 1)
    assert float(derivation.rsplit("= ", 1)[1]) == pytest.approx(s * (1 - s) * 2, rel=1e-5)
    nielsen = subprocess.run([command(), *args, "--notation", "nielsen"], capture_output=True, text=True)
    assert r"\sigma'(x \cdot w + b)" in nielsen.stdout and "g(" not in nielsen.stdout
    table = run.stdout.split("\n\n")[0]
    compile_latex(table, math=False)
    compile_latex(derivation)
    bad = subprocess.run([command(), *args, "--notation", "greek"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_in_the_blogs_notation_a_node_is_g_in_every_column_not_sigma_beside_g():
    """One name per quantity: the node g(w·x + b) is not σ(w·x + b) in the node column and g in its rule."""
    expression = ["explain", "0.5*(sigmoid(w*x + b) - t)**2", "--at", "x=1,w=0.5,b=0.1,t=1", "--wrt", "w"]
    blog = [command(), *expression, "--notation", "blog"]
    text = subprocess.run(blog, capture_output=True, text=True).stdout
    latex = subprocess.run([*blog, "--latex"], capture_output=True, text=True)
    assert latex.returncode == 0, latex.stderr
    assert "σ" not in text and r"\sigma" not in latex.stdout
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    rows = [[c.strip() for c in line.split("  ") if c.strip()] for line in lines]
    assert ["g(w·x + b) − t", "g(w·x + b)", "1"] in [row[1:4] for row in rows]
    assert "∂out/∂w = (g(w·x + b) − t)·g′(w·x + b)·x" in text


def test_drawings_and_the_page_speak_the_notation(tmp_path):
    from tinygrad_like import draw_dot

    def op_labels(drawing):
        return set(re.findall(r'_op \[label="?([^" \]]+)', drawing.source))

    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.5])], [1.0])
    assert "g" in op_labels(draw_dot(E)) and "σ" not in op_labels(draw_dot(E))  # the blog's network: g
    assert "σ" in op_labels(draw_dot(E, notation="nielsen"))
    model, x, y, C = nielsen_case()
    assert "σ" in op_labels(draw_dot(C)) and "g" in op_labels(draw_dot(C, notation="blog"))
    assert "w2_1,3" in draw_dot(C).source  # labels drawn as written
    page = explain(C, notation="blog").to_html(tmp_path / "page.html", model=model).read_text()
    assert "g(r_3)·(1 − g(r_3))" in page and "σ(" not in page
    page = explain(C).to_html(tmp_path / "nielsen.html", model=model).read_text()
    assert "σ(z³₁)·(1 − σ(z³₁))" in page
    again = explain(C).to_html(tmp_path / "again.html", model=model, notation="blog").read_text()
    assert "g(r_3)·(1 − g(r_3))" in again and "σ(" not in again
