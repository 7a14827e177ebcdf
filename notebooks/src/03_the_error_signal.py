# %% [markdown]
# # 3. The error signal
#
# "Why the weight update algorithm is called the **backpropagation** algorithm may not be so
# apparent when considering the usual case of a network with two layers." So the first document
# takes a network with three layers, inputs $x_1, x_2 \to f_1, f_2 \to f_3, f_4 \to f_5$, derives
# $\nabla E(w_{x_1,1})$ by hand, and ends with pictures of the error signal travelling back.
# The engine makes both from the graph.

# %%
import math

from nn import examples, sum_squared_error
from tinygrad_like import derive, draw_dot, draw_network, explain

net = examples.three_layer(seed=0)
draw_network(net)

# %% [markdown]
# One teacher sample, $x = (1, 0.5)$, $t = 1$, and its error $E = \frac12 (y - t)^2$. (For $M$
# samples the document sums the same expression over $i$.)

# %%
x, t = [1.0, 0.5], 1.0
E = sum_squared_error([net(x)], [t])
E.label = "E"
steps = explain(E)  # the backward pass, step by step (it only shows: no grad changes)
E.backward()  # the pass itself, which fills every grad
print(f"E = {E.data:.6f}; the backward pass has {len(steps)} steps, one per edge of the graph")

# %% [markdown]
# ## The error signal, step by step
#
# The player below is the step-through page inside this notebook: press → and ← (click it first) to
# follow the backward pass one edge at a time. The yellow node passes its gradient along the red
# edge to the green one, and every gradient is shown as far as the pass has got. Watch for the five
# steps in which the signal enters a neuron through $g'$ into its input $r$: into $f_5$, then $f_3$
# and $f_4$, then $f_1$ and $f_2$, as in the document's closing pictures. Drag and the mouse wheel
# move the view, O shows the whole graph. (`steps.to_html("backprop.html", model=net)` writes the
# same page to a file.)

# %%
inputs = {n.z for layer in net.layers for n in layer.neurons}
for k, step in enumerate(steps):
    if step.child in inputs:
        print(f"step {k + 1}: {step.equation()}")
steps.player(model=net, sample=f"the sample x = ({x[0]:g}, {x[1]:g}), t = {t:g}")

# %% [markdown]
# ## The blog's closing pictures, neuron by neuron
#
# The document ends with the error signal drawn on the network itself: from $y$ to $f_5$, from
# $f_5$ to $f_3$ and $f_4$, from them to $f_1$ and $f_2$, then the weights. `frames(level="neuron")`
# draws those frames (`steps.player(model=net, level="neuron")` steps through them). Here is the
# third: $f_3$ forms $\delta_3 = \delta\, g'(r_5)\, w_{3,5}$ from $f_5$ along $w_{3,5}$, with the numbers.

# %%
frames = steps.frames(model=net, level="neuron")
print(len(frames), "frames:", "; ".join(frame.title for frame in frames[:6]), "; then the weights")
frames[2]

# %% [markdown]
# After the pass every neuron has an error, but the two documents call different things $\delta$.
# The blog's error signal is $\delta = y - t$, and its $\delta_j = \partial E/\partial g(r_j)$ is
# the error arriving at neuron $j$'s *output* ($\delta_3 = \delta\, g'(r_5)\, w_{3,5}$). Nielsen's
# $\delta^l_j = \partial C/\partial z^l_j$ (next lesson) is the error at its *input* $r_j = z^l_j$,
# the gradient `backward()` leaves on $r_j$. One slope apart: $\delta^l_j = \delta_j\, g'(r_j)$.
# `delta_table` puts them side by side:

# %%
from tinygrad_like import delta_table

print(delta_table(E))
draw_dot(E, model=net, collapse=True)

# %% [markdown]
# ## The derivation of $\nabla E(w_{x_1,1})$
#
# The document, by hand ("Putting it together"), with $\delta = y - t$:
#
# $$\nabla E(w_{x_1,1}) = \delta\, g'(r_5)\, g'(r_1)\, x_1 \big( w_{3,5}\, g'(r_3)\, w_{1,3} + w_{4,5}\, g'(r_4)\, w_{1,4} \big)$$
#
# `derive` builds it from the graph: a product of local derivatives along each path from $E$ to
# $w_{x_1,1}$, a sum where the two paths (through $f_3$ and through $f_4$) split and join again,
# and the factors both paths share pulled out in front.

# %%
w = net.parameter("w_x1,1")
d = derive(E, w, prime="g")
print(d)
print("paths:")
for path in d.paths:
    print("  " + " → ".join(v.label for v in path if v.label))
d

# %% [markdown]
# The value of the derivation, the gradient from `backward()`, and the document's formula
# evaluated with plain floats all agree:

# %%
P = {p.label: p.data for p in net.parameters()}
s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
ds = lambda z: s(z) * (1 - s(z))  # noqa: E731


def forward(x):
    """The inputs r_1 … r_5 of g for one sample, from the weights alone."""
    r1 = P["w_x1,1"] * x[0] + P["w_x2,1"] * x[1] + P["b_1"]
    r2 = P["w_x1,2"] * x[0] + P["w_x2,2"] * x[1] + P["b_2"]
    r3 = P["w_1,3"] * s(r1) + P["w_2,3"] * s(r2) + P["b_3"]
    r4 = P["w_1,4"] * s(r1) + P["w_2,4"] * s(r2) + P["b_4"]
    return r1, r2, r3, r4, P["w_3,5"] * s(r3) + P["w_4,5"] * s(r4) + P["b_5"]


r1, r2, r3, r4, r5 = forward(x)
delta = s(r5) - t
document = (
    delta * ds(r5) * ds(r1) * x[0] * (P["w_3,5"] * ds(r3) * P["w_1,3"] + P["w_4,5"] * ds(r4) * P["w_1,4"])
)
print(f"derive: {d.value:+.15f}\nbackward: {w.grad:+.15f}\ndocument: {document:+.15f}")
assert math.isclose(d.value, w.grad, rel_tol=1e-12) and math.isclose(document, w.grad, rel_tol=1e-12)

# %% [markdown]
# ## Where the document slips, and how the engine shows it
#
# In the "Error signal" section the document rewrites the updates with $\delta$ and makes two
# copying slips. The engine's gradients are the judge.
#
# **1.** The update for $w_{1,4}$ is printed as $\delta\, g'(r_4)\, w_{4,5}\, g'(r_4)\, g(r_1)$; its
# first factor should be $g'(r_5)$, as in every other second-layer formula.

# %%
w14 = net.parameter("w_1,4").grad
printed = delta * ds(r4) * P["w_4,5"] * ds(r4) * s(r1)
correct = delta * ds(r5) * P["w_4,5"] * ds(r4) * s(r1)
print(
    f"backward {w14:+.12f}\ncorrect  {correct:+.12f}\nprinted  {printed:+.12f}   (g′(r_4) in place of g′(r_5))"
)
assert math.isclose(correct, w14, rel_tol=1e-12) and not math.isclose(printed, w14, rel_tol=1e-3)

# %% [markdown]
# **2.** "Does it hold for the first hidden layer?" The document defines
# $\delta_1 = \delta_3\, g'(r_3)\, w_{1,3} + \delta_4\, g'(r_4)\, w_{1,4}$ (with
# $\delta_3 = \delta\, g'(r_5)\, w_{3,5}$, $\delta_4 = \delta\, g'(r_5)\, w_{4,5}$), then writes
# the update as $\delta_1\, g'(r_4)\, x_1$ and, substituting, concludes it is "the same term we came
# up with previously". It is only with $g'(r_1)$ in place of $g'(r_4)$:

# %%
delta3 = delta * ds(r5) * P["w_3,5"]
delta4 = delta * ds(r5) * P["w_4,5"]
delta1 = delta3 * ds(r3) * P["w_1,3"] + delta4 * ds(r4) * P["w_1,4"]
print(f"backward          {w.grad:+.15f}")
print(f"δ_1·g′(r_1)·x_1   {delta1 * ds(r1) * x[0]:+.15f}")
print(f"δ_1·g′(r_4)·x_1   {delta1 * ds(r4) * x[0]:+.15f}   (as printed)")
assert math.isclose(delta1 * ds(r1) * x[0], w.grad, rel_tol=1e-12)

# %% [markdown]
# The engine's own $\delta$ says the same thing in its language: the gradient at $g(r_1)$ is the
# document's $\delta_1$, and at $r_1$ it is $\delta_1\, g'(r_1)$ (Nielsen's $\delta$, the next
# lesson's).

# %%
a1 = net.layers[0].neurons[0]
g_r1 = [s_.child for s_ in steps if s_.child.label == "g(r_1)"][0]
print(f"∂E/∂g(r_1) = {g_r1.grad:+.15f}   document's δ_1 = {delta1:+.15f}")
print(f"∂E/∂r_1    = {a1.z.grad:+.15f}   δ_1·g′(r_1)     = {delta1 * ds(r1):+.15f}")

# %% [markdown]
# **3.** The update for $w_{4,5}$ is printed as $w_{4,5}^{(l+1)} = w_{3,5}^{(l)} - h \cdots$, starting
# from the wrong weight. One gradient-descent step with $h = 0.5$ from each:

# %%
h = 0.5
grad_45 = net.parameter("w_4,5").grad
print(f"w_4,5 = {P['w_4,5']:+.6f} → {P['w_4,5'] - h * grad_45:+.6f}  (correct)")
print(f"w_4,5 = {P['w_4,5']:+.6f} → {P['w_3,5'] - h * grad_45:+.6f}  (as printed: from w_3,5)")

# %% [markdown]
# **4.** From "Why backpropagation?" on, the rules drop the sample index in places: the $w_{3,5}$
# update reads $\sum_i \delta^{(i)} g'(r_5)\, g(r_3^{(i)})$, $g'(r_5)$ without its $(i)$. With one
# sample that cannot matter; over a teacher set it does, because $r_5$ changes from sample to sample.
# On XOR's four samples `derive` writes every per-sample name with its index and folds the four
# terms into one $\Sigma_i$, as the blog does:

# %%
from nn import data

X4, T4 = data.xor()
E4 = sum_squared_error([net(x) for x in X4], T4)
print(derive(E4, net.parameter("w_3,5")))
print(derive(E4, w))

# %% [markdown]
# Read as printed, $g'(r_5)$ is one number outside the sum; whichever sample's $r_5$ it is, the
# result is not the gradient:


# %%
samples = [forward(x)[2::2] for x in X4]  # (r_3⁽ⁱ⁾, r_5⁽ⁱ⁾)
net.zero_grad()
E4.backward()
with_index = sum((s(r5_) - t_) * ds(r5_) * s(r3_) for (r3_, r5_), t_ in zip(samples, T4))
print(f"Σᵢ δ⁽ⁱ⁾·g′(r_5⁽ⁱ⁾)·g(r_3⁽ⁱ⁾) = {with_index:+.9f}   backward: {net.parameter('w_3,5').grad:+.9f}")
for k, (_, r5_k) in enumerate(samples, 1):
    without = ds(r5_k) * sum((s(r5_) - t_) * s(r3_) for (r3_, r5_), t_ in zip(samples, T4))
    print(f"g′(r_5) taken from sample {k}: {without:+.9f}")
assert math.isclose(with_index, net.parameter("w_3,5").grad, rel_tol=1e-12)
net.zero_grad()
E.backward()  # back to the one sample x = (1, 0.5) for the rest of the lesson

# %% [markdown]
# ## The derivation as a program
#
# `trace` records this graph once and writes the backward pass out as straight-line Python, one
# statement per edge, named after the nodes. Read the backward half against the derivation above:
# `d_y = d_delta` is $\delta$; `d_r_5 = d_y * l0_y` is $\delta\, g'(r_5)$, where `l0_y` is the local
# derivative the forward half's `y, (l0_y,) = sigmoid(r_5)` computed with $g(r_5)$, as the engine does
# (for the sigmoid, $g' = g(1-g)$); `d_g_r_3 = d_r_5 * w_3_5` carries it back along $w_{3,5}$; the
# two paths meet in `d_g_r_1`, which adds what comes through $f_3$ and through $f_4$; and
# `d_w_x1_1 = dot(d_r_1, x1)` is the last factor, $x_1$ (`dot` is a plain product for one sample and
# sums over the samples of a batch).

# %%
from nn.compiled import compile_loss

program = compile_loss(net, sum_squared_error)
print(program.source.split("    # backward")[1])

# %% [markdown]
# It computes the same numbers as `backward()`, without building a single Value:

# %%
result = program(x[0], x[1], t)
print(f"program:  ∂E/∂w_x1,1 = {result.grads[0]:+.15f}")
print(f"backward: ∂E/∂w_x1,1 = {w.grad:+.15f}")
assert result.grads[0] == w.grad
