# %% [markdown]
# # 5. Training networks
#
# Three networks, each trained by gradient descent on Values, each timed on this machine:
# XOR with the blog's network, micrograd's two-moons classifier, and Nielsen's setting on
# handwritten digits.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from nn import MLP, accuracy, data, evaluate, examples, fit, hinge_loss, quadratic_cost
from tinygrad_like import Value, no_grad

# %% [markdown]
# ## XOR with the blog's network
#
# Two inputs, two hidden sigmoid neurons, one output; $E = \frac12\sum(y - t)^2$, batch learning
# with $h = 2$. XOR is not linearly separable: the hidden layer is what makes it learnable.

# %%
X, T = data.xor()
net = examples.two_layer(2, 2, seed=0)
start = time.perf_counter()
history = fit(net, X, T, lr=2.0, epochs=2000, progress=False, metric="accuracy")
print(f"{time.perf_counter() - start:.1f} s; E = {history.loss[-1]:.5f}; accuracy {history.accuracy[-1]:.0%}")
for x, t in zip(X, T):
    print(f"  {x} → y = {net(x).data:.3f}  (t = {t:.0f})")
history.plot()
plt.show()

# %% [markdown]
# ## micrograd's two moons
#
# micrograd's demo: a 2 → 16 → 16 → 1 network with relu hidden layers and a linear output,
# the max-margin (hinge) loss with labels ±1 plus $10^{-4}\sum p^2$, and SGD with the
# learning rate falling from 1.0 to 0.1.

# %%
X, Y = data.moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
params = model.parameters()
start = time.perf_counter()
for step in range(100):
    outputs = [model(x) for x in X]
    loss = hinge_loss(outputs, Y) + 1e-4 * Value.sum([p * p for p in params])
    acc = accuracy(outputs, Y)
    if acc == 1.0:
        break
    model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= (1.0 - 0.9 * step / 100) * p.grad
seconds = time.perf_counter() - start
print(
    f"step {step}: loss {loss.data:.4f}, accuracy {acc:.0%}  ({seconds:.1f} s, {seconds / max(step, 1) * 1e3:.0f} ms per step)"
)

# %% [markdown]
# The decision boundary: the network's output on a grid (computed under `no_grad`, which records
# no graph), with the training points on top.

# %%
xs = np.linspace(-1.6, 2.6, 70)
ys = np.linspace(-1.1, 1.6, 50)
with no_grad():
    scores = np.array([[model([a, b]).data for a in xs] for b in ys])
fig, ax = plt.subplots(figsize=(6, 4))
ax.contourf(xs, ys, scores > 0, alpha=0.3, cmap="coolwarm")
points = np.array(X)
ax.scatter(points[:, 0], points[:, 1], c=Y, cmap="coolwarm", edgecolors="k", s=25)
ax.set_title("micrograd's moons: decision boundary")
plt.show()

# %% [markdown]
# ## Nielsen's setting on digits
#
# scikit-learn's 8×8 handwritten digits (1,500 to train on, 297 held out), pixels scaled to
# $[0, 1]$, one-hot targets. The network is Nielsen's: 64 → 16 → 10 sigmoid neurons, the
# quadratic cost, mini-batches of 10, learning rate 3.0.

# %%
X_train, Y_train = data.digits("train")
X_test, Y_test = data.digits("test")
model = MLP(64, [16, 10], seed=0)
losses, test_accuracies, times = [], [], []
for epoch in range(8):
    history = fit(
        model,
        X_train,
        Y_train,
        loss=quadratic_cost,
        lr=3.0,
        epochs=1,
        batch_size=10,
        progress=False,
        seed=epoch,
        metric="accuracy",
    )
    losses.append(history.loss[0])
    times.append(history.seconds[0])
    test_accuracies.append(evaluate(model, X_test, Y_test, quadratic_cost, accuracy)[1])
    print(
        f"epoch {epoch + 1}: training cost {losses[-1]:.4f}, test accuracy {test_accuracies[-1]:.1%}"
        f"  ({times[-1]:.1f} s)"
    )

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.plot(range(1, 9), losses, marker="o")
ax1.set(xlabel="epoch", ylabel="quadratic cost C", title="training cost")
ax2.plot(range(1, 9), test_accuracies, marker="o", color="tab:orange")
ax2.set(xlabel="epoch", ylabel="accuracy", title="test accuracy", ylim=(0.5, 1.0))
plt.tight_layout()
plt.show()

# %% [markdown]
# Those epochs ran on the compiled program: `fit` traces one sample's cost, checks the first batch's
# gradients against the Value graph, and then trains without building Values. The same training on
# the Value graph (`compiled=False`) gives the same accuracy curve, more slowly:

# %%
for compiled in (True, False):
    again = MLP(64, [16, 10], seed=0)
    h = fit(
        again,
        X_train,
        Y_train,
        loss=quadratic_cost,
        lr=3.0,
        epochs=2,
        batch_size=10,
        progress=False,
        metric="accuracy",
        compiled=compiled,
    )
    print(f"compiled={compiled!s:5}  {sum(h.seconds) / 2:.2f} s per epoch   training accuracy {h.accuracy}")

# %% [markdown]
# A few digits the network gets wrong, with its answer and the right one:

# %%
with no_grad():
    predictions = [int(np.argmax([o.data for o in model(x)])) for x in X_test]
truth = [int(np.argmax(y)) for y in Y_test]
wrong = [i for i, (p, t) in enumerate(zip(predictions, truth)) if p != t]
print(f"{len(wrong)} of {len(X_test)} test digits are misclassified")
fig, axes = plt.subplots(1, min(8, len(wrong)), figsize=(10, 1.8))
for ax, i in zip(np.atleast_1d(axes), wrong):
    ax.imshow(np.array(X_test[i]).reshape(8, 8), cmap="gray_r")
    ax.set_title(f"said {predictions[i]}\nis {truth[i]}", fontsize=9)
    ax.axis("off")
plt.show()
