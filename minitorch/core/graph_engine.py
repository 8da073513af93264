"""The backward pass that records itself: ``backward(create_graph=True)``.

The same walk as :func:`minitorch.core.engine.run_backward` (dependency counts, gradients
summed per destination, hooks, version checks, freeing), but gradients are tensors and
each node's backward rule runs with a :class:`GraphContext`: its ``xp`` is the tensor
namespace and its saved values are tensors connected to the graph, so everything the
rule computes is recorded and can be differentiated again, to any order.

How a saved array becomes a tensor (PyTorch's SavedVariable): an input's array becomes
that input (a leaf itself, or a tensor whose ``grad_fn`` is the input's node); the op's
own output becomes a tensor whose ``grad_fn`` is the node; any other saved array is a
constant, which is only right for values that are piecewise constant in the inputs
(masks, signs, indices). An op that saves other derived values says how to rebuild them
(``Function.graph_saved``) or declares ``higher_order = False``; then a backward pass with
``create_graph=True`` through it raises, naming the op, rather than returning a silent
zero. The module imports nothing above ``core``: the tensor namespace registers itself.
"""
from __future__ import annotations

from typing import Any, Sequence

from .engine import (
    SECOND_BACKWARD,
    AccumulateGrad,
    BackwardRuns,
    _count_dependencies,
)
from .frozen import is_frozen
from .function import Context
from .grad_mode import enable_grad
from .saved import check_saved_unchanged, release_saved, saved_owners

_namespace: Any = None  # the tensor namespace, set by minitorch.autograd at import

NO_HIGHER_ORDER = (
    "{op} cannot be differentiated twice yet: backward(create_graph=True) and "
    "autograd.grad(..., create_graph=True) through it would give wrong second derivatives, "
    "so minitorch refuses. Compute this part without create_graph, or express it with "
    "ops that support it (see docs/autograd.md, 'Gradients of gradients')."
)


def register_namespace(namespace: Any) -> None:
    """Called once by ``minitorch.autograd`` with its tensor namespace."""
    global _namespace
    _namespace = namespace


class GraphContext:
    """What a backward rule sees when the backward pass is recorded: the node's metadata
    (``needs_input_grad``, any attribute forward set), ``xp`` = the tensor namespace, and
    ``saved`` = the saved arrays as tensors connected to the graph."""

    __slots__ = ("node", "saved", "xp")

    def __init__(self, node: Context, namespace: Any) -> None:
        self.node = node
        self.xp = namespace
        self.saved = saved_as_tensors(node, namespace)

    @property
    def saved_tensors(self) -> tuple:
        return self.saved

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)


def saved_as_tensors(node: Context, xp: Any) -> tuple:
    """The node's saved arrays as tensors (see the module docstring for the rule)."""
    owners = {position: owner for position, _, owner, _ in saved_owners(node)}
    rebuild = getattr(node.fn, "graph_saved", None)
    out = []
    for position, value in enumerate(node.saved):
        owner = owners.get(position)
        if owner is None:
            if rebuild is not None and value is not None:
                value = rebuild(node, position, value, xp)
            else:
                value = xp.constant(value, None)
        elif owner < 0:
            value = xp.wrap(value, node)
        else:
            edge = node.next_edges[owner]
            if edge is None:
                value = xp.wrap(value, None)
            elif type(edge) is AccumulateGrad:
                value = edge.variable
            else:
                value = xp.wrap(value, edge)
        out.append(value)
    return tuple(out)


def derived_node(fn: type, edge: Any, meta: tuple, saved: tuple, attrs: dict,
                 value: Any, xp: Any) -> Any:
    """A tensor holding ``value``, recorded as the output of op ``fn`` applied to the
    input behind ``edge`` (shape and dtype ``meta``), with ``saved`` for its backward: how
    an op that saved a derived array (softmax probabilities, a normalised input) gives it
    back as a tensor that knows how it depends on the input."""
    if edge is None:
        return xp.constant(value, None)
    node = Context(fn, (True,), (edge,), (meta,))
    node.saved = saved
    node.__dict__.update(attrs)
    node.out_id = id(value)  # a saved value that is the output is owned by the node
    return xp.wrap(value, node)


def run_backward_graph(roots: Sequence[Any], grads: Sequence[Any], retain_graph: bool = True,
                       capture: dict | None = None) -> None:
    """Like ``run_backward``, recording the backward pass (gradients are tensors)."""
    xp = _namespace
    if capture is None:
        BackwardRuns.start()
    with enable_grad():
        _walk(xp, roots, [xp.as_tensor(g) for g in grads], retain_graph, capture)


def _walk(xp: Any, roots: Sequence[Any], grads: list, retain_graph: bool,
          capture: dict | None) -> None:
    pending: dict[Any, Any] = {}

    def deliver(key: Any, grad: Any) -> None:
        if type(key) is AccumulateGrad and key.hooks:
            grad = _run_hooks(key.hooks, grad, xp)
        if capture is not None:
            if key in capture:
                previous = capture[key]
                capture[key] = grad if previous is None else previous + grad
            return
        variable = key.variable if type(key) is AccumulateGrad else key
        if not is_frozen(variable):
            xp.accumulate_grad(variable, grad)
            if type(key) is AccumulateGrad:
                BackwardRuns.delivered(key)

    for root, grad in zip(roots, grads):
        if root is not None:
            pending[root] = pending[root] + grad if root in pending else grad
    deps = _count_dependencies([root for root in pending if type(root) is Context])
    ready = []
    for root in list(pending):
        if deps.get(root, 0) == 0:
            if type(root) is Context:
                ready.append(root)
            else:
                deliver(root, pending.pop(root))
    while ready:
        node = ready.pop()
        grad = pending.pop(node, None)
        edges = node.next_edges
        if grad is None:
            input_grads: tuple = (None,) * len(edges)
        else:
            input_grads = _run_node(node, grad, xp, retain_graph, capture, deliver)
        for edge, input_grad, (shape, dtype) in zip(edges, input_grads, node.input_meta):
            if edge is None:
                continue
            if input_grad is not None:
                input_grad = xp.as_tensor(input_grad)
                if input_grad.shape != shape:
                    input_grad = xp.unbroadcast(input_grad, shape)
                if input_grad.dtype != dtype:
                    input_grad = xp.cast(input_grad, dtype)
                pending[edge] = pending[edge] + input_grad if edge in pending else input_grad
            deps[edge] -= 1
            if deps[edge] == 0:
                if type(edge) is Context:
                    ready.append(edge)
                elif edge in pending:
                    deliver(edge, pending.pop(edge))


def _run_node(node: Context, grad: Any, xp: Any, retain_graph: bool, capture: dict | None,
              deliver: Any) -> tuple:
    if node.pre_hooks:
        grad = _run_hooks(node.pre_hooks, grad, xp)
    if node.retained is not None and capture is None:
        tensor = node.retained()
        if tensor is not None:
            deliver(tensor, grad)
    if capture is not None and node in capture:
        deliver(node, grad)
    if node.freed:
        raise RuntimeError(SECOND_BACKWARD.format(node=node.name()))
    if node.saved:
        check_saved_unchanged(node)
    if not getattr(node.fn, "higher_order", True):
        raise RuntimeError(NO_HIGHER_ORDER.format(op=node.fn.__name__))
    input_grads = node.fn.backward(GraphContext(node, xp), grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) < len(node.next_edges):
        input_grads += (None,) * (len(node.next_edges) - len(input_grads))
    if not retain_graph and node.saved:
        release_saved(node)
    return input_grads


def _run_hooks(hooks: dict, grad: Any, xp: Any) -> Any:
    for hook in tuple(hooks.values()):
        result = hook(grad)
        if result is not None:
            grad = xp.as_tensor(result)
    return grad
