"""Python data (numbers, nested lists, tensors) to one numpy array, PyTorch's way.

Each Python number is converted once, straight to the requested dtype: ``0.1`` asked for as
float64 is 0.1 itself (never a float32 rounding of it), and ints stay exact in int64. Data
that is not a rectangular nest of numbers raises PyTorch's exception type, naming what is
wrong (both lengths of a ragged list, the string, the value that overflows).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .dtype import to_numpy_dtype
from .tensor_mixins.base import tensor_data

_INT64 = np.iinfo(np.int64)


def python_data_to_array(data: Any, dtype: Any, who: str) -> np.ndarray:
    """Nested Python numbers (or tensors) as one array, converted once, straight to ``dtype``.

    Errors are PyTorch's: ValueError for ragged lists (naming both lengths) and strings
    inside lists, TypeError for a bare string, RuntimeError for values of no numeric type,
    and an overflow error naming the value for ints beyond int64.
    """
    if isinstance(data, str):
        raise TypeError(f"{who}(): can't make a tensor from the string {data!r:.60}; "
                        f"convert it to numbers first")
    raw = tensor_data(data)
    np_dtype = None if dtype is None else to_numpy_dtype(dtype)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # 1e300 as float32 is inf, silently
            array = np.array(raw, dtype=np_dtype)
    except OverflowError:
        raise _overflow(raw, np_dtype, who) from None
    except (ValueError, TypeError) as err:
        raise _bad_data(raw, who, err) from None
    if array.dtype.kind in "OUSV" or (np_dtype is None and array.dtype.kind == "u"):
        raise _bad_data(raw, who, None)
    return array


def _walk(raw: Any) -> Any:
    """Yield (depth, item) for every element of nested lists/tuples (arrays count as leaves)."""
    stack = [(0, raw)]
    while stack:
        depth, item = stack.pop()
        yield depth, item
        if isinstance(item, (list, tuple)):
            stack.extend((depth + 1, v) for v in reversed(item))


def _bad_data(raw: Any, who: str, err: Exception | None) -> Exception:
    """PyTorch's error for data that is not a rectangular nest of numbers."""
    for _depth, item in _walk(raw):
        if isinstance(item, int) and not isinstance(item, bool) and not (
                _INT64.min <= item <= _INT64.max):
            return _overflow(raw, None, who)
        if not isinstance(item, (list, tuple, str, int, float, bool, complex, np.ndarray,
                                 np.generic)):
            return RuntimeError(f"{who}(): could not infer dtype of {type(item).__name__} "
                                f"({item!r:.40}); tensors hold numbers only")
    problem = _ragged(raw)
    if problem:
        kind, message = problem
        return kind(f"{who}(): {message}")
    return TypeError(f"{who}(): can't make a tensor from {type(raw).__name__} data "
                     f"{raw!r:.60}" + (f" ({err})" if err else ""))


def _ragged(raw: Any) -> tuple[type, str] | None:
    """PyTorch's complaint about a nest that is not rectangular numbers, or None.

    The shape comes from the first element at every depth (as PyTorch infers it); a string
    there is 'too many dimensions' (ValueError), a length that differs later is ValueError
    naming both lengths, and a number or string where a sequence belongs (or the reverse)
    is TypeError.
    """
    def shape_of(item: Any) -> tuple:
        if isinstance(item, np.ndarray):
            return item.shape
        if isinstance(item, (list, tuple)):
            return (len(item), *(shape_of(item[0]) if item else ()))
        return ()

    first = raw
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str):
        return ValueError, (f"too many dimensions 'str': the data holds the string "
                            f"{first!r:.40}; tensors hold numbers only")
    expected = shape_of(raw)

    def check(item: Any, dim: int) -> tuple[type, str] | None:
        if dim >= len(expected):
            if isinstance(item, str):
                return TypeError, (f"invalid data type 'str' ({item!r:.40}); "
                                   f"tensors hold numbers only")
            if isinstance(item, (list, tuple, np.ndarray)):
                return TypeError, (f"expected a number at dim {dim}, got a sequence of "
                                   f"length {len(item)}; nested lists must be rectangular")
            return None
        if not isinstance(item, (list, tuple, np.ndarray)):
            return TypeError, (f"expected a sequence of length {expected[dim]} at dim {dim}, "
                               f"got {type(item).__name__} {item!r:.20} (not a sequence); "
                               f"nested lists must be rectangular")
        if len(item) != expected[dim]:
            return ValueError, (f"expected sequence of length {expected[dim]} at dim {dim} "
                                f"(got {len(item)}); nested lists must be rectangular")
        for v in item:
            found = check(v, dim + 1)
            if found:
                return found
        return None

    return check(raw, 0)


def _overflow(raw: Any, np_dtype: Any, who: str) -> Exception:
    values = [v for _, v in _walk(raw) if isinstance(v, int) and not isinstance(v, bool)]
    limits = np.iinfo(np_dtype) if np_dtype is not None and np_dtype.kind in "iu" else _INT64
    big = next((v for v in values if not limits.min <= v <= limits.max), None)
    if np_dtype is None or not (_INT64.min <= big <= _INT64.max):
        # PyTorch: ValueError for a Python int beyond int64 (no dtype can take it in)
        return ValueError(f"{who}(): overflow: the Python int {big} does not fit in int64")
    return RuntimeError(f"{who}(): value {big} cannot be converted to type {np_dtype} "
                        f"without overflow")
