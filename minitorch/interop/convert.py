"""``to_torch`` and ``from_torch``: a model, converted to the other framework.

The walk is the same both ways: for each module, the registered converter (see
``registry.py``) builds a shell with the same hyperparameters; the converted children are
added to it by name, in order; its own parameters and buffers are copied bit for bit
(tied parameters stay tied: one parameter object per shared parameter); each parameter's
``requires_grad`` and each module's ``training`` flag are carried over. At the end, the
two state dicts must have the same keys and shapes. torch is imported only inside.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..creation import from_numpy
from ..nn.module import Module
from ..nn.parameter import Parameter
from .registry import from_torch_converter, to_torch_converter

__all__ = ["to_torch", "from_torch"]


def _where(path: str) -> str:
    return f"'{path}'" if path else "the top level (the model itself)"


def _no_converter(direction: str, module: Any, path: str) -> TypeError:
    cls = type(module).__name__
    if direction == "to_torch":
        call = (f"register_converter({cls}, Torch{cls}, to_torch=lambda m: Torch{cls}(...), "
                f"from_torch=lambda t: {cls}(...))")
        other = f"Torch{cls} is the equivalent torch.nn.Module class"
    else:
        call = (f"register_converter(Minitorch{cls}, {cls}, "
                f"to_torch=lambda m: {cls}(...), from_torch=lambda t: Minitorch{cls}(...))")
        other = f"Minitorch{cls} is the equivalent minitorch nn.Module class"
    return TypeError(
        f"{direction}: no converter for the {cls} at {_where(path)} (converters match the "
        f"exact class; a subclass needs its own). For a custom layer, register one:\n"
        f"    minitorch.interop.{call}\n"
        f"where {other}, built with the same hyperparameters (the weights, buffers, "
        f"requires_grad flags and train/eval modes are copied for you)."
    )


def _own_state_names(module: Any) -> set[str]:
    """Names of the module's own persistent parameters and buffers (no children's)."""
    return {k for k in module.state_dict(keep_vars=True) if "." not in k}


class _Walk:
    """One conversion: shells, children, values, flags; shared parameters memoised."""

    def __init__(self, direction: str, find: Callable[[Any], Any],
                 new_param: Callable[[Any], Any], new_buffer: Callable[[Any], Any]) -> None:
        self.direction, self.find = direction, find
        self.new_param, self.new_buffer = new_param, new_buffer
        self.params: dict[int, Any] = {}
        self.modules: dict[int, Any] = {}

    def convert(self, module: Any, path: str) -> Any:
        if id(module) in self.modules:  # a module used twice stays one module
            return self.modules[id(module)]
        build = self.find(module)
        if build is None:
            raise _no_converter(self.direction, module, path)
        try:
            shell = build(module)
        except Exception as err:
            message = (f"{self.direction}: building the equivalent of the "
                       f"{type(module).__name__} at {_where(path)} failed: {err}")
            try:
                wrapped = type(err)(message)
            except Exception:
                wrapped = RuntimeError(message)
            raise wrapped from err
        self.modules[id(module)] = shell
        for name, child in module.named_children():
            shell.add_module(name, self.convert(child, f"{path}.{name}" if path else name))
        self.copy_values(module, shell, path)
        shell.training = module.training  # this module only: children were set above
        return shell

    def copy_values(self, module: Any, shell: Any, path: str) -> None:
        shell_params = dict(shell.named_parameters(recurse=False))
        params = dict(module.named_parameters(recurse=False))
        for name in set(shell_params) - set(params):
            raise RuntimeError(f"{self.direction}: the converted {type(shell).__name__} at "
                               f"{_where(path)} has a parameter {name!r} that the original "
                               f"does not; fix its converter")
        for name, p in params.items():
            if id(p) not in self.params:
                self.params[id(p)] = self.new_param(p)
            shell.register_parameter(name, self.params[id(p)])
        persistent = _own_state_names(module)
        for name, b in module.named_buffers(recurse=False):
            shell.register_buffer(name, self.new_buffer(b), persistent=name in persistent)


def _check_same_state(direction: str, source: Any, result: Any) -> None:
    ours = {k: tuple(v.shape) for k, v in source.state_dict(keep_vars=True).items()}
    theirs = {k: tuple(v.shape) for k, v in result.state_dict(keep_vars=True).items()}
    if ours == theirs:
        return
    missing = sorted(set(ours) - set(theirs))
    extra = sorted(set(theirs) - set(ours))
    shapes = sorted(f"{k}: {ours[k]} vs {theirs[k]}" for k in set(ours) & set(theirs)
                    if ours[k] != theirs[k])
    raise RuntimeError(f"{direction}: the converted model's state dict differs from the "
                       f"original's (a converter builds the wrong shell): missing "
                       f"{missing}, unexpected {extra}, shape mismatches {shapes}")


def to_torch(module: Module) -> Any:
    """The equivalent ``torch.nn`` module of a minitorch model, as a new model.

    Every built-in layer, container and loss converts; weights and buffers are copied bit
    for bit (same dtypes), tied parameters stay tied, and each parameter's
    ``requires_grad`` and each module's train/eval mode carry over. A layer without a
    converter raises a TypeError naming its path in the model and showing how to
    ``register_converter`` it. Imports torch (only when called).

    Note: minitorch's BatchNorm1d keeps its running statistics when all its parameters
    are frozen, even in training mode; PyTorch's does not. Call ``.eval()`` on frozen
    BatchNorm layers of the converted model to keep that behaviour in PyTorch.
    """
    import torch

    if not isinstance(module, Module):
        raise TypeError(f"to_torch expects a minitorch nn.Module, got {type(module).__name__}")

    def new_param(p: Parameter) -> Any:
        return torch.nn.Parameter(torch.from_numpy(np.array(p.detach().numpy(), copy=True)),
                                  requires_grad=p.requires_grad)

    def new_buffer(b: Any) -> Any:
        return torch.from_numpy(np.array(b.detach().numpy(), copy=True))

    walk = _Walk("to_torch", to_torch_converter, new_param, new_buffer)
    result = walk.convert(module, "")
    _check_same_state("to_torch", module, result)
    return result


def _numpy(tensor: Any, what: str) -> np.ndarray:
    import torch

    t = tensor.detach()
    if t.dtype == torch.bfloat16:
        raise TypeError(f"from_torch: {what} is bfloat16, which numpy (and so minitorch) has "
                        f"no type for; convert the model first: model.float()")
    return np.array(t.cpu().numpy(), copy=True)


def from_torch(torch_module: Any) -> Module:
    """The equivalent minitorch model of a ``torch.nn`` module, as a new model.

    The reverse of :func:`to_torch`, with the same guarantees (bit-identical weights and
    buffers, tied parameters, ``requires_grad`` flags, train/eval modes). Tensors on a GPU
    are copied to the CPU. A layer without a converter raises naming its path.
    """
    def new_param(p: Any) -> Parameter:
        return Parameter(from_numpy(_numpy(p, "a parameter")), requires_grad=p.requires_grad)

    def new_buffer(b: Any) -> Any:
        return from_numpy(_numpy(b, "a buffer"))

    if not (hasattr(torch_module, "named_children") and hasattr(torch_module, "state_dict")):
        raise TypeError(f"from_torch expects a torch.nn.Module, got "
                        f"{type(torch_module).__name__}")
    walk = _Walk("from_torch", from_torch_converter, new_param, new_buffer)
    result = walk.convert(torch_module, "")
    _check_same_state("from_torch", torch_module, result)
    return result
