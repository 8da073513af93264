"""``viz.record()``: remember more while a forward pass runs, for a more precise picture.

A recorded node normally keeps only edges to its inputs' nodes and their shapes: an input
that needs no gradient (a frozen weight, the batch, a detached value) leaves no trace but
its shape. Inside ``with viz.record(model):``

- every recorded node also keeps its inputs (``ctx.inputs``) and the module that ran it
  (``ctx.module``, a dotted name such as ``"head.0"``): the picture then names frozen
  weights, links ``detach()`` results to where they came from, and groups nodes into
  module clusters;
- every module call whose output has no history (a frozen body, a ``no_grad`` block)
  remembers which module made that output, so the picture can say so;
- nodes recorded by a backward pass with ``create_graph=True`` are marked
  (``ctx.double_backward = True``) and drawn in another colour. An engine may also set
  that mark itself: it is all the picture reads.

Outside it nothing is kept and nothing is slower: the hook in ``tensor.apply`` is ``None``.
The inputs kept stay alive as long as the graph does, so use it for pictures, not training.
It swaps ``Module.__call__`` (and that hook) for the duration of the block, in every
thread: record one forward pass at a time. (Per-module forward hooks would leave every
module on the slower hooked call path after their removal, and would miss modules that are
not children of the model.)
"""
from __future__ import annotations

import importlib
import sys
import weakref
from typing import Any

from ..core.grad_mode import is_grad_enabled
from ..nn.module import Module
from ..tensor import Tensor

# The module, not the function minitorch.tensor() that shadows its name on the package.
_tensor_module = importlib.import_module("minitorch.tensor")

# id(tensor) -> (weak reference, module name, grad mode): outputs of module calls that
# have no history. Keyed by id because a Tensor's == is elementwise.
_PRODUCED: dict[int, tuple[weakref.ref, str, bool]] = {}


def produced_by(t: Tensor) -> tuple[str, bool] | None:
    """``(module name, grad mode)`` of the module call that returned ``t`` without history,
    if that call ran inside :func:`record`."""
    entry = _PRODUCED.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1], entry[2]


def _remember(t: Any, name: str) -> None:
    if isinstance(t, Tensor):
        if t.grad_fn is None:
            key = id(t)
            _PRODUCED[key] = (weakref.ref(t, lambda _, key=key: _PRODUCED.pop(key, None)),
                              name, is_grad_enabled())
    elif isinstance(t, (tuple, list)):
        for item in t:
            _remember(item, name)


# The engine of backward(create_graph=True): ops run from inside it belong to a recorded
# backward pass (their gradients can be differentiated again).
_GRAPH_ENGINE = "minitorch.core.graph_engine"


def _in_recorded_backward() -> bool:
    """Whether the op being recorded runs inside a backward pass with create_graph=True
    (found on the call stack, so the engine needs to know nothing of viz)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__") == _GRAPH_ENGINE:
            return True
        frame = frame.f_back
    return False


class record:  # noqa: N801 - used like no_grad
    """Context manager: nodes recorded inside keep their inputs and module (see module doc).

    >>> import minitorch as mt
    >>> from minitorch import nn, viz
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> model[0].requires_grad_(False)
    Linear(in_features=3, out_features=4, bias=True)
    >>> with viz.record(model):
    ...     out = model(mt.ones(2, 3))
    >>> out.grad_fn.module, out.grad_fn.inputs[1] is model[2].weight
    ('2', True)
    """

    def __init__(self, model: Module | None = None) -> None:
        self._names = {id(m): name for name, m in model.named_modules()} if model else {}
        self._stack: list[str] = []
        self._saved: list[Any] = []
        self.calls: list[tuple[str, Any]] = []  # (module name, output) as calls return

    def _name(self, module: Module) -> str:
        name = self._names.get(id(module))
        if name is not None:
            return name
        parent = self._stack[-1] if self._stack else ""
        return f"{parent}.{type(module).__name__}" if parent else type(module).__name__

    def __enter__(self) -> "record":
        stack = self._stack
        original_call = Module.__call__

        def call(module: Module, *args: Any, **kwargs: Any) -> Any:
            name = self._name(module)
            stack.append(name)
            try:
                out = original_call(module, *args, **kwargs)
            finally:
                stack.pop()
            _remember(out, name)
            self.calls.append((name, out))
            return out

        def hook(ctx: Any, args: tuple) -> None:
            ctx.inputs = args
            ctx.module = stack[-1] if stack else ""
            if _in_recorded_backward():
                ctx.double_backward = True

        self._saved.append((original_call, _tensor_module._record_hook))
        Module.__call__ = call  # type: ignore[method-assign]
        _tensor_module._record_hook = hook
        return self

    def __exit__(self, *exc: object) -> None:
        original_call, previous_hook = self._saved.pop()
        Module.__call__ = original_call  # type: ignore[method-assign]
        _tensor_module._record_hook = previous_hook
