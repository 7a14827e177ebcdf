r"""The blog's networks, ready made, with its labels and sigmoid g.

The two-layer network (n_inputs → n_hidden → 1): hidden weights ``w_A,B``
(input A to hidden neuron B), inputs to g ``r_B``, hidden outputs ``g(r_B)``;
the output neuron's weights ``ŵ_B``, bias ``b̂``, input ``r̂`` and output ``y``.

The three-layer network x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅: weights ``w_x1,1 … w_4,5``,
biases ``b_1 … b_5``, inputs to g ``r_1 … r_5``, outputs ``g(r_1) …`` and ``y``.

>>> net = three_layer(seed=0)
>>> sorted(p.label for p in net.parameters())[:4]
['b_1', 'b_2', 'b_3', 'b_4']
"""

from __future__ import annotations

from nn.layers import MLP


def _name_neuron(neuron, weights: list[str], bias: str, r: str, out: str) -> None:
    for w, label in zip(neuron.w, weights):
        w.label = label
    neuron.b.label = bias
    neuron.z_label = r
    neuron.a_label = out


def two_layer(n_inputs: int = 2, n_hidden: int = 2, seed: int | None = 0) -> MLP:
    r"""The blog's first network: n_inputs → n_hidden → 1, sigmoid g, labelled as the blog.

    >>> net = two_layer(2, 2)
    >>> [p.label for p in net.parameters()]
    ['w_1,1', 'w_2,1', 'b_1', 'w_1,2', 'w_2,2', 'b_2', 'ŵ_1', 'ŵ_2', 'b̂']
    """
    model = MLP(n_inputs, [n_hidden, 1], activation="sigmoid", seed=seed)
    hidden, (output,) = model.layers[0].neurons, model.layers[1].neurons
    for b, neuron in enumerate(hidden, 1):
        _name_neuron(neuron, [f"w_{a},{b}" for a in range(1, n_inputs + 1)], f"b_{b}", f"r_{b}", f"g(r_{b})")
    _name_neuron(output, [f"ŵ_{b}" for b in range(1, n_hidden + 1)], "b̂", "r̂", "y")
    return model


def three_layer(seed: int | None = 0) -> MLP:
    r"""The blog's "why backpropagation" network: x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅.

    >>> net = three_layer()
    >>> [w.label for w in net.layers[2].neurons[0].w], net.layers[2].neurons[0].z_label
    (['w_3,5', 'w_4,5'], 'r_5')
    """
    model = MLP(2, [2, 2, 1], activation="sigmoid", seed=seed)
    (f1, f2), (f3, f4), (f5,) = (layer.neurons for layer in model.layers)
    for k, neuron in ((1, f1), (2, f2)):
        _name_neuron(neuron, [f"w_x1,{k}", f"w_x2,{k}"], f"b_{k}", f"r_{k}", f"g(r_{k})")
    for k, neuron in ((3, f3), (4, f4)):
        _name_neuron(neuron, [f"w_1,{k}", f"w_2,{k}"], f"b_{k}", f"r_{k}", f"g(r_{k})")
    _name_neuron(f5, ["w_3,5", "w_4,5"], "b_5", "r_5", "y")
    return model
