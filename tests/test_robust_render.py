"""The rendering layer under hostile labels, failing renderers and big graphs (issue 16, items 8
and 12): every label draws, every failure is a RenderError that says why, no drawing hangs."""

import time
import xml.etree.ElementTree as ET

import pytest
from conftest import require_program

from nn import MLP
from tinygrad_like import Value, draw_dot, draw_network, render
from tinygrad_like.expr import build
from tinygrad_like.labels import MAX_LABEL, shown
from tinygrad_like.render import RenderError, RenderTimeout, layout_cost

SVG = "{http://www.w3.org/2000/svg}"
ENGINES = ["system", "bundled"]


def texts(svg: str) -> list[str]:
    """Parse the SVG (so it must be well-formed) and return the texts a reader sees."""
    return [t.text or "" for t in ET.fromstring(svg.encode("utf-8")).iter(SVG + "text")]


@pytest.fixture(params=ENGINES)
def engine(request):
    if request.param == "system":
        require_program("dot", "graphviz")
    return request.param


def labelled(label: str) -> Value:
    x = Value(1.5, label=label)
    y = (x * 2.0).tanh()
    y.label = label
    y.backward()
    return y


@pytest.mark.parametrize(
    "label, seen",
    [
        ("a\x00b", "a\\x00b"),  # a NUL ended Graphviz's input
        ("bell\x07", "bell\\x07"),
        ("esc\x1b[31m", "esc\\x1b[31m"),  # a terminal colour code is shown, not obeyed
        ("tab\there", "tab\\there"),
        ("del\x7f", "del\\x7f"),
        ("w\udc80", "w\\udc80"),  # a lone surrogate cannot be written as UTF-8
        ("x\u202eyz", "x\\u202eyz"),  # a right-to-left override would reverse the text after it
        ("c1\x85", "c1\\x85"),
    ],
)
@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_every_label_draws_with_its_control_characters_shown_as_python_escapes(label, seen, rankdir, engine):
    svg = draw_dot(labelled(label), rankdir=rankdir).svg(engine=engine)
    assert seen in texts(svg)


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_a_label_of_one_newline_draws_in_every_direction(rankdir, engine):
    # in a fresh process the old in-process renderer trapped on the fourth of these
    for _ in range(2):
        assert "data 1.5000" in texts(draw_dot(labelled("\n"), rankdir=rankdir).svg(engine=engine))


@pytest.mark.parametrize("length", [16_385, 100_000])
def test_an_overlong_label_is_shortened_with_an_ellipsis(length, engine):
    label = "w" * length
    seen = [t for t in texts(draw_dot(labelled(label)).svg(engine=engine)) if t.startswith("www")]
    assert seen and all(t == "w" * (MAX_LABEL - 1) + "…" for t in seen)


def test_a_label_of_many_lines_keeps_its_first_lines():
    assert shown("a\n" * 500).split("\n")[:3] == ["a", "a", "a"]
    assert shown("a\n" * 500).endswith("…") and shown("a\n" * 500).count("\n") < 50


@pytest.mark.parametrize("label", ["bell\x07", "nul\x00", "w\udc80", "&amp;<b>\"'", "x" * 20_000])
def test_draw_network_with_hostile_labels_is_well_formed(label, engine):
    model = MLP(2, [2, 1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.a_label, neuron.w[0].label, neuron.b.label = label, label, label
    shown_texts = texts(draw_network(model).svg(engine=engine))
    assert shown(label)[:20] in "".join(shown_texts)
    assert "w3_1,1 = " in " ".join(shown_texts)  # the other labels are still there


# ---- renderer failures ---------------------------------------------------------------------------


def test_dot_text_with_a_nul_or_a_surrogate_still_renders(engine):
    svg = render.render('digraph {\n a [label="nul\x00 sur\udc80"]\n}', "svg", engine).decode()
    assert "nul\\x00 sur\\udc80" in texts(svg)


def test_a_dot_syntax_error_is_a_render_error_naming_the_renderer(engine):
    with pytest.raises(RenderError, match=r"could not render svg: .*syntax error"):
        render.render("digraph { a -> }", "svg", engine)


def test_a_renderer_that_cannot_be_run_is_a_render_error(monkeypatch, tmp_path):
    broken = tmp_path / "dot"
    broken.write_text("not a program")
    broken.chmod(0o644)  # not executable
    monkeypatch.setattr(render, "system_dot", lambda: str(broken))
    with pytest.raises(RenderError, match=r"Graphviz dot could not be run"):
        render.render("digraph { a -> b }", "svg", "system")


def test_when_the_system_dot_fails_auto_draws_with_the_bundled_one(monkeypatch, tmp_path):
    failing = tmp_path / "dot"
    failing.write_text("#!/bin/sh\necho 'Error: lost n2_15 n3_6 edge' >&2\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setattr(render, "system_dot", lambda: str(failing))
    assert "b" in texts(render.render("digraph { a -> b }", "svg").decode())
    with pytest.raises(RenderError, match="lost n2_15 n3_6 edge"):  # asked for the system one: its error
        render.render("digraph { a -> b }", "svg", "system")


def test_a_renderer_running_too_long_is_stopped_with_advice(monkeypatch, tmp_path):
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr(render, "system_dot", lambda: str(slow))
    started = time.perf_counter()
    stopped = r"took more than 0.5 s and was stopped: this drawing has 2 nodes"
    with pytest.raises(RenderTimeout, match=stopped):
        render.render("digraph {\n a -> b\n}", "svg", "system", timeout=0.5)
    assert time.perf_counter() - started < 10


# ---- big graphs (item 8) ------------------------------------------------------------------------


def long_sum(terms: int) -> Value:
    root, _ = build("+".join(["x"] * terms), {"x": 1.0})
    root.backward()
    return root


def test_layout_cost_counts_the_ranks_each_edge_crosses():
    # a → b → c and a → c: ranks 0, 1, 2; the edges cross 1 + 1 + 2 ranks
    assert layout_cost("digraph {\n a -> b\n b -> c\n a -> c\n}") == (3, 3, 4)
    # x+x+…+x: x feeds every + node, the k-th of them k ranks away: about terms² crossings
    nodes, edges, crossings = layout_cost(draw_dot(long_sum(100)).source)
    assert (nodes, edges) == (199, 297) and crossings > 100**2 / 2


def test_a_sum_of_100_terms_draws_and_its_gradient_is_the_count(engine):
    # it ran over 200 s with the system dot; the layout now skips the polishing passes
    assert "grad 100.0000" in texts(draw_dot(long_sum(100)).svg(engine=engine))


def test_a_graph_too_large_to_lay_out_is_refused_at_once_with_advice(engine):
    drawing = draw_dot(long_sum(1000))
    started = time.perf_counter()
    with pytest.raises(RenderError, match=r"too large to lay out in seconds: this drawing has 1999 nodes"):
        drawing.svg(engine=engine)
    assert time.perf_counter() - started < 2  # refused before any renderer ran
    with pytest.raises(RenderError, match=r"explain\(root\).to_html"):
        drawing.svg(engine=engine)


def test_explain_shows_a_labels_control_characters_so_printing_cannot_drive_the_terminal():
    from tinygrad_like import explain

    x = Value(2.0, label="x\x1b[2J")  # "clear the screen", if a terminal obeyed it
    y = x * x
    y.label = "y\u202e"
    text = str(explain(y))
    assert "\x1b" not in text and "\u202e" not in text
    assert "x\\x1b[2J" in text and "y\\u202e" in text
