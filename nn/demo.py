"""``tinygrad-like demo``: the blog's three-layer network, trained on XOR and explained.

1. Build x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅ (sigmoid g) and train it on XOR by batch
   gradient descent with learning rate h, with a progress bar.
2. Derive ∂E/∂w_x1,1 for one teacher sample, as the blog does by hand, and check
   its value against backward() and against central differences.
3. Write the network drawing, the computation graph and the step-through page.
"""

from __future__ import annotations

import time
from pathlib import Path

from nn import data, examples
from nn.losses import sum_squared_error
from nn.train import fit
from tinygrad_like import numerical_grad
from tinygrad_like.check import relative_error
from tinygrad_like.derive import derive
from tinygrad_like.draw import draw_dot, draw_network
from tinygrad_like.explain import explain


def run_demo(out: Path, progress: bool = True, epochs: int = 2000, lr: float = 2.0) -> int:
    """Train, derive, check and draw; 0 when the derivation, backward() and central differences agree."""
    out.mkdir(parents=True, exist_ok=True)
    X, Y = data.xor()
    net = examples.three_layer(seed=0)
    print("The blog's three-layer network x1, x2 → f1, f2 → f3, f4 → f5 (sigmoid g), learning XOR")
    print(f"batch learning: E = ½ Σ (y − t)² over the 4 samples, learning rate h = {lr}, {epochs} epochs\n")
    start = time.perf_counter()
    history = fit(
        net, X, Y, loss=sum_squared_error, lr=lr, epochs=epochs, progress=progress, metric="accuracy"
    )
    seconds = time.perf_counter() - start
    print(
        f"E: {history.loss[0]:.4f} after epoch 1 → {history.loss[-1]:.6f} after epoch {epochs} "
        f"({seconds:.1f} s); accuracy {history.accuracy[-1]:.0%}"
    )
    for x, t in zip(X, Y):
        print(f"  x = {x}  t = {t:.0f}  y = {net(x):.4f}")

    # One teacher sample, as in the blog's derivation (its Σ over i adds one such term per sample).
    x, t = X[2], Y[2]
    w = net.parameter("w_x1,1")
    saved = w.data

    def E_of(value):
        w.data = value.data
        try:
            return sum_squared_error([net(x)], [t])
        finally:
            w.data = saved

    (finite,) = numerical_grad(E_of, saved)

    E = sum_squared_error([net(x)], [t])  # built last, so each neuron.z is this sample's
    E.label = "E"
    derivation = derive(E, w, prime="g")
    print(f"\nThe blog's derivation for the sample x = {x}, t = {t:.0f} (δ = y − t, g′(r) = σ′(r)):")
    print(derivation)
    net.zero_grad()
    steps = explain(E)  # the backward pass, step by step (it only shows)
    E.backward()  # the pass itself: fills every grad
    agree = relative_error(derivation.value, w.grad) < 1e-9 and relative_error(w.grad, finite) < 1e-5
    print(f"  backward():            ∂E/∂w_x1,1 = {w.grad:.10g}")
    print(f"  central differences:   ∂E/∂w_x1,1 = {finite:.10g}")
    print("  the three agree" if agree else "  THEY DISAGREE: please report this")

    print("\nδ of every neuron (∂E/∂r, Nielsen's δ = z.grad):")
    for layer in net.layers:
        print("  " + "   ".join(f"δ({z.label}) = {z.grad:+.4e}" for z in layer.z if z is not None))

    files = [
        draw_network(net).save(out / "network.svg"),
        draw_dot(E, model=net, show_local=True).save(out / "graph.svg"),
        steps.to_html(
            out / "backprop.html",
            model=net,
            sample=f"sample 3 of 4 (XOR): x = ({x[0]:g}, {x[1]:g}), t = {t:g}",
        ),
        steps.to_html(
            out / "neurons.html",
            model=net,
            level="neuron",
            sample=f"sample 3 of 4 (XOR): x = ({x[0]:g}, {x[1]:g}), t = {t:g}",
        ),
    ]
    print(f"\nwrote {len(files)} files into {out}/:")
    for f in files:
        print(f"  {f}")
    print(f"open {files[-1]} in a browser and press → to follow the error signal back, step by step.")
    return 0 if agree else 1
