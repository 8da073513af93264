"""The array namespace a backward rule computes with: ``xp = ctx.xp``.

Each op's backward rule is written once, in terms of its operands' operators (``+ * @``,
indexing, ``.reshape``, ``.T``) and the functions of ``ctx.xp``. During an ordinary
backward pass ``ctx.xp`` is :data:`numpy_namespace` and every value is a numpy array: the
fast path, exactly what the rule would do written with numpy directly. During a backward
pass with ``create_graph=True`` the engine hands the rule a context whose ``xp`` is the
tensor namespace (``minitorch.autograd.tensor_namespace``) and whose saved values are
tensors, so the same rule records the ops it runs and its result can be differentiated
again. Another array library with numpy's API (CuPy) would be one more namespace here.

Only functions whose numpy spelling differs from a method call shared by arrays and
tensors live here; the functions take numpy's argument names (``axis``, ``keepdims``).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Sequence

import numpy as np


class numpy_namespace:  # noqa: N801 - used like a module: xp.exp(a)
    """Backward rules' functions on numpy arrays (the fast path)."""

    name = "numpy"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tanh = staticmethod(np.tanh)
    sign = staticmethod(np.sign)
    abs = staticmethod(np.abs)
    sqrt = staticmethod(np.sqrt)
    where = staticmethod(np.where)
    maximum = staticmethod(np.maximum)
    flip = staticmethod(np.flip)
    cumsum = staticmethod(np.cumsum)

    @staticmethod
    def erf(a: np.ndarray) -> np.ndarray:
        from scipy.special import erf  # scikit-learn's dependency, so always installed

        return erf(a)

    @staticmethod
    def softplus_neg(a: np.ndarray) -> np.ndarray:
        """``log(1 + exp(-a))`` without overflow."""
        return np.logaddexp(0.0, -a)

    @staticmethod
    def sum(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return a.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def swapaxes(a: np.ndarray, i: int, j: int) -> np.ndarray:
        return a.swapaxes(i, j)  # the method: np.swapaxes is a slower wrapper

    @staticmethod
    def transpose(a: np.ndarray, axes: Sequence[int]) -> np.ndarray:
        return a.transpose(axes)

    @staticmethod
    def moveaxis(a: np.ndarray, source: int, destination: int) -> np.ndarray:
        return np.moveaxis(a, source, destination)

    @staticmethod
    def broadcast_to(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(a, shape)

    @staticmethod
    def expand_dims(a: np.ndarray, axes: Any) -> np.ndarray:
        return np.expand_dims(a, axes)

    @staticmethod
    def split(a: np.ndarray, splits: Any, axis: int) -> list:
        return np.split(a, splits, axis=axis)

    @staticmethod
    def unstack(a: np.ndarray, axis: int) -> tuple:
        return tuple(np.moveaxis(a, axis, 0))

    @staticmethod
    def index_add(shape: tuple[int, ...], index: Any, values: np.ndarray) -> np.ndarray:
        """Zeros of ``shape`` with ``values`` added at ``index`` (repeated places add up)."""
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, index, values)
        return out

    @staticmethod
    def add_at(a: np.ndarray, index: Any, values: Any) -> np.ndarray:
        """``a`` with ``values`` added at ``index`` (distinct places), in place: only for an
        array the rule itself just made."""
        a[index] += values
        return a

    @staticmethod
    def exclusive_cumprod(a: np.ndarray) -> np.ndarray:
        """Along the last axis: out[..., k] = a[..., 0] * ... * a[..., k-1] (1 for k=0)."""
        ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
        return np.cumprod(np.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)

    @staticmethod
    def index_put(shape: tuple[int, ...], index: Any, values: np.ndarray) -> np.ndarray:
        """Zeros of ``shape`` with ``values`` written at ``index`` (a basic index: a view)."""
        out = np.zeros(shape, dtype=values.dtype)
        out[index] = values
        return out

    @staticmethod
    def view(view_fn: Any, a: np.ndarray, view_args: tuple) -> np.ndarray:
        """A copy of the part of ``a`` that view op ``view_fn`` selects."""
        return np.array(view_fn.forward(SimpleNamespace(), a, *view_args))

    @staticmethod
    def values(a: Any) -> Any:
        """The plain values of ``a``, to compute masks and other constants from."""
        return a

    @staticmethod
    def constant(a: Any, like: Any) -> Any:
        """``a`` (an array that carries no gradient) in the kind of value ``like`` is."""
        return a
