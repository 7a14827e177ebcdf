r"""Training: loss → zero_grad → backward → gradient-descent step, over and over.

``batch_size=None`` is the blog's batch learning (one step per pass over the
whole teacher set), ``1`` its on-line learning (one step per sample), ``k``
Nielsen's mini-batches.
"""

from __future__ import annotations

import random
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nn.compiled import batch_gradients
from nn.fit_inputs import check_fit_inputs
from nn.layers import _is_count  # a positive int, Python's or numpy's (not True)
from nn.losses import LOSSES, sum_squared_error
from nn.module import Module
from nn.optim import SGD, Optimizer
from tinygrad_like import Value, no_grad


def accuracy(outputs: Sequence[Value | Sequence[Value]], targets: Sequence) -> float:
    """The fraction of samples classified right.

    Several outputs: the largest output against the largest target (one-hot).
    One output: its sign against targets of −1/+1, or ``y > 0.5`` against 0/1 targets.

    >>> accuracy([Value(0.9), Value(0.2)], [1, 1])
    0.5
    """
    rows = [[v.data for v in ([y] if isinstance(y, Value) else y)] for y in outputs]
    return accuracy_of_numbers(rows, targets)


def accuracy_of_numbers(rows: Sequence[Sequence[float]], targets: Sequence) -> float:
    """``accuracy`` for outputs given as numbers, one row per sample."""
    target_rows = [[t] if not hasattr(t, "__len__") else list(t) for t in targets]
    signed = len(target_rows[0]) == 1 and min(t[0] for t in target_rows) < 0
    right = 0
    for ys, ts in zip(rows, target_rows):
        if len(ys) > 1:
            right += max(range(len(ys)), key=ys.__getitem__) == max(range(len(ts)), key=ts.__getitem__)
        elif signed:
            right += (ys[0] > 0) == (ts[0] > 0)
        else:
            right += (ys[0] > 0.5) == (ts[0] > 0.5)
    return right / len(rows)


@dataclass
class History:
    """What ``fit`` measured: per epoch the loss on the whole training set after the epoch,
    the metric (when one was given) and the seconds the epoch took: on the clock (``seconds``)
    and in this process's CPU time (``cpu_seconds``, steadier on a busy machine)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    compiled: bool = False
    note: str = ""  # why training ran on the Value graph, when it was not compiled

    def plot(self, ax=None):
        """Plot loss (and accuracy) per epoch with matplotlib; returns the axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from exc
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(range(1, len(self.loss) + 1), self.loss, label="loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if self.accuracy:
            ax2 = ax.twinx()
            ax2.plot(range(1, len(self.accuracy) + 1), self.accuracy, color="tab:orange", label="accuracy")
            ax2.set_ylabel("accuracy")
            ax2.set_ylim(0, 1.05)
        ax.set_title("training")
        return ax


def _loss_of(loss: Callable, outputs: Sequence, targets: Sequence) -> Value:
    """``loss(outputs, targets)``, refusing with a clear error a result that is not a Value."""
    value = loss(outputs, targets)
    if not isinstance(value, Value):
        raise TypeError(
            f"fit: the loss {getattr(loss, '__name__', loss)!r} returned {type(value).__name__}: "
            f"{value!r}; it must return a Value (whose backward() gives the gradients)"
        )
    return value


def _progress(iterable, enabled: bool, total: int):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc="epochs", unit="epoch", file=sys.stderr, leave=True)


def _compile(model, loss, X, Y, compiled, optimizer):
    """The compiled program (traced once per model and loss, then kept), or None and the reason
    (a warning too when compiled=True was asked)."""
    from nn.compiled import ArrayTraining, CannotCompile, compiled_loss

    try:
        import numpy  # noqa: F401  (batches run on numpy arrays)

        why = ArrayTraining.fits(model, optimizer)
        if why:
            raise CannotCompile(why)
        return compiled_loss(model, loss, [*X[0], *_target_row(Y[0])]), ""
    except (CannotCompile, ImportError, TypeError) as exc:
        note = f"trained on the Value graph: cannot compile ({exc})"
        if compiled:
            warnings.warn(note, stacklevel=3)
        return None, note


def _target_row(t) -> list[float]:
    return list(t) if hasattr(t, "__len__") else [t]


def _verify(program, model, loss, X, Y, batch):
    """Keep the program only if its gradients equal the Value graph's on this batch."""
    _, compiled_grads = batch_gradients(program, loss, X, Y, batch)
    value = loss([model(X[i]) for i in batch], [Y[i] for i in batch])
    model.zero_grad()
    value.backward()
    grads = [p.grad for p in model.parameters()]
    scale = max((abs(g) for g in grads), default=0.0)
    for p, a, b in zip(model.parameters(), compiled_grads, grads):
        if abs(a - b) > 1e-12 * max(abs(a), abs(b)) + 1e-15 * scale:
            return (
                None,
                f"trained on the Value graph: the compiled gradient of {p.label} differs ({a!r}, {b!r})",
            )
    return program, ""


def _evaluate_compiled(training, model, X, Y, loss, metric):
    """The epoch's loss (and metric) from the parameters' arrays; a metric function of our own
    reads the Values, so they are brought up to date first."""
    value, rows = training.evaluate()
    if metric is None:
        return value, None
    if metric is accuracy:
        return value, accuracy_of_numbers(rows.tolist(), Y)
    training.to_values()
    return value, evaluate(model, X, Y, loss, metric)[1]


def evaluate(
    model: Module,
    X: Sequence,
    Y: Sequence,
    loss: Callable = sum_squared_error,
    metric: Callable | None = None,
) -> tuple[float, float | None]:
    """The loss (and metric) on a data set, computed without recording a graph."""
    with no_grad():
        outputs = [model(x) for x in X]
        value = _loss_of(loss, outputs, Y).data
        return value, (metric(outputs, Y) if metric else None)


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    Y: Sequence,
    loss: Callable | str = sum_squared_error,
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    *,
    metric: Callable | str | None = None,
    progress: bool = True,
    seed: int = 0,
    shuffle: bool = True,
    optimizer: Optimizer | None = None,
    compiled: bool | None = None,
) -> History:
    r"""Train ``model`` on (X, Y) by gradient descent and return the History.

    Each step: outputs for the batch → ``loss`` → zero_grad → backward → SGD step
    with learning rate ``lr`` (h). Mini-batches are drawn in an order shuffled by
    ``random.Random(seed)`` every epoch. ``metric`` may be ``"accuracy"`` or a
    function ``(outputs, targets) → float``.

    ``compiled``: ``True`` trains with the loss traced once and compiled
    (``nn.compiled.compile_loss``), ``False`` on the Value graph, and ``None``
    (the default) compiles, checks the first batch's gradients against the Value
    graph (within 1e-12 relative), and keeps the program only if they agree.
    Where it cannot compile it trains on the Value graph and ``history.note`` says why.

    >>> from nn import MLP, data
    >>> X, Y = data.xor()
    >>> model = MLP(2, [2, 1], seed=3)
    >>> h = fit(model, X, Y, lr=2.0, epochs=5, progress=False)
    >>> len(h.loss), h.loss[-1] < h.loss[0]
    (5, True)
    """
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be a network such as MLP(2, [3, 1]), got {type(model).__name__}")
    check_fit_inputs(model, X, Y, lr)  # before anything changes: finite data of the model's shape
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; valid ones are: {', '.join(LOSSES)}")
        loss = LOSSES[loss]
    elif not callable(loss):
        raise TypeError(
            f"fit: loss must be a function (outputs, targets) → Value or one of {', '.join(LOSSES)}, "
            f"got {type(loss).__name__}: {loss!r}"
        )
    if metric == "accuracy":
        metric = accuracy
    elif isinstance(metric, str):
        raise ValueError(f"fit: unknown metric {metric!r}; use 'accuracy' or a function")
    elif metric is not None and not callable(metric):
        raise TypeError(
            f"fit: metric must be 'accuracy' or a function, got {type(metric).__name__}: {metric!r}"
        )
    if not _is_count(epochs):
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and not _is_count(batch_size):
        raise ValueError(f"fit: batch_size must be None (full batch) or a positive int, got {batch_size!r}")
    epochs, batch_size = int(epochs), None if batch_size is None else int(batch_size)
    if optimizer is not None and not all(
        callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")
    ):
        raise TypeError(
            f"fit: optimizer must be an optimizer such as SGD(model.parameters(), lr=0.1), "
            f"got {type(optimizer).__name__}: {optimizer!r}"
        )

    if optimizer is not None:  # an optimizer of another model would train nothing, silently
        ours = {id(p) for p in model.parameters()}
        foreign = sum(id(p) not in ours for p in getattr(optimizer, "params", ()))
        if foreign:
            raise ValueError(
                f"fit: the optimizer holds {foreign} parameter(s) that are not the model's; "
                "build it from this model's parameters, e.g. SGD(model.parameters(), lr=0.1)"
            )
    optimizer = optimizer or SGD(model.parameters(), float(lr))
    rng = random.Random(seed)
    n = len(X)
    size = n if batch_size is None else batch_size
    history = History()
    program = training = None
    if compiled is not False:
        program, history.note = _compile(model, loss, X, Y, compiled, optimizer)
    if program is not None:
        if compiled is None:  # check the first batch against the Value graph before any step
            order = list(range(n))
            if shuffle and size < n:  # the first epoch's first batch: shuffled by a copy of rng
                probe = random.Random()
                probe.setstate(rng.getstate())
                probe.shuffle(order)
            program, history.note = _verify(program, model, loss, X, Y, order[:size])
    if program is not None:
        from nn.compiled import ArrayTraining

        # While it trains, the parameters live in one array; the Values are written when fit
        # returns (also on an error or an interrupt) and before a metric function reads them.
        training = ArrayTraining(program, model, loss, X, Y, optimizer)
    bar = _progress(range(epochs), progress, epochs)
    try:
        for _ in bar:
            start, start_cpu = time.perf_counter(), time.process_time()
            shuffled = shuffle and size < n
            order = list(range(n))
            if shuffled:
                rng.shuffle(order)
            if training is not None:  # forward, backward and update, on the arrays
                training.epoch(order if shuffled else None, size)
            else:
                for first in range(0, n, size):
                    batch = order[first : first + size]
                    value = _loss_of(loss, [model(X[i]) for i in batch], [Y[i] for i in batch])
                    optimizer.zero_grad()
                    value.backward()
                    optimizer.step()
            history.seconds.append(time.perf_counter() - start)
            history.cpu_seconds.append(time.process_time() - start_cpu)
            if training is not None:
                epoch_loss, epoch_metric = _evaluate_compiled(training, model, X, Y, loss, metric)
            else:
                epoch_loss, epoch_metric = evaluate(model, X, Y, loss, metric)
            history.loss.append(epoch_loss)
            if epoch_metric is not None:
                history.accuracy.append(epoch_metric)
            if progress:
                postfix = {"loss": f"{epoch_loss:.4f}", **({"acc": f"{epoch_metric:.3f}"} if metric else {})}
                bar.set_postfix(postfix, refresh=False)  # shown at the bar's own pace, not on every epoch
    finally:
        if training is not None:
            training.to_values()
    history.compiled = program is not None
    return history
