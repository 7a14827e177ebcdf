"""explain / derive / frames: the steps are the backward pass, derivations equal the gradients."""

import math
import re

import pytest
from conftest import tanh_neuron
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import instructions, replay, run_both

from nn import examples, sum_squared_error
from tinygrad_like import Value, numerical_grad, topological_order
from tinygrad_like.derive import derive
from tinygrad_like.explain import explain


def test_one_step_per_edge_in_reverse_topological_order():
    y, x, w, b, n = tanh_neuron()
    steps = explain(y)
    edges = sum(len(v.children) for v in topological_order(y))
    assert len(steps) == edges == 5
    position = {v: i for i, v in enumerate(topological_order(y))}
    processed = [position[s.node] for s in steps]
    assert processed == sorted(processed, reverse=True)
    assert [s.child for s in steps] == [n, n.children[0], b, x, w]
    assert steps[0].rule == "1 − tanh²(n)" and steps[3].rule == "w" and steps[4].rule == "x"


def test_replaying_the_steps_gives_a_fresh_backwards_gradients():
    y, x, w, b, n = tanh_neuron()
    steps = explain(y)
    y.backward()
    replay = {y: 1.0}
    for s in steps:
        assert s.upstream == replay[s.node]
        assert s.contribution == s.local * s.upstream
        replay[s.child] = replay.get(s.child, 0.0) + s.contribution
        assert s.child_grad == replay[s.child]
    assert all(replay[v] == v.grad for v in replay)
    # by hand: y = tanh(x·w + b) at x = 2, w = −3, b = 1, so ∂y/∂x = (1 − tanh²(−5))·w
    assert x.grad == pytest.approx((1 - math.tanh(-5.0) ** 2) * -3.0, rel=1e-12)


def test_a_reused_node_shows_its_contributions_accumulating():
    a = Value(3.0, label="a")
    y = a * a + a
    y.label = "y"
    steps = [s for s in explain(y) if s.child is a]
    assert len(steps) == 3
    assert [s.child_grad for s in steps] == [1.0, 4.0, 7.0]  # 1 from the +, then a and a from a·a: 2a + 1 = 7


def test_explain_only_shows_it_changes_no_grad():
    y, x, w, b, n = tanh_neuron()
    nodes = topological_order(y)
    explain(y)
    assert all(v.grad == 0.0 for v in nodes)  # fresh leaves stay fresh
    y.backward()
    after_backward = {v: v.grad for v in nodes}
    first, second = str(explain(y)), str(explain(y))
    assert first == second  # the README's order: backward, then explain twice
    assert {v: v.grad for v in nodes} == after_backward
    last = {s.child: s.child_grad for s in explain(y)}
    assert all(last[v] == v.grad for v in last)  # each node's last child_grad is its .grad


def test_names_read_right_constants_unique_parentheses_no_minus_zero():
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])  # ½·Σ(δ^2): the ½ is a constant
    E.label = "E"
    steps = explain(E)
    text = "\n".join(s.equation() for s in steps)
    assert "∂E/∂0.5" not in text and "∂E/∂(0.5)" not in text
    assert "E → the constant 0.5" in text
    named = {s.child: s.child_name for s in steps if not s.to_constant}
    named.update({s.node: s.node_name for s in steps})
    assert len(set(named.values())) == len(named)  # every non-constant node has its own name
    assert not re.search(r"(?<![\w.])-0(?![.\d])", str(steps) + text)  # x2 = 0 gives 0 × −…, never −0
    y, x, w, b, n = tanh_neuron()
    n.label = ""
    assert explain(y)[1].derivative() == "∂(x·w + b)/∂(x·w)"


def test_a_negative_constant_inside_a_formula_is_parenthesised():
    a = Value(2.0, label="a")
    y = (a * -1).tanh()
    y.label = "y"
    steps = explain(y)
    assert steps[0].child_name == "a·(-1)"  # not a·-1, which reads as a minus sign out of place
    assert steps[1].rule == "-1"  # ∂(a·(−1))/∂a on its own needs no parentheses


def test_step_table_prints_and_exports():
    y, *_ = tanh_neuron()
    steps = explain(y)
    text = str(steps)
    assert "1 − tanh²(n)" in text and len(text.splitlines()) == 2 + 1 + len(steps)
    md = steps.to_markdown()
    assert md.count("\n") == len(steps) + 1 and md.startswith("| # | node")
    tex = steps.to_latex()
    assert r"\tanh^{2}(n)" in tex and tex.count(r"\\") == 2 * len(steps) + 2  # header, then two rows a step
    assert r"\frac{\partial y}{\partial n}" in steps._repr_markdown_()


def test_derive_on_the_blogs_three_layer_network_reads_like_the_blog():
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.5])], [1.0])
    E.label = "E"
    w = net.parameter("w_x1,1")
    d = derive(E, w, prime="g")
    # The blog's closing expression, typed from the document (seed 000, "Putting it together")
    assert d.expression == "δ·g′(r_5)·g′(r_1)·x1·(w_3,5·g′(r_3)·w_1,3 + w_4,5·g′(r_4)·w_1,4)"
    assert len(d.paths) == 2
    through = [{v.label for v in p} for p in d.paths]
    assert {"r_3", "g(r_3)"} <= through[0] and {"r_4", "g(r_4)"} <= through[1]
    assert all(w.grad == 0.0 for w in net.parameters())  # derive changes no grad
    net.zero_grad()
    E.backward()
    assert d.value == pytest.approx(w.grad, rel=1e-12)
    # and the blog's formula by hand, with g = σ and δ = y − t
    f = {p.label: p.data for p in net.parameters()}
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    ds = lambda z: s(z) * (1 - s(z))  # noqa: E731
    r1 = f["w_x1,1"] * 1.0 + f["w_x2,1"] * 0.5 + f["b_1"]
    r2 = f["w_x1,2"] * 1.0 + f["w_x2,2"] * 0.5 + f["b_2"]
    r3 = f["w_1,3"] * s(r1) + f["w_2,3"] * s(r2) + f["b_3"]
    r4 = f["w_1,4"] * s(r1) + f["w_2,4"] * s(r2) + f["b_4"]
    r5 = f["w_3,5"] * s(r3) + f["w_4,5"] * s(r4) + f["b_5"]
    delta = s(r5) - 1.0
    blog = (
        delta * ds(r5) * ds(r1) * 1.0 * (f["w_3,5"] * ds(r3) * f["w_1,3"] + f["w_4,5"] * ds(r4) * f["w_1,4"])
    )
    assert d.value == pytest.approx(blog, rel=1e-12)


def test_derive_latex_and_display():
    y, x, *_ = tanh_neuron()
    d = derive(y, x)
    assert d.latex().startswith(r"\frac{\partial y}{\partial x} = \tanh'(n) \cdot w")
    assert d._repr_latex_().startswith("$$")


def test_derive_of_an_unrelated_value_is_zero():
    y, *_ = tanh_neuron()
    d = derive(y, Value(1.0, label="q"))
    assert d.value == 0.0 and d.path_count == 0 and "does not depend" in str(d)


def test_derive_falls_back_to_backpropagation_form_when_paths_explode():
    a = Value(0.5, label="a")
    v = a
    for _ in range(60):  # each step doubles the paths: 2^60 of them
        v = v * 1.01 + v.tanh()
    d = derive(v, a)
    assert d.form == "backpropagation" and d.path_count == 2**60
    assert len(str(d).splitlines()) < 60
    with pytest.raises(ValueError, match="too many to list"):
        _ = d.paths
    v.backward()
    assert d.value == pytest.approx(a.grad, rel=1e-9)


leaves_strategy = st.lists(
    st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 0.05), min_size=1, max_size=3
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaves=leaves_strategy, program=st.lists(instructions, min_size=1, max_size=12))
def test_random_derivations_equal_backward_and_finite_differences(leaves, program):
    kept = []
    our_nodes, _, leaf_pairs = run_both(leaves, program, kept=kept, oracle=False, below=1e3)
    root = our_nodes[-1]
    if not root.children:
        return
    root.backward()
    try:
        finite = numerical_grad(lambda *values: replay(values, kept), *leaves)
    except ValueError:
        assume(False)  # a step of h took an op outside its domain (log near 0): no estimate there
    for (leaf, _), fd in zip(leaf_pairs, finite):
        d = derive(root, leaf)
        assert d.value == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)
        if math.isfinite(fd) and abs(fd) < 1e3 and not any(v.op in ("relu", "abs") for v in our_nodes):
            assert d.value == pytest.approx(fd, rel=1e-4, abs=1e-6)


def test_frames_one_per_step_highlighting_the_node_and_filling_grads_in():
    y, x, w, b, n = tanh_neuron()
    steps = explain(y)
    frames = steps.frames()
    assert len(frames) == len(steps)
    for step, frame in zip(steps, frames):
        highlighted = [line for line in frame.source.splitlines() if "fillcolor" in line]
        assert len(highlighted) == 1 and f'"{{ {step.node_name} |' in highlighted[0]
        assert 'color="#d62728"' in frame.source
    assert "grad 0.0000" in frames[0].source  # x not reached yet in the first frame
    x_line = [line for line in frames[-1].source.splitlines() if '"{ x |' in line][0]
    assert x.grad == 0.0  # the frames show the pass; they do not run it
    y.backward()
    assert f"grad {x.grad:.3e}" in x_line


def test_neuron_level_frames_are_the_blogs_closing_pictures(tmp_path):
    import xml.etree.ElementTree as ET

    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    E.label = "E"
    frames = explain(E).frames(model=net, level="neuron")
    assert len(frames) == 6 + 10  # δ, then f5, f3, f4, f1, f2, then the ten weights

    def classes(frame):
        root = ET.fromstring(frame.svg)
        return {el.get("id"): (el.get("class") or "").split() for el in root.iter() if el.get("id")}

    third = classes(frames[2])  # δ_3 = δ·g′(r_5)·w_3,5: f3 forms it from f5 along w_3,5
    assert {"active", "target"} <= set(third["f3"]) and "source" in third["f5"]
    assert "flow" in third["w-f3-f5"] and not any("active" in c for k, c in third.items() if k != "f3")
    y = net.layers[-1].neurons[0].a
    delta3 = (y.data - 1.0) * y.data * (1 - y.data) * net.parameter("w_3,5").data  # the blog's δ_3, by hand
    assert frames[2].title == "δ_3 of f3, from the layer after it"
    assert frames[2].equation.startswith("δ_3 = δ·g′(r_5)·w_3,5 = ") and f"{delta3:.6g}" in frames[2].equation
    assert f">δ_3 = {delta3:.4g}<" in frames[2].svg  # written under f3 by its name (δ alone is y − t)
    weight = classes(frames[6])  # then ∂E/∂w_3,5 = g(r_3)·g′(r_5)·δ, received by w_3,5's label
    assert "target" in weight["w-f3-f5-label"] and "active" in weight["f5"] and "source" in weight["f3"]
    assert frames[6].equation.startswith("∂E/∂w_3,5 = g(r_3)·g′(r_5)·δ")
    assert frames[6].save(tmp_path / "frame.svg").read_text(encoding="utf-8").startswith("<svg")
    assert 'style="max-width: 100%' in frames[6].svg  # fits a notebook's width
    nielsen = explain(E).frames(model=net, level="neuron", notation="nielsen")  # the same frames, his words
    assert len(nielsen) == len(frames) and nielsen[2].title == "δ³₁, from layer 4"
    g3 = net.layers[1].neurons[0].a.data  # Nielsen's δ³₁ = w⁴₁₁·δ⁴₁·σ′(z³₁) = σ′(z³₁)·(the blog's δ_3)
    assert nielsen[2].equation.startswith("BP2: δ³₁ = w4_1,1·δ⁴₁·σ′(z³₁) = ")
    assert f"{delta3 * g3 * (1 - g3):.6g}" in nielsen[2].equation
    assert nielsen[6].equation.startswith("BP4: ∂E/∂w4_1,1 = a³₁·δ⁴₁ = ")
    with pytest.raises(ValueError, match="pass model="):
        explain(E).frames(level="neuron")
    with pytest.raises(ValueError, match="level must be"):
        explain(E).frames(level="neurons")


def test_page_equation_writes_a_number_rule_once(tmp_path):
    import json

    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = c * a
    d.label = "d"
    page = explain(d).to_html(tmp_path / "p.html").read_text()
    data = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page).group(1)
    heads = [re.search(r'class="rule">(.*?)</p>', s["equation"]).group(1) for s in json.loads(data)["steps"]]
    # ∂d/∂c = a: the rule then its number (a = 2); ∂c/∂a is the number 1 itself: said once
    assert heads == ["∂d/∂c = a = <b>2</b>", "∂d/∂a = c = <b>5</b>", "∂c/∂a = <b>1</b>", "∂c/∂b = <b>1</b>"]


def test_page_is_self_contained_one_drawing_and_the_steps_as_data(tmp_path):
    import json

    y, *_ = tanh_neuron()
    page = explain(y).to_html(tmp_path / "backprop.html").read_text()
    assert page.count("<svg") == 1 and page.count('class="node"') == 6 and page.count('class="edge"') >= 5
    data = json.loads(
        re.search(r'<script id="page-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert [(s["active"], s["target"]) for s in data["steps"]][:1] == [(["n5"], ["n4"])]
    assert len(data["steps"]) == 5
    assert not re.search(r"(src|href)=\"https?://", page)
    with pytest.raises(ValueError, match="nothing to step through"):
        explain(Value(1.0)).to_html(tmp_path / "empty.html")


def test_the_page_grows_with_nodes_plus_steps_and_says_how_to_shrink_a_huge_graph(tmp_path):
    def chain(n):
        v = Value(0.5, label="x")
        for _ in range(n):
            v = (v * 1.01).tanh()
        return v

    small = len(explain(chain(100)).to_html(tmp_path / "a.html").read_text())
    big = len(explain(chain(400)).to_html(tmp_path / "b.html").read_text())
    assert big < 4.5 * small  # 4× the nodes and steps: about 4× the page, not 16×
    with pytest.raises(ValueError, match="one sample instead of a batch"):
        explain(chain(3400)).to_html(tmp_path / "c.html")  # 3 steps a link: 10,200, over 10,000
    assert explain(chain(3400)).to_html(tmp_path / "c.html", max_steps=20_000).exists()


def test_neuron_frames_keep_each_weight_label_off_the_other_edges_and_the_deltas():
    """Read from each frame's SVG: a weight's label box crosses no other edge's line (it would hide
    it) and no δ written under a neuron (at 0.6 em a character, the frame's δ font)."""
    from tinygrad_like.network_page import FRAME_DELTA_FONT

    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    for frame in explain(E).frames(model=net, level="neuron"):
        svg = frame.svg
        lines = {
            eid: tuple(map(float, xy))
            for eid, *xy in re.findall(r'id="([^"]+)" d="M([\d.]+),([\d.]+) L([\d.]+),([\d.]+)"', svg)
        }
        labels = re.findall(
            r'id="(w-[^"]+)-label"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg
        )
        deltas = re.findall(r'<text class="delta" id="[^"]+" x="([\d.]+)" y="([\d.]+)">([^<]*)<', svg)
        assert len(labels) == 10 and len(lines) == 11
        for own, *box in labels:
            x, y, w, h = map(float, box)
            for eid, (x0, y0, x1, y1) in lines.items():
                if eid == own:
                    continue
                # the segment's points, densely: none inside the box
                inside = [
                    x < x0 + (x1 - x0) * t / 200 < x + w and y < y0 + (y1 - y0) * t / 200 < y + h
                    for t in range(201)
                ]
                assert not any(inside), (frame.title, own, "on", eid)
            for cx, base, text in deltas:
                half = 0.3 * FRAME_DELTA_FONT * len(text)
                cx, base = float(cx), float(base)
                apart = x + w < cx - half or x > cx + half or y > base + 5 or y + h < base - FRAME_DELTA_FONT
                assert apart, (frame.title, own, "over", text)


def test_the_pages_op_circles_speak_the_notation(tmp_path):
    # the blog calls its activation g and squares as ( )^2; Nielsen calls it σ; neither writes Python's **
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    for notation, activation in (("blog", "g"), ("nielsen", "σ")):
        path = tmp_path / f"{notation}.html"
        explain(E, notation=notation).to_html(path, model=net)
        marks = set(re.findall(r'class="opsym"[^>]*>([^<]*)<', path.read_text()))
        assert activation in marks and {"g", "σ"} - {activation} <= {"g", "σ"} - marks
        assert "^2" in marks and not any("**" in m for m in marks)
