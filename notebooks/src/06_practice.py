# %% [markdown]
# # 6. Practice: you do the backward pass
#
# Reading a backward pass is not the same as doing one. The blog post is a worked exercise and
# Nielsen's chapter ends in problems; here the library holds the answer key and checks each step
# you take. `practice(root)` walks back from `root` in `explain`'s order and, for every edge into
# a variable, asks
#
# 1. the local derivative $\partial\,\text{node}/\partial\,\text{child}$, a number or an
#    expression in the graph's names (`1 - tanh(m)**2`, `w_3_5`);
# 2. the contribution to the child's gradient, local × upstream;
# 3. at a node several edges reach, the child's gradient so far (the accumulation).
#
# A number is right to the precision you type it with (0.42 for 0.4199…) or to 1e-6 relative;
# an expression is computed by the library's own parser at the graph's values, never by Python.
# A wrong answer gets a hint in three stages: the rule from the table of operations, the numbers
# to put in, the answer. `hint` asks for the next stage, `skip` shows the answer, `q` stops.
#
# **In this notebook every session is pre-filled**: `ask=scripted([...], echo=True)` types the
# answers a learner would and shows each question with its answer, as a terminal does, so the
# lesson runs by itself. To practise yourself, delete the `ask=` argument:
# `practice` then asks with `input()`, in a box under the cell. `practice_widget(y)` (or
# `ex.widget("δ_3")` for an exercise) is the same session as a small widget with check, hint and
# skip buttons, where ipywidgets is installed. In a terminal the same session is
# `tinygrad-like practice "tanh(x*w + b)" --at x=2,w=-3,b=1`.

# %% [markdown]
# ## One neuron, every step
#
# The documents' smallest neuron, $y = \tanh(m)$ with $m = x \cdot w + b$ at $x = 2$, $w = -3$,
# $b = 1$. Five edges lead into variables: $y \to m$, $m \to x\cdot w$, $m \to b$,
# $x\cdot w \to x$, $x\cdot w \to w$. The learner below makes one slip, uses an expression, asks
# for a hint and skips once, as a person might.

# %%
import math

from nn import examples
from tinygrad_like import Value, draw_network, practice
from tinygrad_like.practice import scripted

x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
m = x * w + b
m.label = "m"
y = m.tanh()
y.label = "y"

d = 1 - math.tanh(-5.0) ** 2  # ∂y/∂m at m = −5, worked out by the learner
answers = [
    "0.5",  # ∂y/∂m: a guess, wrong; the first hint names the rule
    "1 - tanh(m)**2",  # the rule typed as an expression, computed at m = −5
    f"{d:.4g}",  # the contribution: local × upstream = d × 1, to four digits
    "1",  # ∂m/∂(x·w)
    "hint",  # what was the upstream again?
    f"{d:.4g}",
    "1",  # ∂m/∂b
    "skip",  # its contribution: shown, and the session moves on
    "3",  # ∂(x·w)/∂x: a slip in the sign
    "w",  # by name this time
    f"{-3 * d:.4g}",
    "x",  # ∂(x·w)/∂w
    f"{2 * d:.4g}",
]
summary = practice(y, ask=scripted(answers, echo=True))
assert (summary.skipped, summary.mistakes["wrong sign"]) == (1, 1)

# %% [markdown]
# The summary is also returned, for a teacher's notebook to read:

# %%
print(summary.right_first_time, "of", summary.questions, "questions right the first time")
print(dict(summary.mistakes))

# %% [markdown]
# What the session refuses: anything outside the parser's grammar is not evaluated, gets a
# message, and the session goes on (a refusal is not counted as a mistake).

# %%
attempts = ["__import__('os')", "m.__class__", "open('notes.txt')", "k + 1", "1 − tanh²(m)"]
summary = practice(y, ask=scripted(attempts + ["q"], echo=True))
assert summary.right_first_time == 1 and not summary.mistakes  # refusals are no mistakes

# %% [markdown]
# (The last one was right: an answer may be typed as the rules write it, with −, ·, ×, ², σ.)
#
# ## The blog's network: compute δ₃ for this sample
#
# `nn.examples` has the documents' networks as ready exercises with fixed weights and one
# teacher sample. The blog's "why backpropagation" network, $x_1, x_2 \to f_1, f_2 \to f_3, f_4
# \to f_5$, on $x = (1, 0.5)$, $t = 1$:

# %%
ex = examples.three_layer_exercise()
print(ex.document, "·", ex.sample, "·", "tasks:", ", ".join(ex.tasks))
draw_network(ex.model)

# %% [markdown]
# The forward pass gives every number the learner needs:

# %%
f = ex.forward()
print("   ".join(f"{k} = {v:.6g}" for k, v in f.items() if k[0] in "rgy"))

# %% [markdown]
# The blog's error signal is $\delta = y - t$, and it "ripples down" scaled by each layer:
#
# $$\delta_3 = \delta \cdot g'(r_5) \cdot w_{3,5}, \qquad \delta_4 = \delta \cdot g'(r_5) \cdot w_{4,5}$$
#
# With the sigmoid, $g'(r) = g(r)\,(1 - g(r))$. The learner works it out with plain arithmetic:

# %%
t = ex.t[0]
delta = f["y"] - t
g5 = f["y"] * (1 - f["y"])  # g′(r_5)
delta_3 = delta * g5 * f["w_3,5"]
print(f"δ = {delta:.6g}, g′(r_5) = {g5:.6g}, δ_3 = {delta_3:.6g}")

# %% [markdown]
# `ex.practice("δ_3")` asks only the step that computes $\delta_3$, the gradient at $g(r_3)$ (the
# rest of the pass is done for the learner, and the question says the upstream gradient
# $\partial E/\partial r_5 = \delta \cdot g'(r_5)$ it needs). The local derivative of
# $r_5 = w_{3,5}\,g(r_3) + w_{4,5}\,g(r_4) + b_5$ by $g(r_3)$ is $w_{3,5}$, typed as the
# identifier `w_3_5`; the contribution is the learner's $\delta_3$. The session says the task in
# the blog's terms first, calls $r_5$'s gradient $\delta \cdot g'(r_5)$ where it gives it, and
# names the number once the step completes it: "that is δ_3 = δ·g′(r_5)·w_3,5 = …".

# %%
summary = ex.practice("δ_3", ask=scripted(["w_3_5", f"{delta_3:.6g}"], echo=True))
assert summary.right_first_time == summary.questions == 2  # the learner's δ_3 is right

# %% [markdown]
# ## δ₁: two paths meet
#
# $f_1$ feeds both $f_3$ and $f_4$, so its error collects from both (the blog's
# $\delta_1 = \delta_3\, g'(r_3)\, w_{1,3} + \delta_4\, g'(r_4)\, w_{1,4}$). In the graph, $g(r_1)$ is
# reached by two edges and its gradient adds up: the session asks for the contribution along each
# edge, then the sum. A common slip is to give only the last contribution, forgetting what the
# node already had; the session names it.

# %%
delta_4 = delta * g5 * f["w_4,5"]
g3, g4 = f["g(r_3)"] * (1 - f["g(r_3)"]), f["g(r_4)"] * (1 - f["g(r_4)"])
via_4 = delta_4 * g4 * f["w_1,4"]  # explain takes r_4 → g(r_1) first
via_3 = delta_3 * g3 * f["w_1,3"]
delta_1 = via_3 + via_4
answers = [
    "w_1_4",  # ∂r_4/∂g(r_1)
    f"{via_4:.6g}",  # the contribution through f_4
    "w_1_3",  # ∂r_3/∂g(r_1)
    f"{via_3:.6g}",  # the contribution through f_3
    f"{via_3:.6g}",  # g(r_1).grad so far: the slip, only the last contribution
    f"{delta_1:.6g}",  # both: δ_1
]
summary = ex.practice("δ_1", ask=scripted(answers, echo=True))
assert summary.mistakes == {"forgotten accumulation at a reused node": 1}

# %% [markdown]
# ## ∇E(w_x1,1), the blog's long derivation, in one step
#
# The blog spends a page on $\nabla E(w_{x_1,1})$ and ends with
# $\delta_1 \cdot g'(r_1) \cdot x_1$. Practising the gradient at $w_{x_1,1}$ asks the last edge:
# $\partial r_1 / \partial w_{x_1,1} = x_1$, then the contribution. This learner asks for every
# hint before answering, to see all three stages.

# %%
g1 = f["g(r_1)"] * (1 - f["g(r_1)"])
answers = ["x1", "hint", "hint", "hint", f"{delta_1 * g1 * 1.0:.6g}"]
summary = ex.practice("∇E(w_x1,1)", ask=scripted(answers, echo=True))
assert summary.steps_done == 1 and summary.hints_used == 3

# %% [markdown]
# ## Nielsen's four equations on a small network
#
# `nn.examples.nielsen_exercise()` is a 2 → 3 → 2 sigmoid network in Nielsen's labels
# ($w^l_{jk}$ is `wl_j,k`), with the quadratic cost $C = \frac12 \lVert y - a^3 \rVert^2$ for the
# sample $x = (1, 0.5)$, $y = (1, 0)$. Its tasks are one per equation:

# %%
nielsen = examples.nielsen_exercise()
print(nielsen.sample, "·", "tasks:", ", ".join(f"{k} (at {v.label})" for k, v in nielsen.tasks.items()))
a = nielsen.forward()

# %% [markdown]
# **BP1**, $\delta^L_j = \partial C/\partial a^L_j \cdot \sigma'(z^L_j)$ with
# $\partial C/\partial a^L_j = a^L_j - y_j$. The step $a^3_1 \to z^3_1$: the local derivative is
# $\sigma'(z^3_1)$, which the learner types as the rule writes it, with $z^3_1$ typed by its label:
# `σ(z3_1)·(1 − σ(z3_1))`; the
# contribution is $\delta^3_1$:

# %%
sigma_prime = lambda v: v * (1 - v)  # noqa: E731  σ′(z) from a = σ(z)
delta3 = [(a["a3_1"] - 1.0) * sigma_prime(a["a3_1"]), (a["a3_2"] - 0.0) * sigma_prime(a["a3_2"])]
answers = ["σ(z3_1)·(1 − σ(z3_1))", f"{delta3[0]:.6g}"]
summary = nielsen.practice("δ^3_1", ask=scripted(answers, echo=True))
assert summary.right_first_time == summary.questions == 2  # BP1, as the learner computed it

# %% [markdown]
# **BP2**, $\delta^l = ((w^{l+1})^T \delta^{l+1}) \circ \sigma'(z^l)$. The sum
# $\sum_j w^3_{j1} \delta^3_j$ is $\partial C/\partial a^2_1$: $a^2_1$ feeds both output neurons,
# so it is an accumulation. Then one more edge, through $\sigma'(z^2_1)$:

# %%
via = {j: a[f"w3_{j},1"] * delta3[j - 1] for j in (1, 2)}  # explain takes z3_2 first
dC_da = via[1] + via[2]
delta2_1 = dC_da * sigma_prime(a["a2_1"])
answers = [
    "w3_2_1",  # ∂z^3_2/∂a^2_1 = w^3_21, typed as an identifier
    f"{via[2]:.6g}",  # w^3_21 δ^3_2
    "w3_1_1",  # ∂z^3_1/∂a^2_1
    f"{via[1]:.6g}",  # w^3_11 δ^3_1
    f"{dC_da:.6g}",  # the sum over j: ∂C/∂a^2_1
    "a2_1*(1-a2_1)",  # σ′(z^2_1), from the activation
    f"{delta2_1:.6g}",  # δ^2_1
]
summary = nielsen.practice("∂C/∂a^2_1", "δ^2_1", ask=scripted(answers, echo=True))
assert summary.right_first_time == summary.questions == 7  # BP2: the sum over j, then σ′(z^2_1)

# %% [markdown]
# **BP4** and **BP3**: $\partial C/\partial w^l_{jk} = a^{l-1}_k \delta^l_j$ and
# $\partial C/\partial b^l_j = \delta^l_j$ (`explain` takes the weight's edge first). Here the
# learner multiplies $\delta^3_1$ by the wrong activation, $a^2_1$ for $a^2_2$ (the notes' own
# slips are indices like this one); the session catches it, and the hint puts the numbers in:

# %%
answers = [
    "a2_2",  # ∂z^3_1/∂w^3_12 = a^2_2
    f"{a['a2_1'] * delta3[0]:.6g}",  # the slip: a^2_1 δ^3_1
    "hint",  # the numbers, please
    f"{a['a2_2'] * delta3[0]:.6g}",  # BP4: a^2_2 δ^3_1
    "1",  # ∂z^3_1/∂b^3_1
    f"{delta3[0]:.6g}",  # BP3: δ^3_1
]
summary = nielsen.practice("∂C/∂w^3_1,2", "∂C/∂b^3_1", ask=scripted(answers, echo=True))
assert summary.steps_done == 2 and dict(summary.mistakes) == {"other wrong values": 1}

# %% [markdown]
# ## The practice page
#
# The same exercise in the browser: `ex.to_html("practice.html")` writes the step-through page
# with answer fields in place of the numbers. It checks each answer with the same tolerance and
# hints, reveals the frame once a step is answered or skipped, and keeps the score; one file,
# offline. Below is the neuron-level page, the blog's closing pictures as questions (δ, then
# δ_5, δ_3, δ_4, …): click into the answer field and type.

# %%
ex.explain().player(model=ex.model, level="neuron", sample=ex.sample, practice=True)
