r"""Training: loss → zero_grad → backward → gradient-descent step, over and over.

``batch_size=None`` is the blog's batch learning (one step per pass over the
whole teacher set), ``1`` its on-line learning (one step per sample), ``k``
Nielsen's mini-batches.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from nn.losses import LOSSES, sum_squared_error
from nn.module import Module
from nn.optim import SGD
from tinygrad_like import Value, no_grad


def accuracy(outputs: Sequence[Value | Sequence[Value]], targets: Sequence) -> float:
    """The fraction of samples classified right.

    Several outputs: the largest output against the largest target (one-hot).
    One output: its sign against targets of −1/+1, or ``y > 0.5`` against 0/1 targets.

    >>> accuracy([Value(0.9), Value(0.2)], [1, 1])
    0.5
    """
    right = 0
    for y, t in zip(outputs, targets):
        ys = [y] if isinstance(y, Value) else list(y)
        ts = [t] if not hasattr(t, "__len__") else list(t)
        if len(ys) > 1:
            right += max(range(len(ys)), key=lambda k: ys[k].data) == max(range(len(ts)), key=ts.__getitem__)
        elif min(targets if not hasattr(targets[0], "__len__") else [u[0] for u in targets]) < 0:
            right += (ys[0].data > 0) == (ts[0] > 0)
        else:
            right += (ys[0].data > 0.5) == (ts[0] > 0.5)
    return right / len(outputs)


@dataclass
class History:
    """What ``fit`` measured: per epoch the loss on the whole training set after the epoch,
    the metric (when one was given) and the seconds the epoch took."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

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


def _progress(iterable, enabled: bool, total: int):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc="epochs", unit="epoch", file=sys.stderr, leave=True)


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
        value = loss(outputs, Y).data
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
    optimizer: SGD | None = None,
) -> History:
    r"""Train ``model`` on (X, Y) by gradient descent and return the History.

    Each step: outputs for the batch → ``loss`` → zero_grad → backward → SGD step
    with learning rate ``lr`` (h). Mini-batches are drawn in an order shuffled by
    ``random.Random(seed)`` every epoch. ``metric`` may be ``"accuracy"`` or a
    function ``(outputs, targets) → float``.

    >>> from nn import MLP, data
    >>> X, Y = data.xor()
    >>> model = MLP(2, [2, 1], seed=3)
    >>> h = fit(model, X, Y, lr=2.0, epochs=5, progress=False)
    >>> len(h.loss), h.loss[-1] < h.loss[0]
    (5, True)
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; valid ones are: {', '.join(LOSSES)}")
        loss = LOSSES[loss]
    if metric == "accuracy":
        metric = accuracy
    elif isinstance(metric, str):
        raise ValueError(f"fit: unknown metric {metric!r}; use 'accuracy' or a function")
    if len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"fit: X has {len(X)} samples and Y has {len(Y)}; they must match and not be empty")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be None (full batch) or a positive int, got {batch_size!r}")

    optimizer = optimizer or SGD(model.parameters(), lr)
    rng = random.Random(seed)
    n = len(X)
    size = n if batch_size is None else batch_size
    history = History()
    bar = _progress(range(epochs), progress, epochs)
    for _ in bar:
        start = time.perf_counter()
        order = list(range(n))
        if shuffle and size < n:
            rng.shuffle(order)
        for first in range(0, n, size):
            batch = order[first : first + size]
            outputs = [model(X[i]) for i in batch]
            value = loss(outputs, [Y[i] for i in batch])
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
        history.seconds.append(time.perf_counter() - start)
        epoch_loss, epoch_metric = evaluate(model, X, Y, loss, metric)
        history.loss.append(epoch_loss)
        if epoch_metric is not None:
            history.accuracy.append(epoch_metric)
        if progress:
            postfix = {"loss": f"{epoch_loss:.4f}", **({"acc": f"{epoch_metric:.3f}"} if metric else {})}
            bar.set_postfix(postfix, refresh=False)  # shown at the bar's own pace, not on every epoch
    return history
