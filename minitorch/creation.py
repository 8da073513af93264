"""Tensor factories: ``tensor``, ``zeros``, ``randn``, ``from_numpy`` and friends."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import dtype as dtypes
from .core.inference_mode import mark as mark_inference
from .device import check_device
from .pydata import python_data_to_array
from .rng import generator as _rng
from .tensor import Tensor, unwrap, wrap
from .tensor_mixins.base import shape_arg, tensor_data


def _finish(data: np.ndarray, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    check_device(device)
    if dtype is not None:
        data = data.astype(dtypes.to_numpy_dtype(dtype), copy=False)
    dtypes.from_numpy_dtype(data.dtype)  # a clear error for unsupported dtypes
    t = mark_inference(wrap(data))  # inside inference_mode(): an inference tensor
    if requires_grad:
        t.requires_grad_(True)
    return t


def _default_float(data: np.ndarray) -> np.ndarray:
    if data.dtype != np.float64:
        return data
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as in PyTorch
        return data.astype(np.float32)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or tensor).

    Python floats become float32 and ints int64; numpy arrays keep their dtype.

    >>> import minitorch as mt
    >>> mt.tensor([1.0, 2.0]).dtype, mt.tensor([1, 2]).dtype
    (minitorch.float32, minitorch.int64)
    """
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    elif isinstance(data, Tensor):
        array = unwrap(data).copy()
    else:
        # Python numbers go straight to the requested dtype (never through float32 first):
        # tensor([0.1], dtype=float64) holds 0.1 itself, and large ints stay exact.
        array = python_data_to_array(data, dtype, "tensor")
        if dtype is None and not (isinstance(data, (list, tuple)) and _holds_arrays(data)):
            array = _default_float(array)
    return _finish(array, dtype, requires_grad, device)


def _holds_arrays(data: Any) -> bool:
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (np.ndarray, np.generic, Tensor))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array (same dtype; changes show in both).

    >>> import numpy as np, minitorch as mt
    >>> a = np.zeros(2); t = mt.from_numpy(a); a[0] = 5
    >>> t.tolist()
    [5.0, 0.0]
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy() expects a numpy.ndarray, got {type(array).__name__}")
    dtypes.from_numpy_dtype(array.dtype)
    return wrap(array)


def _sized(size: tuple, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    shape = shape_arg(size)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"negative dimension in size {shape}")
    return shape, dtypes.to_numpy_dtype(dtype if dtype is not None else dtypes.float32)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    shape, np_dtype = _sized(size, dtype)
    return _finish(np.zeros(shape, np_dtype), None, requires_grad, device)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype`` says otherwise)."""
    shape, np_dtype = _sized(size, dtype)
    return _finish(np.ones(shape, np_dtype), None, requires_grad, device)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size (zero-filled here, so never garbage)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value, as in PyTorch."""
    shape = shape_arg((size,))  # an int or a sequence of ints
    if dtype is None:
        dtype = (dtypes.bool if isinstance(fill_value, bool)
                 else dtypes.int64 if isinstance(fill_value, int) else dtypes.float32)
    data = np.full(shape, fill_value, dtypes.to_numpy_dtype(dtype))
    return _finish(data, None, requires_grad, device)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    return zeros(t.shape, dtype=dtype or unwrap(t).dtype, requires_grad=requires_grad,
                 device=device)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    return ones(t.shape, dtype=dtype or unwrap(t).dtype, requires_grad=requires_grad, device=device)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or unwrap(t).dtype, requires_grad=requires_grad)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (excluded); int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.float32
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start "
            f"{start}, end {end}, step {step})"
        )
    np_dtype = dtypes.to_numpy_dtype(dtype)
    try:
        if np_dtype.kind == "f":  # values computed in float64, rounded once to the dtype
            data = np.arange(start, end, step, dtype=np.float64).astype(np_dtype)
        else:
            data = np.arange(start, end, step, dtype=np_dtype)
    except (ValueError, MemoryError) as err:
        raise RuntimeError(
            f"arange(): invalid size for start {start}, end {end}, step {step}: {err}"
        ) from None
    return _finish(data, None, requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    data = np.linspace(start, end, steps, dtype=dtypes.to_numpy_dtype(dtype or dtypes.float32))
    return _finish(data, None, requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``)."""
    data = np.eye(n, m, dtype=dtypes.to_numpy_dtype(dtype or dtypes.float32))
    return _finish(data, None, requires_grad, device)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard normal samples from ``generator`` or the global one (see ``manual_seed``)."""
    shape, np_dtype = _sized(size, dtype)
    data = _rng(generator).standard_normal(shape).astype(np_dtype)
    return _finish(data, None, requires_grad, device)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples in [0, 1) from ``generator`` or the global one."""
    shape, np_dtype = _sized(size, dtype)
    return _finish(_rng(generator).random(shape).astype(np_dtype), None, requires_grad, device)


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=dtype or unwrap(t).dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=dtype or unwrap(t).dtype, requires_grad=requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False, generator: Any = None) -> Tensor:
    """Normal samples; ``mean`` and ``std`` may be tensors (broadcast) or numbers."""
    mean_a, std_a = tensor_data(mean), tensor_data(std)
    if size is not None:
        shape = shape_arg((size,))
    else:
        shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
    data = _rng(generator).normal(mean_a, std_a, shape)
    data = data.astype(dtypes.to_numpy_dtype(dtype or dtypes.float32))
    return _finish(data, None, requires_grad, device)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = None,
            device: Any = None, generator: Any = None) -> Tensor:
    """Random integers in [low, high) (int64); ``randint(high, size)`` also works."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, high if high is not None else size
    data = _rng(generator).integers(low, high, size=shape_arg((size,)))
    data = np.asarray(data, dtype=dtypes.to_numpy_dtype(dtype or dtypes.int64))
    return _finish(data, None, False, device)


def randperm(n: int, dtype: Any = None, device: Any = None, generator: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    data = _rng(generator).permutation(n).astype(dtypes.to_numpy_dtype(dtype or dtypes.int64))
    return _finish(data, None, False, device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, without a copy where possible (PyTorch's ``as_tensor``).

    A tensor of the requested dtype is returned itself; a numpy array of a supported dtype
    is shared (as with :func:`from_numpy`) unless a different ``dtype`` is asked for;
    anything else is converted like :func:`tensor`.

    >>> import numpy as np, minitorch as mt
    >>> a = np.zeros(2); t = mt.as_tensor(a); a[0] = 5
    >>> t.tolist(), mt.as_tensor(t) is t
    ([5.0, 0.0], True)
    """
    check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or dtypes.to_numpy_dtype(dtype) == unwrap(data).dtype:
            return data
        return data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in dtypes._BY_NUMPY:
        shared = wrap(data)
        return shared if dtype is None else shared.to(dtype)
    return tensor(data, dtype=dtype)
