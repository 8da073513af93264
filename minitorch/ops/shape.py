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
        return ctx.xp.transpose(grad, np.argsort(ctx.dims))


class Transpose(Function):
    is_view = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        dims = normalize_dims((dim0, dim1), a.ndim)
        ctx.dims = dims
        if a.ndim == 0:  # dims 0 and -1 of a 0-d tensor: nothing to swap (PyTorch)
            return a.view()
        return np.swapaxes(a, *dims)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad
        return ctx.xp.swapaxes(grad, *ctx.dims)


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
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                                   f"concatenated: use stack, or unsqueeze it first")
            if a.ndim != arrays[0].ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got "
                                   f"{arrays[0].ndim} and {a.ndim} (shapes {arrays[0].shape} "
                                   f"and {a.shape})")
        (axis,) = normalize_dims(dim, arrays[0].ndim)
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(ctx.xp.split(grad, ctx.splits, ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        out = np.stack(arrays, axis=dim)
        ctx.axis = dim % out.ndim
        return out

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.unstack(grad, ctx.axis)


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
        if _is_basic(ctx.index):
            return ctx.xp.index_put(ctx.shape, ctx.index, grad)
        return ctx.xp.index_add(ctx.shape, ctx.index, grad)  # repeated indices add up


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
            kept = np.ones(grad.shape, dtype=bool)
            kept[ctx.index] = False  # the written places no longer depend on the input
            ga = ctx.xp.where(kept, grad, 0)
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
        kept = np.ones(grad.shape, dtype=bool)  # C-contiguous: the view op gives a view
        ctx.view_fn.forward(_Scratch(), kept, *ctx.view_args)[...] = False
        g_values = None
        if ctx.needs_input_grad[1]:
            g_values = ctx.xp.view(ctx.view_fn, grad, ctx.view_args)
        return ctx.xp.where(kept, grad, 0), g_values


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
        return ctx.xp.sum(grad.reshape(split), tuple(range(0, len(split), 2)))


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
        if a.ndim == 0:  # PyTorch treats a 0-d input (dim 0 or -1) as one of shape (1,)
            normalize_dims(dim, 0)
            return Gather.forward(ctx, a.reshape(1), index.reshape(1), 0).reshape(())
        axis = dim % a.ndim
        ctx.shape, ctx.axis = a.shape, axis
        ctx.save_for_backward(index)
        # PyTorch lets index be smaller than the input in the other dims: use that corner.
        corner = tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(a[corner], index, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved
        index = ctx.xp.values(index)
        where = list(np.indices(index.shape, sparse=True))
        where[ctx.axis] = index
        # An index picked twice gets both gradients.
        return ctx.xp.index_add(ctx.shape, tuple(where), grad), None


class IndexAdd(Function):
    """Zeros of ``shape`` with ``values`` added at ``index``: the gradient of indexing, as
    an op of its own so that it can be differentiated again (its gradient is indexing)."""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, index, values)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]
