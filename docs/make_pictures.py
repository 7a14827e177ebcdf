"""Make the README's pictures: python docs/make_pictures.py (writes docs/*.svg)."""

from pathlib import Path

from nn import examples, sum_squared_error
from tinygrad_like import Value, draw_dot, draw_network

here = Path(__file__).parent

x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(1.0, label="b")
n = x * w + b
n.label = "n"
y = n.tanh()
y.label = "y"
y.backward()
draw_dot(y, show_local=True).save(here / "neuron.svg")

net = examples.three_layer(seed=0)
E = sum_squared_error([net([1.0, 0.0])], [1.0])
E.backward()
draw_network(net).save(here / "network.svg")
print("wrote", here / "neuron.svg", "and", here / "network.svg")
