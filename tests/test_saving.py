"""MLP.save / MLP.load: JSON by state_dict names, 0.1.0 files still load, and every damaged file
gives one clear ``cannot load a model from PATH: why`` error, read in bounded time and memory."""

import json
import math
import os
import pathlib
import re
import tracemalloc

import pytest

from nn import MLP, examples, saving
from nn.saving import CannotLoad

OLD = pathlib.Path(__file__).parent / "data" / "model_0.1.0.json"  # written by hand, as 0.1.0 wrote


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_a_saved_model_is_its_state_dict_and_labels_by_name(tmp_path):
    model = examples.three_layer(seed=9)
    path = tmp_path / "net.json"
    model.save(path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    names = [name for name, _ in model.named_parameters()]
    assert list(stored["state_dict"]) == names  # in model order, by PyTorch-style names
    assert stored["state_dict"]["layers.0.neurons.0.w.0"] == model.layers[0].neurons[0].w[0].data
    assert stored["labels"]["layers.0.neurons.0.w.0"] == "w_x1,1"  # the blog's label, kept
    assert stored["labels"]["layers.2.neurons.0.a_label"] == "y"
    again = MLP.load(path)
    assert again.state_dict() == model.state_dict()  # exactly: floats are written as their repr
    assert [p.label for p in again.parameters()] == [p.label for p in model.parameters()]
    assert again([0.3, 0.7]).data == model([0.3, 0.7]).data and again([0.3, 0.7]).label == "y"


def test_a_file_with_a_byte_order_mark_loads(tmp_path):
    """Opened and saved again in an editor that writes a UTF-8 byte-order mark (Windows Notepad)."""
    model = examples.three_layer(seed=9)
    path = tmp_path / "net.json"
    model.save(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert MLP.load(path).state_dict() == model.state_dict()


def test_a_file_saved_by_version_0_1_0_still_loads():
    model = MLP.load(OLD)
    assert model.state_dict() == {
        "layers.0.neurons.0.w.0": 0.5,
        "layers.0.neurons.0.w.1": -1.0,
        "layers.0.neurons.0.b": 0.25,
        "layers.0.neurons.1.w.0": 1.5,
        "layers.0.neurons.1.w.1": 2.0,
        "layers.0.neurons.1.b": -0.5,
        "layers.1.neurons.0.w.0": -2.0,
        "layers.1.neurons.0.w.1": 1.0,
        "layers.1.neurons.0.b": 0.75,
    }
    assert model.parameter("w_x2,1") is model.layers[0].neurons[0].w[1]
    assert model.layers[0].neurons[1].z_label == "r_2"
    y = model([1.0, 0.0])
    # by hand: r_1 = 0.5·1 − 1·0 + 0.25, r_2 = 1.5·1 + 2·0 − 0.5, r_3 = −2·g(r_1) + 1·g(r_2) + 0.75
    assert y.label == "y"
    assert y.data == pytest.approx(sigmoid(-2 * sigmoid(0.75) + sigmoid(1.0) + 0.75), rel=1e-15)


def write(path, state):
    path.write_text(json.dumps(state), encoding="utf-8")
    return path


def v2(**change):
    state = json.loads(json.dumps(STATE))
    state.update(change)
    return state


def weight(value, version=2):
    """A saved model with one weight replaced by ``value`` (written as JSON text, not by json)."""
    if version == 2:
        return json.dumps(STATE).replace(
            '"layers.0.neurons.0.w.0": 0.5', f'"layers.0.neurons.0.w.0": {value}'
        )
    return OLD.read_text().replace('"w": [\n     0.5,', f'"w": [\n     {value},')


STATE = {  # MLP(2, [1]) as this version saves it
    "format": "tinygrad_like.nn.MLP",
    "version": 2,
    "nin": 2,
    "nouts": [1],
    "activation": "sigmoid",
    "output_activation": "sigmoid",
    "state_dict": {
        "layers.0.neurons.0.w.0": 0.5,
        "layers.0.neurons.0.w.1": -1.0,
        "layers.0.neurons.0.b": 0.0,
    },
    "labels": {"layers.0.neurons.0.w.0": "w2_1,1"},
}

DAMAGED = {  # name: (file contents as text or bytes, what the message says)
    "401-digit weight": (weight("1" * 401), r"layers\.0\.neurons\.0\.w\.0 is 1111.*, not a finite number"),
    "401-digit weight, 0.1.0 file": (weight("9" * 401, 1), r"w\.0 is 9999.*, not a finite number"),
    "5000-digit weight": (
        weight("7" * 5000),
        "holds a number of 5000 digits, more than Python reads as an integer",
    ),
    "1e999": (weight("1e999"), "w.0 is inf, not a finite number"),
    "NaN": (weight("NaN"), "w.0 is nan, not a finite number"),
    "a weight that is a string": (weight('"0.5"'), "w.0 is '0.5', not a finite number"),
    "a weight that is a list": (
        weight("[[[[[[[[1]]]]]]]]"),
        r"w\.0 is \[\[\[\[\[\[\[\.\.\.\]\]\]\]\]\]\], not a",
    ),
    "a weight that is true": (weight("true"), "w.0 is True, not a finite number"),
    "state_dict a list": (json.dumps(v2(state_dict=[1, 2, 3])), "state_dict or labels is not a JSON object"),
    "labels a string": (json.dumps(v2(labels="w")), "state_dict or labels is not a JSON object"),
    "a label that is a number": (
        json.dumps(v2(labels={"layers.0.neurons.0.b": 7})),
        "labels must be strings",
    ),
    "a label for nothing": (
        json.dumps(v2(labels={"layers.9.b": "b"})),
        "labels name what the model does not",
    ),
    "nin a string": (json.dumps(v2(nin="2")), "nin '2' and nouts \\[1\\] are not positive whole numbers"),
    "nin true": (json.dumps(v2(nin=True)), "nin True and nouts"),
    "nouts empty": (json.dumps(v2(nouts=[])), "are not positive whole numbers"),
    "a billion inputs": (json.dumps(v2(nin=10**9)), "make 1,000,000,001 parameters, but it stores 3"),
    "a missing weight": (
        json.dumps(v2(state_dict={"layers.0.neurons.0.w.0": 0.5, "layers.0.neurons.0.b": 0.0})),
        "missing keys: layers.0.neurons.0.w.1; unexpected keys: none",
    ),
    "an unknown activation": (json.dumps(v2(activation="swish")), "activation is 'swish'; valid ones are"),
    "a future version": (json.dumps(v2(version=3)), "version 3 is not one this version reads"),
    "version true": (json.dumps(v2(version=True)), "version True is not one this version reads"),
    "0.1.0 neuron not an object": (
        OLD.read_text().replace('"layers": [\n  [\n   {', '"layers": [\n  [\n   5, {', 1),
        "layer 2 should be a list of 2 neurons",
    ),
    "0.1.0 labels a string": (
        OLD.read_text().replace(
            '"labels": {\n     "w": [\n      "w_x1,1"', '"labels": "x", "l": {"w": ["w_x1,1"', 1
        ),
        "the labels of neuron 1 of layer 2 are 'x'",
    ),
    "0.1.0 w a number": (
        OLD.read_text().replace('"w": [\n     0.5,\n     -1.0\n    ]', '"w": 3', 1),
        "has no weights",
    ),
    "deeply nested brackets": ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    "deeply nested inside a model": (
        json.dumps(STATE).replace("0.5", "[" * 200_000 + "]" * 200_000),
        "nested too deeply",
    ),
    "not UTF-8": (b"\xff\xfe{\x00}\x00", r"it is not UTF-8 text \(byte 0 is 0xff\); a saved model is JSON"),
    "Latin-1 label": (json.dumps(STATE).replace("w2_1,1", "w\xe9").encode("latin-1"), "not UTF-8 text"),
    "truncated": (json.dumps(STATE)[:100], "not complete JSON .*; truncated\\?"),
    "empty": ("", "not complete JSON"),
    "not JSON": ("hello, world", r"it is not JSON \(Expecting value: line 1 column 1\)"),
    "another JSON": (json.dumps({"hello": 1}), "it is not a saved model"),
    "a JSON list": ("[1, 2]", "it is not a saved model"),
}


@pytest.mark.parametrize("name", DAMAGED)
def test_every_damaged_file_gives_one_clear_error(tmp_path, name):
    content, why = DAMAGED[name]
    path = tmp_path / "damaged.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(CannotLoad) as info:
        MLP.load(path)
    message = str(info.value)
    assert message.startswith(f"cannot load a model from {str(path)!r}: ")
    assert "\n" not in message and len(message) < 400  # one line, however long the damage
    assert isinstance(info.value, ValueError)  # what 0.1.0 raised: callers catching it still do
    assert re.search(why, message), message


def test_the_fixture_and_the_damage_helpers_are_what_the_tests_think(tmp_path):
    # the damaged files above differ from loadable ones only by their damage
    assert MLP.load(write(tmp_path / "good.json", STATE)).state_dict()["layers.0.neurons.0.w.0"] == 0.5
    (tmp_path / "good2.json").write_text(weight("0.125"))
    assert MLP.load(tmp_path / "good2.json").state_dict()["layers.0.neurons.0.w.0"] == 0.125
    (tmp_path / "good1.json").write_text(weight("0.125", 1))
    assert MLP.load(tmp_path / "good1.json").state_dict()["layers.0.neurons.0.w.0"] == 0.125


def peak_bytes(call):
    tracemalloc.start()
    try:
        with pytest.raises(CannotLoad) as info:
            call()
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="a system without /dev/zero")
def test_dev_zero_is_refused_after_reading_at_most_the_size_limit(monkeypatch):
    monkeypatch.setattr(saving, "MAX_BYTES", 2**20)
    peak, message = peak_bytes(lambda: MLP.load("/dev/zero"))
    why = "it has more than 1,048,576 bytes, more than a saved model can have"
    assert message == f"cannot load a model from '/dev/zero': {why}"
    assert peak < 3 * 2**20


def test_a_huge_file_is_refused_without_being_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(2**33)  # 8 GiB, sparse: it takes no room on disk
    peak, message = peak_bytes(lambda: MLP.load(path))
    assert message.endswith(
        f"it has 8,589,934,592 bytes, more than a saved model can have ({saving.MAX_BYTES:,})"
    )
    assert peak < 2**20


def test_the_size_limit_holds_a_large_model(tmp_path):
    # about 100 bytes a parameter: the limit is far above any model this engine trains
    model = MLP(64, [16, 10], seed=0)  # the digits network, 1,210 parameters
    model.save(tmp_path / "digits.json")
    per_parameter = (tmp_path / "digits.json").stat().st_size / len(model.parameters())
    assert per_parameter < 110 and saving.MAX_BYTES / per_parameter > 250_000


def test_a_folder_and_a_missing_file(tmp_path):
    with pytest.raises(CannotLoad, match="it is a folder, not a file"):
        MLP.load(tmp_path)
    with pytest.raises(
        FileNotFoundError, match="cannot load a model from .*nothing.json': there is no such file"
    ):
        MLP.load(tmp_path / "nothing.json")


def test_load_state_dict_refuses_a_huge_number_and_changes_nothing():
    model = MLP(2, [1], seed=0)
    before = model.state_dict()
    state = dict(before, **{"layers.0.neurons.0.b": 10**400})
    with pytest.raises(
        ValueError, match=r"load_state_dict: layers\.0\.neurons\.0\.b is 1000.*0, not a finite number"
    ):
        model.load_state_dict(state)
    assert model.state_dict() == before
    long = {f"extra.{i}": 0.0 for i in range(1000)}
    with pytest.raises(KeyError, match=r"unexpected keys: extra\.0, .*extra\.9, … \(1,000 in all\)"):
        model.load_state_dict({**before, **long})
    assert model.state_dict() == before
