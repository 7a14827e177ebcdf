# %% [markdown]
# # 1. A Value and the chain rule
#
# Backpropagation is the chain rule, applied node by node from the output back to the inputs.
# This lesson builds the smallest interesting example, one neuron with input $x$, weight $w$,
# bias $b$ and activation $\tanh$, and looks at every number the chain rule uses.
#
# $$n = x \cdot w + b, \qquad y = \tanh(n)$$

# %%
from tinygrad_like import Value, derive, draw_dot, explain, gradcheck, numerical_grad

x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(1.0, label="b")
n = x * w + b
n.label = "n"
y = n.tanh()
y.label = "y"
y

# %% [markdown]
# Each operation stored its result **and its local derivatives**. For $y = \tanh(n)$ that is
# $\partial y/\partial n = 1 - \tanh^2(n)$, for $n = (x\cdot w) + b$ it is 1 and 1:

# %%
print("y:", y.op, [c.label for c in y.children], y.local_grads)
print("n:", n.op, n.children, n.local_grads)
xw = n.children[0]
print("x·w:", xw.op, [c.label for c in xw.children], xw.local_grads, "  (∂(x·w)/∂x = w, ∂(x·w)/∂w = x)")

# %% [markdown]
# ## The graph
#
# Every Value is a record (label | data | grad); every operation is a small node between its
# operands and its result. Before `backward()` all gradients are 0.

# %%
draw_dot(y)

# %% [markdown]
# ## backward()
#
# `backward()` seeds $\partial y/\partial y = 1$ and walks the graph from the output back to the
# inputs (reverse topological order). At each node it multiplies the gradient that arrived
# (the *upstream* gradient) by each local derivative and adds the product to the operand:
#
# $$\text{child.grad} \mathrel{+}= \frac{\partial\, \text{node}}{\partial\, \text{child}} \times \text{node.grad}$$
#
# With `show_local=True` the drawing writes each local derivative on its edge.

# %%
y.backward()
print(f"x.grad = {x.grad:.6f}   w.grad = {w.grad:.6f}   b.grad = {b.grad:.6f}")
draw_dot(y, show_local=True)

# %% [markdown]
# ## The steps, one per edge
#
# `explain` shows the steps of a fresh backward pass from `y` (y seeded with 1, every other node
# from 0) and changes no `grad`: explaining after `backward()`, or twice, shows the same table.

# %%
steps = explain(y)
print(steps)

# %%
steps  # in a notebook the table renders with the rules typeset

# %% [markdown]
# ## The derivation
#
# Multiplying the local derivatives along the path from $y$ to $x$ gives the chain rule written
# out: $\partial y / \partial x = \tanh'(n) \cdot w$.

# %%
d = derive(y, x)
print(d)
d

# %% [markdown]
# ## Check it against the definition of a derivative
#
# A central difference $\big(f(x + h) - f(x - h)\big) / 2h$ needs no chain rule at all.
# `gradcheck` compares it with `backward()` for every input:

# %%
report = gradcheck(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 1.0)
print(report)

# %% [markdown]
# A hand-written formula can be checked the same way. By hand,
# $\partial y/\partial x = (1 - \tanh^2(xw + b))\,w$:

# %%
import math

by_hand = (1 - math.tanh(2.0 * -3.0 + 1.0) ** 2) * -3.0
(finite,) = numerical_grad(lambda x: (x * -3.0 + 1.0).tanh(), 2.0)
print(f"by hand {by_hand:.12f}   backward {x.grad:.12f}   finite differences {finite:.12f}")
assert math.isclose(by_hand, x.grad, rel_tol=1e-12)

# %% [markdown]
# ## Exercise
#
# Change the expression below (try `a * a`, `(a * b).exp() / b`, `(a + b).sigmoid() * a`,
# a node used twice, …), run the cell, and read the steps. Which nodes receive gradient from
# more than one path? Does `gradcheck` agree?

# %%
a = Value(1.5, label="a")
c = Value(-0.5, label="c")
out = (a * c + a).sigmoid() * a
out.label = "out"
print(explain(out))
print(derive(out, a))
print(gradcheck(lambda a, c: (a * c + a).sigmoid() * a, 1.5, -0.5))
