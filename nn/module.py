"""Module: what every part of a network has: its parameters and a way to zero their gradients."""

from __future__ import annotations

from tinygrad_like import Value


class Module:
    """Base of Neuron, Layer and MLP."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in a stable order (weights before bias, layer by layer)."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0, before the next ``backward()``."""
        for p in self.parameters():
            p.grad = 0.0

    def named_parameters(self) -> dict[str, Value]:
        """The parameters by label: ``model.named_parameters()["w2_1,3"]``."""
        return {p.label: p for p in self.parameters()}
