"""Reductions: sum, mean, max/min, var, softmax and log-softmax."""
from __future__ import annotations

import math

import numpy as np

from ..core.function import Function
from ._util import expand_reduced, normalize_dims


def _count(shape: tuple[int, ...], axes) -> int:
    """How many elements a reduction over ``axes`` combines into each output."""
    return int(np.prod(shape if axes is None else [shape[i] for i in axes]))


def _axes(dim, ndim: int):
    """normalize_dims, except that a 0-d tensor's dim 0 or -1 means no axis (PyTorch)."""
    axes = normalize_dims(dim, ndim)
    return () if ndim == 0 and axes is not None else axes


def _axis(dim, ndim: int):
    """The one axis of ``dim``; None for a 0-d tensor (dim 0 or -1, as PyTorch allows)."""
    (axis,) = normalize_dims(dim, ndim)
    return None if ndim == 0 else axis


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = _axes(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return np.sum(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        if a.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean() needs a floating point tensor, got {a.dtype}; call .float() first"
            )
        axes = _axes(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.count = count = _count(a.shape, axes)
        if count == 0:  # PyTorch: nan, without numpy's "Mean of empty slice" warning
            shape = np.sum(a, axis=axes, keepdims=keepdim).shape
            return np.full(shape, np.nan, a.dtype)
        return np.mean(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp)


class MaxAll(Function):
    """``max()`` / ``min()`` over every element; ties share the gradient evenly (PyTorch)."""

    @staticmethod
    def forward(ctx, a, largest=True):
        if a.size == 0:
            raise RuntimeError("max(): expected a non-empty tensor; pass dim= for empty ones")
        out = a.max() if largest else a.min()
        ctx.save_for_backward(a == out)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return mask * (grad / mask.sum())


class AMax(Function):
    """``amax(dim)``: the largest values over ``dim``; ties share the gradient evenly and a
    NaN maximum gives a NaN gradient, as in PyTorch (``max(dim)`` picks one index instead)."""

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        axes = _axes(dim, a.ndim)
        reduced = range(a.ndim) if axes is None else axes
        if a.size == 0 and (a.ndim == 0 or any(a.shape[i] == 0 for i in reduced)):
            raise IndexError(f"amax(): expected a non-empty tensor to reduce over dim {dim}, "
                             f"got shape {a.shape}")
        out = a.max(axis=axes, keepdims=True)
        ctx.save_for_backward(a == out)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        grad = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp)
        with np.errstate(divide="ignore", invalid="ignore"):
            return mask * grad / ctx.xp.sum(mask, ctx.axes, True)


class Var(Function):
    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        axes = _axes(dim, a.ndim)
        n = _count(a.shape, axes)
        centered = a - a.mean(axis=axes, keepdims=True)
        denom = max(n - correction, 0)
        ctx.save_for_backward(a)  # not ``centered``: an input stays differentiable
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom = a.shape, axes, keepdim, denom
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(centered * centered, axis=axes, keepdims=keepdim) / denom

    @staticmethod
    def backward(ctx, grad):
        return Var.input_grad(ctx, grad, ctx.saved[0])

    @staticmethod
    def input_grad(ctx, grad, a):
        """The gradient for ``a`` (shared with Std)."""
        xp = ctx.xp
        centered = a - xp.mean(a, ctx.axes, True)
        grad = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim, xp)
        with np.errstate(divide="ignore", invalid="ignore"):
            # n - correction == 0: PyTorch's nan gradient, not a ZeroDivisionError
            return grad * (2 / ctx.denom if ctx.denom else math.inf) * centered


class Std(Function):
    """``sqrt(var)`` in one node: where the deviation is 0 the gradient is 0, as in PyTorch
    (through ``sqrt`` it would be 0 * inf = nan)."""

    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        out = np.sqrt(Var.forward(ctx, a, dim, correction, keepdim))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved
        return Var.input_grad(ctx, _sqrt_grad(grad, out, 2, ctx.xp), a)


def _sqrt_grad(grad, out, factor, xp):
    """``grad / (factor * out)`` for ``out`` a square root, and 0 where ``out`` is 0 (PyTorch's
    choice at the kink, where the chain rule would give 0 * inf = nan)."""
    zero = xp.values(out) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(zero, 0.0 * grad, grad / (factor * out))


class Norm2(Function):
    """The 2-norm over ``dim`` in one node: at a zero vector the gradient is 0, as in
    PyTorch (through ``sqrt`` of the sum of squares it would be 0 * inf = nan)."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = _axes(dim, a.ndim)
        out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved
        scale = _sqrt_grad(grad, out, 1, ctx.xp)
        return expand_reduced(scale, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp) * a


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        axis = _axis(dim, a.ndim)
        e = np.exp(a - a.max(axis=axis, keepdims=True, initial=-np.inf))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return out * (grad - ctx.xp.sum(grad * out, ctx.axis, True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        axis = _axis(dim, a.ndim)
        shifted = a - a.max(axis=axis, keepdims=True, initial=-np.inf)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        xp = ctx.xp
        return grad - xp.exp(out) * xp.sum(grad, ctx.axis, True)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        axes = _axes(dim, a.ndim)
        if a.dtype.kind in "biu":  # PyTorch: integers and bools give the default float32
            a = a.astype(np.float32)
        m = a.max(axis=axes, keepdims=True, initial=-np.inf)  # -inf over no elements
        m = np.where(np.isinf(m), 0, m)  # all -inf (or an inf): no inf - inf = nan
        out = m + np.log(np.exp(a - m).sum(axis=axes, keepdims=True))
        result = out if keepdim else np.squeeze(out, axis=axes)
        ctx.save_for_backward(a, result)  # backward's weights are exp(a - result)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return result

    @staticmethod
    def backward(ctx, grad):
        a, result = ctx.saved
        xp = ctx.xp
        weights = xp.exp(a - expand_reduced(result, ctx.shape, ctx.axes, ctx.keepdim, xp))
        return weights * expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim, xp)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, dim):
        axis = _axis(dim, a.ndim)
        ctx.axis = axis
        return np.cumsum(a, axis=axis).reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        # out[i] = sum(a[:i+1]), so da[j] = sum(grad[j:]): a cumsum from the end.
        xp = ctx.xp
        return xp.flip(xp.cumsum(xp.flip(grad, ctx.axis), ctx.axis), ctx.axis)


class Prod(Function):
    """Product over ``dim`` (or all elements); the gradient is the product of the others."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = _axes(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.save_for_backward(a)
        return np.prod(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        xp = ctx.xp
        shape = tuple(a.shape)
        axes = ctx.axes if ctx.axes is not None else tuple(range(len(shape)))
        # Bring the reduced axes to the end as one axis; exclusive prefix/suffix products
        # give "product of the others" without dividing (exact when some inputs are zero).
        kept = [d for d in range(len(shape)) if d not in axes]
        order = kept + list(axes)
        moved = xp.transpose(a, order).reshape(tuple(shape[d] for d in kept) + (-1,))
        left = xp.exclusive_cumprod(moved)
        right = xp.flip(xp.exclusive_cumprod(xp.flip(moved, -1)), -1)
        others = (left * right).reshape(tuple(shape[d] for d in order))
        others = xp.transpose(others, np.argsort(order))
        return expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim, xp) * others
