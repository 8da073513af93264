"""Reductions: sums, means, extremes, norms."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..ops import reduce as R
from ..ops._util import normalize_dims
from .base import MixinBase, Tensor, _correction

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


class ReductionMixin(MixinBase):
    __slots__ = ()

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._wrap(np.asarray(self._data.all(axis=dim, keepdims=keepdim)))

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._wrap(np.asarray(self._data.any(axis=dim, keepdims=keepdim)))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is p=2.

        >>> import minitorch as mt
        >>> mt.tensor([3.0, 4.0]).norm().item()
        5.0
        """
        if p in ("fro", 2):
            return self._apply(R.Norm2, self, dim, keepdim)
        if p == 1:
            return self.abs().sum(dim, keepdim)
        if p in (float("inf"), "inf"):
            magnitude = self.abs()
            return magnitude.max() if dim is None else magnitude.amax(dim, keepdim)
        if isinstance(p, (int, float)) and p > 0:
            return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)
        raise ValueError(f"norm(): p must be a positive number, inf or 'fro', got {p!r}")

    def amax(self, dim: Any, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (values only, unlike ``max(dim)``); ties share
        the gradient evenly, as in PyTorch."""
        return self._apply(R.AMax, self, dim, keepdim)

    def cumsum(self, dim: int) -> Tensor:
        return self._apply(R.Cumsum, self, dim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Product of all elements or along ``dim``; exact gradients also with zeros.

        >>> import minitorch as mt
        >>> mt.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1).tolist()
        [2.0, 12.0]
        """
        if dim is not None and not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod(): dim must be an int or None, got {type(dim).__name__}")
        return self._apply(R.Prod, self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        return self._apply(R.LogSumExp, self, dim, keepdim)

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        source = self if dtype is None else self.to(dtype)
        return self._apply(R.Sum, source, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return self._apply(R.Mean, self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> Tensor:
        """Variance; unbiased (``correction=1``) by default, as in PyTorch."""
        return self._apply(R.Var, self, dim, _correction(unbiased, correction), keepdim)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> Tensor:
        """Standard deviation; unbiased (``correction=1``) by default, as in PyTorch."""
        return self._apply(R.Std, self, dim, _correction(unbiased, correction), keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``max()``: the largest value; ``max(dim)``: a ``(values, indices)`` named tuple."""
        return self._extreme(dim, keepdim, True)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``min()``: the smallest value; ``min(dim)``: a ``(values, indices)`` named tuple."""
        return self._extreme(dim, keepdim, False)

    def _extreme(self, dim: Any, keepdim: bool, largest: bool) -> Any:
        if isinstance(dim, MixinBase):
            return self.maximum(dim) if largest else self.minimum(dim)
        if dim is None:
            return self._apply(R.MaxAll, self, largest)
        # The indices are found once and pick the values (gather), as in sort() and topk().
        (axis,) = normalize_dims(dim, self.ndim)
        _check_not_empty(self._data, "max" if largest else "min", dim, axis)
        find = np.argmax if largest else np.argmin
        indices = self._wrap(find(self._data, axis=axis, keepdims=True).astype(np.int64))
        values = self.gather(axis, indices)
        if not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return (MaxResult if largest else MinResult)(values, indices)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, func: Any, dim: int | None, keepdim: bool) -> Tensor:
        if dim is None:
            _check_not_empty(self._data, func.__name__, None, None)
            return self._wrap(np.asarray(func(self._data), dtype=np.int64))
        (axis,) = normalize_dims(dim, self.ndim)
        _check_not_empty(self._data, func.__name__, dim, axis)
        return self._wrap(func(self._data, axis=axis, keepdims=keepdim).astype(np.int64))


def _check_not_empty(data: np.ndarray, name: str, dim: Any, axis: int | None) -> None:
    """PyTorch's IndexError for arg/max/min over nothing (numpy's ValueError never shows)."""
    if axis is None and data.size == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0 (the "
            f"tensor of shape {data.shape} is empty); pass dim= to reduce a non-empty dim"
        )
    if axis is not None and data.ndim and data.shape[axis] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {dim} to have non-zero size (the tensor has "
            f"shape {data.shape})"
        )
