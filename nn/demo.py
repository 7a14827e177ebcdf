"""``tinygrad-like demo``: the blog's three-layer network, trained on XOR and explained.

1. Build x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅ (sigmoid g) and train it on XOR by batch
   gradient descent with learning rate h, with a progress bar.
2. Derive ∂E/∂w_x1,1 over the four samples, as the blog does by hand (Σᵢ, each
   per-sample name with its ⁽ⁱ⁾), and check its value against backward() and
   against central differences; print every δ of every neuron, both documents' δs
   side by side.
3. Write the network drawing, the computation graph and the step-through page
   (for one sample, as the blog's figures).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from nn import data, examples
from nn.losses import sum_squared_error
from nn.train import fit
from tinygrad_like import Value, numerical_grad
from tinygrad_like.check import relative_error
from tinygrad_like.deltas import delta_table
from tinygrad_like.derive import derive
from tinygrad_like.draw import draw_dot, draw_network
from tinygrad_like.explain import explain
from tinygrad_like.notation import sample_mark


def run_demo(out: str | os.PathLike[str], progress: bool = True, epochs: int = 2000, lr: float = 1.0) -> int:
    """Train, derive, check and draw into the folder ``out``; 0 when the derivation, backward() and
    central differences agree.

    The learning rate stays in the blog's range 0 < h ≤ 1 (h = 1 learns XOR in 2000 epochs).
    The four files appear together at the end: stopped before (Ctrl-C), the folder keeps what it
    had, never a half-written page.
    """
    out = Path(out)
    if not 0 < lr <= 1:
        print(f"note: h = {lr:g} is outside the blog's 0 < h ≤ 1 (gradient descent may overshoot)")
    out.mkdir(parents=True, exist_ok=True)
    X, Y = data.xor()
    net = examples.three_layer(seed=0)
    print("The blog's three-layer network x1, x2 → f1, f2 → f3, f4 → f5 (sigmoid g), learning XOR")
    print(
        f"batch learning: E = ½ Σᵢ (y⁽ⁱ⁾ − t⁽ⁱ⁾)² over the M = {len(X)} samples, "
        f"learning rate h = {lr:g} (the blog's 0 < h ≤ 1), {epochs} epochs\n"
    )
    start = time.perf_counter()
    history = fit(
        net, X, Y, loss=sum_squared_error, lr=lr, epochs=epochs, progress=progress, metric="accuracy"
    )
    seconds = time.perf_counter() - start
    print(
        f"E: {history.loss[0]:.4f} after epoch 1 → {history.loss[-1]:.6f} after epoch {epochs} "
        f"({seconds:.1f} s); accuracy {history.accuracy[-1]:.0%}"
    )
    for i, (x, t) in enumerate(zip(X, Y), 1):
        mark = sample_mark(i)
        y = net(x)
        assert isinstance(y, Value)  # the blog's network has one output neuron
        inputs = f"x1{mark} = {x[0]:g}, x2{mark} = {x[1]:g}"
        print(f"  sample {i}: {inputs}, t{mark} = {t:g}, y{mark} = {y.data:.4f}")

    # The blog's derivation over the whole teacher set: one term per sample, folded into Σᵢ.
    w = net.parameter("w_x1,1")
    saved = w.data

    def E_of(value):
        w.data = value.data
        try:
            return sum_squared_error([net(x) for x in X], Y)
        finally:
            w.data = saved

    (finite,) = numerical_grad(E_of, saved)
    E = sum_squared_error([net(x) for x in X], Y)
    derivation = derive(E, w)
    print("\nThe blog's derivation, over the M = 4 samples (δ⁽ⁱ⁾ = y⁽ⁱ⁾ − t⁽ⁱ⁾, g′(r) = σ′(r)):")
    print(derivation)
    net.zero_grad()
    E.backward()  # the pass itself: fills every grad
    agree = relative_error(derivation.value, w.grad) < 1e-9 and relative_error(w.grad, finite) < 1e-5
    print(f"  backward():            ∂E/∂w_x1,1 = {w.grad:.10g}")
    print(f"  central differences:   ∂E/∂w_x1,1 = {finite:.10g}")
    print("  the three agree" if agree else "  THEY DISAGREE: please report this")

    print()
    print(delta_table(E))  # its own heading says what it is

    # One teacher sample for the pictures, as in the blog's figures: its error is E⁽³⁾.
    x, t = X[2], Y[2]
    one = sum_squared_error([net(x)], [t])  # built last, so each neuron.z is this sample's
    one.label = "E⁽³⁾"
    net.zero_grad()
    steps = explain(one)  # the backward pass, step by step (it only shows)
    one.backward()
    sample = f"sample 3 of 4 (XOR): x = ({x[0]:g}, {x[1]:g}), t = {t:g}"
    with tempfile.TemporaryDirectory(dir=out, prefix=".writing-") as folder:
        draft = Path(folder)
        written = [
            draw_network(net).save(draft / "network.svg"),
            draw_dot(one, model=net, show_local=True).save(draft / "graph.svg"),
            steps.to_html(draft / "backprop.html", model=net, sample=sample),
            steps.to_html(draft / "neurons.html", model=net, level="neuron", sample=sample),
        ]
        files = [out / Path(f).name for f in written]
        for f, to in zip(written, files):
            os.replace(f, to)  # each file whole, in one step (same file system)
    print(f"\nwrote {len(files)} files into {out}/ (the pictures follow sample 3 alone, its error E⁽³⁾):")
    for f in files:
        print(f"  {f}")
    print(f"open {files[-1]} in a browser and press → to follow the error signal back, step by step.")
    return 0 if agree else 1
