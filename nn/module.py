"""Module: what every part of a network has: its parameters, their names, and their state.

Names are PyTorch's: the attribute path to each parameter, dotted, with list positions from 0
(``layers.0.neurons.1.w.2``), in the order of ``parameters()``, unique whatever the labels.

>>> from nn import MLP
>>> model = MLP(2, [2, 1], seed=0)
>>> [name for name, _ in model.named_parameters()][:4]
['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b', 'layers.0.neurons.1.w.0']
>>> model.parameter("w2_1,2") is model.layers[0].neurons[0].w[1]
True
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from tinygrad_like import Value


class LoadResult(NamedTuple):
    """What ``load_state_dict`` did not match (both empty under ``strict=True``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class KeysMismatch(KeyError):
    """``load_state_dict(strict=True)`` found missing or unexpected keys; the message names them.
    A ``KeyError`` whose message reads as written (a plain KeyError puts it in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _paths(obj: object, prefix: str, out: dict[int, str], found: dict[int, Value] | None = None) -> None:
    """Record the dotted attribute path of every Value reachable through modules and lists (and,
    in ``found``, the Values themselves, in that order)."""
    if isinstance(obj, Value):
        out.setdefault(id(obj), prefix)
        if found is not None:
            found.setdefault(id(obj), obj)
    elif isinstance(obj, Module):
        for key, item in vars(obj).items():
            _paths(item, f"{prefix}.{key}" if prefix else key, out, found)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _paths(item, f"{prefix}.{i}" if prefix else str(i), out, found)


class Module:
    """Base of Neuron, Layer and MLP, and of a model of your own: as in PyTorch, the Values and
    modules it holds as attributes (or in lists and tuples of them) are its parameters, unless it
    defines ``parameters()`` itself, as micrograd's modules do.

    >>> from nn import Layer
    >>> class Net(Module):
    ...     def __init__(self):
    ...         self.hidden = Layer(2, 3, seed=0)
    ...         self.out = Layer(3, 1, seed=1)
    ...     def __call__(self, x):
    ...         return self.out(self.hidden(x))
    >>> net = Net()
    >>> len(net.parameters()), [name for name, _ in net.named_parameters()][-2:]
    (13, ['out.neurons.0.w.2', 'out.neurons.0.b'])
    """

    def __call__(self, x: Sequence[float | Value]) -> Value | list[Value]:
        """The output(s) for one sample ``x``; each kind of module defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define __call__(x)")

    def parameters(self) -> list[Value]:
        """The trainable Values, in a stable order (weights before bias, layer by layer). Here: every
        Value found through the attributes, in the order they were set, each once."""
        paths: dict[int, str] = {}
        found: dict[int, Value] = {}
        _paths(self, "", paths, found)
        return list(found.values())

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0, before the next ``backward()``."""
        for p in self.parameters():
            p.grad = 0.0

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(name, Value) for every parameter in ``parameters()`` order, named by attribute path."""
        paths: dict[int, str] = {}
        _paths(self, "", paths)
        for i, p in enumerate(self.parameters()):
            yield paths.get(id(p), str(i)), p

    def parameter(self, label: str) -> Value:
        """The one parameter labelled ``label`` (``model.parameter("w2_1,3")``); raises ``KeyError``
        when none is, ``ValueError`` when several are."""
        found = [p for p in self.parameters() if p.label == label]
        if len(found) > 1:
            names = [n for n, p in self.named_parameters() if p.label == label]
            raise ValueError(f"parameter: {len(found)} parameters are labelled {label!r}: {', '.join(names)}")
        if not found:
            raise KeyError(f"parameter: no parameter is labelled {label!r}")
        return found[0]

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number by name, in model order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float], strict: bool = True) -> LoadResult:
        """Set the parameters from ``state`` (names as ``state_dict``). With ``strict`` a missing or
        unexpected key raises ``KeyError`` naming them; a bad number raises ``ValueError``; either
        way nothing changes."""
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [str(name) for name in state if name not in params]
        if strict and (missing or unexpected):
            raise KeysMismatch(
                f"load_state_dict: missing keys: {_listed(missing)}; unexpected keys: {_listed(unexpected)}"
            )
        updates = {}
        for name in params:
            if name in state:
                updates[name] = _finite(state[name], name)
        for name, x in updates.items():
            params[name].data = x
        return LoadResult(missing, unexpected)


def _listed(names: list[str], most: int = 10) -> str:
    """``a, b, c``; a long list is cut after ``most`` names and says how many there are."""
    shown = ", ".join(names[:most]) or "none"
    return shown if len(names) <= most else f"{shown}, … ({len(names):,} in all)"


def _finite(x: object, name: str) -> float:
    """``x`` as a float, or ``ValueError`` naming the parameter (a bool, a string, NaN, ±inf, or an
    int too large for a float are refused)."""
    if not isinstance(x, bool) and isinstance(x, (int, float)):
        try:
            number = float(x)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    raise ValueError(f"load_state_dict: {name} is {reprlib.repr(x)}, not a finite number")
