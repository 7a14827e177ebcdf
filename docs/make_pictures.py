"""Make the README's pictures: python docs/make_pictures.py (writes docs/*.svg and docs/*.png).

The PNGs are screenshots of the step-through pages at 1280×720 in headless Chromium (the practice
page's through selenium, which types the answers).
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
options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
for flag in flags:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
with tempfile.TemporaryDirectory() as tmp:
    try:
        driver.set_window_size(1280, 720)
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = driver.get_window_size()
        driver.set_window_size(outer["width"] + 1280 - inner[0], outer["height"] + 720 - inner[1])
        driver.get(exercise.to_html(Path(tmp) / "practice.html", level="neuron").as_uri())

        def answer(text):
            field = driver.find_element(By.CSS_SELECTOR, ".question.open input.answer")
            field.clear()
            field.send_keys(text + Keys.ENTER)

        answer(f"{delta:.6g}")  # δ = y − t
        driver.find_element(By.CSS_SELECTOR, "button.next-step").click()
        answer("skip")  # δ_5 = δ
        driver.find_element(By.CSS_SELECTOR, "button.next-step").click()
        answer(f"{-delta_3:.4g}")  # δ_3 with the wrong sign: marked, the first hint
        answer(f"{delta_3:.4g}")  # right: the frame is revealed
        driver.save_screenshot(str(here / "practice.png"))
        print("wrote", here / "practice.png")
    finally:
        driver.quit()
