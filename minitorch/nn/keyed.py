"""``nn.ModuleDict``, ``nn.ParameterList`` and ``nn.ParameterDict``: containers that
register what they hold, so ``parameters()``, ``state_dict()``, ``to()`` and freezing reach
it (a plain ``dict`` or ``list`` attribute would hide it from the module)."""
from __future__ import annotations

import operator
from typing import Any, Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _pairs(values: Any) -> Iterable[tuple[str, Any]]:
    return values.items() if isinstance(values, Mapping) else values


class ModuleDict(Module):
    """Submodules by name, in insertion order.

    >>> from minitorch import nn
    >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    >>> list(heads), [n for n, _ in heads.named_parameters()][:2]
    (['cls', 'box'], ['cls.weight', 'cls.bias'])
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Any) -> None:
        """Add (or replace) modules from a mapping or an iterable of (name, module) pairs."""
        for key, module in _pairs(modules):
            self[key] = module


def _as_parameter(value: Any) -> Any:
    """Tensors become Parameters (as in PyTorch 2.x); other objects are kept as they are."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """Parameters in a list; plain tensors are wrapped as ``nn.Parameter``.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> scales = nn.ParameterList([mt.ones(2), mt.zeros(3)])
    >>> [n for n, _ in scales.named_parameters()], type(scales[0]).__name__
    (['0', '1'], 'Parameter')
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, idx: Any) -> int:
        i = operator.index(idx)
        if not -self._size <= i < self._size:
            raise IndexError(f"index {i} is out of range for a ParameterList of length "
                             f"{self._size}")
        return i % self._size

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return ParameterList(self[i] for i in range(self._size)[idx])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx: int, value: Any) -> None:
        setattr(self, str(self._index(idx)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        object.__setattr__(self, "_size", self._size + 1)
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): {_describe(p)}" for i, p in enumerate(self))


class ParameterDict(Module):
    """Parameters by name, in insertion order; plain tensors are wrapped as ``nn.Parameter``.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> d = nn.ParameterDict({"scale": mt.ones(2)})
    >>> d["shift"] = nn.Parameter(mt.zeros(2))
    >>> list(d), [n for n, _ in d.named_parameters()]
    (['scale', 'shift'], ['scale', 'shift'])
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"parameter name should be a str, got {type(key).__name__}")
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def values(self) -> Iterable[Any]:
        return [self[k] for k in self._keys]

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(k, self[k]) for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Any) -> None:
        """Add (or replace) entries from a mapping or an iterable of (name, value) pairs."""
        for key, value in _pairs(parameters):
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): {_describe(v)}" for k, v in self.items())


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"Parameter containing: [{value.dtype} of size {tuple(value.shape)}]"
    return repr(value)
