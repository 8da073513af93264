"""Containers: ``nn.Sequential`` (a pipeline of layers) and ``nn.ModuleList``."""
from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Iterable, Iterator

from .module import Module


def _index(idx: Any, length: int, cls: str) -> int:
    i = operator.index(idx)
    if not -length <= i < length:
        raise IndexError(f"index {i} is out of range for a {cls} of length {length}")
    return i % length


def _check_module(module: Any, cls: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(
            f"{cls} holds Modules, got {type(module).__name__}"
            + (" (a class: did you forget the parentheses, e.g. nn.ReLU()?)"
               if isinstance(module, type) else "")
        )
    return module


class Sequential(Module):
    """Runs its layers in order, each one's output feeding the next.

    Indexing gives a layer, slicing a new Sequential (same layers, same names).

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> net(mt.zeros(3, 4)).shape, len(net), net[-1].out_features
    ((3, 2), 3, 2)
    >>> net[:2]
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for name, module in args[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        setattr(self, key, _check_module(module, "Sequential"))

    def __delitem__(self, idx: Any) -> None:
        keys = list(self._modules)
        if isinstance(idx, slice):
            doomed = keys[idx]
        else:
            doomed = [keys[_index(idx, len(keys), "Sequential")]]
        for key in doomed:
            del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add a layer at the end; returns the Sequential."""
        self.add_module(str(len(self)), _check_module(module, "Sequential"))
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        for module in modules:
            self.append(module)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters are registered (a plain list's are not).

    >>> from minitorch import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters())), len(layers)
    (6, 3)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: Any) -> Any:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(values[idx])
        return values[_index(idx, len(values), "ModuleList")]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = str(_index(idx, len(self), "ModuleList"))
        setattr(self, key, _check_module(module, "ModuleList"))

    def __delitem__(self, idx: Any) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[_index(idx, len(values), "ModuleList")]
        self._modules.clear()  # renumber so the names stay 0..n-1
        for i, module in enumerate(values):
            self._modules[str(i)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), _check_module(module, "ModuleList"))
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend expects an iterable of Modules; use append")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        values = list(self._modules.values())
        values.insert(index, _check_module(module, "ModuleList"))
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward: iterate over it in your model's forward "
            "(for layer in self.layers: x = layer(x)), or use nn.Sequential"
        )
