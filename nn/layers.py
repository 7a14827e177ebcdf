r"""Neuron, Layer, MLP: the documents' fully-connected networks, built from Value operations.

Notation is Nielsen's (the input layer is layer 1, neurons count from 1):

    z^l_j = Σ_k w^l_jk · a^{l−1}_k + b^l_j        a^l_j = g(z^l_j)

so the weight into neuron 1 of layer 2 from neuron 3 of layer 1 is labelled
``w2_1,3``, its bias ``b2_1``, and each call labels the neuron's z ``z2_1`` and
its output ``a2_1``. After ``backward()``, ``neuron.z.grad`` is δ^l_j = ∂C/∂z^l_j.

>>> model = MLP(2, [3, 1], seed=0)
>>> [p.label for p in model.layers[1].parameters()]
['w3_1,1', 'w3_1,2', 'w3_1,3', 'b3_1']
"""

from __future__ import annotations

import numbers
import os
import random
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nn.module import Module
from tinygrad_like import Value
from tinygrad_like.graph import cycle_collector_paused
from tinygrad_like.ops import activations
from tinygrad_like.value import weighted_sum_of_values

if TYPE_CHECKING:
    from tinygrad_like.draw import NeuronView


def activation_names() -> tuple[str, ...]:
    """The activations a neuron may use: the table's (``ops.Op.activation``), and linear (none).

    >>> activation_names()
    ('sigmoid', 'tanh', 'relu', 'linear')
    """
    return (*activations(), "linear")


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "ACTIVATIONS":  # read when asked: an op registered later is one of them
        return activation_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_activation(name: str, where: str = "activation") -> str:
    """Return ``name`` if it is a known activation, else raise ``ValueError`` listing them.

    >>> check_activation("", "MLP(output_activation)")
    Traceback (most recent call last):
    ...
    ValueError: MLP(output_activation): unknown activation ''; valid ones are: sigmoid, tanh, relu, linear
    """
    valid = activation_names()
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"{where}: unknown activation {name!r}; valid ones are: {', '.join(valid)}")
    return name


def _is_count(n: object) -> bool:
    """A positive int, Python's or numpy's (bool is not a count)."""
    return isinstance(n, numbers.Integral) and not isinstance(n, bool) and int(n) >= 1


# Every parameter is a Python object (a Value and its label): about two million of them build in a
# few seconds and a few hundred MB. A larger network would run the machine out of memory instead.
MAX_PARAMETERS = 2_000_000


def _count(n: int, spec: str = ",") -> str:
    """A count as 3,000,000,000 (``spec=""``: 3000000000), or as about 10**402 past 15 digits."""
    if n < 10**15:
        return format(n, spec)
    return f"about 10**{int(n.bit_length() * 0.30103)}"  # str() refuses ints past 4,300 digits


def check_size(call: str, sizes: Sequence[int]) -> None:
    """Refuse, before any Value is made, a network of more than ``MAX_PARAMETERS`` parameters.

    >>> check_size("MLP(2, [1000000000])", [2, 1000000000])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: MLP(2, [1000000000]) would hold 3,000,000,000 parameters, more than the 2,000,000 ...
    """
    count = sum((int(a) + 1) * int(b) for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{call} would hold {_count(count)} parameters, more than the {MAX_PARAMETERS:,} a network of "
            "Values can hold here (each parameter is a Python object); use fewer or smaller layers"
        )


def as_inputs(x: Sequence[float | Value], nin: int) -> list[Value]:
    """The inputs as Values labelled x1, x2, … (Values passed in keep their labels)."""
    if isinstance(x, (Value, int, float)) or not hasattr(x, "__len__"):
        raise ValueError(f"expected a list of {nin} inputs, got {type(x).__name__}: {x!r}")
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(x)}")
    labels = _input_labels(nin)
    return [xi if isinstance(xi, Value) else Value(xi, label=labels[k]) for k, xi in enumerate(x)]


_INPUT_LABELS: list[str] = []


def _input_labels(n: int) -> list[str]:
    """x1 … xn, made once: a network's call labels its inputs without new strings each time."""
    while len(_INPUT_LABELS) < n:
        _INPUT_LABELS.append(f"x{len(_INPUT_LABELS) + 1}")
    return _INPUT_LABELS


def _generator(seed: int | None) -> random.Random:
    """The weights' generator: ``random.Random(seed)``, or, with no seed, one drawn from Python's
    ``random`` (so that ``random.seed(…)`` before building a model makes it repeatable)."""
    return random.Random(random.getrandbits(64) if seed is None else seed)


class Neuron(Module):
    r"""One neuron: a = g(z), z = Σ wᵢ·xᵢ + b (the blog's r, Nielsen's z).

    z is one ``weighted_sum`` node, so its edges carry ∂z/∂wᵢ = xᵢ and
    ∂z/∂xᵢ = wᵢ: a drawing or derivation reads like the documents.

    ``activation`` is one of sigmoid, tanh, relu, linear (linear returns z
    itself). Weights start uniform in [−1, 1] from ``random.Random(seed)``,
    the bias at 0; with no seed they are drawn from Python's ``random``, so that
    ``random.seed(1337)`` makes them repeatable, as in micrograd. ``layer`` and
    ``index`` only name the parameters.

    >>> n = Neuron(2, seed=1)
    >>> a = n([1.0, 2.0])
    >>> n.z.label, a.label, [w.label for w in n.w], n.b.label
    ('z2_1', 'a2_1', ['w2_1,1', 'w2_1,2'], 'b2_1')
    >>> a.backward(); n.z.grad == a.data * (1 - a.data)    # δ = σ′(z) here
    True
    """

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        *,
        seed: int | None = None,
        layer: int = 2,
        index: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        if not _is_count(nin):
            raise ValueError(f"Neuron(nin) must be a positive int, got {nin!r}")
        check_size(f"Neuron({_count(int(nin), '')})", [nin, 1])
        self.activation = check_activation(activation, "Neuron(activation)")
        rng = rng if rng is not None else _generator(seed)
        self.w = [Value(rng.uniform(-1.0, 1.0), label=f"w{layer}_{index},{k}") for k in range(1, nin + 1)]
        self.b = Value(0.0, label=f"b{layer}_{index}")
        self.z_label = f"z{layer}_{index}"
        self.a_label = f"a{layer}_{index}"
        self.z: Value | None = None
        self.a: Value | None = None

    @property
    def nin(self) -> int:
        return len(self.w)

    def __call__(self, x: Sequence[float | Value]) -> Value:
        return self._fire(as_inputs(x, len(self.w)))

    def _fire(self, xs: list[Value]) -> Value:
        """The call on inputs that are Values already (a layer passes its own)."""
        z = weighted_sum_of_values(self.w, xs, self.b)
        z.label = self.z_label
        self.z = self.a = z
        if self.activation == "linear":
            return z
        a = z.apply(self.activation)
        a.label = self.a_label
        self.a = a
        return a

    def view(self) -> NeuronView:
        """This neuron as drawings see it (``tinygrad_like.draw.NeuronView``)."""
        from tinygrad_like.draw import NeuronView

        return NeuronView(self.w, self.b, self.z, self.a, self.a_label, self.activation)

    def neuron_layers(self) -> list[list[NeuronView]]:
        """The drawing protocol (``tinygrad_like.draw.NeuronLayers``): one layer of one neuron."""
        return [[self.view()]]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; calling it returns their outputs as a list.

    >>> layer = Layer(2, 3, seed=0)
    >>> len(layer([0.5, -0.5])), len(layer.z)
    (3, 3)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        *,
        seed: int | None = None,
        layer: int = 2,
        rng: random.Random | None = None,
    ) -> None:
        if not _is_count(nout):
            raise ValueError(f"Layer(nout) must be a positive int, got {nout!r}")
        if _is_count(nin):  # else Neuron's check says what is wrong with nin
            check_size(f"Layer({_count(int(nin), '')}, {_count(int(nout), '')})", [nin, nout])
        rng = rng if rng is not None else _generator(seed)
        self.neurons = [Neuron(nin, activation, rng=rng, layer=layer, index=j) for j in range(1, nout + 1)]
        self.activation = activation

    @property
    def z(self) -> list[Value | None]:
        """The neurons' last z, so ``[z.grad for z in layer.z]`` is the vector δ^l."""
        return [n.z for n in self.neurons]

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        return self._fire(as_inputs(x, self.neurons[0].nin))

    def _fire(self, xs: list[Value]) -> list[Value]:
        """The call on inputs that are Values already (the network passes its own)."""
        return [n._fire(xs) for n in self.neurons]

    def neuron_layers(self) -> list[list[NeuronView]]:
        """The drawing protocol (``tinygrad_like.draw.NeuronLayers``): this layer's neurons."""
        return [[n.view() for n in self.neurons]]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.neurons[0].nin}, {len(self.neurons)}, activation={self.activation!r})"


class MLP(Module):
    """A fully-connected network: ``MLP(nin, nouts)`` has layers of sizes ``nouts``.

    ``activation`` is used in every layer, ``output_activation`` in the last one
    (``None``: the same as ``activation``, the documents' sigmoid network).
    micrograd's classifier is ``MLP(2, [16, 16, 1], activation="relu",
    output_activation="linear")``. Calling it returns a list of Values, or the
    single Value when the last layer has one neuron.

    >>> model = MLP(2, [2, 1], seed=0)
    >>> y = model([1.0, 0.0]); y.label
    'a3_1'
    >>> len(model.parameters())
    9
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        if not _is_count(nin):
            raise ValueError(f"MLP(nin) must be a positive int, got {nin!r}")
        if _is_count(nouts):
            raise TypeError(
                f"MLP(nouts) is the list of layer sizes, got the int {nouts!r}: "
                f"write MLP({nin!r}, [{nouts!r}]) for one layer of {nouts!r} neurons"
            )
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(
                f"MLP(nouts) must be a list of layer sizes, got {type(nouts).__name__}: {nouts!r}"
            )
        nouts = list(nouts)
        if not nouts or not all(_is_count(n) for n in nouts):
            raise ValueError(f"MLP(nouts) must be a non-empty list of positive ints, got {nouts!r}")
        check_activation(activation, "MLP(activation)")
        if output_activation is None:
            output_activation = activation
        check_activation(output_activation, "MLP(output_activation)")
        rng = _generator(seed)
        sizes = [int(nin), *map(int, nouts)]
        shown = ", ".join(_count(n, "") for n in sizes[1:])
        check_size(f"MLP({_count(sizes[0], '')}, [{shown}])", sizes)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == len(nouts) - 1 else activation,
                rng=rng,
                layer=i + 2,
            )
            for i in range(len(nouts))
        ]
        self.activation = activation
        self.output_activation = output_activation

    @property
    def nin(self) -> int:
        return self.layers[0].neurons[0].nin

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    def __call__(self, x: Sequence[float | Value]) -> Value | list[Value]:
        out: list[Value] = as_inputs(x, self.nin)
        with cycle_collector_paused():  # the graph has no cycles: skip the collector's re-scans
            for layer in self.layers:
                out = layer._fire(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def neuron_layers(self) -> list[list[NeuronView]]:
        """The drawing protocol (``tinygrad_like.draw.NeuronLayers``): the neurons, layer by layer.

        >>> [[n.name for n in layer] for layer in MLP(2, [2, 1], seed=0).neuron_layers()]
        [['a2_1', 'a2_2'], ['a3_1']]
        """
        return [[n.view() for n in layer.neurons] for layer in self.layers]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture, activations, and every parameter and label by its ``state_dict``
        name, as JSON (``nn.saving``)."""
        from nn.saving import save

        save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Rebuild a model written by ``save`` (this version or 0.1.0). A missing file raises
        ``FileNotFoundError``; a damaged, foreign or mismatched one ``nn.saving.CannotLoad`` (a
        ``ValueError``): ``cannot load a model from PATH: why``."""
        from nn.saving import load

        return load(path)

    def to_torch(self):
        """An equivalent ``torch.nn.Module`` (float64, input (batch, nin) → (batch, nout))."""
        from nn.torch_bridge import to_torch

        return to_torch(self)

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        )
