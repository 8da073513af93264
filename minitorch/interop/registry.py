"""The converters ``to_torch`` and ``from_torch`` use, one per layer class.

A converter builds an *empty shell*: the equivalent module with the same hyperparameters.
``to_torch``/``from_torch`` then put the converted children into it, copy every parameter
and buffer bit for bit, and carry over ``requires_grad`` flags and train/eval modes, so a
converter for a custom layer is usually one line::

    register_converter(MyBlock, MyTorchBlock,
                       to_torch=lambda m: MyTorchBlock(m.width),
                       from_torch=lambda t: MyBlock(t.width))
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from ..nn.module import Module

__all__ = ["register_converter", "to_torch_converter", "from_torch_converter"]

# minitorch class -> (torch class or its dotted name, build a torch shell)
_TO_TORCH: dict[type, tuple[Any, Callable[[Any], Any]]] = {}
# torch class or its dotted name -> (minitorch class, build a minitorch shell)
_FROM_TORCH: dict[Any, tuple[type, Callable[[Any], Module]]] = {}
_BUILTINS_LOADED = False


def register_converter(minitorch_type: type, torch_type: Any, *,
                       to_torch: Callable[[Any], Any] | None = None,
                       from_torch: Callable[[Any], Module] | None = None) -> None:
    """Teach ``to_torch``/``from_torch`` a layer class.

    ``torch_type`` is the equivalent ``torch.nn.Module`` subclass (or its dotted name, e.g.
    ``"torch.nn.Linear"``, so that registering does not import torch). ``to_torch(module)``
    returns a new torch module with the same hyperparameters and ``from_torch(module)``
    the reverse; both default to calling the class with no arguments. Their parameter and
    buffer values do not matter: the converted children, parameters, buffers, flags and
    modes are put in afterwards, by name, and checked against the state dict.
    """
    if not (isinstance(minitorch_type, type) and issubclass(minitorch_type, Module)):
        raise TypeError(f"register_converter: minitorch_type must be a minitorch nn.Module "
                        f"subclass, got {minitorch_type!r}")
    if not (isinstance(torch_type, (type, str))):
        raise TypeError(f"register_converter: torch_type must be a torch.nn.Module subclass "
                        f"or its dotted name, got {torch_type!r}")
    _TO_TORCH[minitorch_type] = (torch_type, to_torch or (lambda m: _resolve(torch_type)()))
    _FROM_TORCH[torch_type] = (minitorch_type, from_torch or (lambda t: minitorch_type()))


def _resolve(torch_type: Any) -> type:
    if isinstance(torch_type, type):
        return torch_type
    module_name, _, attr = torch_type.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        from . import builtin

        builtin.register_all()
        _BUILTINS_LOADED = True


def to_torch_converter(module: Module) -> Callable[[Any], Any] | None:
    """The shell builder for ``type(module)`` (exact type: a subclass may compute
    something else in ``forward``), or None."""
    _load_builtins()
    entry = _TO_TORCH.get(type(module))
    return entry[1] if entry else None


def from_torch_converter(torch_module: Any) -> Callable[[Any], Module] | None:
    """The shell builder for ``type(torch_module)`` (exact type), or None."""
    _load_builtins()
    cls = type(torch_module)
    for key, (_, build) in list(_FROM_TORCH.items()):
        if key is cls or (isinstance(key, str) and _matches(key, cls)):
            return build
    return None


def _matches(name: str, cls: type) -> bool:
    if name == f"{cls.__module__}.{cls.__qualname__}":
        return True
    try:
        return _resolve(name) is cls
    except (ImportError, AttributeError):
        return False
