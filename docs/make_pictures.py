"""Make the README's pictures: python docs/make_pictures.py.

Writes docs/neuron.svg (draw_dot of the quick example tanh(x·w + b), top to bottom),
docs/network.svg (draw_network of the blog's network), docs/graph.svg (draw_dot of its E with
model=), docs/frame.svg (a neuron-level frame) and three screenshots at 1280×720 in headless
Chromium: docs/backprop.png (step 13 of the demo's backprop.html, the page `tinygrad-like demo`
writes), docs/neurons.png (the neuron-level page) and docs/practice.png (the practice page of the
blog's three-layer exercise, answered through selenium: δ_3 with the wrong sign, then right).
"""

import contextlib
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from nn import examples, sum_squared_error
from nn.demo import run_demo
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
    demo = Path(tmp) / "demo"
    with contextlib.redirect_stdout(io.StringIO()):  # the demo's own printout is not needed here
        run_demo(demo, progress=False)
    pages = (
        (demo / "backprop.html", 13, "backprop.png"),  # the demo's page, as the README says
        (explain(E).to_html(Path(tmp) / "neurons.html", model=net, level="neuron"), 5, "neurons.png"),
    )
    for page, step, name in pages:
        shot = here / name
        url = f"{page.as_uri()}#step={step}"
        command = [browser, *flags, "--window-size=1280,720", f"--screenshot={shot}", url]
        subprocess.run(command, check=True, capture_output=True)  # chromium's log is noise here
        print("wrote", shot)

# the practice page (docs/practice.png): the blog's network at δ_3, a wrong sign caught with the
# first hint, then the right answer revealing the frame; typed through selenium and chromedriver
from selenium import webdriver  # noqa: E402  (the test extras have it)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

exercise = examples.three_layer_exercise()
forward = exercise.forward()
delta = forward["y"] - exercise.t[0]
delta_3 = delta * forward["y"] * (1 - forward["y"]) * forward["w_3,5"]  # δ·g′(r_5)·w_3,5
options = webdriver.ChromeOptions()
options.binary_location = browser
for flag in flags:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
with tempfile.TemporaryDirectory() as tmp:
    try:
        driver.set_window_size(1280, 720)  # then the inside of the window, as the screenshots above
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = driver.get_window_size()
        driver.set_window_size(outer["width"] + 1280 - inner[0], outer["height"] + 720 - inner[1])
        driver.get(exercise.to_html(Path(tmp) / "practice.html", level="neuron").as_uri())

        def answer(text: str) -> None:
            field = driver.find_element(By.CSS_SELECTOR, ".question.open input.answer")
            field.clear()
            field.send_keys(text + Keys.ENTER)

        answer(f"{delta:.6g}")  # δ = y − t
        driver.find_element(By.CSS_SELECTOR, "button.next-step").click()
        answer("skip")  # f5's δ·g′(r_5)
        driver.find_element(By.CSS_SELECTOR, "button.next-step").click()
        answer(f"{-delta_3:.4g}")  # δ_3 with the wrong sign: marked, the first hint
        answer(f"{delta_3:.4g}")  # right: the frame is revealed
        driver.save_screenshot(str(here / "practice.png"))
        print("wrote", here / "practice.png")
    finally:
        driver.quit()
