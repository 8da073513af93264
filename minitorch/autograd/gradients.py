"""``autograd.grad`` and ``autograd.backward`` (jacobian and friends: ``functional``)."""
from __future__ import annotations

import warnings
from typing import Any

from ..core.engine import run_backward
from ..core.graph_engine import run_backward_graph
from ..tensor import DOES_NOT_REQUIRE_GRAD, Tensor, gradient_edge, initial_grad, unwrap, wrap


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, Tensor) else list(value)


def _roots_and_grads(outputs: list, grad_outputs: list) -> tuple[list, list]:
    """Where backward starts (each output's node) and the gradient it starts with."""
    roots, grads = [], []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError(DOES_NOT_REQUIRE_GRAD)
        roots.append(gradient_edge(out))
        grads.append(initial_grad(out, g))
    return roots, grads


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not put in ``.grad``).

    >>> import minitorch as mt
    >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = mt.autograd.grad((x * x).sum(), x)
    >>> g.tolist(), x.grad is None
    ([2.0, 4.0], True)
    """
    if not only_inputs:  # PyTorch: deprecated, ignored, with a warning
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please "
                      "use minitorch.autograd.backward.", UserWarning, stacklevel=2)
    if is_grads_batched:
        raise NotImplementedError("autograd.grad(is_grads_batched=True) is not supported")
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs"
        )
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"input {i} of autograd.grad does not require grad")
    roots, grads = _roots_and_grads(outputs, grad_outputs)
    capture: dict[Any, Any] = {gradient_edge(t): None for t in inputs}
    if create_graph:  # gradients as tensors recorded in a graph: differentiable again
        grads = [g if isinstance(g, Tensor) else a for g, a in zip(grad_outputs, grads)]
        keep = True if retain_graph is None else bool(retain_graph)
        run_backward_graph(roots, grads, retain_graph=keep, capture=capture)
    else:
        run_backward(roots, grads, retain_graph=bool(retain_graph), capture=capture)
    results = []
    for i, t in enumerate(inputs):
        value = capture[gradient_edge(t)]
        if value is None:
            if materialize_grads:
                value = unwrap(t) * 0
            elif not allow_unused:
                raise RuntimeError(
                    f"input {i} (shape {t.shape}) was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )
        if value is None or isinstance(value, Tensor):  # create_graph: a recorded tensor
            results.append(value)
            continue
        # Always a copy: the engine may have captured the caller's grad_outputs, or one
        # array for several inputs (Add returns its gradient twice).
        results.append(wrap(value.copy()))
    return tuple(results)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate gradients of several tensors into the leaves' ``.grad`` at once."""
    tensors = _as_list(tensors)
    given = _as_list(grad_tensors) or [None] * len(tensors)
    roots, grads = _roots_and_grads(tensors, given)
    if create_graph:
        grads = [g if isinstance(g, Tensor) else a for g, a in zip(given, grads)]
        keep = True if retain_graph is None else bool(retain_graph)
        run_backward_graph(roots, grads, retain_graph=keep)
        return
    run_backward(roots, grads, retain_graph=bool(retain_graph))
