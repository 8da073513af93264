"""``isclose``, ``unique`` and ``nonzero``: questions about values, with no gradient."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops._util import normalize_dims
from .base import MixinBase

if TYPE_CHECKING:  # annotations only: the mixins never import the core at run time
    from ..tensor import Tensor


class QueryMixin(MixinBase):
    __slots__ = ()

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """Elementwise ``|self - other| <= atol + rtol * |other|`` (broadcast), a bool tensor.

        Both tensors must have the same dtype, as in PyTorch.

        >>> import minitorch as mt
        >>> mt.tensor([1.0, 2.0]).isclose(mt.tensor([1.0 + 1e-7, 2.1])).tolist()
        [True, False]
        """
        if not isinstance(other, MixinBase):
            raise TypeError(
                f"isclose(): argument 'other' must be a Tensor, not {type(other).__name__}"
            )
        if self._data.dtype != other._data.dtype:
            raise RuntimeError(
                f"isclose(): the tensors' dtypes differ ({self._data.dtype} and "
                f"{other._data.dtype}); convert one with .to(other.dtype)"
            )
        if rtol < 0 or atol < 0:
            name, value = ("rtol", rtol) if rtol < 0 else ("atol", atol)
            raise RuntimeError(f"isclose(): {name} must be >= 0, got {value}")
        try:
            shape = np.broadcast_shapes(self._data.shape, other._data.shape)
        except ValueError:
            raise RuntimeError(
                f"isclose(): shapes {self._data.shape} and {other._data.shape} cannot be "
                f"broadcast together"
            ) from None
        if self._data.dtype == np.bool_:
            return self._wrap(np.broadcast_to(self._data == other._data, shape).copy())
        return self._wrap(np.isclose(self._data, other._data, rtol=rtol, atol=atol,
                                     equal_nan=equal_nan))

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values (sorted), and optionally where each element went
        (``return_inverse``) and how often each value occurs (``return_counts``).

        With ``dim``, the distinct slices along ``dim``. Each NaN counts as distinct, as in
        PyTorch.

        >>> import minitorch as mt
        >>> values, counts = mt.tensor([3, 1, 3]).unique(return_counts=True)
        >>> values.tolist(), counts.tolist()
        ([1, 3], [1, 2])
        """
        data = self._data
        axis = None if dim is None else normalize_dims(dim, data.ndim)[0]
        if axis is not None and data.shape[axis] == 0:
            values = data
            inverse = np.zeros(0, np.int64)
            counts = np.zeros(0, np.int64)
        else:
            values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True,
                                                axis=axis, equal_nan=False)
        inverse = inverse.reshape(data.shape if axis is None else (-1,)).astype(np.int64)
        out = [self._wrap(np.ascontiguousarray(values))]
        if return_inverse:
            out.append(self._wrap(inverse))
        if return_counts:
            out.append(self._wrap(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or with
        ``as_tuple=True`` one 1-D index tensor per dim (what ``t[...]`` takes).

        >>> import minitorch as mt
        >>> mt.tensor([[1, 0], [0, 2]]).nonzero().tolist()
        [[0, 0], [1, 1]]
        """
        data = self._data
        if as_tuple:
            found = np.nonzero(data if data.ndim else data.reshape(1))
            return tuple(self._wrap(i.astype(np.int64)) for i in found)
        if data.ndim == 0:
            return self._wrap(np.zeros((1 if data else 0, 0), np.int64))
        return self._wrap(np.argwhere(data).astype(np.int64))
