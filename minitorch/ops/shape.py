"""Shape ops: reshape, transpose, permute, expand, cat, stack, indexing."""
from __future__ import annotations

import numpy as np

from ..core.function import Function
from ._util import normalize_dims
from .index_errors import index_error


class Reshape(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"shape {tuple(shape)} is invalid for a tensor of shape {a.shape} "
                f"({a.size} elements)"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        dims = normalize_dims(dims, a.ndim)  # an out-of-range dim is an IndexError
        if sorted(dims) != list(range(a.ndim)):
            raise RuntimeError(
                f"permute(): dims {tuple(dims)} must be a permutation of the {a.ndim} dims "
                f"of a tensor of shape {a.shape}"
            )
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.dims))


class Transpose(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        dims = normalize_dims((dim0, dim1), a.ndim)
        ctx.dims = dims
        return np.swapaxes(a, *dims)

    @staticmethod
    def backward(ctx, grad):
        return np.swapaxes(grad, *ctx.dims)


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


class Cat(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        (axis,) = normalize_dims(dim, arrays[0].ndim)
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        out = np.stack(arrays, axis=dim)
        ctx.axis = dim % out.ndim
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.moveaxis(grad, ctx.axis, 0))


def _is_basic(index) -> bool:
    """True when numpy indexing gives a view: ints, slices, None and Ellipsis only."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items
    )


class GetItem(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        try:
            out = a[index]
        except IndexError as err:
            raise index_error(a.shape, index, err) from None
        if type(out) is not np.ndarray and _is_basic(index):
            # numpy gives a copied scalar for a[i, j]; PyTorch a view: x[0].zero_() writes x.
            out = a[(*(index if isinstance(index, tuple) else (index,)), Ellipsis)]
        return out

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)  # repeated indices add up
        return out


class SetItem(Function):
    """``a[index] = value`` as an op: the written places get their gradient from value."""

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.index = index
        out = a.copy()
        try:
            out[index] = value
        except IndexError as err:
            raise index_error(a.shape, index, err) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = grad.copy()
            ga[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            gv = grad[ctx.index]
        return ga, gv


class _Scratch:
    """A throwaway ctx for running a view op's forward on another array."""


class CopySlices(Function):
    """A base after an in-place op on its view ``view_fn(base, *view_args)``: the view's
    places hold ``values``, the rest is unchanged (PyTorch's CopySlices)."""

    @staticmethod
    def forward(ctx, base, values, view_fn, view_args):
        ctx.view_fn, ctx.view_args = view_fn, view_args
        out = base.copy()  # C-contiguous, so the view op gives a view of it again
        view_fn.forward(_Scratch(), out, *view_args)[...] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        # A writable C-contiguous copy, so the view op gives a view of it (reshaping an
        # F-ordered array would copy, and the zeroing below would be lost).
        grad = np.array(grad, order="C")
        region = ctx.view_fn.forward(_Scratch(), grad, *ctx.view_args)
        g_values = np.array(region) if ctx.needs_input_grad[1] else None
        region[...] = 0
        return grad, g_values


class Tile(Function):
    """``repeat(*sizes)``: numpy's tile; the gradient sums the copies."""

    @staticmethod
    def forward(ctx, a, reps):
        ctx.shape, ctx.reps = a.shape, reps
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, grad):
        split = []
        for r, n in zip(ctx.reps, ctx.shape):
            split += [r, n]
        return grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))


class Gather(Function):
    """``out[i][j] = a[index[i][j]][j]`` along ``dim`` (PyTorch's gather)."""

    @staticmethod
    def forward(ctx, a, index, dim):
        if index.dtype.kind not in "iu":
            raise RuntimeError(f"gather(): index must be an integer tensor, got {index.dtype}")
        if index.ndim != a.ndim:
            raise RuntimeError(
                f"gather(): index has {index.ndim} dims but the input has {a.ndim} "
                f"(shapes {index.shape} and {a.shape}); they must have the same number"
            )
        axis = dim % a.ndim
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(index)
        # PyTorch lets index be smaller than the input in the other dims: use that corner.
        corner = tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(a[corner], index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        where = list(np.indices(index.shape, sparse=True))
        where[ctx.axis] = index
        np.add.at(out, tuple(where), grad)  # an index picked twice gets both gradients
        return out, None
