"""Attributes, conversions to Python and numpy values, dtype casts, printing."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .. import dtype as dtypes
from ..device import check_device, device
from ..ops import elementwise as E
from .base import MixinBase, Tensor


class ConversionMixin(MixinBase):
    __slots__ = ()

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> device:
        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def item(self) -> Any:
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a tensor with {self._data.size} elements (shape {self.shape}) cannot be "
                "converted to a Python number; index it or reduce it first"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} values is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __format__(self, spec: str) -> str:
        if self._data.size == 1 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return _format_tensor(self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert dtype (``to(mt.float64)``, ``to(other)``); ``'cpu'`` is accepted."""
        target = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, MixinBase):
                target = arg._data.dtype
            elif isinstance(arg, (str, device)):
                check_device(arg)
            else:
                target = arg
        if target is None or dtypes.to_numpy_dtype(target) == self._data.dtype:
            return self.clone() if copy else self
        return self._apply(E.Cast, self, dtypes.to_numpy_dtype(target))

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        device("cuda")  # raises the CPU-only error
        return self

    def contiguous(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other._data.dtype)

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradients flow back to the original)."""
        return self._apply(E.Clone, self)


def _format_tensor(t: Tensor) -> str:
    data = t._data
    if data.dtype.kind == "f":
        body = np.array2string(
            data, separator=", ", prefix="tensor(", precision=4, floatmode="maxprec_equal",
            suppress_small=True,
        )
    else:
        body = np.array2string(data, separator=", ", prefix="tensor(")
    extras = []
    if data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype={t.dtype}")
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
