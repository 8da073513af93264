"""The backward engine: walks the graph of Contexts in reverse, on numpy arrays.

It reaches tensors through two duck-typed hooks only, so it imports nothing above core:
``AccumulateGrad.variable`` is a leaf tensor with ``requires_grad`` and
``_accumulate_grad(array)``; ``Context.retained`` is a weak reference to a non-leaf tensor
that called ``retain_grad()``. Version counters have ``value`` and ``last_op``.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .function import Context


class AccumulateGrad:
    """The edge to a leaf: where gradients end up in ``leaf.grad``. One per leaf."""

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable: Any) -> None:
        self.variable = variable

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

MODIFIED_INPLACE = (
    "one of the arrays needed for gradient computation has been modified by an inplace "
    "operation: the {what} saved by {node} is at version {now}, expected version {then}; "
    "it was changed by {op}. Fix: do not modify it between the forward and backward pass "
    "(for example, call optimizer.step() only after backward), use an out-of-place "
    "operation (y = y + 1 instead of y += 1), or pass a .clone() to the op."
)


def _check_versions(node: Context) -> None:
    for counter, expected, position, owner in node.saved_versions:
        if counter.value != expected:
            array = node.saved[position]
            whose = f"the output of {node.fn.__name__}" if owner < 0 else f"input {owner}"
            raise RuntimeError(
                MODIFIED_INPLACE.format(
                    what=f"tensor of shape {array.shape} and dtype {array.dtype} ({whose})",
                    node=node.name(), now=counter.value, then=expected,
                    op=counter.last_op or "an in-place operation",
                )
            )


def _count_dependencies(roots: Iterable[Context]) -> dict[Context, int]:
    """Number of edges into each node from nodes reachable from the roots (iterative)."""
    deps: dict[Context, int] = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if type(edge) is Context:
                deps[edge] = deps.get(edge, 0) + 1
                if edge not in seen:
                    seen.add(edge)
                    stack.append(edge)
    return deps


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
    # An op may return one array for several inputs (Add does), and a leaf's .grad is later
    # updated in place (+=). So an array becomes a leaf's .grad without a copy only if it
    # was sent nowhere else (nor is the caller's), and a pending gradient never is one.
    sent = {id(g) for g in grads}
    owned: set[int] = set()

    def deliver(edge: Any, grad: np.ndarray) -> None:
        if capture is not None:
            if edge in capture:
                previous = capture[edge]
                capture[edge] = grad if previous is None else previous + grad
            return
        variable = edge.variable if type(edge) is AccumulateGrad else edge
        if not variable.requires_grad:
            return  # frozen after the graph was built: PyTorch delivers nothing too
        if id(grad) in sent or not grad.flags.writeable:
            grad = grad.copy()
        else:
            owned.add(id(grad))
        sent.add(id(grad))
        variable._accumulate_grad(grad)

    pending: dict[Context, np.ndarray] = {}
    root_nodes = []
    for root, grad in zip(roots, grads):
        if type(root) is Context:
            pending[root] = pending[root] + grad if root in pending else grad
            if root not in root_nodes:
                root_nodes.append(root)
        elif root is not None:
            deliver(root, grad)

    deps = _count_dependencies(root_nodes)
    ready = [node for node in root_nodes if deps.get(node, 0) == 0]
    take = pending.pop
    while ready:
        node = ready.pop()
        grad = take(node, None)
        edges = node.next_edges
        if grad is None:
            # No gradient reached this node (every path into it returned None, e.g. through
            # zero_()): nothing to compute, but the nodes below must stop waiting for it.
            input_grads: tuple = (None,) * len(edges)
        else:
            if node.retained is not None and capture is None:
                tensor = node.retained()
                if tensor is not None:
                    deliver(tensor, grad)
            if capture is not None and node in capture:
                deliver(node, grad)
            if node.freed:
                raise RuntimeError(SECOND_BACKWARD.format(node=node.name()))
            if node.saved_versions:
                _check_versions(node)
            input_grads = node.fn.backward(node, grad)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) < len(edges):
                input_grads += (None,) * (len(edges) - len(input_grads))
            if not retain_graph and node.saved:
                node.saved = ()
                node.saved_versions = ()
                node.freed = True
        for edge, input_grad, (shape, dtype) in zip(edges, input_grads, node.input_meta):
            if edge is None:
                continue
            if input_grad is not None:
                if input_grad.shape != shape:
                    input_grad = unbroadcast(input_grad, shape)
                if input_grad.dtype != dtype:
                    input_grad = input_grad.astype(dtype)
            if type(edge) is Context:
                if input_grad is not None:
                    if edge in pending:
                        pending[edge] = pending[edge] + input_grad
                    else:
                        if id(input_grad) in owned:
                            input_grad = input_grad.copy()
                        sent.add(id(input_grad))
                        pending[edge] = input_grad
                remaining = deps[edge] - 1
                deps[edge] = remaining
                if remaining == 0:
                    ready.append(edge)
            elif input_grad is not None:
                deliver(edge, input_grad)
