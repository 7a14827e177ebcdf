r"""A model's loss on one sample, traced once and compiled (``tinygrad_like.trace``), for fast training.

The program's inputs are the model's inputs ``x1 … x_nin`` and the targets ``t1 … t_nout``;
its parameters are ``model.parameters()``. Run on numpy arrays it handles a whole batch at once;
the gradients come back summed over the batch, and ``batch_gradients`` turns them into the
gradient of the loss as the loss defines it (a sum for the blog's E, a mean for the others).

>>> from nn import examples, sum_squared_error
>>> net = examples.three_layer(seed=0)
>>> program = compile_loss(net, sum_squared_error)
>>> program.inputs
['x1', 'x2', 't1']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tinygrad_like.compiler import Program, trace


class CannotCompile(ValueError):
    """This model or loss cannot be compiled; the reason says why."""


def compile_loss(model, loss: Callable, example: Sequence[float] | None = None) -> Program:
    """Trace ``loss([model(x)], [t])`` for one sample and compile it; outputs are the model's outputs."""
    reduction = getattr(loss, "reduction", None)
    if reduction not in ("sum", "mean"):
        raise CannotCompile(
            f"the loss {getattr(loss, '__name__', loss)!r} does not say how it combines samples "
            "(set loss.reduction = 'sum' or 'mean')"
        )
    layers = getattr(model, "layers", None)
    if not layers:
        raise CannotCompile(f"only nn models with layers can be compiled, got {type(model).__name__}")
    nin, nout = len(layers[0].neurons[0].w), len(layers[-1].neurons)
    names = [f"x{k}" for k in range(1, nin + 1)] + [f"t{k}" for k in range(1, nout + 1)]
    values = list(example) if example is not None else [0.5] * len(names)

    def one_sample(**slots):
        outputs = model([slots[f"x{k}"] for k in range(1, nin + 1)])
        outputs = [outputs] if nout == 1 else outputs
        targets = [slots[f"t{k}"] for k in range(1, nout + 1)]
        return loss([outputs], [targets]), outputs

    return trace(one_sample, model.parameters(), **dict(zip(names, values)))


def columns(X: Sequence[Sequence[float]], Y: Sequence, rows: Sequence[int]):
    """The batch as one numpy array per program input (x1 … then t1 …)."""
    import numpy as np

    x = np.asarray([X[i] for i in rows], dtype=float)
    y = np.asarray([Y[i] for i in rows], dtype=float).reshape(len(rows), -1)
    return [*x.T, *y.T]


def batch_gradients(program: Program, loss: Callable, X, Y, rows: Sequence[int]) -> tuple[float, list[float]]:
    """The loss over these samples and its gradient for every parameter, as ``loss`` defines them."""
    import numpy as np

    result = program(*columns(X, Y, rows))
    total = float(np.sum(result.loss))
    grads = np.asarray(result.grads, dtype=float)
    if getattr(loss, "reduction", None) == "mean":
        return total / len(rows), (grads / len(rows)).tolist()
    return total, grads.tolist()
