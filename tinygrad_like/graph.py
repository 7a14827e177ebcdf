r"""Walking the graph: topological order and the backward pass.

Both walks are loops over an explicit stack, never recursion, so a chain of a
million nodes is as fine as a chain of ten. The order depends only on the
operands' order, never on ``id()`` or set order: the same graph always gives
the same order (drawings and step tables reproduce).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tinygrad_like.value import Value


class _Pause:
    """Disables the cycle collector on entry and enables it on exit (also on an exception)."""

    __slots__ = ()  # no instance state: the object is not tracked by the collector itself

    def __enter__(self) -> None:
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        gc.enable()


class _Nothing:
    """Leaves the collector as it is: someone else paused it, or the user disabled it."""

    __slots__ = ()

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


_PAUSE, _NOTHING = _Pause(), _Nothing()


def cycle_collector_paused() -> AbstractContextManager[None]:
    """Pause Python's cyclic garbage collector while a large graph is built or walked.

    Values hold no closures, so a graph has no reference cycles: everything is
    freed by reference counting. Left on, the cycle collector re-scans the
    whole graph again and again as nodes are allocated (measured: about 40% of
    a backward pass, and two thirds of a long chain built in a user's loop).
    Every operation, ``backward`` and ``nn.MLP`` calls pause it, only for
    their own duration.

    Only a call that finds the collector enabled disables it, and that same
    call enables it again when it returns or raises. So the state after the
    call is the state before it, also when threads interleave: a call that
    starts while another thread's call has paused the collector does nothing
    (the collector then runs again when the first call returns, a little
    early for the second). A collector the user disabled stays disabled.

    >>> import gc
    >>> with cycle_collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    return _PAUSE if gc.isenabled() else _NOTHING


class CycleError(ValueError):
    """The graph loops back on itself (a node is its own descendant), so it has no order.

    Operations never make one; editing ``.children`` by hand can.
    """


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each after all of its children (leaves first).

    A cycle (made by editing ``.children``) raises ``CycleError`` naming its nodes.

    >>> from tinygrad_like import Value
    >>> a = Value(1.0, label="a"); b = Value(2.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> [v.label for v in topological_order(c + a)]
    ['a', 'b', 'c', '']
    """
    order: list[Value] = []
    # One dict lookup per edge: absent (not met yet), False (on the stack: meeting it again is a
    # cycle) or True (done, in the order).
    state: dict[Value, bool] = {root: False}
    seen = state.get
    # Each stack entry is a node and an iterator over the children still to visit.
    stack = [(root, iter(root.children))]
    while stack:
        node, children = stack[-1]
        for child in children:
            done = seen(child)
            if done is None:
                if child.children:
                    state[child] = False
                    stack.append((child, iter(child.children)))
                    break
                state[child] = True
                order.append(child)  # a leaf is done at once: no need to stack it
            elif done is False:
                raise _cycle_error([v for v, _ in stack], child)
        else:
            stack.pop()
            state[node] = True
            order.append(node)
    return order


def _cycle_error(path: list[Value], again: Value) -> CycleError:
    """The error for a cycle: the nodes from ``again`` down the path and back to it."""
    loop = path[path.index(again) :] + [again]
    names = [v.label or (f"({v.op} node)" if v.op else f"(leaf {v.data!r})") for v in loop]
    if len(names) > 12:
        names = [*names[:5], f"… {len(names) - 10} more …", *names[-5:]]
    return CycleError(
        f"the graph has a cycle: {' → '.join(names)} (each is a child of the one before); "
        "a graph of Values must not loop back on itself: was .children edited by hand?"
    )


def interior_order(root: Value) -> list[Value]:
    """The nodes an operation made (those with children), in ``topological_order``'s order,
    each one's grad reset to 0.0 as it is met: what ``backward`` walks.

    Leaves are left out (they only receive gradient, and keep what earlier passes left them),
    so a graph whose operations each take a constant (``y * 1.0001 + 0.0001``) is walked in
    half the steps. A root that is a leaf is its own order.

    >>> from tinygrad_like import Value
    >>> a = Value(1.0, label="a")
    >>> b = a * 2.0; b.label = "b"
    >>> [v.label for v in interior_order(b + a)]
    ['b', '']
    """
    order: list[Value] = []
    state: dict[Value, bool] = {root: False}  # as in topological_order
    seen = state.get
    stack: list[tuple[Value, Iterator[Value]]] = []  # the nodes above the one being walked
    node, children = root, iter(root.children)
    while True:
        for child in children:
            if not child.children:
                continue  # a leaf
            done = seen(child)
            if done is None:
                state[child] = False
                child.grad = 0.0
                stack.append((node, children))
                node, children = child, iter(child.children)
                break
            if done is False:
                raise _cycle_error([*(v for v, _ in stack), node], child)
        else:
            state[node] = True
            order.append(node)
            if not stack:
                return order
            node, children = stack.pop()


def backward(root: Value) -> list[Value]:
    """Fill ``grad`` on every node reachable from ``root`` with ∂root/∂node; return the
    nodes operations made, in topological order (``interior_order``).

    Interior grads are reset, the root is seeded with 1.0, and then, for each
    node from the root down, ``local × upstream`` is added to each child: the
    chain rule, read off the ``local_grads`` the forward pass stored. Leaves
    accumulate across passes.
    """
    # cycle_collector_paused(), written out: `with` makes a bound method, and that allocation
    # could set off the very collection of the freshly built graph the pause is there to avoid.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        order = interior_order(root)
        root.grad = 1.0
        # Reverse topological order: a node's grad is complete before it is passed on.
        for node in reversed(order):
            upstream = node.grad
            for child, local in zip(node.children, node.local_grads):
                child.grad += local * upstream
    finally:
        if paused:
            gc.enable()
    return order
