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

A loop of your own keeps the data and the parameters in arrays, and asks for the gradient:

>>> import numpy as np
>>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([1.0, 1.0])
>>> theta = np.array([p.data for p in program.params])
>>> for _ in range(3):
...     E, grads = batch_gradients(program, sum_squared_error, X, Y, range(2), params=theta)
...     theta -= 0.5 * grads        # w ← w − h·∂E/∂w, the blog's update
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from tinygrad_like.compiler import Program, trace

if TYPE_CHECKING:
    import numpy as np


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
    # The program keeps its function, to trace again on another path; a weak reference to the model
    # lets a model and the programs cached for it (compiled_loss) go away together.
    model_ref = _reference(model)

    def one_sample(**slots):
        model = model_ref()
        if model is None:
            raise ReferenceError("compile_loss: the model this program was traced from no longer exists")
        outputs = model([slots[f"x{k}"] for k in range(1, nin + 1)])
        outputs = [outputs] if nout == 1 else outputs
        targets = [slots[f"t{k}"] for k in range(1, nout + 1)]
        return loss([outputs], [targets]), outputs

    return trace(one_sample, model.parameters(), **dict(zip(names, values)))


def _reference(model) -> Callable[[], Any]:
    try:
        return weakref.ref(model)
    except TypeError:  # an object that takes no weak references: hold it
        return lambda: model


# Programs traced for a model, by (loss, structure): fit reuses them, so an epoch never includes a trace.
_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def structure(model) -> tuple:
    """What the traced program depends on besides the numbers: the parameters (which Values, in
    which order) and each neuron's activation and number of inputs.

    >>> from nn import MLP
    >>> model = MLP(2, [1], seed=0); before = structure(model)
    >>> model.layers[0].neurons[0].activation = "tanh"
    >>> structure(model) == before
    False
    """
    layers = getattr(model, "layers", ())
    shape = tuple(
        tuple(
            (getattr(n, "activation", None), len(getattr(n, "w", ()))) for n in getattr(layer, "neurons", ())
        )
        for layer in layers
    )
    return type(model), shape, tuple(map(id, model.parameters()))


def compiled_loss(model, loss: Callable, example: Sequence[float] | None = None) -> Program:
    """``compile_loss``, kept: a later call with the same model and loss returns the same program,
    and traces again only when the model's structure (``structure``) or the loss changed.

    >>> from nn import MLP, quadratic_cost
    >>> model = MLP(2, [3, 1], seed=0)
    >>> compiled_loss(model, quadratic_cost) is compiled_loss(model, quadratic_cost)
    True
    """
    try:
        kept = _PROGRAMS.setdefault(model, {})
    except TypeError:  # not weakly referable or not hashable: nothing is kept
        return compile_loss(model, loss, example)
    key = (loss, structure(model))
    program = kept.get(key)
    if program is None:
        kept.clear()  # an older structure's program will not be asked for again
        program = kept[key] = compile_loss(model, loss, example)
    return program


def columns(X: Sequence[Sequence[float]], Y: Sequence, rows: Sequence[int]):
    """The batch as one numpy array per program input (x1 … then t1 …)."""
    x, y = _batch(X, rows), _batch(Y, rows)
    return [*x.T, *y.reshape(len(x), -1).T]


def _batch(A, rows: Sequence[int]) -> np.ndarray:
    """The rows of A (a list of samples or an array) asked for, as a float64 array."""
    import numpy as np

    if isinstance(A, np.ndarray) and A.dtype == np.float64:
        if isinstance(rows, range) and rows == range(len(A)):
            return A
        return A[np.asarray(rows, dtype=np.intp)]
    return np.asarray([A[i] for i in rows], dtype=float)


def batch_gradients(
    program: Program, loss: Callable, X, Y, rows: Sequence[int], params: np.ndarray | None = None
) -> tuple[float, Any]:
    """The loss over these samples and its gradient for every parameter, as ``loss`` defines them.

    ``X`` and ``Y`` are lists of samples or numpy arrays (samples as rows; arrays are faster).
    Without ``params`` the program reads the parameters' Values and the gradients come as a list,
    in ``program.params`` order. With ``params``, a float64 array of their numbers in that order
    (a loop that keeps its parameters in one array), the Values are not read and the gradients
    come as an array.
    """
    import numpy as np

    scale = 1.0 / len(rows) if getattr(loss, "reduction", None) == "mean" else 1.0
    if params is None:
        result = program(*columns(X, Y, rows))
        grads = np.asarray(result.grads, dtype=float)
        return float(np.sum(result.loss)) * scale, (grads * scale if scale != 1.0 else grads).tolist()
    x, y = _batch(X, rows), _batch(Y, rows)
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    inputs = np.empty((x.shape[1] + y.shape[1], len(x)))  # the program's rows: inputs, then targets
    inputs[: x.shape[1]] = x.T
    inputs[x.shape[1] :] = y.T
    result = program.batch(inputs, params, seed=scale)  # a mean's 1/n, from where backward starts
    total = float(np.add.reduce(result.loss, axis=None))
    return total * scale, np.asarray(result.grads)


class ArrayTraining:
    """A compiled fit's working state: the data as one array (program inputs × samples) and the
    parameters in one float64 array, ``theta``, in ``model.parameters()`` order.

    ``step(rows)`` does forward, backward and the optimizer's update on the arrays; the Values
    are brought up to date only by ``to_values()`` (their data, and grad from the last step).
    """

    def __init__(self, program: Program, model, loss: Callable, X, Y, optimizer) -> None:
        import numpy as np

        self.program, self.loss, self.optimizer = program, loss, optimizer
        self.params = list(program.params)
        self.theta = np.array([p.data for p in self.params], dtype=float)
        self.grads = np.zeros_like(self.theta)
        x = np.asarray(X, dtype=float).reshape(len(X), -1)
        y = np.asarray(Y, dtype=float).reshape(len(Y), -1)
        # A sample's inputs and targets side by side in memory: a mini-batch is a few whole rows
        # (gathering columns of the transpose would touch a cache line per number). The program
        # reads the transpose, one row per program input, as a view.
        self.samples = np.ascontiguousarray(np.concatenate([x, y], axis=1))
        self.data = self.samples.T
        self.n = len(X)
        self.mean = getattr(loss, "reduction", None) == "mean"
        # The optimizer updates the arrays when it can (nn's optimizers: step_arrays), in its own
        # order; one whose step() is its own (a subclass that counts or logs) gets its step() called.
        from nn.optim import Optimizer

        own_step = getattr(type(optimizer), "step", None) is not Optimizer.step
        self.arrays = hasattr(optimizer, "step_arrays") and not own_step
        position = {id(p): i for i, p in enumerate(self.params)}
        order = [position[id(p)] for p in optimizer.params] if self.arrays else []
        self.at = None if order == list(range(len(self.params))) else np.array(order, dtype=np.intp)
        # one traced path (no comparisons, so never another): its function, called as it is
        self.direct = program.direct()

    @staticmethod
    def fits(model, optimizer) -> str:
        """'' when a compiled fit can train with this optimizer, else why not."""
        ours = {id(p) for p in model.parameters()}
        theirs = getattr(optimizer, "params", None)
        if theirs is not None and not all(id(p) in ours for p in theirs):
            return "the optimizer holds parameters that are not the model's"
        return ""

    def epoch(self, order: Sequence[int] | None, size: int) -> None:
        """The steps of one epoch: the samples in ``order`` (None: as they come), ``size`` at a time."""
        import numpy as np

        with np.errstate(all="ignore"):  # inf and nan as the engine makes them; once, not per step
            if order is None and size >= self.n:  # batch learning: the whole set, as it is
                self._step(None)
                return
            rows = np.asarray(range(self.n) if order is None else order, dtype=np.intp)
            step = self._step
            for first in range(0, self.n, size):
                step(rows[first : first + size])

    def step(self, rows: np.ndarray | None) -> None:
        """One step on these samples (an array of their indices; None: all of them, in order)."""
        import numpy as np

        with np.errstate(all="ignore"):
            self._step(rows)

    def _step(self, rows: np.ndarray | None) -> None:
        """``step``, inside the caller's ``np.errstate``: the program's function is called as it is
        (one traced path: no re-trace to watch for) and the update done in place."""
        inputs = self.data if rows is None else self.samples[rows].T
        seed = 1.0 / inputs.shape[1] if self.mean else 1.0  # the mean's 1/n, where backward starts
        direct = self.direct
        if direct is not None:
            grads = direct(inputs, self.theta, inputs.shape[1], seed)[1]
        else:
            grads = self.program.batch(inputs, self.theta, seed=seed).grads
        self.grads = grads = cast("np.ndarray", grads)  # Program.batch gives an array
        if not self.arrays:  # an optimizer that only knows Values
            self.to_values()
            self.optimizer.step()
            self.theta[:] = [p.data for p in self.params]
        elif self.at is None:
            self.optimizer.step_arrays(self.theta, grads)
        else:
            theta = self.theta[self.at]
            self.optimizer.step_arrays(theta, grads[self.at])
            self.theta[self.at] = theta

    def evaluate(self) -> tuple[float, np.ndarray]:
        """The loss on the whole data set, and the outputs (one row per sample), from ``theta``."""
        import numpy as np

        result = self.program.batch(self.data, self.theta, backward=False)
        total = float(np.add.reduce(result.loss, axis=None))
        rows = np.stack([np.broadcast_to(o, (self.n,)) for o in result.outputs], axis=1)
        return (total / self.n if self.mean else total), rows

    def to_values(self) -> None:
        """Write ``theta`` into the parameters' data, and the last step's gradients into their grad."""
        for p, data, grad in zip(self.params, self.theta.tolist(), self.grads.tolist()):
            p.data = data
            p.grad = grad
