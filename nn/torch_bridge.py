"""The same network in PyTorch, for the learner who moves on (needs ``pip install torch``)."""

from __future__ import annotations

from tinygrad_like.ops import lookup


def to_torch(model):
    """A ``torch.nn.Sequential`` of float64 Linear layers and activations with ``model``'s weights.

    ``Linear.weight[j-1, k-1]`` is w^l_jk; the module takes (batch, nin) and returns (batch, nout).
    Each activation is the ``torch.nn`` module its table entry names (``ops.Op.torch``).
    """
    try:
        import torch
    except ImportError as exc:
        raise ImportError("to_torch needs PyTorch: pip install torch==2.13.0 (the torch extra)") from exc
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(len(layer.neurons[0].w), len(layer.neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            name = lookup(layer.activation).torch
            if not name:
                raise ValueError(
                    f"to_torch: the activation {layer.activation!r} names no torch.nn module "
                    "(give its table entry torch=, e.g. torch='Softplus')"
                )
            module = getattr(torch.nn, name)  # the class the table entry names
            modules.append(module())
    return torch.nn.Sequential(*modules)
