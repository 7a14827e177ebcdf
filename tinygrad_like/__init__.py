"""tinygrad_like: a scalar reverse-mode autodiff engine for learning and teaching backpropagation.

>>> from tinygrad_like import Value
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> round(x.grad, 6), round(w.grad, 6), round(b.grad, 6)
(-0.000545, 0.000363, 0.000182)
"""

from tinygrad_like.check import gradcheck, numerical_grad
from tinygrad_like.graph import topological_order
from tinygrad_like.value import Value, no_grad

__all__ = ["Value", "no_grad", "topological_order", "gradcheck", "numerical_grad"]
__version__ = "0.1.0"
