"""The drawings' layout, read from the SVG Graphviz draws: columns, order, sizes, labels clear of lines."""

import pytest
from conftest import require_program
from svg_geometry import ends, inside, label_problems, path_distance, read

from nn import examples, sum_squared_error
from tinygrad_like.draw import NeuronView, draw_dot, draw_network


@pytest.fixture(scope="module")
def blog():
    """The blog's three-layer network after one backward pass of E on the sample x = (1, 0), t = 1."""
    net = examples.three_layer(seed=0)
    E = sum_squared_error([net([1.0, 0.0])], [1.0])
    E.label = "E"
    E.backward()
    return net, E


def boxes_by_name(svg):
    """Each Value's record box by its name (first text), and each op node's box as 'op of <name>'."""
    nodes, edges = read(svg)
    title_name = {n.title: n.texts[0] for n in nodes if not n.title.endswith("_op")}
    named = {}
    for n in nodes:
        name = f"op of {title_name[n.title[:-3]]}" if n.title.endswith("_op") else n.texts[0]
        named[name] = n.box
    return named, nodes, edges


def test_draw_dot_with_model_puts_each_layer_in_its_own_column_inputs_left_loss_right(blog):
    net, E = blog
    require_program("dot", "graphviz")
    svg = draw_dot(E, model=net, show_local=True).svg(engine="system")
    named, nodes, _ = boxes_by_name(svg)
    layers = {
        1: ["x1", "x2"],
        2: ["w_x1,1", "w_x2,1", "b_1", "w_x1,2", "w_x2,2", "b_2", "r_1", "r_2", "g(r_1)", "g(r_2)"],
        3: ["w_1,3", "w_2,3", "b_3", "w_1,4", "w_2,4", "b_4", "r_3", "r_4", "g(r_3)", "g(r_4)"],
        4: ["w_3,5", "w_4,5", "b_5", "r_5", "y"],
    }
    for k in (2, 3, 4):
        layers[k] += [f"op of {name}" for name in layers[k] if name.startswith(("r_", "g(", "y"))]
    bands = {
        k: (min(named[n][0] for n in names), max(named[n][2] for n in names)) for k, names in layers.items()
    }
    # the columns, left to right, do not overlap: x | layer 2 | layer 3 | layer 4 | the loss
    assert bands[1][1] < bands[2][0] < bands[2][1] < bands[3][0] < bands[3][1] < bands[4][0]
    assert bands[4][1] < named["E"][0]
    # within a layer, the same kind of node shares a column: r_1 above r_2 at the same x
    centre = {name: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for name, b in named.items()}
    for same in (["x1", "x2"], ["r_1", "r_2"], ["g(r_3)", "g(r_4)"], ["w_x1,1", "w_x2,1", "b_1", "w_x1,2"]):
        assert max(centre[n][0] for n in same) - min(centre[n][0] for n in same) < 1.0, same
    # parameters in index order, top to bottom; neuron 1 above neuron 2
    for order in (
        ["w_x1,1", "w_x2,1", "b_1"],
        ["w_1,3", "w_2,3", "b_3"],
        ["w_3,5", "w_4,5", "b_5"],
        ["r_1", "r_2"],
    ):
        ys = [centre[n][1] for n in order]
        assert ys == sorted(ys), order
    # no staircase: every layer's middle lies within the middle third of the drawing's height,
    # and the inputs sit beside the first layer
    top, bottom = min(b[1] for b in named.values()), max(b[3] for b in named.values())
    for k in (2, 3, 4):
        middle = sum(centre[n][1] for n in layers[k]) / len(layers[k])
        assert top + (bottom - top) / 3 < middle < bottom - (bottom - top) / 3, k
    assert all(named["w_x1,1"][1] < centre[x][1] < named["b_2"][3] for x in ("x1", "x2"))
    # on a 1920×1080 screen, the whole drawing fits with the records' 11 pt text at least 10 px tall
    width, height = max(b[2] for b in named.values()), max(b[3] for b in named.values())
    scale = min(1920 / (width * 4 / 3), 1080 / (height * 4 / 3))
    assert 11 * 4 / 3 * scale >= 10


def test_draw_dot_with_model_routes_no_edge_through_a_node(blog):
    net, E = blog
    require_program("dot", "graphviz")
    nodes, edges = read(draw_dot(E, model=net, show_local=True).svg(engine="system"))
    for e in edges:
        for n in nodes:
            if n.title not in ends(e):
                assert not any(inside(p, n.box, 1.0) for p in e.points), (ends(e), n.texts)


def test_any_model_with_neuron_layers_can_be_drawn():
    """The protocol: neuron_layers() giving NeuronView objects; nothing of nn's attribute names."""
    from tinygrad_like import Value

    class Perceptron:
        def __init__(self):
            self.w, self.b = [Value(0.5, label="u"), Value(-1.0, label="v")], Value(0.25, label="c")

        def __call__(self, x):
            self.z = sum((w * xi for w, xi in zip(self.w, x)), self.b)
            self.z.label = "s"
            self.a = self.z.tanh()
            self.a.label = "out"
            return self.a

        def neuron_layers(self):
            return [[NeuronView(self.w, self.b, self.z, self.a, "out", "tanh")]]

    p = Perceptron()
    out = p([Value(1.0, label="x1"), Value(2.0, label="x2")])
    out.backward()
    network = draw_network(p).source
    assert "u = 0.500" in network and "out" in network and "tanh" in network and "∂E/∂w" in network
    assert "n2_1 [label" in draw_dot(out, model=p, collapse=True).source  # the neuron as one node


def test_draw_dot_with_model_writes_each_local_derivative_beside_its_own_edge(blog):
    net, E = blog
    require_program("dot", "graphviz")
    svg = draw_dot(E, model=net, show_local=True).svg(engine="system")
    # beside: within 18 pt of its edge (a one-operand op's label sits over its small circle),
    # nearer it than any other labelled edge, on no line, over no node and no other label
    assert label_problems(svg, near=18.0) == []
    _, edges = read(svg)
    assert sum(len(e.labels) for e in edges) == 36  # one per edge into an operation


def test_draw_network_labels_each_weight_clear_of_every_line_at_the_readmes_size(blog):
    net, _ = blog
    require_program("dot", "graphviz")
    svg = draw_network(net).svg(engine="system")
    assert label_problems(svg, near=9.0) == []
    nodes, edges = read(svg)
    texts = [text for e in edges for text, _ in e.labels]
    w = net.parameter("w_x1,1")
    assert f"w_x1,1 = {w.data:.3f}\n∂E/∂w = {w.grad:.2e}" in texts and len(texts) == 10
    # the README shows it at most 880 px wide: its 10 pt labels are still 10 px tall there
    width = max(n.box[2] for n in nodes) * 4 / 3
    assert 10 * 4 / 3 * min(1.0, 880 / width) >= 10


def test_draw_network_keeps_every_other_edge_a_label_height_away_from_each_weight_label(blog):
    # a label between two edges about as near (as w_x2,1 was, 7 pt from its edge and 10 pt from
    # x1's edge to f2, at their crossing) cannot be told apart: the reader guesses whose it is
    net, _ = blog
    require_program("dot", "graphviz")
    _, edges = read(draw_network(net).svg(engine="system"))
    for e in edges:
        for text, box in e.labels:
            height = box[3] - box[1]
            others = min(path_distance(o.points, box) for o in edges if o is not e)
            assert others >= height > path_distance(e.points, box), (text, ends(e), others, height)


def test_draw_network_of_a_wide_network_leaves_its_weights_off_and_says_so():
    from nn import MLP

    net = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    source = draw_network(net).source  # 2·16 + 16·16 + 16 = 304 weights: labels would hide one another
    assert source.count("->") == 304 and "xlabel" not in source
    assert "304 weights, not written (draw_network(model, show_weights=True) writes them)" in source
    small = draw_network(MLP(2, [2, 1], seed=0)).source
    assert small.count("xlabel") == 6 and "not written" not in small
