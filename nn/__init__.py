"""nn: neurons, layers and networks built from tinygrad_like Values, with losses and training.

>>> from nn import MLP, fit, data
>>> X, Y = data.xor()
>>> model = MLP(2, [2, 1], seed=3)
>>> len(model.parameters())
9
"""

from nn import data, examples
from nn.equations import BackpropEquations, backprop_equations
from nn.layers import MLP, Layer, Neuron
from nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    hinge_loss,
    quadratic_cost,
    softmax,
    sum_squared_error,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.train import History, accuracy, evaluate, fit

__all__ = [
    "MLP",
    "Layer",
    "Neuron",
    "Module",
    "SGD",
    "Adam",
    "Optimizer",
    "History",
    "fit",
    "evaluate",
    "accuracy",
    "sum_squared_error",
    "quadratic_cost",
    "hinge_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "softmax",
    "data",
    "examples",
    "backprop_equations",
    "BackpropEquations",
]
