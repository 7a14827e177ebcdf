"""Make the README's pictures: python docs/make_pictures.py (writes docs/*.svg and docs/backprop.png).

The PNG is a screenshot of the step-through page at 1280×720 in headless Chromium.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from nn import examples, sum_squared_error
from tinygrad_like import Value, draw_dot, draw_network, explain

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

E = sum_squared_error([net([1.0, 0.0])], [1.0])
E.label = "E"
with tempfile.TemporaryDirectory() as tmp:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("docs/backprop.png needs chromium: apt-get install chromium")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
    ]
    for name, level, step in (("backprop", "edge", 13), ("neurons", "neuron", 5)):
        page = explain(E).to_html(Path(tmp) / f"{name}.html", model=net, level=level)
        shot = here / f"{name}.png"
        url = f"{page.as_uri()}#step={step}"
        subprocess.run([browser, *flags, "--window-size=1280,720", f"--screenshot={shot}", url], check=True)
        print("wrote", shot)
