# %% [markdown]
# # 2. Deriving backpropagation for a two-layer network
#
# The first document derives, by hand, the gradient of the sum-of-squares error of a sigmoid
# network with respect to each of its weights and biases, then uses it for gradient descent.
# Here the engine builds the same network with the document's names, and every formula the
# document derives is evaluated next to the gradient `backward()` computes.
#
# **The network.** Inputs $x_1 \dots x_{N_0}$, a hidden layer of $N_1$ neurons, one output:
#
# $$r_B = \sum_{A=1}^{N_0} x_A\, w_{A,B} + b_B, \qquad \hat r = \sum_{B=1}^{N_1} g(r_B)\,\hat w_B + \hat b, \qquad y = g(\hat r)$$
#
# with $g$ the sigmoid. **The error** over a teacher set of $M$ samples:
# $E = \frac12 \sum_{i=1}^{M} \big(y^{(i)} - t^{(i)}\big)^2$.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np

from nn import data, examples, fit, sum_squared_error
from tinygrad_like import draw_network

net = examples.two_layer(n_inputs=2, n_hidden=3, seed=1)
print([p.label for p in net.parameters()])
draw_network(net)

# %% [markdown]
# The teacher set: XOR, $M = 4$ samples.

# %%
X, T = data.xor()
outputs = [net(x) for x in X]
E = sum_squared_error(outputs, T)
net.zero_grad()
E.backward()
print(f"E = {E.data:.6f}")
grad = {p.label: p.grad for p in net.parameters()}

# %% [markdown]
# To evaluate the document's formulas we need the forward numbers of each sample: $r_B^{(i)}$,
# $g(r_B^{(i)})$, $\hat r^{(i)}$ and $y^{(i)}$. We compute them here with numpy, independently of
# the engine, from the weights alone.

# %%
g = lambda r: 1 / (1 + np.exp(-r))  # noqa: E731
g_prime = lambda r: g(r) * (1 - g(r))  # noqa: E731
P = {p.label: p.data for p in net.parameters()}
N0, N1 = 2, 3
Xa, Ta = np.array(X), np.array(T)
W = np.array([[P[f"w_{A},{B}"] for B in range(1, N1 + 1)] for A in range(1, N0 + 1)])  # w_{A,B}
b = np.array([P[f"b_{B}"] for B in range(1, N1 + 1)])
w_hat = np.array([P[f"ŵ_{B}"] for B in range(1, N1 + 1)])
r = Xa @ W + b  # r_B^(i), one row per sample
r_hat = g(r) @ w_hat + P["b̂"]
y = g(r_hat)
print("y from numpy:  ", np.round(y, 6))
print("y from engine: ", np.round([o.data for o in outputs], 6))

# %% [markdown]
# ## Hidden layer → output layer
#
# $$\nabla E(\hat w_B) = \sum_{i=1}^{M} \big(y^{(i)} - t^{(i)}\big)\, g'(\hat r^{(i)})\, g(r_B^{(i)})$$

# %%
for B in range(1, N1 + 1):
    formula = np.sum((y - Ta) * g_prime(r_hat) * g(r[:, B - 1]))
    print(f"ŵ_{B}:  document {formula:+.12f}   backward {grad[f'ŵ_{B}']:+.12f}")
    assert math.isclose(formula, grad[f"ŵ_{B}"], rel_tol=1e-10)

# %% [markdown]
# ## Input layer → hidden layer
#
# $$\nabla E(w_{A,B}) = \sum_{i=1}^{M} \big(y^{(i)} - t^{(i)}\big)\, g'(\hat r^{(i)})\, \hat w_B\, g'(r_B^{(i)})\, x_A^{(i)}$$

# %%
for A in range(1, N0 + 1):
    for B in range(1, N1 + 1):
        formula = np.sum((y - Ta) * g_prime(r_hat) * w_hat[B - 1] * g_prime(r[:, B - 1]) * Xa[:, A - 1])
        print(f"w_{A},{B}:  document {formula:+.12f}   backward {grad[f'w_{A},{B}']:+.12f}")
        assert math.isclose(formula, grad[f"w_{A},{B}"], rel_tol=1e-9, abs_tol=1e-15)

# %% [markdown]
# ## Biases
#
# $$\nabla E(\hat b) = \sum_i \big(y^{(i)} - t^{(i)}\big)\, g'(\hat r^{(i)}), \qquad
# \nabla E(b_B) = \sum_i \big(y^{(i)} - t^{(i)}\big)\, g'(\hat r^{(i)})\, \hat w_B\, g'(r_B^{(i)})$$

# %%
formula = np.sum((y - Ta) * g_prime(r_hat))
print(f"b̂:   document {formula:+.12f}   backward {grad['b̂']:+.12f}")
assert math.isclose(formula, grad["b̂"], rel_tol=1e-10)
for B in range(1, N1 + 1):
    formula = np.sum((y - Ta) * g_prime(r_hat) * w_hat[B - 1] * g_prime(r[:, B - 1]))
    print(f"b_{B}:  document {formula:+.12f}   backward {grad[f'b_{B}']:+.12f}")
    assert math.isclose(formula, grad[f"b_{B}"], rel_tol=1e-9)

# %% [markdown]
# ## Where the document slips
#
# The engine agrees with the derivation. The summary at its end contains small slips that the
# numbers make visible:
#
# - The hidden-layer biases are written for $B \in 1 \dots N_0$; $B$ counts *hidden* neurons,
#   $1 \dots N_1$. With $N_0 = 2$ inputs and $N_1 = 3$ hidden neurons the printed range misses
#   $b_3$, whose gradient is not zero:

# %%
print("biases the printed range covers:", [f"b_{B}" for B in range(1, N0 + 1)])
print("biases the network has:         ", [f"b_{B}" for B in range(1, N1 + 1)])
print(f"∂E/∂b_3 = {grad['b_3']:+.6f}  (left out by B ∈ 1…N_0)")

# %% [markdown]
# - The summary's output-layer update reads $\hat w_A^{(l+1)} = w_A^{(l)} - h \cdots$: the hat is
#   missing on the right, which would update $\hat w_A$ from a hidden weight. And it writes
#   $g'(\hat r)$ without the sample index $(i)$: the factor changes from sample to sample.
#   Taking it out of the sum with one sample's value gives a different number:

# %%
B = 1
with_index = np.sum((y - Ta) * g_prime(r_hat) * g(r[:, B - 1]))
without_index = g_prime(r_hat[0]) * np.sum((y - Ta) * g(r[:, B - 1]))
print(f"Σ (y−t) g′(r̂⁽ⁱ⁾) g(r_1⁽ⁱ⁾) = {with_index:+.6f}  (= backward {grad['ŵ_1']:+.6f})")
print(f"g′(r̂⁽¹⁾) Σ (y−t) g(r_1⁽ⁱ⁾)  = {without_index:+.6f}")

# %% [markdown]
# - In "Biases" the middle line reads
#   $\nabla E(\hat b) = \sum_i (y^{(i)} - t^{(i)})\, g'(\hat r^{(i)}) \cdot \frac{\partial}{\partial \hat b} \big(\sum_j g(r_j^{(i)})\, \hat w_j\big) + \frac{\partial}{\partial \hat b}\hat b$:
#   the $+\,\partial \hat b/\partial \hat b$ has slipped out of the product and out of the sum.
#   Read as printed it adds a plain 1 to a first term that is zero:

# %%
first_term = 0.0  # ∂/∂b̂ of Σ g(r_j) ŵ_j: no b̂ in it
as_printed = first_term + 1.0  # + ∂b̂/∂b̂, outside the product and the sum
inside = np.sum((y - Ta) * g_prime(r_hat) * 1.0)  # ∂b̂/∂b̂ = 1 inside, for every sample
print(f"as printed: {as_printed:+.6f}   inside the product: {inside:+.6f}   backward: {grad['b̂']:+.6f}")
assert math.isclose(inside, grad["b̂"], rel_tol=1e-10)

# %% [markdown]
# - The weights of the hidden layer are numbered two ways. The derivation writes neuron 1's input
#   as $\sum_{j=1}^{N_0} x_j^{(i)} w_{1,j}$: hidden neuron first, input second. The summary
#   writes $w_{A,B}$ for $A \in 1 \dots N_0$ (input) and $B \in 1 \dots N_1$ (hidden): input
#   first, as the engine labels them. So "$w_{1,2}$" is two different weights, with two different
#   gradients:

# %%
derivation_w12 = np.sum((y - Ta) * g_prime(r_hat) * w_hat[0] * g_prime(r[:, 0]) * Xa[:, 1])  # hidden 1, input 2
summary_w12 = np.sum((y - Ta) * g_prime(r_hat) * w_hat[1] * g_prime(r[:, 1]) * Xa[:, 0])  # input 1, hidden 2
print(f"w_1,2 as the derivation numbers it (input 2 → f_1): {derivation_w12:+.9f} = backward of w_2,1 {grad['w_2,1']:+.9f}")
print(f"w_1,2 as the summary numbers it (input 1 → f_2):    {summary_w12:+.9f} = backward of w_1,2 {grad['w_1,2']:+.9f}")
assert math.isclose(derivation_w12, grad["w_2,1"], rel_tol=1e-9) and math.isclose(summary_w12, grad["w_1,2"], rel_tol=1e-9)

# %% [markdown]
# - The first error, $E(w_{A-B}) = \frac12 \sum_{i=1}^{M} \big(y_n^{(i)} - t_n^{(i)}\big)^2$,
#   has an $n$ and no sum over it: as printed it is the error of output $n$ alone. With two outputs
#   the weights into the other output then get no gradient at all. `sum_squared_error` sums over the
#   outputs too, $E = \frac12 \sum_i \sum_n (y_n^{(i)} - t_n^{(i)})^2$:

# %%
from nn import MLP

two = MLP(2, [3, 2], seed=1)  # two output neurons
T2 = [[t, 1 - t] for t in T]
E_all = sum_squared_error([two(x) for x in X], T2)
E_n1 = sum_squared_error([two(x)[0] for x in X], [t[0] for t in T2])  # as printed, n = 1
w_out2 = two.parameter("w3_2,1")  # a weight into output 2
for name, loss in (("Σ over outputs", E_all), ("as printed, n = 1", E_n1)):
    two.zero_grad()
    loss.backward()
    print(f"{name:18}  E = {loss.data:.6f}   ∂E/∂w3_2,1 = {w_out2.grad:+.6f}")

# %% [markdown]
# - Smaller ones: the text says "the known outputs $y^{(i)}$ don't depend on the weights", and
#   means the targets $t^{(i)}$; the first derivation keeps a $\frac12$ for a line after the $2$
#   it cancelled has gone; and the error is called "RMS" though it is a sum of squares.
#
# ## Gradient descent: batch versus on-line learning
#
# $w^{(l+1)} = w^{(l)} - h\, \nabla E(w^{(l)})$. *Batch* learning takes one step per pass over
# the whole teacher set (the sum over $i$); *on-line* learning takes a step after every sample
# ("without the sum over every sample"). Same network, same $h$, same number of passes:

# %%
X4, T4 = data.xor()
histories = {}
for name, batch_size in (("batch (one step per epoch)", None), ("on-line (one step per sample)", 1)):
    model = examples.two_layer(2, 3, seed=1)
    start = time.perf_counter()
    histories[name] = fit(model, X4, T4, lr=0.5, epochs=1500, batch_size=batch_size, progress=False)
    print(
        f"{name}: E = {histories[name].loss[-1]:.5f} after 1500 epochs ({time.perf_counter() - start:.1f} s)"
    )

fig, ax = plt.subplots(figsize=(6.5, 3.5))
for name, history in histories.items():
    ax.plot(history.loss, label=name)
ax.set_xlabel("epoch (pass over the 4 samples)")
ax.set_ylabel("E")
ax.set_yscale("log")
ax.legend()
ax.set_title("XOR, two-layer sigmoid network, h = 0.5")
plt.show()

# %% [markdown]
# $E$ is a *sum* over the samples, not a mean, so one batch step is about as long as four
# on-line steps and per epoch the two curves stay close. On-line learning keeps slightly ahead:
# each of its steps already uses the weights the previous sample moved. With many samples the
# difference grows, which is why Nielsen's mini-batches (lesson 5) sit between the two.
