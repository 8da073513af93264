"""Module hooks, as in PyTorch 2.x: forward pre-hooks, forward hooks (``with_kwargs``,
``always_call``, ``prepend``), full backward hooks and backward pre-hooks.

``Module.__call__`` stays one ``forward`` call until a hook is registered; then
:func:`call_with_hooks` runs PyTorch's order::

    pre-hooks -> (backward hooks wrap the inputs) -> forward -> forward hooks
              -> (backward hooks wrap the outputs)

and, if ``forward`` (or a hook) raises, the ``always_call`` forward hooks that have not run
yet still run before the error propagates.

Full backward hooks see ``grad_input`` (one entry per positional tensor argument of
``forward``; ``None`` for one that does not require grad, e.g. the input batch of a first
layer or the output of a frozen body) and ``grad_output`` (one entry per output tensor).
They are built from tensor hooks (:meth:`Tensor.register_hook`): the inputs that require
grad pass through one flat copy whose gradient hook calls the module's hooks once, with
every input's gradient, and may replace them.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

from ..core.grad_mode import is_grad_enabled
from ..core.hooks import RemovableHandle, add_hook, args_kwargs, new_hook_dict, new_hook_set
from ..functions import cat
from ..tensor import Tensor

# Module is imported by nothing here: module.py imports this file (no circle, even for
# type checkers); ``Module`` below is a plain name for annotations.
Module = Any

__all__ = ["RemovableHandle", "call_with_hooks"]

_REGISTRIES = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
               "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
               "_backward_hooks", "_backward_pre_hooks")


def registry(module: Module, name: str) -> Any:
    """The module's hook dict (or id set) ``name``, created on first use."""
    d = module.__dict__
    found = d.get(name)
    if found is None:
        found = d[name] = new_hook_set() if name.endswith(("_kwargs", "_called")) \
            else new_hook_dict()
    d["_hooked"] = True  # Module.__call__ takes the slow path from now on
    return found


def register(module: Module, kind: str, hook: Callable, prepend: bool = False,
             with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
    hooks = registry(module, kind)
    extra = []
    if with_kwargs:
        extra.append(registry(module, kind + "_with_kwargs"))
    if always_call:
        extra.append(registry(module, "_forward_hooks_always_called"))
    handle = add_hook(hooks, hook, prepend, tuple(extra))
    for ids in extra:
        ids.add(handle.id)
    return handle


_NONE: dict = {}  # stands for a registry never created (never written to)


def _hooks(module: Module, name: str) -> Any:
    return module.__dict__.get(name) or _NONE


def call_with_hooks(module: Module, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks (PyTorch's ``Module._call_impl``)."""
    pre = _hooks(module, "_forward_pre_hooks")
    post = _hooks(module, "_forward_hooks")
    always = _hooks(module, "_forward_hooks_always_called")
    post_kwargs = _hooks(module, "_forward_hooks_with_kwargs")
    backward = _hooks(module, "_backward_hooks")
    backward_pre = _hooks(module, "_backward_pre_hooks")
    result = None
    called: set[int] = set()
    try:
        if pre:
            pre_kwargs = _hooks(module, "_forward_pre_hooks_with_kwargs")
            for hook_id, hook in tuple(pre.items()):
                if hook_id in pre_kwargs:
                    args, kwargs = args_kwargs(hook(module, args, kwargs), args, kwargs,
                                               "forward pre-hook")
                else:
                    new = hook(module, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)
        grads = _BackwardHooks(module, backward, backward_pre) if (backward or backward_pre) \
            else None
        if grads is not None:
            args = grads.wrap_inputs(args)
        result = module.forward(*args, **kwargs)
        for hook_id, hook in tuple(post.items()):
            if hook_id in always:
                called.add(hook_id)
            new = hook(module, args, kwargs, result) if hook_id in post_kwargs \
                else hook(module, args, result)
            if new is not None:
                result = new
        if grads is not None:
            result = grads.wrap_outputs(result)
        return result
    except Exception:
        for hook_id, hook in tuple(post.items()):
            if hook_id in always and hook_id not in called:
                try:
                    new = hook(module, args, kwargs, result) if hook_id in post_kwargs \
                        else hook(module, args, result)
                    if new is not None:
                        result = new
                except Exception as err:
                    warnings.warn(
                        "forward hook with ``always_call=True`` raised an exception that was "
                        f"silenced as another error was raised in forward: {err}",
                        stacklevel=2,
                    )
        raise


class _BackwardHooks:
    """One forward call's full backward hooks: collects grad_output, then grad_input."""

    def __init__(self, module: Module, hooks: Any, pre_hooks: Any) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.n_inputs = 0
        self.input_positions: list[int] = []  # of the tensor args that require grad
        self.input_shapes: list[tuple] = []
        self._tensor_positions: list[int] = []
        self.n_outputs = 0
        self.grad_outputs: list[Any] = []
        self.waiting_outputs = 0

    # ------------------------------------------------------------------ inputs
    def wrap_inputs(self, args: tuple) -> tuple:
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensors)
        self._tensor_positions = tensors
        tracked = [i for i in tensors if args[i].requires_grad and is_grad_enabled()]
        self.input_positions = tracked
        if not tracked or not self.hooks:
            return args
        args = list(args)
        inputs = [args[i] for i in tracked]
        self.input_shapes = [x.shape for x in inputs]
        if len(inputs) == 1:
            joined = inputs[0].view_as(inputs[0])  # a node of its own, to hang the hook on
            views = [joined]
        else:  # one flat copy: its hook sees every input's gradient at once
            dtype = max((x.dtype for x in inputs), key=lambda d: d.itemsize)
            joined = cat([x.reshape(-1).to(dtype) for x in inputs])
            views, start = [], 0
            for x in inputs:
                n = x.numel()
                views.append(joined[start:start + n].reshape(x.shape).to(x.dtype))
                start += n
        joined.register_hook(self._on_input_grad)
        for i, view in zip(tracked, views):
            args[i] = view
        return tuple(args)

    def _on_input_grad(self, grad: Tensor) -> Tensor | None:
        if len(self.input_positions) == 1:
            pieces = [grad]
        else:
            pieces, start = [], 0
            for shape in self.input_shapes:
                n = 1
                for s in shape:
                    n *= s
                pieces.append(grad[start:start + n].reshape(shape))
                start += n
        grad_input = [None] * self.n_inputs
        order = self._tensor_order()
        for position, piece in zip(self.input_positions, pieces):
            grad_input[order[position]] = piece
        new = self._call(tuple(grad_input))
        if new is None:
            return None
        chosen = [new[order[p]] for p in self.input_positions]
        chosen = [old if g is None else g for g, old in zip(chosen, pieces)]
        if len(chosen) == 1:
            return chosen[0]
        return cat([g.reshape(-1).to(grad.dtype) for g in chosen])

    def _tensor_order(self) -> dict[int, int]:
        """Position among the positional args -> position among the tensor args."""
        return {p: k for k, p in enumerate(self._tensor_positions)}

    # ------------------------------------------------------------------ outputs
    def wrap_outputs(self, result: Any) -> Any:
        outputs = result if isinstance(result, tuple) else (result,)
        self.n_outputs = len(outputs)
        self.grad_outputs = [None] * self.n_outputs
        wrapped = list(outputs)
        for j, out in enumerate(outputs):
            if isinstance(out, Tensor) and out.requires_grad:
                out = out.view_as(out)
                out.register_hook(self._output_hook(j))
                wrapped[j] = out
                self.waiting_outputs += 1
        return tuple(wrapped) if isinstance(result, tuple) else wrapped[0]

    def _output_hook(self, j: int) -> Callable:
        def on_grad(grad: Tensor) -> Tensor | None:
            self.grad_outputs[j] = grad
            new = None
            arrived = sum(g is not None for g in self.grad_outputs)
            if self.pre_hooks and arrived == self.waiting_outputs:
                for hook in tuple(self.pre_hooks.values()):
                    result = hook(self.module, tuple(self.grad_outputs))
                    if result is not None:
                        self.grad_outputs = list(_as_tuple(result, self.n_outputs, "pre"))
                new = self.grad_outputs[j]
            if not self.input_positions and self.hooks and arrived == self.waiting_outputs:
                # No input requires grad (frozen inputs): PyTorch calls the hooks here,
                # with None for every grad_input.
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to "
                    "module outputs since no inputs require gradients.", stacklevel=2)
                result = self._call((None,) * self.n_inputs)
                if result is not None and any(g is not None for g in result):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
            return new
        return on_grad

    def _call(self, grad_input: tuple) -> tuple | None:
        grad_output = tuple(self.grad_outputs)
        changed = None
        for hook in tuple(self.hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is not None:
                grad_input = _as_tuple(result, len(grad_input), "full")
                changed = grad_input
        self.grad_outputs = [None] * self.n_outputs  # ready for another backward
        return changed


def _as_tuple(result: Any, n: int, kind: str) -> tuple:
    result = result if isinstance(result, tuple) else (result,)
    if len(result) != n:
        what = "grad_output" if kind == "pre" else "grad_input"
        raise RuntimeError(
            f"backward hook returned {len(result)} gradients, but the module has {n} "
            f"{what} entries: return None or a tuple of {n} tensors (or None)"
        )
    return result
