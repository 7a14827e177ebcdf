# %% [markdown]
# # 4. The four equations of backpropagation
#
# The second document follows chapter 2 of Nielsen's book. Its notation: $w^l_{jk}$ is the
# weight *to* neuron $j$ of layer $l$ *from* neuron $k$ of layer $l-1$ (the input layer is layer 1),
# $b^l_j$ the bias, $z^l = w^l a^{l-1} + b^l$ the weighted input and $a^l = \sigma(z^l)$ the
# activation. The error of neuron $j$ in layer $l$ is
#
# $$\delta^l_j = \frac{\partial C}{\partial z^l_j}$$
#
# and backpropagation computes it with four equations:
#
# | | |
# |---|---|
# | BP1 | $\delta^L = \nabla_a C \circ \sigma'(z^L)$ |
# | BP2 | $\delta^l = \big((w^{l+1})^T \delta^{l+1}\big) \circ \sigma'(z^l)$ |
# | BP3 | $\partial C / \partial b^l_j = \delta^l_j$ |
# | BP4 | $\partial C / \partial w^l_{jk} = a^{l-1}_k\, \delta^l_j$ |
#
# The engine labels every parameter in this notation, and after `backward()` each neuron's
# `z.grad` *is* $\delta^l_j$. Below, each equation is computed in matrix form with numpy, from the
# weights alone, and compared with the engine.

# %%
import numpy as np

from nn import MLP, quadratic_cost
from tinygrad_like import draw_network

model = MLP(3, [4, 3, 2], seed=7)  # layers 1 (input, 3) → 2 (4) → 3 (3) → 4 (output, 2)
print([p.label for p in model.layers[0].neurons[0].parameters()], "…")
draw_network(model)

# %% [markdown]
# One training example $x$ with desired output $y$, and its cost
# $C = \frac12 \lVert y - a^L \rVert^2$ (the quadratic cost for $n = 1$).

# %%
x, y = np.array([0.3, -0.8, 0.5]), np.array([1.0, 0.0])
output = model(list(x))  # each call records every neuron's z: keep this one's for δ
C = quadratic_cost([output], [list(y)])
model.zero_grad()
C.backward()
print(f"C = {C.data:.8f}")

# %% [markdown]
# ## The forward pass in matrix form
#
# $w^l$ is the matrix whose row $j$ holds the weights into neuron $j$: entry $(j, k)$ is $w^l_{jk}$,
# read from the labels.

# %%
P = {p.label: p for p in model.parameters()}  # the parameters by their labels
sizes = [3, 4, 3, 2]
L = len(sizes)  # layers 1 … L
w = {
    l: np.array(
        [[P[f"w{l}_{j},{k}"].data for k in range(1, sizes[l - 2] + 1)] for j in range(1, sizes[l - 1] + 1)]
    )
    for l in range(2, L + 1)
}
b = {l: np.array([P[f"b{l}_{j}"].data for j in range(1, sizes[l - 1] + 1)]) for l in range(2, L + 1)}
sigma = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
sigma_prime = lambda z: sigma(z) * (1 - sigma(z))  # noqa: E731

a, z = {1: x}, {}
for l in range(2, L + 1):
    z[l] = w[l] @ a[l - 1] + b[l]
    a[l] = sigma(z[l])
print("a^L (numpy): ", a[L])
print("a^L (engine):", [v.data for v in output])

# %% [markdown]
# ## BP1: the error of the output layer
#
# For the quadratic cost $\nabla_a C = a^L - y$, so $\delta^L = (a^L - y) \circ \sigma'(z^L)$.

# %%
delta = {L: (a[L] - y) * sigma_prime(z[L])}
engine = {l: np.array([zv.grad for zv in model.layers[l - 2].z]) for l in range(2, L + 1)}
print("BP1 δ^L:", delta[L])
print("z.grad: ", engine[L])
np.testing.assert_allclose(delta[L], engine[L], rtol=1e-12)

# %% [markdown]
# ## BP2: the error of a layer from the error of the next
#
# $\delta^l = \big((w^{l+1})^T \delta^{l+1}\big) \circ \sigma'(z^l)$: the transpose sends each error
# back along the weights it came through.

# %%
for l in range(L - 1, 1, -1):
    delta[l] = (w[l + 1].T @ delta[l + 1]) * sigma_prime(z[l])
    print(f"layer {l}: BP2 {np.array2string(delta[l], precision=8)}")
    print(f"         z.grad {np.array2string(engine[l], precision=8)}")
    np.testing.assert_allclose(delta[l], engine[l], rtol=1e-12)

# %% [markdown]
# ## BP3 and BP4: the gradients of the biases and weights
#
# $\partial C/\partial b^l_j = \delta^l_j$ and $\partial C/\partial w^l_{jk} = a^{l-1}_k \delta^l_j$, that is
# $\partial C / \partial w^l = \delta^l (a^{l-1})^T$, an outer product.

# %%
for l in range(2, L + 1):
    grad_b = np.array([P[f"b{l}_{j}"].grad for j in range(1, sizes[l - 1] + 1)])
    grad_w = np.array(
        [[P[f"w{l}_{j},{k}"].grad for k in range(1, sizes[l - 2] + 1)] for j in range(1, sizes[l - 1] + 1)]
    )
    np.testing.assert_allclose(grad_b, delta[l], rtol=1e-12)
    np.testing.assert_allclose(grad_w, np.outer(delta[l], a[l - 1]), rtol=1e-12)
    print(
        f"layer {l}: BP3 and BP4 agree with the engine's {grad_w.size} weight and {grad_b.size} bias gradients"
    )

# %% [markdown]
# ## The four equations, written out by the library
#
# `backprop_equations(C, model)` does what the cells above did by hand: it reads the network from
# the cost's graph (which node is $w^l_{jk}$, $z^l_j$, $a^l_j$), takes $\nabla_a C$ from the graph
# above the outputs and $\sigma'(z)$ from the activations, runs BP1–BP4 with the current numbers
# and checks each against `backward()`. Next to our numpy:

# %%
from nn import backprop_equations

equations = backprop_equations(C, model)
print(equations)
for l in range(2, L + 1):
    np.testing.assert_allclose(equations.delta[l][1], delta[l], rtol=1e-12)  # sample 1: our x
    np.testing.assert_allclose(equations.grad_w[l], np.outer(delta[l], a[l - 1]), rtol=1e-12)
equations

# %% [markdown]
# `derive` speaks the same notation: every MLP that is not one of the blog's networks is named
# Nielsen's way ($w^l_{jk}$, which has no Unicode subscript comma, stays `w3_2,4` in the terminal
# and is $w^{3}_{2,4}$ in LaTeX), with $y$ the target:

# %%
from tinygrad_like import derive

d = derive(C, P["w4_1,3"])
print(d)
d

# %% [markdown]
# The notes stop BP4 one line short: of
# $w^l_{j1} a^{l-1}_1 + \dots + w^l_{jk} a^{l-1}_k + \dots + b^l_j$ only the term $w^l_{jk} a^{l-1}_k$
# depends on $w^l_{jk}$, so the derivative is $\delta^l_j\, a^{l-1}_k$. In the engine this is literally
# the local derivative stored on the edge from $w^l_{jk}$ to $z^l_j$:

# %%
neuron = model.layers[0].neurons[1]  # neuron 2 of layer 2
print("∂z2_2/∂w2_2,k on the node:", neuron.z.local_grads[0:6:2], "  a^1_k = x_k:", x.tolist())

# %% [markdown]
# ## The demon: nudge $z^l_j$ and watch $C$
#
# The notes motivate $\delta$ with a small change $\Delta z^l_j$ to one neuron's weighted input: the
# cost changes by about $\frac{\partial C}{\partial z^l_j} \Delta z^l_j = \delta^l_j\, \Delta z^l_j$.
# `nudge(C, z, dz)` does it on the graph: it adds `dz` to the node, re-evaluates everything
# downstream from the stored operations (no model call), and puts the graph back. As $\Delta z$
# shrinks, $\Delta C / \Delta z$ tends to $\delta$:

# %%
from tinygrad_like import nudge

z31 = model.layers[1].neurons[0].z  # z3_1 of the example x
print(f"δ³₁ = ∂C/∂z³₁ = {z31.grad:+.10f}")
for dz in (0.5, 0.1, 0.01, 0.001):
    n = nudge(C, z31, dz)
    print(f"{n}   ΔC/Δz³₁ = {n.dC / dz:+.10f}")
assert abs(nudge(C, z31, 1e-6).dC / 1e-6 - z31.grad) < 1e-6 * abs(z31.grad)

# %% [markdown]
# ## The cost over several examples
#
# $C = \frac1n \sum_x C_x$: backpropagation computes $\partial C_x/\partial w$ for one example, and the
# gradient of $C$ is their average. `quadratic_cost` on a batch is exactly that average:

# %%
xs = [[0.3, -0.8, 0.5], [1.0, 0.2, -0.1], [-0.5, 0.5, 0.9]]
ys = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
w_label = "w3_2,4"
per_example = []
for xi, yi in zip(xs, ys):
    model.zero_grad()
    quadratic_cost([model(xi)], [yi]).backward()
    per_example.append(P[w_label].grad)
model.zero_grad()
quadratic_cost([model(xi) for xi in xs], ys).backward()
print(f"mean of ∂C_x/∂{w_label}: {np.mean(per_example):+.12f}   ∂C/∂{w_label}: {P[w_label].grad:+.12f}")
assert np.isclose(np.mean(per_example), P[w_label].grad, rtol=1e-12)

# %% [markdown]
# ## Where the notes slip
#
# **1.** The first equation reads $a^l_j = \sigma\big(\sum_k w^l_{jk}\, a^l_j + b^l_j\big)$. The
# activation inside the sum must be the previous layer's, $a^{l-1}_k$: as printed, $a^l_j$ would
# depend on itself. Likewise $z^l_j = (w^l_j)^T a^{l-1}_j + b^l_j$ should use the whole vector
# $a^{l-1}$, not its $j$-th entry. With the $j$-th entry the number is wrong:

# %%
l, j = 2, 2
model([*x])  # z2_2 of the example x
engine_z = model.layers[0].neurons[1].z.data
as_printed = w[l][j - 1] @ np.full(sizes[l - 2], a[l - 1][j - 1]) + b[l][j - 1]  # a_j^{l-1} in every slot
correct = w[l][j - 1] @ a[l - 1] + b[l][j - 1]
print(f"z2_2: engine {engine_z:+.8f}   (w_j)ᵀ a^(l-1) + b {correct:+.8f}   as printed {as_printed:+.8f}")
assert np.isclose(engine_z, correct, rtol=1e-12)

# %% [markdown]
# **2.** The vector $\nabla_a$ is printed with $\partial/\partial a^L_1$ in its first two rows; the
# second should be $\partial/\partial a^L_2$. Taken literally, BP1 would give the first output's
# error twice:

# %%
grad_a_printed = np.array([a[L][0] - y[0], a[L][0] - y[0]])
print("δ^L with ∇_a as printed:", grad_a_printed * sigma_prime(z[L]))
print("δ^L (engine z.grad):    ", engine[L])

# %% [markdown]
# **3.** In the expanded form of BP2 the last row ends with $\sigma'(z^l_k)$; it is the row for
# neuron $m$ and needs $\sigma'(z^l_m)$. For layer 3 ($m = 3$), with $k$ the row above's index:

# %%
l, m, k = 3, 3, 2
row = w[l + 1][:, m - 1] @ delta[l + 1]
print(
    f"δ3_3: engine {engine[l][m - 1]:+.10f}   with σ′(z_m) {row * sigma_prime(z[l][m - 1]):+.10f}"
    f"   as printed, σ′(z_k) {row * sigma_prime(z[l][k - 1]):+.10f}"
)

# %% [markdown]
# **4.** In BP2 the notes write $z^{l+1}_j = w^{l+1}_j a^l + b^{l+1}_j$, but they defined $w^l_j$ as
# a *column* vector (the weights into neuron $j$). A column times a column is not defined; the
# transpose the notes used earlier, $(w^{l+1}_j)^T a^l$, is what gives the number:

# %%
l, j = 3, 1
w_j = w[l + 1][j - 1].reshape(-1, 1)  # w^{l+1}_j, a column as the notes define it
a_l = a[l].reshape(-1, 1)
try:
    w_j @ a_l
except ValueError as error:
    print(f"w_j a^l with two columns {w_j.shape} and {a_l.shape}: {error}")
z_next = (w_j.T @ a_l).item() + b[l + 1][j - 1]
model([*x])
print(f"(w_j)ᵀ a^l + b = {z_next:+.10f}   engine z4_1 = {model.layers[2].neurons[0].z.data:+.10f}")
assert np.isclose(z_next, model.layers[2].neurons[0].z.data, rtol=1e-12)

# %% [markdown]
# ## The four equations as a program
#
# The compiler (`tinygrad_like.trace`) writes this network's cost out as a program. For a batch it
# groups the neurons that read the same inputs into layers, and the program it runs is exactly the
# matrix form above: $z^l = w^l a^{l-1} + b^l$ forward, then per layer $\delta^l$ (BP1/BP2), $\partial C/\partial w^l
# = \delta^l (a^{l-1})^T$ summed over the batch (BP4), $\partial C/\partial b^l = \delta^l$ (BP3), and
# $(w^{l})^T \delta^{l}$ passed down (BP2).

# %%
from nn.compiled import compile_loss

program = compile_loss(model, quadratic_cost)
print(program.batch_source.split("    # backward")[1])

# %%
columns = [np.array([v]) for v in [*x, *y]]  # a batch of one: x and y as columns
result = program(*columns)
engine_grads = []
model.zero_grad()
quadratic_cost([model([*x])], [list(y)]).backward()
worst = max(abs(g - p.grad) / abs(p.grad) for g, p in zip(result.grads, model.parameters()))
print(f"largest relative difference from backward(): {worst:.1e}")
assert worst < 1e-12
