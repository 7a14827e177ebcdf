"""Drawings behave like a graphviz.Digraph, and render SVG and PNG from a plain pip install."""

import re
import shutil
import struct
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import require_program, tanh_neuron

import tinygrad_like.render as render_module
from tinygrad_like import draw_dot
from tinygrad_like.render import RenderError


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the PNG spec: bytes 16–24, big-endian)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_size_in_pixels(svg: str) -> tuple[float, float]:
    """The SVG's declared width and height (Graphviz writes points) at 96 pixels per inch."""
    root = ET.fromstring(svg)
    return tuple(float(root.get(k).removesuffix("pt")) * 96 / 72 for k in ("width", "height"))


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """PATH holds only an empty folder: no system ``dot`` can be found or run."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def test_micrograds_tutorial_lines_run_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    y, *_ = tanh_neuron()
    y.backward()
    dot = draw_dot(y)
    written = dot.render("gout")
    assert written == "gout.svg"
    assert (tmp_path / "gout").read_text() == dot.source  # the DOT text, as graphviz writes it
    svg = ET.fromstring((tmp_path / "gout.svg").read_text())
    nodes = svg.findall(".//{http://www.w3.org/2000/svg}g[@class='node']")
    assert len(nodes) == 9  # x, w, b, x·w, n, y and the three operations


def test_png_renders_with_no_system_graphviz_on_path(tmp_path, no_system_dot):
    y, *_ = tanh_neuron()
    y.backward()
    d = draw_dot(y, show_local=True)
    d.format = "png"
    path = d.render(tmp_path / "neuron")
    assert path == str(tmp_path / "neuron.png")
    width, height = png_size((tmp_path / "neuron.png").read_bytes())
    expected = svg_size_in_pixels(d.pipe(format="svg", encoding="utf-8"))
    assert (width, height) == pytest.approx(expected, abs=1.5)
    assert width > 1000 and height > 100  # seven boxes in a row, each wide enough to read


def test_micrograds_own_draw_dot_from_its_lecture_draws_our_values():
    """The trace and draw_dot of micrograd's lecture, as learners copy them, read _prev and _op."""
    import graphviz

    from tinygrad_like import Value

    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    def lecture_draw_dot(root):
        dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
        nodes, edges = trace(root)
        for n in nodes:
            uid = str(id(n))
            label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031 (as written there)
            dot.node(name=uid, label=label, shape="record")
            if n._op:
                dot.node(name=uid + n._op, label=n._op)
                dot.edge(uid + n._op, uid)
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    source = lecture_draw_dot(d).source
    assert source.count("shape=record") == 5  # a, b, c, e, d
    assert source.count('label="*"') == 1 and source.count('label="+"') == 1
    assert source.count(" -> ") == 2 + 4  # each op to its result; a, b into *, e and c into +
    assert "{ e | data -6.0000 | grad 0.0000 }" in source


def test_micrograds_draw_dot_format_keyword_sets_what_render_writes(tmp_path, monkeypatch, no_system_dot):
    monkeypatch.chdir(tmp_path)
    y, *_ = tanh_neuron()
    dot = draw_dot(y, format="png", rankdir="LR")  # micrograd's draw_dot(root, format, rankdir)
    assert dot.render("gout") == "gout.png"
    assert (tmp_path / "gout.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"format='png'"):
        draw_dot(y, "png")  # our second argument is rankdir: the error says how to ask for the format


def test_pipe_gives_bytes_or_text_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = draw_dot(tanh_neuron()[0])
    assert d.pipe(format="png")[:4] == b"\x89PNG"
    assert "<svg" in d.pipe(encoding="utf-8")
    assert list(tmp_path.iterdir()) == []


def test_cleanup_removes_the_dot_file_and_view_opens_the_picture(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(render_module, "open_file", opened.append)
    d = draw_dot(tanh_neuron()[0])
    path = d.render("g", directory=tmp_path, format="png", cleanup=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png"] and path.endswith("g.png")
    assert d.view(tmp_path / "v") == str(tmp_path / "v.svg")
    assert [str(p) for p in opened] == [str(tmp_path / "v.svg")]


def test_outfile_names_the_picture_and_its_format(tmp_path):
    d = draw_dot(tanh_neuron()[0])
    assert d.render(outfile=tmp_path / "pic.png") == str(tmp_path / "pic.png")
    assert (tmp_path / "pic.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "pic.gv").read_text() == d.source


def test_pdf_uses_the_system_graphviz(tmp_path):
    require_program("dot", "graphviz")
    d = draw_dot(tanh_neuron()[0])
    assert d.pipe(format="pdf")[:5] == b"%PDF-"


def test_pdf_without_system_graphviz_is_a_vector_page_the_size_of_the_drawing(tmp_path, no_system_dot):
    d = draw_dot(tanh_neuron()[0])
    path = d.render(tmp_path / "g", format="pdf")
    pdf = (tmp_path / "g.pdf").read_bytes()
    assert path == str(tmp_path / "g.pdf") and pdf[:5] == b"%PDF-"
    # the page is the drawing's size in points, as the SVG gives it (graphviz writes pt)
    svg = ET.fromstring(d.pipe(format="svg"))
    width, height = (float(svg.get(k).removesuffix("pt")) for k in ("width", "height"))
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]+)\]", pdf).group(1).split()]
    assert box[:2] == [0, 0] and box[2:] == pytest.approx([width, height], abs=1)
    # text is typeset with an embedded font, not drawn as a picture
    assert b"/FontFile" in pdf and not re.search(rb"/Subtype\s*/Image", pdf)


def test_pdf_without_system_graphviz_or_typst_says_what_to_install_and_writes_nothing(
    tmp_path, no_system_dot, monkeypatch
):
    monkeypatch.setitem(sys.modules, "typst", None)  # as if it were not installed
    d = draw_dot(tanh_neuron()[0])
    with pytest.raises(RenderError) as info:
        d.render(tmp_path / "g", format="pdf")
    message = str(info.value)
    assert message.startswith(
        "rendering PDF needs the system Graphviz or Typst: install Graphviz (Debian/Ubuntu: apt-get"
    )
    assert message.endswith('or pip install "tinygrad_like[pdf]" (Typst). SVG and PNG work without them.')
    assert [p.name for p in tmp_path.iterdir()] == ["empty-bin"]


def test_jupyter_display_without_any_renderer_shows_the_dot_text_and_why(monkeypatch, capsys, no_system_dot):
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.setattr(render_module, "bundled_dot", lambda: None)
    d = draw_dot(tanh_neuron()[0])
    data, _ = DisplayFormatter().format(d)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "image/svg+xml" not in data
    why, *rest = data["text/plain"].splitlines()
    assert re.match(r"\(not drawn: nothing can render SVG here: pip install graphviz-pure", why)
    assert "\n".join(rest) == d.source.rstrip("\n")


def test_jupyter_display_with_a_renderer_is_svg():
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(draw_dot(tanh_neuron()[0]))
    assert "<svg" in data["image/svg+xml"]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of 'auto', 'system', 'bundled'"):
        draw_dot(tanh_neuron()[0]).svg(engine="cairo")
