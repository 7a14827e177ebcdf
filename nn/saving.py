"""Save a model as JSON and load it back exactly: architecture, activations, every parameter by
its ``state_dict`` name (``layers.0.neurons.1.w.2``), and the labels.

Files written by version 0.1.0, which nested the weights layer by layer and neuron by neuron, still
load. A file that is not a model this version can read (truncated, foreign, damaged, too large)
raises ``CannotLoad``: one line, ``cannot load a model from PATH: why``, read in bounded time and
memory.

>>> import os, tempfile
>>> from nn import MLP
>>> model = MLP(2, [2, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.json")
>>> model.save(path)
>>> again = MLP.load(path)
>>> again.state_dict() == model.state_dict()
True
"""

from __future__ import annotations

import json
import os
import re
import reprlib
from typing import TYPE_CHECKING, Any, TypeGuard, cast

if TYPE_CHECKING:
    from nn.layers import MLP

FORMAT = "tinygrad_like.nn.MLP"
VERSION = 2  # 2: parameters by state_dict name (0.2.0); 1: nested per layer and neuron (0.1.0)
MAX_BYTES = 32 * 2**20  # about 300,000 parameters; a larger file is refused before it is read
_LABELS = ("z_label", "a_label")  # a neuron's labels besides its parameters'


class CannotLoad(ValueError):
    """The file is not a model this version can read; the message names the file and says why."""


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON: its parameters by ``state_dict`` name, written exactly
    (a float's repr round-trips), and its labels by the same names."""
    from tinygrad_like import __version__

    labels = {name: p.label for name, p in model.named_parameters()}
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for key in _LABELS:
                labels[f"layers.{i}.neurons.{j}.{key}"] = getattr(neuron, key)
    state = {
        "format": FORMAT,
        "version": VERSION,
        "written_by": f"tinygrad_like {__version__}",
        "nin": model.nin,
        "nouts": model.nouts,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "state_dict": model.state_dict(),
        "labels": labels,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1, ensure_ascii=False)


def load(path: str | os.PathLike[str]) -> MLP:
    """Rebuild the model saved at ``path`` (by this version or 0.1.0).

    A missing file raises ``FileNotFoundError``; anything else wrong with it raises ``CannotLoad``
    (a ``ValueError``) saying what, without reading more than ``MAX_BYTES``.
    """
    from nn.layers import MLP, activation_names

    def fail(why: str) -> CannotLoad:
        return CannotLoad(f"cannot load a model from {os.fspath(path)!r}: {why}")

    state = _parse(_read(path, fail), fail)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise fail(f"it is not a saved model (expected format {FORMAT!r})")
    version = state.get("version")
    if version not in (1, VERSION) or isinstance(version, bool):
        raise fail(f"version {reprlib.repr(version)} is not one this version reads (1 or {VERSION})")
    nin, nouts = state.get("nin"), state.get("nouts")
    if (
        not _positive_int(nin)
        or not isinstance(nouts, list)
        or not nouts
        or not all(map(_positive_int, nouts))
    ):
        raise fail(f"nin {reprlib.repr(nin)} and nouts {reprlib.repr(nouts)} are not positive whole numbers")
    nouts = cast("list[int]", nouts)
    for key in ("activation", "output_activation"):
        valid = activation_names()
        if state.get(key) not in valid:
            raise fail(f"{key} is {reprlib.repr(state.get(key))}; valid ones are {', '.join(valid)}")
    sizes = [nin, *nouts]
    state_dict: object
    labels: object
    if version == 1:
        state_dict, labels = _from_version_1(state.get("layers"), sizes, fail)
    else:
        state_dict, labels = state.get("state_dict"), state.get("labels", {})
    if not isinstance(state_dict, dict) or not isinstance(labels, dict):
        raise fail("its state_dict or labels is not a JSON object")
    count = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))
    if count > 2 * len(state_dict) + 100:  # the model's size comes from the file: bound it by the file
        raise fail(
            f"nin {nin} and nouts {nouts} make {count:,} parameters, but it stores {len(state_dict):,}"
        )

    model = MLP(nin, nouts, state["activation"], state["output_activation"], seed=0)
    try:
        model.load_state_dict(state_dict, strict=True)
    except (KeyError, ValueError) as exc:
        raise fail(str(exc.args[0]).removeprefix("load_state_dict: ")) from None
    _set_labels(model, labels, fail)
    return model


def _read(path: str | os.PathLike[str], fail) -> str:
    """The file's text: at most ``MAX_BYTES``, UTF-8 (with or without a byte-order mark)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_BYTES:  # a regular file says its size; a device (/dev/zero) does not
                raise fail(f"it has {size:,} bytes, more than a saved model can have ({MAX_BYTES:,})")
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"cannot load a model from {os.fspath(path)!r}: there is no such file"
        ) from None
    except IsADirectoryError:
        raise fail("it is a folder, not a file") from None
    except OSError as exc:
        raise fail(exc.strerror or type(exc).__name__) from None
    if len(raw) > MAX_BYTES:
        raise fail(f"it has more than {MAX_BYTES:,} bytes, more than a saved model can have")
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark (Notepad writes one) is not part of the JSON
    except UnicodeDecodeError as exc:
        raise fail(
            f"it is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x}); a saved model is JSON"
        ) from None


def _parse(text: str, fail) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg}: line {exc.lineno} column {exc.colno}"
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise fail(f"it is not complete JSON ({where}); truncated?") from None
        raise fail(f"it is not JSON ({where})") from None
    except RecursionError:
        raise fail("its brackets are nested too deeply for a saved model") from None
    except ValueError as exc:  # an integer longer than Python reads (4,300 digits by default)
        digits = re.search(r"value has (\d+) digits", str(exc))
        number = f"a number of {digits[1]} digits" if digits else "a number"
        raise fail(f"it holds {number}, more than Python reads as an integer") from None


def _positive_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _from_version_1(layers: object, sizes: list[int], fail) -> tuple[dict[str, Any], dict[str, Any]]:
    """A 0.1.0 file's weights and labels (nested: layers, neurons, then w, b and labels) by name."""
    if not isinstance(layers, list):
        raise fail("layers is missing")
    if len(layers) != len(sizes) - 1:
        raise fail(f"nouts lists {len(sizes) - 1} layers but {len(layers)} are stored")
    state_dict: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, list) or len(layer) != sizes[i + 1]:
            raise fail(f"layer {i + 2} should be a list of {sizes[i + 1]} neurons")
        for j, neuron in enumerate(layer):
            where, name = f"neuron {j + 1} of layer {i + 2}", f"layers.{i}.neurons.{j}"
            if not isinstance(neuron, dict) or not isinstance(neuron.get("w"), list):
                raise fail(f"{where} has no weights")
            if len(neuron["w"]) != sizes[i]:
                raise fail(f"{where} has {len(neuron['w'])} weights, expected {sizes[i]}")
            stored = neuron.get("labels", {})
            if not isinstance(stored, dict) or not isinstance(stored.get("w", []), list):
                raise fail(f"the labels of {where} are {reprlib.repr(stored)}, not an object with a list w")
            for k, w in enumerate(neuron["w"]):
                state_dict[f"{name}.w.{k}"] = w
            state_dict[f"{name}.b"] = neuron.get("b")
            for k, label in enumerate(stored.get("w", [])):
                labels[f"{name}.w.{k}"] = label
            for key, new in (("b", "b"), ("z", "z_label"), ("a", "a_label")):
                if key in stored:
                    labels[f"{name}.{new}"] = stored[key]
    return state_dict, labels


def _set_labels(model: MLP, labels: dict[str, Any], fail) -> None:
    """Give the parameters and neurons their saved labels; every name must be one of the model's."""
    targets: dict[str, tuple[object, str]] = {name: (p, "label") for name, p in model.named_parameters()}
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for key in _LABELS:
                targets[f"layers.{i}.neurons.{j}.{key}"] = (neuron, key)
    unknown = [name for name in labels if name not in targets]
    if unknown:
        raise fail(f"labels name what the model does not have: {reprlib.repr(unknown)}")
    bad = {name: label for name, label in labels.items() if not isinstance(label, str)}
    if bad:
        raise fail(f"labels must be strings, got {reprlib.repr(bad)}")
    for name, label in labels.items():
        obj, attribute = targets[name]
        setattr(obj, attribute, label)
