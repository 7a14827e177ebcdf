r"""Optimizers as PyTorch has them: ``Optimizer`` with ``step()``, ``zero_grad()``, ``param_groups``;
``SGD`` (the blog's w ← w − h·∂E/∂w, with momentum, dampening, weight decay, Nesterov) and ``Adam``.

Each rule is written once, on numbers: it runs per parameter on Values (``step()``) and on whole
float64 arrays (``step_arrays(data, grad)``, for a compiled fit that keeps the parameters in one
flat array). The state (momentum, Adam's moments and step count) is one state whichever runs: the
two can take turns, and ``state[i]`` is always parameter i's.

>>> from tinygrad_like import Value
>>> w = Value(1.0); w.grad = 0.5
>>> opt = SGD([w], lr=0.1); opt.step(); w.data
0.95
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, cast

from tinygrad_like import Value


class Optimizer:
    """Base of SGD and Adam: ``param_groups`` is a list of dicts, each with its ``params`` (Values)
    and its hyperparameters (defaults from the constructor), as in ``torch.optim``."""

    def __init__(self, params: Iterable[Value] | Iterable[dict], defaults: dict[str, Any]) -> None:
        items = list(params)
        if items and all(isinstance(g, dict) for g in items):
            groups = cast("list[dict[str, Any]]", items)
        else:
            groups = [{"params": items}]
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            ps = list(group["params"])
            if not ps or not all(isinstance(p, Value) for p in ps):
                raise TypeError(f"{type(self).__name__}(params) needs Values, e.g. model.parameters()")
            self.param_groups.append({**defaults, **group, "params": ps})
        for group in self.param_groups:
            lr = group["lr"]
            if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
                raise ValueError(f"{type(self).__name__}(lr) must be a positive number, got {lr!r}")
        # The state is kept where the last step ran: per parameter (step) or per group, in arrays
        # (step_arrays). It moves over once when the other one runs next, never on every step.
        self._state: dict[int, dict[str, Any]] = {}  # by the parameter's position over all groups
        self._arrays: dict[int, dict[str, Any]] = {}  # by group: numpy arrays, and the step count

    @property
    def state(self) -> dict[int, dict[str, Any]]:
        """Each parameter's state by its position in ``params`` (torch.optim keys it by tensor):
        ``momentum_buffer`` for SGD, ``step``, ``exp_avg`` and ``exp_avg_sq`` for Adam."""
        self._to_values()
        return self._state

    @property
    def params(self) -> list[Value]:
        """Every parameter, group after group."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self) -> float:
        """The first group's learning rate."""
        return float(self.param_groups[0]["lr"])

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def _update(self, data, grad, state: dict[str, Any], group: dict[str, Any]):
        raise NotImplementedError

    def step(self) -> None:
        """One update of every parameter from its ``grad``."""
        self._to_values()
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                state = self._state.setdefault(i, {})
                p.data = float(self._update(p.data, p.grad, state, group))
                i += 1

    def step_arrays(self, data, grad) -> None:
        """One update of parameters held in a flat 1-D float64 numpy array ``data`` (in the order
        of ``params``), from the gradients ``grad`` in the same order; ``data`` changes in place.
        The Values are not read or written: a compiled fit writes them when it is done."""
        count = sum(len(g["params"]) for g in self.param_groups)  # not len(self.params): no list per step
        if len(data) != count or len(grad) != len(data):
            raise ValueError(
                f"step_arrays: {count} parameters, but data has {len(data)} and grad {len(grad)}"
            )
        self._to_arrays()
        start = 0
        for k, group in enumerate(self.param_groups):
            stop = start + len(group["params"])
            state = self._arrays.setdefault(k, {})
            data[start:stop] = self._update(data[start:stop].copy(), grad[start:stop], state, group)
            start = stop

    def _spans(self) -> list[range]:
        """Each group's parameter positions."""
        spans, start = [], 0
        for group in self.param_groups:
            spans.append(range(start, start + len(group["params"])))
            start += len(group["params"])
        return spans

    def _to_values(self) -> None:
        """Move the state step_arrays left in arrays to the parameters (state[i]), once."""
        if not self._arrays:
            return
        for k, span in enumerate(self._spans()):
            for key, value in self._arrays.get(k, {}).items():
                numbers = value.tolist() if hasattr(value, "tolist") else value
                for j, i in enumerate(span):
                    self._state.setdefault(i, {})[key] = numbers[j] if isinstance(numbers, list) else numbers
        self._arrays = {}

    def _to_arrays(self) -> None:
        """Move the state step() left per parameter into one array per group and key, once."""
        if not self._state:
            return
        import numpy as np

        for k, span in enumerate(self._spans()):
            first = self._state.get(span[0], {})
            arrays = self._arrays.setdefault(k, {})
            for key, value in first.items():
                column = [self._state[i][key] for i in span]
                if isinstance(value, int):  # a count (Adam's step): the same for the whole group
                    if len(set(column)) != 1:
                        raise ValueError(f"step_arrays: the parameters of group {k} are at different {key}s")
                    arrays[key] = value
                else:
                    arrays[key] = np.array(column, dtype=float)
        self._state = {}


class SGD(Optimizer):
    r"""Stochastic gradient descent, as ``torch.optim.SGD``:

    g ← ∂E/∂w + weight_decay·w; with momentum μ: b ← g (first step), else b ← μ·b + (1 − dampening)·g,
    and g ← g + μ·b (Nesterov) or g ← b; then w ← w − lr·g. ``lr`` is the blog's h, Nielsen's η.

    >>> w = Value(1.0); opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     w.grad = 1.0; opt.step()
    >>> round(w.data, 12)    # 1 − 0.1·1 − 0.1·(0.9·1 + 1)
    0.71
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"SGD: momentum and weight_decay must be ≥ 0, got {momentum!r}, {weight_decay!r}"
            )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov
        )
        super().__init__(params, defaults)

    def step_arrays(self, data, grad) -> None:
        """``Optimizer.step_arrays``; without momentum, for one group, in place: w ← w − lr·g
        (the same numbers, without a copy of the arrays per step)."""
        group = self.param_groups[0]
        if (
            len(self.param_groups) == 1
            and not group["momentum"]
            and type(self)._update is SGD._update  # a subclass's own update runs as it is
            and len(data) == len(grad) == len(group["params"])
        ):
            decay = group["weight_decay"]
            data -= group["lr"] * (grad + decay * data if decay else grad)
            return
        super().step_arrays(data, grad)

    def _update(self, data, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * data
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = grad * 1.0  # a copy, as torch.clone
            else:
                buf = state["momentum_buffer"]
                state["momentum_buffer"] = buf * momentum + (1 - group["dampening"]) * grad
            buf = state["momentum_buffer"]
            grad = grad + momentum * buf if group["nesterov"] else buf
        return data - group["lr"] * grad


class Adam(Optimizer):
    r"""Adam (Kingma and Ba), as ``torch.optim.Adam``:

    g ← ∂E/∂w + weight_decay·w;  m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;
    w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε) at step t = 1, 2, …

    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w.grad = 4.0; opt.step(); round(w.data, 9)    # the first step moves by lr, whatever the gradient
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if not all(0 <= b < 1 for b in betas) or eps < 0 or weight_decay < 0:
            raise ValueError(
                f"Adam: betas must be in [0, 1), eps and weight_decay ≥ 0, got {betas!r}, {eps!r}"
            )
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def _update(self, data, grad, state, group):
        beta1, beta2 = group["betas"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * data
        t = state["step"] = state.get("step", 0) + 1
        m = state.get("exp_avg", 0.0 * grad)
        v = state.get("exp_avg_sq", 0.0 * grad)
        m = state["exp_avg"] = m + (1 - beta1) * (grad - m)  # torch's lerp
        v = state["exp_avg_sq"] = v * beta2 + (1 - beta2) * grad * grad
        step_size = group["lr"] / (1 - beta1**t)
        denom = (v**0.5) / math.sqrt(1 - beta2**t) + group["eps"]
        return data - step_size * m / denom
