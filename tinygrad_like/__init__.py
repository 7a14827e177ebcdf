"""tinygrad_like: a scalar reverse-mode autodiff engine for learning and teaching backpropagation.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> x.grad, w.grad, b.grad
(-0.0005447496928315809, 0.0003631664618877206, 0.0001815832309438603)
"""

from tinygrad_like.check import gradcheck, numerical_grad
from tinygrad_like.compiler import trace
from tinygrad_like.deltas import DeltaTable, delta_table
from tinygrad_like.derive import derive
from tinygrad_like.explain import explain
from tinygrad_like.graph import CycleError, topological_order
from tinygrad_like.nudge import Nudge, nudge
from tinygrad_like.practice import practice
from tinygrad_like.practice_widget import practice_widget
from tinygrad_like.value import Value, no_grad

__all__ = [
    "Value",
    "no_grad",
    "topological_order",
    "CycleError",
    "gradcheck",
    "numerical_grad",
    "explain",
    "derive",
    "delta_table",
    "DeltaTable",
    "practice",
    "practice_widget",
    "nudge",
    "Nudge",
    "trace",
    "draw_dot",
    "draw_network",
]
__version__ = "0.2.0"


def __getattr__(name: str):
    # The drawings need the graphviz package; importing them on first use keeps the engine
    # itself standard-library only.
    if name in ("draw_dot", "draw_network"):
        from tinygrad_like import draw

        return getattr(draw, name)
    raise AttributeError(f"module 'tinygrad_like' has no attribute {name!r}")
