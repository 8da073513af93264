"""Matrix products: matmul (numpy's 1-D and batch rules) and the fused linear layer."""
from __future__ import annotations

import numpy as np

from ..core.function import Function


def _check_matmul(a: np.ndarray, b: np.ndarray, name: str = "matmul") -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"{name}: both arguments need at least 1 dimension, got shapes {a.shape} and "
            f"{b.shape}; use * to multiply by a scalar"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{name}: expected both operands to have the same dtype, got {a.dtype} and "
            f"{b.dtype}; convert one of them with .float() or .double()"
        )
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner_b:
        raise RuntimeError(
            f"{name}: shapes {a.shape} and {b.shape} cannot be multiplied "
            f"({a.shape[-1]} != {inner_b}): the last dim of the first must equal the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} dim of the second"
        )


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.dtype != b.dtype:  # numpy would silently promote
            _check_matmul(a, b)
        try:
            out = a @ b
        except ValueError:  # explain numpy's shape error (no cost when shapes fit)
            _check_matmul(a, b)
            raise
        ctx.save_for_backward(
            b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None
        )
        ctx.ndims = (a.ndim, b.ndim)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved
        a_ndim, b_ndim = ctx.ndims
        # Treat 1-D operands as matrices (a row, a column), as numpy's matmul does.
        # Restore b's missing column first: for 1-D @ 1-D the gradient is 0-d.
        if b_ndim == 1:
            grad = grad[..., None]
        if a_ndim == 1:
            grad = grad[..., None, :]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            b2 = b[:, None] if b_ndim == 1 else b
            ga = grad @ b2.swapaxes(-1, -2)  # a method arrays and tensors share
            if a_ndim == 1:
                ga = ga[..., 0, :]
        if ctx.needs_input_grad[1]:
            a2 = a[None, :] if a_ndim == 1 else a
            gb = a2.swapaxes(-1, -2) @ grad
            if b_ndim == 1:
                gb = gb[..., 0]
        return ga, gb  # the engine sums broadcast batch dims away


class Linear(Function):
    """``x @ weight.T + bias`` in one node: one matmul forward, only the needed ones back.

    A frozen weight costs no weight-gradient matmul and keeps no copy of ``x``.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise RuntimeError(
                f"linear: input of shape {x.shape} cannot be multiplied by a weight of "
                f"shape {weight.shape} (in_features={weight.shape[1]}): the input's last "
                f"dim must be {weight.shape[1]}"
            )
        if x.dtype != weight.dtype:
            raise RuntimeError(
                f"linear: input dtype {x.dtype} does not match weight dtype {weight.dtype}; "
                f"convert the input with .float() (or the model with .double())"
            )
        ctx.save_for_backward(
            weight if ctx.needs_input_grad[0] else None,
            x if ctx.needs_input_grad[1] else None,
        )
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        weight, x = ctx.saved
        gx = grad @ weight if ctx.needs_input_grad[0] else None
        gw = gb = None
        if ctx.needs_input_grad[1]:
            gw = grad.reshape(-1, grad.shape[-1]).T @ x.reshape(-1, x.shape[-1])
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            gb = ctx.xp.sum(grad.reshape(-1, grad.shape[-1]), 0)
        return gx, gw, gb
