"""The backward engine: walks the graph of Contexts in reverse, on numpy arrays.

It reaches tensors through two duck-typed hooks only, so it imports nothing above core:
``AccumulateGrad.variable`` is a leaf tensor with ``requires_grad`` and
``_accumulate_grad(array, private)``; ``Context.retained`` is a weak reference to a
non-leaf tensor that called ``retain_grad()``. Saved arrays are checked for in-place
changes before a node uses them (core/saved.py).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .anomaly_mode import _anomaly, run_node_backward
from .frozen import is_frozen
from .function import Context
from .hooks import run_grad_hooks
from .saved import check_saved_unchanged, release_saved
from .version import VersionCounter


class BackwardRuns:
    """Numbers the backward passes that write ``.grad``; each leaf's AccumulateGrad keeps
    the number of the last one that delivered to it (``delivered_in``), and ``leaves``
    counts the leaves the latest one wrote. The optimizer guard (optim/guard.py) uses them
    to tell which parameters the latest loss reached."""

    latest = 0
    leaves = 0

    @classmethod
    def start(cls) -> None:
        cls.latest += 1
        cls.leaves = 0

    @classmethod
    def delivered(cls, edge: "AccumulateGrad") -> None:
        edge.delivered_in = cls.latest
        cls.leaves += 1


class AccumulateGrad:
    """The edge to a leaf: where gradients end up in ``leaf.grad``. One per leaf."""

    __slots__ = ("variable", "hooks", "delivered_in", "__weakref__")

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self.hooks: dict | None = None  # the leaf's register_hook hooks (array -> array)
        self.delivered_in = 0  # the BackwardRuns number that last wrote its .grad

    def accumulate(self, grad: Any, private: bool) -> None:
        """Add ``grad`` into the leaf's ``.grad``, unless the leaf is frozen now (frozen
        after the graph was built: PyTorch skips it too)."""
        variable = self.variable
        if not is_frozen(variable):
            variable._accumulate_grad(grad, private)
            BackwardRuns.delivered(self)

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions: tuple = ()

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting expanded, so it has ``shape``.

    >>> unbroadcast(np.ones((2, 3)), (3,)).tolist()
    [2.0, 2.0, 2.0]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:  # a scalar gradient for a larger input (never from ops)
        grad = np.broadcast_to(grad, shape)
    return grad


SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or to use saved arrays after "
    "they were freed): backward frees the arrays that {node} saved once it has used them. "
    "If you really need a second backward pass, call backward(retain_graph=True) the first "
    "time. If the graph comes from features you cached from an earlier forward pass, cache "
    "them with .detach() or compute them under no_grad() instead: then no retain_graph is "
    "needed and no old graph is kept alive."
)

def _count_dependencies(roots: Iterable[Context]) -> dict[Any, int]:
    """Number of edges into each node, and into each leaf's AccumulateGrad, from the nodes
    reachable from the roots (iterative)."""
    deps: dict[Any, int] = dict.fromkeys(roots, 0)
    stack = list(deps)
    get = deps.get
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            count = get(edge)
            if count is None:  # first time seen: walk below it once
                deps[edge] = 1
                if type(edge) is Context:
                    stack.append(edge)
            else:
                deps[edge] = count + 1
    return deps


class PendingGrads:
    """The bookkeeping of one backward pass: gradients on their way, summed per destination
    (a node, or a leaf's AccumulateGrad), and how many edges each destination still waits
    for. A node is ready, and a leaf gets its sum, once every edge into it has delivered:
    each backward writes each ``.grad`` once.

    A leaf's ``.grad`` is later updated in place (``+=``, ``zero_()``, clip_grad_norm_), so
    an array may become one only if nothing else can see it: ``shared`` holds the
    destinations whose array someone else may also hold (the caller's gradients, or one
    array an op returned for two inputs, as Add does); they get a copy.
    """

    __slots__ = ("grads", "shared", "waiting", "ready", "deliver")

    def __init__(self, roots: Sequence[Any], grads: Sequence[Any], deliver: Any) -> None:
        self.grads: dict[Any, Any] = {}
        self.shared: set[Any] = set()
        self.deliver = deliver
        for root, grad in zip(roots, grads):
            if root is None:
                continue
            if root in self.grads:
                self.grads[root] = self.grads[root] + grad
                self.shared.discard(root)
            else:
                self.grads[root] = grad
                self.shared.add(root)  # the caller holds it
        self.waiting = _count_dependencies(
            [root for root in self.grads if type(root) is Context])
        self.ready: list[Context] = []
        for root in list(self.grads):
            if self.waiting.get(root, 0) == 0:  # no other root leads to it
                if type(root) is Context:
                    self.ready.append(root)
                else:
                    deliver(root, *self.take(root))

    def take(self, key: Any) -> tuple[Any, bool]:
        """The summed gradient for ``key`` (None if none came) and whether it is private."""
        return self.grads.pop(key, None), key not in self.shared

    def send(self, node: Context, input_grads: tuple, grad: Any, private: bool) -> None:
        """Send each of the node's input gradients along its edge, reduced to the input's
        shape and dtype (``grad`` is the node's own gradient: an input gradient that is it,
        or a view of it, is private only if ``grad`` was)."""
        grads = self.grads
        waiting = self.waiting
        given: list[int] = []  # memory this node already handed out as private
        for edge, input_grad, (shape, dtype) in zip(node.next_edges, input_grads,
                                                    node.input_meta):
            if edge is None:
                continue
            if input_grad is not None:
                if input_grad.shape != shape:
                    input_grad = unbroadcast(input_grad, shape)
                if input_grad.dtype != dtype:
                    input_grad = input_grad.astype(dtype)
                if edge in grads:
                    grads[edge] = grads[edge] + input_grad  # a new array: private
                    self.shared.discard(edge)
                else:
                    grads[edge] = input_grad
                    if not _is_private(input_grad, grad, private, given):
                        self.shared.add(edge)
            remaining = waiting[edge] - 1
            waiting[edge] = remaining
            if remaining == 0:
                if type(edge) is Context:
                    self.ready.append(edge)
                elif edge in grads:
                    self.deliver(edge, *self.take(edge))


def run_backward(
    roots: Sequence[Any],
    grads: Sequence[np.ndarray],
    retain_graph: bool = False,
    capture: dict[Any, Any] | None = None,
) -> None:
    """Send ``grads`` back from the ``roots`` (Contexts or AccumulateGrads).

    Without ``capture``, gradients accumulate into the ``.grad`` of leaves (and of retained
    non-leaves). With ``capture`` (a dict whose keys are nodes or AccumulateGrads), the total
    gradient reaching each key is stored in it instead and no ``.grad`` is touched: this is
    ``autograd.grad``.
    """
    if capture is None:
        BackwardRuns.start()
    deliver = _Delivery(capture)
    pending = PendingGrads(roots, grads, deliver)
    ready = pending.ready
    while ready:
        _run_node(ready.pop(), pending, retain_graph, deliver)


class _Delivery:
    """Where a finished gradient goes: a leaf's ``.grad`` (through its AccumulateGrad), a
    retained non-leaf's ``.grad``, or, for ``autograd.grad``, the ``capture`` dict."""

    __slots__ = ("capture",)

    def __init__(self, capture: dict | None) -> None:
        self.capture = capture

    def __call__(self, key: Any, grad: np.ndarray, private: bool) -> None:
        if type(key) is AccumulateGrad and key.hooks:  # a leaf's hooks see it first
            grad, changed = run_grad_hooks(key.hooks, grad)
            private = private and not changed
        capture = self.capture
        if capture is not None:
            if key in capture:
                previous = capture[key]
                capture[key] = grad if previous is None else previous + grad
            return
        if type(key) is AccumulateGrad:
            key.accumulate(grad, private)
        else:  # a non-leaf that called retain_grad()
            key._accumulate_grad(grad, private)


def _run_node(node: Context, pending: PendingGrads, retain_graph: bool,
              deliver: _Delivery) -> None:
    """Run one ready node: take its summed gradient, run hooks, hand it to a retained or
    captured tensor, check its saved arrays, run ``fn.backward``, free what it saved, and
    send one gradient (or None) per edge on through ``pending``."""
    grad = pending.grads.pop(node, None)
    if grad is None:
        # No gradient reached this node (every path into it returned None, e.g. through
        # zero_()): nothing to compute, but the nodes below must stop waiting for it.
        pending.send(node, (None,) * len(node.next_edges), grad, False)
        return
    private = node not in pending.shared
    if node.pre_hooks:  # register_hook on the tensor this node made: before all else
        grad, changed = run_grad_hooks(node.pre_hooks, grad)
        private = private and not changed
    capture = deliver.capture
    if capture is not None:
        if node in capture:  # autograd.grad asked for this non-leaf's gradient
            deliver(node, grad, False)
    elif node.retained is not None:
        tensor = node.retained()
        if tensor is not None:
            deliver(tensor, grad, private)
            private = False  # grad may now be that tensor's .grad
    if node.freed:
        raise RuntimeError(SECOND_BACKWARD.format(node=node.name()))
    if node.saved and node.writes_at_save != VersionCounter.writes:
        check_saved_unchanged(node)  # an in-place write happened since the node saved
    if _anomaly.enabled:  # set_detect_anomaly(True): check what backward returns
        input_grads = run_node_backward(node, grad)
    else:
        input_grads = node.fn.backward(node, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    edges = node.next_edges
    if len(input_grads) < len(edges):
        input_grads += (None,) * (len(edges) - len(input_grads))
    if not retain_graph and node.saved:
        release_saved(node)
    pending.send(node, input_grads, grad, private)


def _is_private(array: np.ndarray, grad: np.ndarray, grad_private: bool,
                given: list[int]) -> bool:
    """Whether ``array``, which a node's backward returned for one of its inputs, is seen
    by nobody else: a new array, or the node's own ``grad`` (or a view of it) if that was
    private, and not memory the node already returned for another input."""
    base = array.base
    if base is None:
        private = array is not grad or grad_private
        memory = array
    elif base is grad or base is grad.base:
        private = grad_private and array.flags.writeable  # not a broadcast view
        memory = base
    else:
        return False  # a view of some other array
    if private:
        if id(memory) in given:
            return False
        given.append(id(memory))
    return private
