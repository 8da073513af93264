"""Dtypes: PyTorch's names over numpy's dtypes."""
from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    """A tensor element type, e.g. ``minitorch.float32``; compares equal to numpy's."""

    __slots__ = ("name", "np_dtype")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        self.np_dtype = np.dtype(np_dtype)

    @property
    def is_floating_point(self) -> bool:
        return self.np_dtype.kind == "f"

    @property
    def itemsize(self) -> int:
        return self.np_dtype.itemsize

    def __repr__(self) -> str:
        return f"minitorch.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dtype):
            return self.np_dtype == other.np_dtype
        try:
            return self.np_dtype == np.dtype(other)  # type: ignore[arg-type]
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.np_dtype)


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch's name
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NUMPY = {d.np_dtype: d for d in _ALL}
# Every name ``minitorch.<name>`` (as ``torch.<name>``) gives a dtype by: the canonical names
# (``dtype.name``) and PyTorch's aliases.
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=half, float=float, double=double, short=short, int=int, long=long)


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The minitorch dtype of a numpy dtype; a clear TypeError for unsupported ones."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"numpy dtype {np_dtype} is not supported; supported: "
            f"{', '.join(str(k) for k in _BY_NUMPY)}"
        ) from None


def dtype_from_name(name: str) -> dtype:
    """The dtype called ``name``: what ``getattr(minitorch, name)`` gives for a dtype name
    (as ``getattr(torch, name)``), PyTorch's aliases included; ``d.name`` gives it back.

    A name that is no dtype raises ValueError naming it and the valid names (TypeError if
    ``name`` is not a str).

    >>> dtype_from_name("float32"), dtype_from_name("long")
    (minitorch.float32, minitorch.int64)
    >>> dtype_from_name(float64.name) is float64
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"dtype_from_name: expected a dtype name (a str such as 'float32'), "
                        f"got {type(name).__name__} {name!r:.60}")
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown dtype name {name!r:.60}; valid names: "
                         f"{', '.join(sorted(_BY_NAME))}") from None


def to_numpy_dtype(d: Any) -> np.dtype:
    """Accept a minitorch dtype, a numpy dtype or a Python type; return numpy's dtype."""
    if isinstance(d, dtype):
        return d.np_dtype
    try:
        result = np.dtype(d)
    except TypeError:
        raise TypeError(f"expected a dtype such as minitorch.float32, got {d!r}") from None
    from_numpy_dtype(result)  # reject what minitorch does not support
    return result
