"""Sorting: argsort, sort, topk."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..ops._util import normalize_dims
from .base import MixinBase, Tensor

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


class SortingMixin(MixinBase):
    __slots__ = ()

    def argsort(self, dim: int = -1, descending: bool = False) -> Tensor:
        """int64 indices that sort along ``dim`` (stable; no gradient).

        >>> import minitorch as mt
        >>> mt.tensor([3, 1, 2]).argsort().tolist()
        [1, 2, 0]
        """
        (axis,) = normalize_dims(dim, self.ndim)  # a 0-d tensor takes dim 0 or -1
        if self.ndim == 0:
            return self._wrap(np.zeros((), np.int64))
        data = self._data
        if descending:  # flip, stable-sort, flip back keeps ties in order like a stable sort
            n = data.shape[axis]
            order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
            order = (n - 1 - np.flip(order, axis))
            return self._wrap(order.astype(np.int64))
        return self._wrap(np.argsort(data, axis=axis, kind="stable").astype(np.int64))

    def sort(self, dim: int = -1, descending: bool = False) -> Any:
        """A ``(values, indices)`` named tuple; values carry the gradient.

        >>> import minitorch as mt
        >>> mt.tensor([3, 1, 2]).sort(descending=True).values.tolist()
        [3, 2, 1]
        """
        indices = self.argsort(dim, descending)
        if self.ndim == 0:
            return SortResult(self.clone(), indices)
        return SortResult(self.gather(dim, indices), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """The ``k`` largest (or smallest) values along ``dim`` and their int64 indices.

        >>> import minitorch as mt
        >>> mt.tensor([1, 5, 3]).topk(2).indices.tolist()
        [1, 2]
        """
        (axis,) = normalize_dims(dim, self.ndim)
        size = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= size:
            raise RuntimeError(
                f"topk(): k={k} is out of range for dim {dim} of size {size} "
                f"(tensor of shape {self.shape})"
            )
        if self.ndim == 0:
            return TopkResult(self.clone(), self._wrap(np.zeros((), np.int64)))
        order = self.argsort(axis, descending=largest)._data
        indices = self._wrap(np.ascontiguousarray(np.take(order, np.arange(k), axis=axis)))
        return TopkResult(self.gather(axis, indices), indices)
