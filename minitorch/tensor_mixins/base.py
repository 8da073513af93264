"""The contract between Tensor's core and its op surface.

The mixins in this package give :class:`minitorch.Tensor` its methods (arithmetic,
comparisons, math, reductions, shapes, indexing, sorting, in-place ops, conversions). They
never import the core (``minitorch/tensor.py``); they reach it only through the primitives
declared on :class:`MixinBase`, which the core implements:

- ``self._apply(fn, *args, **kwargs)``: run op ``fn`` (recording a node if needed);
- ``self._binop(fn, other, reverse)``: the one path of every binary operator;
- ``self._inplace(fn, name, *args, **kwargs)``: run ``fn`` on self and write the result in;
- ``self._wrap(array)``: an untracked tensor around ``array`` (no copy);
- ``self._operand(value)``: a tensor, a Python scalar, or ``NotImplemented``;
- ``self._data``: the numpy array.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import numpy as np


class MixinBase:
    """Root of the mixins: declares the primitives the core provides (see module docstring)."""

    __slots__ = ()
    _data: np.ndarray
    _apply: Callable[..., Tensor]
    _wrap: Callable[[np.ndarray], Tensor]
    _operand: Callable[[Any], Any]

    def _binop(self, fn: type, other: Any, reverse: bool) -> Tensor:
        raise NotImplementedError

    def _inplace(self, fn: type, name: str, *args: Any, **kwargs: Any) -> Tensor:
        raise NotImplementedError


# What the mixins' annotations call ``Tensor``: the core's class derives from MixinBase, and
# the mixins never import the core (not even for type checking: no import circle at all).
Tensor = MixinBase


def tensor_data(value: Any) -> Any:
    """The array behind a tensor, or the value itself (lists of tensors included)."""
    if isinstance(value, MixinBase):
        return value._data
    nested = isinstance(value, (list, tuple)) and any(
        isinstance(v, (MixinBase, list, tuple)) for v in value)
    if nested:
        return [tensor_data(v) for v in value]
    return value


def index_data(index: Any) -> Any:
    """Replace tensors inside an index by their arrays (numpy then does the indexing)."""
    if isinstance(index, MixinBase):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, MixinBase) else i for i in index)
    return index



def shape_arg(shape: tuple) -> tuple:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _correction(unbiased: bool | None, correction: int | None) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1
