"""``viz.record()``: remember more while a forward pass runs, for a more precise picture.

A recorded node normally keeps only edges to its inputs' nodes and their shapes: an input
that needs no gradient (a frozen weight, the batch, a detached value) leaves no trace but
its shape. Inside ``with viz.record(model):``

- every recorded node also keeps its inputs (``ctx.inputs``) and the module that ran it
  (``ctx.module``, a dotted name such as ``"head.0"``): the picture then names frozen
  weights, links ``detach()`` results to where they came from, and groups nodes into
  module clusters;
- every module call whose output has no history (a frozen body, a ``no_grad`` block)
  remembers which module made that output, so the picture can say so.

Outside it nothing is kept and nothing is slower: the hook in ``tensor.apply`` is ``None``.
The inputs kept stay alive as long as the graph does, so use it for pictures, not training.
"""
from __future__ import annotations

import importlib
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
            return out

        def hook(ctx: Any, args: tuple) -> None:
            ctx.inputs = args
            ctx.module = stack[-1] if stack else ""

        self._saved.append((original_call, _tensor_module._record_hook))
        Module.__call__ = call  # type: ignore[method-assign]
        _tensor_module._record_hook = hook
        return self

    def __exit__(self, *exc: object) -> None:
        original_call, previous_hook = self._saved.pop()
        Module.__call__ = original_call  # type: ignore[method-assign]
        _tensor_module._record_hook = previous_hook
