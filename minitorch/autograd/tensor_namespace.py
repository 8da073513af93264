"""The tensor namespace: backward rules run on Tensors, recording what they do.

The same functions as :class:`minitorch.core.array_namespace.numpy_namespace`, each built
from recorded ops, so a backward rule run with this namespace (during a backward pass with
``create_graph=True``) builds a graph that can be differentiated again, to any order.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops import shape as S
from ..tensor import Tensor, apply, set_grad, unwrap, wrap


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(a) % max(ndim, 1) for a in axes)


def _unary(op: type) -> Any:
    def run(a: Tensor) -> Tensor:
        return apply(op, a)

    run.__name__ = op.__name__.lower()
    return run


class tensor_namespace:  # noqa: N801 - used like a module: xp.exp(a)
    """Backward rules' functions on Tensors (the ``create_graph=True`` path)."""

    name = "tensor"

    exp = staticmethod(_unary(E.Exp))
    log = staticmethod(_unary(E.Log))
    sin = staticmethod(_unary(E.Sin))
    cos = staticmethod(_unary(E.Cos))
    tanh = staticmethod(_unary(E.Tanh))
    sqrt = staticmethod(_unary(E.Sqrt))
    abs = staticmethod(_unary(E.Abs))
    erf = staticmethod(_unary(E.Erf))

    @staticmethod
    def log1p(a: Tensor) -> Tensor:
        return apply(E.Log, 1 + a)

    @staticmethod
    def sign(a: Any) -> Any:
        """Piecewise constant: its derivative is zero wherever it exists."""
        return wrap(np.sign(_array(a)))

    @staticmethod
    def softplus_neg(a: Tensor) -> Tensor:
        """``log(1 + exp(-a))``, written so that no intermediate overflows."""
        return apply(E.ReLU, -a) + apply(E.Log, 1 + apply(E.Exp, -apply(E.Abs, a)))

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Tensor:
        return apply(E.Where, _array(condition), a, b)

    @staticmethod
    def maximum(a: Any, b: Any) -> Tensor:
        return apply(E.Maximum, a, b)

    @staticmethod
    def flip(a: Tensor, axis: int) -> Tensor:
        index = tuple(slice(None, None, -1) if d == axis % a.ndim else slice(None)
                      for d in range(a.ndim))
        return apply(E.Clone, apply(S.GetItem, a, index))

    @staticmethod
    def cumsum(a: Tensor, axis: int) -> Tensor:
        return apply(R.Cumsum, a, axis)

    @staticmethod
    def sum(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply(R.Sum, a, axis, keepdims)

    @staticmethod
    def mean(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply(R.Mean, a, axis, keepdims)

    @staticmethod
    def swapaxes(a: Tensor, i: int, j: int) -> Tensor:
        return apply(S.Transpose, a, i, j)

    @staticmethod
    def transpose(a: Tensor, axes: Sequence[int]) -> Tensor:
        return apply(S.Permute, a, tuple(int(d) for d in axes))

    @staticmethod
    def moveaxis(a: Tensor, source: int, destination: int) -> Tensor:
        order = [d for d in range(a.ndim) if d != source % a.ndim]
        order.insert(destination % a.ndim, source % a.ndim)
        return apply(S.Permute, a, tuple(order))

    @staticmethod
    def broadcast_to(a: Tensor, shape: tuple[int, ...]) -> Tensor:
        return apply(S.Expand, a, tuple(shape))

    @staticmethod
    def expand_dims(a: Tensor, axes: Any) -> Tensor:
        ndim = a.ndim + (1 if isinstance(axes, (int, np.integer)) else len(axes))
        new = set(_axes(axes, ndim))
        dims = iter(a.shape)
        return apply(S.Reshape, a, tuple(1 if d in new else next(dims) for d in range(ndim)))

    @staticmethod
    def split(a: Tensor, splits: Any, axis: int) -> list:
        bounds = [0, *(int(s) for s in splits), a.shape[axis]]
        lead = (slice(None),) * axis
        return [apply(S.GetItem, a, lead + (slice(lo, hi),)) for lo, hi in zip(bounds, bounds[1:])]

    @staticmethod
    def unstack(a: Tensor, axis: int) -> tuple:
        lead = (slice(None),) * axis
        return tuple(apply(S.GetItem, a, lead + (i,)) for i in range(a.shape[axis]))

    @staticmethod
    def exclusive_cumprod(a: Tensor) -> Tensor:
        """Along the last axis, one product at a time (each one recorded)."""
        column = wrap(np.ones(tuple(a.shape[:-1]) + (1,), dtype=unwrap(a).dtype))
        columns = [column]
        for k in range(1, a.shape[-1]):
            column = column * apply(S.GetItem, a, (Ellipsis, slice(k - 1, k)))
            columns.append(column)
        return apply(S.Cat, *columns, dim=a.ndim - 1)

    @staticmethod
    def index_add(shape: tuple[int, ...], index: Any, values: Tensor) -> Tensor:
        return apply(S.IndexAdd, values, tuple(shape), index)

    index_put = index_add  # the places are distinct, so adding into zeros is writing

    @staticmethod
    def add_at(a: Tensor, index: Any, values: Any) -> Tensor:
        values = tensor_namespace.as_tensor(values)
        return a + apply(S.IndexAdd, values, tuple(a.shape), index)

    @staticmethod
    def view(view_fn: Any, a: Tensor, view_args: tuple) -> Tensor:
        return apply(E.Clone, apply(view_fn, a, *view_args))

    @staticmethod
    def values(a: Any) -> Any:
        return _array(a)

    @staticmethod
    def constant(a: Any, like: Any) -> Any:
        return wrap(a) if isinstance(a, np.ndarray) else a

    # ---- what the recording engine (minitorch.core.graph_engine) needs
    @staticmethod
    def wrap(array: np.ndarray, node: Any) -> Tensor:
        """``array`` as a tensor whose ``grad_fn`` is ``node`` (a constant if None)."""
        return wrap(array, node)

    @staticmethod
    def as_tensor(value: Any) -> Tensor:
        return value if isinstance(value, Tensor) else wrap(np.asarray(value))

    @staticmethod
    def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
        """Sum ``grad`` over the axes broadcasting expanded, so it has ``shape``."""
        extra = grad.ndim - len(shape)
        if extra > 0:
            grad = apply(R.Sum, grad, tuple(range(extra)), False)
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        if axes:
            grad = apply(R.Sum, grad, axes, True)
        if grad.shape != shape:
            grad = apply(S.Expand, grad, tuple(shape))
        return grad

    @staticmethod
    def cast(grad: Tensor, dtype: np.dtype) -> Tensor:
        return apply(E.Cast, grad, dtype)

    @staticmethod
    def accumulate_grad(leaf: Tensor, grad: Tensor) -> None:
        """``leaf.grad += grad``, out of place so the sum stays differentiable (PyTorch)."""
        # Unchecked (set_grad): backward made grad in the leaf's shape and dtype.
        set_grad(leaf, grad if leaf.grad is None else leaf.grad + grad)


def _array(value: Any) -> Any:
    return unwrap(value) if isinstance(value, Tensor) else value
