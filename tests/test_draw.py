"""Drawings: DOT content and stability, escaping, rendering with the bundled and the system Graphviz."""

import re
import shutil
import time
import xml.etree.ElementTree as ET

import pytest
from conftest import require_program, tanh_neuron

from nn import MLP, examples, hinge_loss, sum_squared_error
from tinygrad_like import Value
from tinygrad_like.draw import Drawing, draw_dot, draw_network, fmt
from tinygrad_like.render import RenderError, render


def neuron_graph():
    y, x, _, _, n = tanh_neuron()
    y.backward()
    return y, n, x


def value_nodes(source):
    return re.findall(r"^\s*(v\d+) \[label=.*shape=record", source, re.M)


def test_dot_has_one_record_per_value_one_node_per_op_and_forward_edges():
    y, n, x = neuron_graph()
    src = draw_dot(y).source
    assert len(value_nodes(src)) == 6  # x, w, x·w, b, n, y
    assert len(re.findall(r"^\s*v\d+_op \[", src, re.M)) == 3  # ×, +, tanh
    edges = re.findall(r"^\s*(v\d+(?:_op)?) -> (v\d+(?:_op)?)", src, re.M)
    assert len(edges) == 3 + 5  # op → result, and one per operand
    assert all(a.endswith("_op") != b.endswith("_op") for a, b in edges)
    for text in ('"{ x | data 2.0000 | grad', "data -0.9999", "grad 1.0000", "tanh", "×"):
        assert text in src


def test_show_local_writes_each_edges_local_derivative():
    y, n, x = neuron_graph()
    src = draw_dot(y, show_local=True).source
    # ∂(x·w)/∂x = w = −3, ∂(x·w)/∂w = x = 2, ∂tanh(n)/∂n = 1 − tanh²(−5)
    labels = re.findall(r'-> v\d+_op \[label="?([^"\]]+)"?\]', src)
    assert sorted(labels) == sorted(["-3.0000", "2.0000", "1.0000", "1.0000", fmt(1 - y.data**2)])


def test_highlight_marks_the_node():
    y, n, x = neuron_graph()
    src = draw_dot(y, highlight=[n]).source
    (line,) = [l for l in src.splitlines() if '"{ n | data' in l]
    assert "fillcolor" in line
    assert sum("fillcolor" in l for l in src.splitlines()) == 1


def test_same_graph_gives_the_same_dot_text():
    def build():
        y, _, _ = neuron_graph()
        return draw_dot(y, show_local=True).source

    assert build() == build()


def test_labels_with_special_characters_never_break_the_dot_text():
    nasty = 'a "quote" {brace} |pipe| <tag> back\\slash\nnew line &amp;'
    v = Value(1.0, label=nasty)
    w = v * 2
    w.label = "\\"
    d = draw_dot(w)
    svg = d.svg(engine="bundled")
    root = ET.fromstring(svg)  # well-formed SVG
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for part in ('a "quote" {brace} |pipe| <tag> back\\slash', "new line &amp;", "data 2.0000"):
        assert part in texts


def test_renders_svg_with_the_bundled_graphviz_without_system_graphviz(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y, _, _ = neuron_graph()
    d = draw_dot(y)
    bundle = d._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert len(ET.fromstring(svg).findall(".//{http://www.w3.org/2000/svg}g[@class='node']")) == 9
    assert d.pipe(format="pdf")[:5] == b"%PDF-"  # from the bundled SVG, through Typst


def test_renders_with_the_system_graphviz(tmp_path):
    require_program("dot", "graphviz")
    y, _, _ = neuron_graph()
    d = draw_dot(y)
    for ext, magic in (("svg", b"<"), ("png", b"\x89PNG"), ("pdf", b"%PDF")):
        path = d.save(tmp_path / f"graph.{ext}", engine="system")
        assert path.read_bytes().lstrip()[: len(magic)] == magic


def test_save_dot_writes_the_source(tmp_path):
    y, _, _ = neuron_graph()
    d = draw_dot(y)
    assert d.save(tmp_path / "g.dot").read_text() == d.source
    with pytest.raises(ValueError, match="no extension"):
        d.save(tmp_path / "graph")


def test_when_nothing_can_render_the_error_says_what_to_install(monkeypatch):
    import tinygrad_like.render as r

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(r, "bundled_dot", lambda: None)
    y, _, _ = neuron_graph()
    d = draw_dot(y)
    with pytest.raises(RenderError, match="pip install graphviz-pure"):
        d.svg()
    assert "digraph" in d.source  # the DOT text still works


def test_the_graphviz_digraph_is_reachable():
    import graphviz

    y, _, _ = neuron_graph()
    assert isinstance(draw_dot(y).graph, graphviz.Digraph)


def micrograd_sample_graph(regularized=True):
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    loss = hinge_loss([model([0.5, -0.3])], [1.0])
    if regularized:
        loss = loss + 1e-4 * Value.sum([p * p for p in model.parameters()])
    loss.backward()
    return model, loss


def test_a_sample_through_micrograds_mlp_renders_in_seconds():
    model, loss = micrograd_sample_graph()
    d = draw_dot(loss)
    assert len(value_nodes(d.source)) > 700
    start = time.perf_counter()
    svg = d.svg(engine="bundled")
    assert time.perf_counter() - start < 10 and "<svg" in svg


def test_clusters_group_neurons_and_collapse_makes_one_node_per_neuron():
    model, loss = micrograd_sample_graph(regularized=False)
    clustered = draw_dot(loss, model=model).source
    assert "subgraph cluster" not in clustered  # columns by layer, no boxes (see test_drawing_layout)
    collapsed = draw_dot(loss, model=model, collapse=True)
    neuron_nodes = re.findall(r"^\s*n(\d)_(\d+) \[label", collapsed.source, re.M)
    assert len(neuron_nodes) == 33 and collapsed.source.count("subgraph cluster_layer") == 3
    assert len(value_nodes(collapsed.source)) < len(value_nodes(clustered)) / 3
    # Nielsen's δ^l_j = ∂C/∂z^l_j = z.grad is written on each collapsed neuron, named δ2_1 (plain, as labels)
    z = model.layers[0].neurons[0].z
    assert f"δ2_1 {fmt(z.grad)}" in collapsed.source
    assert "<svg" in collapsed.svg(engine="bundled")


def test_draw_network_shows_the_documents_figure():
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    src_before = draw_network(net).source
    assert "∂E/∂w" not in src_before
    E.backward()
    src = draw_network(net).source
    circles = re.findall(r"^\s*(x\d|n\d_\d) \[label", src, re.M)
    assert circles == ["x1", "x2", "n2_1", "n2_2", "n3_1", "n3_2", "n4_1"]
    w = net.parameter("w_x1,1")
    assert f"w_x1,1 = {fmt(w.data, 3)}\\n∂E/∂w = {fmt(w.grad, 3)}" in src
    assert "b_5 = " in src and "g(r_3)" in src and src.count("->") == 10


def test_draw_refuses_non_values():
    with pytest.raises(TypeError, match="needs a Value"):
        draw_dot(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(TypeError, match=r"draw_network needs a model with a neuron_layers\(\) method"):
        draw_network(Value(1.0))
    with pytest.raises(ValueError, match="pass model="):
        draw_dot(Value(1.0), collapse=True)


def test_render_passes_dot_errors_on():
    require_program("dot", "graphviz")
    with pytest.raises(RenderError):
        render("digraph { this is not dot", "svg", engine="system")
    assert isinstance(draw_dot(Value(1.0)), Drawing)
