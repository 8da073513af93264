"""Reductions: sum, mean, max/min, var, softmax and log-softmax."""
from __future__ import annotations

import numpy as np

from ..core.function import Function
from ._util import expand_reduced, normalize_dims


def _count(shape: tuple[int, ...], axes) -> int:
    """How many elements a reduction over ``axes`` combines into each output."""
    return int(np.prod(shape if axes is None else [shape[i] for i in axes]))


class Sum(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = normalize_dims(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return np.sum(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        if a.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean() needs a floating point tensor, got {a.dtype}; call .float() first"
            )
        axes = normalize_dims(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.count = count = _count(a.shape, axes)
        if count == 0:  # PyTorch: nan, without numpy's "Mean of empty slice" warning
            shape = np.sum(a, axis=axes, keepdims=keepdim).shape
            return np.full(shape, np.nan, a.dtype)
        return np.mean(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_reduced(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


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


class Var(Function):
    @staticmethod
    def forward(ctx, a, dim=None, correction=1, keepdim=False):
        axes = normalize_dims(dim, a.ndim)
        n = _count(a.shape, axes)
        centered = a - a.mean(axis=axes, keepdims=True)
        denom = max(n - correction, 0)
        ctx.save_for_backward(centered)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom = a.shape, axes, keepdim, denom
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(centered * centered, axis=axes, keepdims=keepdim) / denom

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved
        grad = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * (2 / ctx.denom) * centered


class Softmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        (axis,) = normalize_dims(dim, a.ndim)
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, a, dim):
        (axis,) = normalize_dims(dim, a.ndim)
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        axes = normalize_dims(dim, a.ndim)
        m = a.max(axis=axes, keepdims=True)
        out = m + np.log(np.exp(a - m).sum(axis=axes, keepdims=True))
        ctx.save_for_backward(np.exp(a - out))
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (weights,) = ctx.saved
        return weights * expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, dim):
        (axis,) = normalize_dims(dim, a.ndim)
        ctx.axis = axis
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # out[i] = sum(a[:i+1]), so da[j] = sum(grad[j:]): a cumsum from the end.
        flipped = np.flip(grad, ctx.axis)
        return np.flip(np.cumsum(flipped, axis=ctx.axis), ctx.axis)


class Prod(Function):
    """Product over ``dim`` (or all elements); the gradient is the product of the others."""

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        axes = normalize_dims(dim, a.ndim)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.save_for_backward(a)
        return np.prod(a, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        axes = ctx.axes if ctx.axes is not None else tuple(range(a.ndim))
        # Bring the reduced axes to the end as one axis; exclusive prefix/suffix products
        # give "product of the others" without dividing (exact when some inputs are zero).
        kept = [d for d in range(a.ndim) if d not in axes]
        moved = np.transpose(a, kept + list(axes)).reshape([a.shape[d] for d in kept] + [-1])
        ones = np.ones(moved.shape[:-1] + (1,), dtype=moved.dtype)
        left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape([a.shape[d] for d in kept] + [a.shape[d] for d in axes])
        others = np.transpose(others, np.argsort(kept + list(axes)))
        return expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim) * others
