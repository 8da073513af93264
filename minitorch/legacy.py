"""PyTorch's legacy typed constructors: ``LongTensor``, ``FloatTensor``, ``DoubleTensor``,
``BoolTensor`` (and a few more), with PyTorch's meaning of their arguments.

``mt.LongTensor([1, 2])`` (one list, tuple, array or tensor) is data, converted to the type;
``mt.LongTensor(2, 3)`` (ints) are sizes, giving a zero-filled tensor (PyTorch leaves it
uninitialised); ``mt.LongTensor()`` is empty. ``isinstance(t, mt.FloatTensor)`` is True for
a float32 tensor, as in PyTorch.

>>> import minitorch as mt
>>> mt.LongTensor([1, 2]), mt.FloatTensor(2, 3).shape
(tensor([1, 2]), (2, 3))
>>> isinstance(mt.zeros(2), mt.FloatTensor), isinstance(mt.zeros(2), mt.LongTensor)
(True, False)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .creation import _finish
from .device import check_device
from .dtype import bool as bool_
from .dtype import dtype as Dtype
from .dtype import float16, float32, float64, int8, int16, int32, int64, uint8
from .pydata import python_data_to_array
from .tensor import Tensor, unwrap

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


class _TypedMeta(type):
    """``isinstance(t, FloatTensor)``: a Tensor whose dtype is the class's."""

    _dtype: Dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and unwrap(obj).dtype == cls._dtype.np_dtype


class _TypedTensor(metaclass=_TypedMeta):
    _dtype = float32

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        check_device(device)
        np_dtype = cls._dtype.np_dtype
        name = cls.__name__
        if not args:
            return _finish(np.zeros(0, np_dtype), None, False, None)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            if isinstance(data, Tensor):
                if unwrap(data).dtype != np_dtype:
                    raise TypeError(
                        f"{name}(): expected a tensor of dtype {cls._dtype}, got {data.dtype}; "
                        f"convert it with .to(minitorch.{cls._dtype.name})"
                    )
                return _finish(unwrap(data).copy(), None, False, None)
            if isinstance(data, np.ndarray):
                return _finish(data.astype(np_dtype), None, False, None)
            if not isinstance(data, (list, tuple)):
                raise TypeError(
                    f"{name}(): data must be a sequence (got {type(data).__name__}); pass "
                    f"a list, or ints for the sizes"
                )
            return _finish(python_data_to_array(data, cls._dtype, name), None, False, None)
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            raise TypeError(
                f"{name}() takes one sequence of data or int sizes, got "
                f"({', '.join(type(a).__name__ for a in args)})"
            )
        sizes = tuple(int(a) for a in args)
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"{name}(): Trying to create tensor with negative dimension in size {list(sizes)}"
            )
        return _finish(np.zeros(sizes, np_dtype), None, False, None)


def _typed(name: str, d: Dtype) -> type:
    doc = f"PyTorch's legacy constructor for {d} tensors: data (one sequence) or int sizes."
    return _TypedMeta(name, (_TypedTensor,), {"_dtype": d, "__doc__": doc})


FloatTensor = _typed("FloatTensor", float32)
DoubleTensor = _typed("DoubleTensor", float64)
HalfTensor = _typed("HalfTensor", float16)
LongTensor = _typed("LongTensor", int64)
IntTensor = _typed("IntTensor", int32)
ShortTensor = _typed("ShortTensor", int16)
CharTensor = _typed("CharTensor", int8)
ByteTensor = _typed("ByteTensor", uint8)
BoolTensor = _typed("BoolTensor", bool_)
