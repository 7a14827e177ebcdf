"""Make the README's pictures: python docs/make_pictures.py.

Writes docs/neuron.svg (draw_dot of the quick example tanh(x·w + b), top to bottom),
docs/network.svg (draw_network of the blog's network), docs/graph.svg (draw_dot of its E with
model=), docs/frame.svg (a neuron-level frame)
and two screenshots of the step-through pages at 1280×720 in headless Chromium:
docs/backprop.png (edge level) and docs/neurons.png (neuron level).
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from nn import examples, sum_squared_error
from tinygrad_like import Value, draw_dot, draw_network, explain

here = Path(__file__).parent

# The README's quick example as it is written there (no labels on n or y), drawn top to bottom:
# 544 pt wide, so at the README's ~880 px its text is drawn at full size (left to right is 1,198 pt).
x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(1.0, label="b")
y = (x * w + b).tanh()
y.backward()
draw_dot(y, rankdir="TB", show_local=True).save(here / "neuron.svg")

net = examples.three_layer(seed=0)
E = sum_squared_error([net([1.0, 0.0])], [1.0])
E.label = "E"
E.backward()
draw_network(net).save(here / "network.svg")
draw_dot(E, model=net, show_local=True).save(here / "graph.svg")
net.zero_grad()
E = sum_squared_error([net([1.0, 0.0])], [1.0])
E.label = "E"
explain(E).frames(model=net, level="neuron")[2].save(here / "frame.svg")
print("wrote", *(here / name for name in ("neuron.svg", "network.svg", "graph.svg", "frame.svg")))

with tempfile.TemporaryDirectory() as tmp:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("the screenshots need chromium: apt-get install chromium")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--hide-scrollbars",
    ]
    for name, level, step in (("backprop", "edge", 13), ("neurons", "neuron", 5)):
        page = explain(E).to_html(Path(tmp) / f"{name}.html", model=net, level=level)
        shot = here / f"{name}.png"
        url = f"{page.as_uri()}#step={step}"
        subprocess.run([browser, *flags, "--window-size=1280,720", f"--screenshot={shot}", url], check=True)
        print("wrote", shot)
