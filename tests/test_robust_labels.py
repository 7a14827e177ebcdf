"""Hostile labels and input names: a label never changes a number, in one sample or a batch.

The compiler turns labels into identifiers; the names it writes itself (gradients d_…, helpers,
the batch program's matrices A3, W3, X2, …, the arguments params and n_samples) must never be
given to a label. Expected gradients come from ``backward()`` on the Value graph.
"""

import json
import keyword
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nn import MLP, sum_squared_error
from nn.compiled import batch_gradients, compile_loss
from tinygrad_like import Value, draw_dot, draw_network, explain
from tinygrad_like.compiler import RESERVED, trace
from tinygrad_like.labels import shown

# every name the compiler can write itself, and what a label turns into on its way to one
GENERATED = sorted(
    {*RESERVED, *keyword.kwlist, "loss", "params", "n_samples", "x", "x1", "x2", "t1", "t2", "d", "v"}
    | {f"{m}{k}" for m in "AXZWB" for k in range(1, 5)}
    | {f"{m}{k}_at" for m in "WB" for k in range(1, 5)}
    | {f"v{k}" for k in range(1, 12)}
    | {f"d_{n}" for n in ("w", "q", "loss", "x", "v2", "a2_2", "A3", "Z3", "W3", "X2", "B3", "v_d_w")}
)
# labels no font, parser or format is ready for: controls, lone surrogates, bidi overrides, markup,
# identifiers that Python's NFKC normalisation turns into generated names (𝔵 is x, ｄ_ｗ is d_w)
HOSTILE = [
    "\x00",
    "a\x07b",
    "\n",
    "a\nb",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\udc80",
    "\ud800x",
    "\u202eabc",
    "\ufeff",
    "\x85",
    "</script>",
    "<!--",
    "]]>",
    "&amp;",
    '"',
    "\\",
    "{|}",
    "<b>",
    "𝔵",
    "ｄ_ｗ",
    "ﬁ",
    "ℌ3",
    "Ⅻ",
    "x" * 20_000,
    "é" * 300,
    "\n" * 100,
    "",
]
identifiers = st.from_regex(r"[^\W\d]\w{0,8}", fullmatch=True)  # the whole Unicode identifier space
odd_characters = st.characters(categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn"])
labels = st.one_of(
    st.sampled_from(GENERATED),
    st.sampled_from(HOSTILE),
    identifiers,
    st.text(max_size=12),
    st.text(alphabet=st.one_of(odd_characters, st.characters()), max_size=8),
    st.from_regex(r"[a-zA-Z_]\w{0,6}"),
)


def test_a_parameter_labelled_like_a_gradient_keeps_its_own_gradient():
    w, dw, q = Value(1.0, label="w"), Value(2.0, label="d_w"), Value(3.0, label="q")
    program = trace(lambda x: q * dw + w * x, [w, dw, q], x=3.0)
    # ∂/∂w = x = 3, ∂/∂d_w = q = 3, ∂/∂q = d_w = 2 (by hand)
    assert program(3.0).grads == [3.0, 3.0, 2.0]
    assert program(np.array([3.0, 1.0])).grads == [4.0, 6.0, 4.0]


@pytest.mark.parametrize("name", ["d_w", "d_loss", "d_a2_2", "A3", "params_", "v2"])
def test_an_input_named_like_a_generated_name_is_still_the_input(name):
    w = Value(2.0, label="w")
    program = trace(lambda **x: w * x[name] * x[name], [w], **{name: 3.0})
    assert program(5.0).grads == [25.0]  # ∂(w·x²)/∂w = x²
    assert program(5.0).loss == 50.0


@pytest.mark.parametrize("where", ["output", "z", "weight"])
@pytest.mark.parametrize("label", ["A3", "A2", "X2", "W3", "Z3", "B3", "W3_at", "B2_at", "d_Z3", "d_A2"])
def test_a_neuron_labelled_like_a_layer_matrix_leaves_the_batch_gradients_unchanged(label, where):
    model = MLP(2, [3, 2], seed=1)
    if where == "output":
        model.layers[1].neurons[0].a_label = label
    elif where == "z":
        model.layers[0].neurons[1].z_label = label
    else:
        model.layers[0].neurons[0].w[0].label = label
    X, Y = [[0.1, 0.2], [0.3, -0.5], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    program = compile_loss(model, sum_squared_error)
    loss, grads = batch_gradients(program, sum_squared_error, X, Y, [0, 1, 2])
    E = sum_squared_error([model(x) for x in X], Y)
    model.zero_grad()
    E.backward()
    assert loss == pytest.approx(E.data, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("bad", [None, "a", [1.0, None], [[1.0], [1.0, 2.0]], Value(1.0)])
def test_a_program_input_that_is_not_a_number_is_refused_by_name(bad):
    program = trace(lambda x, y: x * y, [], x=1.0, y=2.0)
    with pytest.raises(TypeError, match=r"program input 'y' must be a real number or a 1-d array .* got"):
        program(1.0, bad)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(labels, min_size=9, max_size=9), st.sampled_from(["x", "d_w", "A2", "loss", "v3"]))
@example(["w", "d_w", "q", "A3", "X2", "W3", "d_loss", "loss", "v2"], "x")
def test_compiled_gradients_equal_backward_whatever_the_labels(names, input_name):
    # one sample: a small expression over three parameters and an input
    w, dw, q = (Value(v, label=n) for v, n in zip((1.5, -0.5, 2.0), names))

    def f(**x):
        y = q * dw + (w * x[input_name]).tanh()
        y.label = names[3]
        return y

    program = trace(f, [w, dw, q], **{input_name: 0.7})
    root = f(**{input_name: Value(0.7)})
    root.backward()
    assert program(0.7).grads == pytest.approx([w.grad, dw.grad, q.grad], rel=1e-12)

    # a batch: an MLP whose every label is hostile, through the fused (matrix) program
    model = MLP(2, [2, 2], seed=0)
    neurons = [n for layer in model.layers for n in layer.neurons]
    for k, n in enumerate(neurons):
        n.z_label, n.a_label, n.b.label = names[4 + k], names[(5 + k) % 9], names[(6 + k) % 9]
        for w_ in n.w:
            w_.label = names[(7 + k) % 9]
    X, Y = [[0.5, -1.0], [2.0, 0.25]], [[1.0, 0.0], [0.0, 1.0]]
    program = compile_loss(model, sum_squared_error)
    _, grads = batch_gradients(program, sum_squared_error, X, Y, [0, 1])
    E = sum_squared_error([model(x) for x in X], Y)
    model.zero_grad()
    E.backward()
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-10, abs=1e-15)


# ---- every drawing and page stays well-formed, whatever the labels --------------------------------

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def well_formed_svg(svg: str) -> list[str]:
    """Parse the SVG as XML (it must be well-formed) and return its texts."""
    return [t.text or "" for t in ET.fromstring(svg.encode("utf-8")).iter(SVG_TEXT)]


def well_formed_page(page: str) -> None:
    """The page encodes as UTF-8, its drawing is well-formed XML, its data valid JSON, no raw
    control character or bidi override is left in it, and no label ended its data block early."""
    page.encode("utf-8")
    (svg,) = re.findall(r"<svg\b.*?</svg>", page, re.S)
    ET.fromstring(svg)
    blocks = re.findall(r'<script id="page-data" type="application/json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    json.loads(blocks[0])
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]", page)
    assert page.count("</script>") == page.count("<script") - page.count("<script>alert") == 3


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(labels, min_size=6, max_size=6), st.sampled_from(["LR", "TB", "RL", "BT"]), st.booleans())
@example(["\x00", "a\x07b", "\udc80", "x" * 20_000, "\u202eabc", "</script>"], "BT", True)
def test_every_drawing_and_page_is_well_formed_whatever_the_labels(names, rankdir, collapse):
    x, w, b = (Value(v, label=n) for v, n in zip((0.5, -1.5, 0.25), names))
    y = (x * w + b).tanh()
    y.label = names[3]
    y.backward()
    texts = well_formed_svg(draw_dot(y, rankdir=rankdir, show_local=True).svg())
    assert f"data {y.data:.4f}" in texts
    seen = ["".join(t.split()) for t in well_formed_svg(draw_dot(y).svg())]
    for t in (names[0], names[1]):  # each label is there, visibly (Graphviz may drop spacing)
        if "\n" not in t and "".join(shown(t).split()):
            assert "".join(shown(t).split()) in seen
    well_formed_page(explain(y).page())

    model = MLP(2, [2, 1], seed=0)
    for k, neuron in enumerate(n for layer in model.layers for n in layer.neurons):
        neuron.z_label, neuron.a_label, neuron.b.label = names[k % 6], names[(k + 1) % 6], names[(k + 2) % 6]
        neuron.w[0].label = names[(k + 3) % 6]
    E = sum_squared_error([model([0.5, -1.0])], [1.0])
    E.label = names[4]
    E.backward()
    well_formed_svg(draw_dot(E, model=model, collapse=collapse, rankdir=rankdir).svg())
    well_formed_svg(draw_network(model, rankdir=rankdir).svg())
    well_formed_page(explain(E).page(model=model, level="neuron"))
