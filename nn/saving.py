"""Save a model as JSON and load it back exactly (architecture, activations, labels, weights)."""

from __future__ import annotations

import json
import math

FORMAT = "tinygrad_like.nn.MLP"
VERSION = 1


def save(model, path: str) -> None:
    """Write ``model`` to ``path`` as JSON. Floats are written exactly (repr round-trips)."""
    state = {
        "format": FORMAT,
        "version": VERSION,
        "nin": model.nin,
        "nouts": model.nouts,
        "activation": model.activation,
        "output_activation": model.output_activation,
        "layers": [
            [
                {
                    "w": [w.data for w in n.w],
                    "b": n.b.data,
                    "labels": {"w": [w.label for w in n.w], "b": n.b.label, "z": n.z_label, "a": n.a_label},
                }
                for n in layer.neurons
            ]
            for layer in model.layers
        ],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)


def _fail(path: str, why: str) -> ValueError:
    return ValueError(f"cannot load a model from {path!r}: {why}")


def _number(x, path: str, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise _fail(path, f"{where} is {x!r}, not a finite number")
    return float(x)


def load(path: str):
    """Rebuild the model saved at ``path``. Raises ``FileNotFoundError`` for a missing file and
    ``ValueError`` naming what is wrong for a truncated, foreign or inconsistent one."""
    from nn.layers import ACTIVATIONS, MLP

    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"it is not complete JSON ({exc.msg} at line {exc.lineno}); truncated?") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise _fail(path, f"it is not a saved model (expected format {FORMAT!r})")
    if state.get("version") != VERSION:
        raise _fail(path, f"version {state.get('version')!r} is not supported (expected {VERSION})")
    nin, nouts, layers = state.get("nin"), state.get("nouts"), state.get("layers")
    if not isinstance(nin, int) or not isinstance(nouts, list) or not isinstance(layers, list):
        raise _fail(path, "nin, nouts or layers is missing")
    for key in ("activation", "output_activation"):
        if state.get(key) not in ACTIVATIONS:
            raise _fail(path, f"{key} is {state.get(key)!r}; valid ones are {', '.join(ACTIVATIONS)}")
    if len(layers) != len(nouts):
        raise _fail(path, f"nouts lists {len(nouts)} layers but {len(layers)} are stored")
    sizes = [nin, *nouts]
    for i, layer in enumerate(layers):
        if not isinstance(layer, list) or len(layer) != sizes[i + 1]:
            raise _fail(path, f"layer {i + 2} should have {sizes[i + 1]} neurons")
        for j, neuron in enumerate(layer, 1):
            if not isinstance(neuron, dict) or not isinstance(neuron.get("w"), list):
                raise _fail(path, f"neuron {j} of layer {i + 2} has no weights")
            if len(neuron["w"]) != sizes[i]:
                raise _fail(
                    path, f"neuron {j} of layer {i + 2} has {len(neuron['w'])} weights, expected {sizes[i]}"
                )

    model = MLP(nin, nouts, state["activation"], state["output_activation"], seed=0)
    for i, (layer, stored) in enumerate(zip(model.layers, layers)):
        for j, (neuron, s) in enumerate(zip(layer.neurons, stored), 1):
            where = f"layer {i + 2} neuron {j}"
            for w, x in zip(neuron.w, s["w"]):
                w.data = _number(x, path, f"a weight of {where}")
            neuron.b.data = _number(s.get("b"), path, f"the bias of {where}")
            labels = s.get("labels") or {}
            for w, label in zip(neuron.w, labels.get("w", [])):
                w.label = str(label)
            neuron.b.label = str(labels.get("b", neuron.b.label))
            neuron.z_label = str(labels.get("z", neuron.z_label))
            neuron.a_label = str(labels.get("a", neuron.a_label))
    return model
