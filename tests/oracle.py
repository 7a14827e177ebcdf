"""Build the same expression twice: with tinygrad_like Values and with float64 PyTorch tensors.

A program is a list of instructions (op, operand references); a reference is either an
index into the nodes built so far (reuse makes diamonds) or a constant number.
"""

import math

from hypothesis import strategies as st

from tinygrad_like import Value
from tinygrad_like.ops import DomainError

UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "**2", "**3", "**-1", "**0.5"]
BINARY = ["+", "-", "*", "/", "**"]
NARY = ["sum", "weighted_sum"]

# A random program: one instruction is (op, operand references).
refs = st.one_of(st.integers(0, 50), st.floats(-3, 3, allow_nan=False).map(lambda c: round(c, 2)))
instructions = st.one_of(
    st.tuples(st.sampled_from(UNARY), st.lists(st.integers(0, 50), min_size=1, max_size=1)),
    st.tuples(st.sampled_from(BINARY), st.lists(refs, min_size=2, max_size=2)),
    st.tuples(st.sampled_from(NARY), st.lists(refs, min_size=1, max_size=7)),
)


def ours(op, xs):
    if op in BINARY:
        a, b = xs
        return {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a / b,
            "**": lambda: a**b,
        }[op]()
    if op == "sum":
        return Value.sum(xs)
    if op == "weighted_sum":
        n = len(xs) // 2
        return Value.weighted_sum(xs[0 : 2 * n : 2], xs[1 : 2 * n : 2], xs[-1] if len(xs) % 2 else None)
    (a,) = xs
    if op == "neg":
        return -a
    if op.startswith("**"):
        return a ** float(op[2:])
    return getattr(a, op)()


def theirs(op, xs):
    import torch

    if op in BINARY:
        a, b = xs
        if op == "**":
            return torch.pow(a, b)
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
    if op == "sum":
        return torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in xs]).sum()
    if op == "weighted_sum":
        n = len(xs) // 2
        total = sum(xs[2 * i] * xs[2 * i + 1] for i in range(n))
        return total + xs[-1] if len(xs) % 2 else total
    (a,) = xs
    if op == "neg":
        return -a
    if op.startswith("**"):
        return a ** float(op[2:])
    return {
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "sqrt": torch.sqrt,
    }[op](a)


def run_both(leaves, program, kept=None, oracle=True, below=None):
    """Interpret ``program`` with Values and with tensors; instructions that are undefined at these
    numbers are skipped in both (large, infinite and nan values are kept). Returns (our nodes,
    torch nodes, leaf pairs).

    ``below``, a number: skip also instructions whose value or local derivatives are not finite
    or not below it in size, for a test whose oracle needs moderate numbers (finite differences,
    or sums of products compared with products of sums, which infinities tell apart).
    ``oracle=False`` builds only the Values (no PyTorch needed; the torch sides are None).

    ``kept``, a list, receives the instructions used, with operands resolved to node positions,
    so that ``replay`` can rebuild the very same graph at other leaf values."""
    ours_leaves = [Value(x, label=f"x{i}") for i, x in enumerate(leaves)]
    if oracle:
        import torch

        torch_leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    else:
        torch_leaves = [None] * len(leaves)
    our_nodes, torch_nodes = list(ours_leaves), list(torch_leaves)
    for op, refs in program:
        our_args = [our_nodes[r % len(our_nodes)] if isinstance(r, int) else r for r in refs]
        torch_args = [torch_nodes[r % len(torch_nodes)] if isinstance(r, int) else r for r in refs]
        if all(not isinstance(a, Value) for a in our_args):
            continue  # an op on constants only is not part of the graph
        if op in BINARY and not isinstance(our_args[0], Value) and op == "**":
            continue
        try:
            out = ours(op, our_args)
        except DomainError:
            continue
        if below is not None and not all(
            math.isfinite(x) and abs(x) < below for x in (out.data, *out.local_grads)
        ):
            continue
        if oracle and op in BINARY and not isinstance(torch_args[0], torch.Tensor):
            torch_args[0] = torch.tensor(torch_args[0], dtype=torch.float64)
        if kept is not None:
            kept.append((op, [our_nodes.index(a) if isinstance(a, Value) else a for a in our_args]))
        our_nodes.append(out)
        torch_nodes.append(theirs(op, torch_args) if oracle else None)
    return our_nodes, torch_nodes, list(zip(ours_leaves, torch_leaves))


def replay(leaves, kept):
    """Rebuild the graph ``run_both`` built (its ``kept`` instructions) from other leaf Values."""
    nodes = list(leaves)
    for op, args in kept:
        nodes.append(ours(op, [nodes[a] if isinstance(a, int) else a for a in args]))
    return nodes[-1]
