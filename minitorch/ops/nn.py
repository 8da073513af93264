"""Fused neural-network ops: losses, dropout, normalisation, GELU and embedding lookup.

Each op is one graph node computed in numpy with a hand-written backward: cheaper than a
chain of small ops, and numerically stable where a naive chain overflows (cross-entropy
and BCE-with-logits of logits like +-1000). Arguments are validated by
``minitorch.nn.functional`` before they get here.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.array_namespace import numpy_namespace
from ..core.function import Function
from ..core.graph_engine import NO_HIGHER_ORDER, derived_node
from . import reduce as R


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size(a) -> int:
    """Number of elements of an array or a tensor."""
    return int(np.prod(a.shape))


def _scale(grad: np.ndarray, count: float, reduction: str) -> np.ndarray:
    """The upstream gradient per element: a 'mean' spreads it over ``count`` elements."""
    return grad / count if reduction == "mean" else grad


# ----------------------------------------------------------------------- pointwise losses
class MSELoss(Function):
    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        diff = input - target
        # The inputs, not ``diff``: backward recomputes it, and stays differentiable.
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved
        diff = input - target
        g = (2 * _scale(grad, _size(diff), ctx.reduction)) * diff
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None)


class L1Loss(Function):
    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        diff = input - target
        ctx.save_for_backward(np.sign(diff))
        ctx.reduction = reduction
        return _reduce(np.abs(diff), reduction)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved
        g = _scale(grad, _size(sign), ctx.reduction) * sign
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None)


class SmoothL1Loss(Function):
    """Quadratic below ``beta``, linear above (``beta=0`` is the L1 loss)."""

    @staticmethod
    def forward(ctx, input, target, reduction="mean", beta=1.0):
        diff = input - target
        absd = np.abs(diff)
        small = absd < beta
        ctx.save_for_backward(input, target, small)
        ctx.reduction, ctx.beta = reduction, beta
        quad = 0.5 * diff * diff / beta if beta > 0 else 0.0
        return _reduce(np.where(small, quad, absd - 0.5 * beta), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, small = ctx.saved
        xp, beta = ctx.xp, ctx.beta
        diff = input - target
        local = xp.where(small, diff / beta if beta > 0 else 0.0, xp.sign(diff))
        g = _scale(grad, _size(diff), ctx.reduction) * local
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None)


# ----------------------------------------------------------------------- classification losses
def _rows(x: np.ndarray) -> np.ndarray:
    """Class dim 1 (or the only dim) moved last and the rest flattened: shape (M, C)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(rows, shape: tuple[int, ...], xp):
    """Inverse of :func:`_rows` (``xp``: the backward rule's namespace)."""
    if len(shape) == 1:
        return rows[0]
    if len(shape) == 2:
        return rows
    moved = (shape[0], *shape[2:], shape[1])
    return xp.moveaxis(rows.reshape(moved), -1, 1)


def _per_sample_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return () if len(shape) == 1 else (shape[0], *shape[2:])


def _picked_weights(target: np.ndarray, weight, ignore_index: int, dtype) -> tuple:
    """Flattened targets (ignored ones set to 0), their class weights (0 when ignored)."""
    t = target.reshape(-1)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    wt = weight[safe] * valid if weight is not None else valid.astype(dtype)
    return safe, wt, valid


def _finish_loss(loss: np.ndarray, denom, reduction: str, shape: tuple[int, ...]):
    if reduction == "none":
        return loss.reshape(_per_sample_shape(shape))
    total = loss.sum()
    if reduction == "sum":
        return total
    if denom != 0:
        return total / denom
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
        return total / denom


class CrossEntropy(Function):
    """``log_softmax`` and the negative log-likelihood in one stable node.

    Targets are class indices (integer) or class probabilities (float, the input's shape).
    With class weights, ``'mean'`` divides by the summed weights of the targets (PyTorch).
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, reduction="mean", ignore_index=-100,
                label_smoothing=0.0):
        x = _rows(logits)
        m, c = x.shape
        if weight is not None:
            weight = weight.astype(x.dtype, copy=False)
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        logp = shifted - np.log(total)
        ls = label_smoothing
        soft = target.dtype.kind == "f"
        if soft:
            q = _rows(target)
            if ls:
                q = q * (1 - ls) + ls / c
            if weight is not None:
                q = q * weight
            loss = -(q * logp).sum(axis=1)
            denom = m
            ctx.save_for_backward(
                e / total if ctx.needs_input_grad[0] else None, q,
                logp if ctx.needs_input_grad[1] else None, weight,
            )
        else:
            if weight is None and not ls and not (target == ignore_index).any():
                # The common case: every target counts, with weight 1. The same numbers as
                # below (-1 * x is exact), without the arrays of weights and masks.
                safe, wt, valid = target.reshape(-1).copy(), None, None
                loss = -logp[np.arange(m), safe]
                denom = x.dtype.type(m)
            else:
                safe, wt, valid = _picked_weights(target, weight, ignore_index, x.dtype)
                loss = -wt * logp[np.arange(m), safe]
                if ls:
                    smooth = -(logp @ weight if weight is not None else logp.sum(axis=1))
                    loss = (1 - ls) * loss + (ls / c) * smooth * valid
                denom = wt.sum()
            ctx.save_for_backward(e / total if ctx.needs_input_grad[0] else None,
                                  safe, wt, valid, weight)
        ctx.meta = (logits.shape, reduction, ls, denom, soft)
        return _finish_loss(loss, denom, reduction, logits.shape)

    @staticmethod
    def backward(ctx, grad):
        shape, reduction, ls, denom, soft = ctx.meta
        xp = ctx.xp
        per = _scale(grad, denom, reduction).reshape(-1)  # one upstream value per row (or 1)
        if soft:
            probs, q, logp, weight = ctx.saved
            gx = gt = None
            if ctx.needs_input_grad[0]:
                gx = _unrows(per[:, None] * (probs * xp.sum(q, 1, True) - q), shape, xp)
            if ctx.needs_input_grad[1]:
                w = weight if weight is not None else 1.0
                gt = _unrows(-per[:, None] * (1 - ls) * w * logp, shape, xp)
            return gx, gt
        probs, safe, wt, valid, weight = ctx.saved
        m, c = probs.shape
        rows = (np.arange(m), xp.values(safe))
        picked = per * wt if wt is not None else per
        if ls:
            w_sum = weight.sum() if weight is not None else c
            g = probs * (per * ((1 - ls) * wt + (ls / c) * w_sum * valid))[:, None]
            w_row = weight if weight is not None else np.ones(c, xp.values(probs).dtype)
            g = g - (ls / c) * (per * valid)[:, None] * w_row
            g = xp.add_at(g, rows, -(1 - ls) * picked)
        else:
            g = xp.add_at(probs * picked[:, None], rows, -picked)
        return _unrows(g, shape, xp), None

    @staticmethod
    def graph_saved(node, position, value, xp):
        """For create_graph: the probabilities as the softmax of the logits they came
        from; targets, weights and masks carry no gradient here."""
        shape, _, _, _, soft = node.meta
        if position == 0:
            if len(shape) > 2:
                raise RuntimeError(NO_HIGHER_ORDER.format(
                    op=f"CrossEntropy of logits with {len(shape)} dims"))
            return derived_node(R.Softmax, node.next_edges[0], node.input_meta[0], (value,),
                                {"axis": 1}, value, xp)
        if soft and position == 2:  # log-probabilities, saved when the target needs grad
            return derived_node(R.LogSoftmax, node.next_edges[0], node.input_meta[0],
                                (value,), {"axis": 1}, value, xp)
        if soft and position == 1 and node.needs_input_grad[1]:  # smoothed or weighted
            raise RuntimeError(NO_HIGHER_ORDER.format(
                op="CrossEntropy with label smoothing or class weights and probability "
                   "targets that require grad"))
        return xp.constant(value, None)


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities at class-index targets."""

    @staticmethod
    def forward(ctx, logp, target, weight=None, reduction="mean", ignore_index=-100):
        x = _rows(logp)
        if weight is not None:
            weight = weight.astype(x.dtype, copy=False)
        safe, wt, _ = _picked_weights(target, weight, ignore_index, x.dtype)
        loss = -wt * x[np.arange(x.shape[0]), safe]
        denom = wt.sum()
        ctx.save_for_backward(safe, wt)
        ctx.meta = (logp.shape, x.shape, reduction, denom)
        return _finish_loss(loss, denom, reduction, logp.shape)

    @staticmethod
    def backward(ctx, grad):
        safe, wt = ctx.saved
        shape, rows_shape, reduction, denom = ctx.meta
        per = _scale(grad, denom, reduction).reshape(-1)
        xp = ctx.xp
        g = xp.index_put(rows_shape, (np.arange(rows_shape[0]), xp.values(safe)), -(per * wt))
        return _unrows(g, shape, xp), None


class BCEWithLogits(Function):
    """Sigmoid and binary cross-entropy in one stable node (``pos_weight`` weighs positives)."""

    @staticmethod
    def forward(ctx, x, y, weight=None, pos_weight=None, reduction="mean"):
        sp = numpy_namespace.softplus_neg(x)
        raw = (1 - y) * x + (sp if pos_weight is None else (1 + (pos_weight - 1) * y) * sp)
        loss = raw if weight is None else raw * weight
        ctx.save_for_backward(x, y, weight, pos_weight)
        ctx.meta = (reduction, loss.size)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, weight, pw = ctx.saved
        reduction, count = ctx.meta
        need, xp = ctx.needs_input_grad, ctx.xp
        g = _scale(grad, count, reduction)
        gw = g if weight is None else g * weight
        sp = xp.softplus_neg(x)
        out = [None, None, None, None]
        if need[0]:
            sig = 0.5 * (1 + xp.tanh(0.5 * x))
            lw = 1.0 if pw is None else 1 + (pw - 1) * y
            out[0] = gw * ((1 - y) - lw * (1 - sig))
        if need[1]:
            out[1] = gw * (-x + (0 if pw is None else (pw - 1) * sp))
        if weight is not None and need[2]:
            raw = (1 - y) * x + (sp if pw is None else (1 + (pw - 1) * y) * sp)
            out[2] = g * raw
        if pw is not None and need[3]:
            out[3] = gw * y * sp
        return tuple(out)


class BCE(Function):
    """Binary cross-entropy of probabilities; logs are clamped at -100 like PyTorch's."""

    @staticmethod
    def forward(ctx, x, y, weight=None, reduction="mean"):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y, weight)
        ctx.meta = (reduction, loss.size)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, weight = ctx.saved
        reduction, count = ctx.meta
        xp = ctx.xp
        g = _scale(grad, count, reduction)
        if weight is not None:
            g = g * weight
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - y) / xp.maximum((1 - x) * x, 1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gy = -g * (xp.maximum(xp.log(x), -100) - xp.maximum(xp.log1p(-x), -100))
        return gx, gy


# ----------------------------------------------------------------------- layers
class Dropout(Function):
    """Zero each element with probability ``p``, scale the rest by ``1/(1-p)``."""

    @staticmethod
    def forward(ctx, x, p, generator):
        kind = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        mask = (generator.random(x.shape, dtype=kind) >= p).astype(x.dtype)
        if p < 1:
            mask *= 1.0 / (1.0 - p)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return grad * mask


def _channel_axes(x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """BatchNorm's reduction axes (all but dim 1) and a per-channel broadcast shape."""
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    return axes, shape


def _norm_backward(g_hat, xhat, invstd, axes, xp):
    """Input gradient of ``xhat = (x - mean) * invstd`` with batch mean and (biased) var."""
    return invstd * (
        g_hat - xp.mean(g_hat, axes, True) - xhat * xp.mean(g_hat * xhat, axes, True)
    )


class NormalizedInput(Function):
    """``xhat`` = (x - mean) * invstd over ``axes``, as a function of x. Never run forward:
    for create_graph, BatchNorm and LayerNorm give back their saved ``xhat`` as its output
    (and ``invstd`` as :class:`InvStd`'s), so both stay differentiable in x."""

    @staticmethod
    def backward(ctx, grad):
        xhat, invstd = ctx.saved
        return _norm_backward(grad, xhat, invstd, ctx.axes, ctx.xp)

    @staticmethod
    def graph_saved(node, position, value, xp):
        return _normalized(node, InvStd, node.next_edges[0], node.input_meta[0], xp)


class InvStd(Function):
    """``invstd`` = 1 / sqrt(var(x) + eps) over ``axes`` (keepdims), as a function of x:
    d invstd / dx = -invstd**2 * xhat / n. Never run forward (see NormalizedInput)."""

    @staticmethod
    def backward(ctx, grad):
        xhat, invstd = ctx.saved
        n = _size(xhat) // _size(invstd)
        return -(grad * invstd * invstd) * xhat / n

    @staticmethod
    def graph_saved(node, position, value, xp):
        return _normalized(node, NormalizedInput, node.next_edges[0], node.input_meta[0], xp)


def _normalized(node, fn, edge, meta, xp):
    """The saved xhat (fn=NormalizedInput) or invstd (fn=InvStd) of ``node`` as a tensor
    recorded as a function of the input behind ``edge``."""
    xhat, invstd = node.saved[0], node.saved[1]
    value = xhat if fn is NormalizedInput else invstd
    return derived_node(fn, edge, meta, (xhat, invstd), {"axes": node.norm_axes}, value, xp)


class BatchNormTrain(Function):
    """Normalise with the batch's statistics; update running ones (arrays) in place."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, factor=0.1,
                eps=1e-5):
        axes, cshape = _channel_axes(x)
        n = x.size // x.shape[1]
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * invstd
        out = xhat * weight.reshape(cshape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.reshape(cshape)
        if running_mean is not None:
            running_mean *= 1 - factor
            running_mean += factor * mean.reshape(-1)
            running_var *= 1 - factor
            running_var += factor * var.reshape(-1) * (n / (n - 1))  # unbiased, as PyTorch
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.norm_axes = axes
        return out

    @staticmethod
    def backward(ctx, grad):
        xhat, invstd, weight = ctx.saved
        axes, cshape = _channel_axes(grad)
        need, xp = ctx.needs_input_grad, ctx.xp
        gx = gw = gb = None
        if need[0]:
            g_hat = grad * weight.reshape(cshape) if weight is not None else grad
            gx = _norm_backward(g_hat, xhat, invstd, axes, xp)
        if need[1]:
            gw = xp.sum(grad * xhat, axes)
        if need[2]:
            gb = xp.sum(grad, axes)
        return gx, gw, gb

    @staticmethod
    def graph_saved(node, position, value, xp):
        fn = NormalizedInput if position == 0 else InvStd
        return _normalized(node, fn, node.next_edges[0], node.input_meta[0], xp)


class BatchNormEval(Function):
    """Normalise with fixed (running) statistics: a per-channel affine map of x."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps=1e-5):
        _, cshape = _channel_axes(x)
        mean = running_mean.astype(x.dtype, copy=False)
        invstd = 1.0 / np.sqrt(running_var.astype(x.dtype, copy=False) + eps)
        scale = invstd * weight if weight is not None else invstd
        shift = -mean * scale if bias is None else bias - mean * scale
        # The weight itself, not ``scale``: backward stays differentiable in the weight.
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, mean, invstd, weight)
        return x * scale.reshape(cshape) + shift.reshape(cshape)

    @staticmethod
    def backward(ctx, grad):
        x, mean, invstd, weight = ctx.saved
        axes, cshape = _channel_axes(grad)
        need, xp = ctx.needs_input_grad, ctx.xp
        gx = gw = None
        if need[0]:
            scale = invstd * weight if weight is not None else invstd
            gx = grad * scale.reshape(cshape)
        if need[1]:
            gw = xp.sum(grad * (x - mean.reshape(cshape)), axes) * invstd
        gb = xp.sum(grad, axes) if need[2] else None
        return gx, gw, gb


class LayerNorm(Function):
    """Normalise over the last ``ndim`` dims of each sample, then scale and shift."""

    @staticmethod
    def forward(ctx, x, weight, bias, ndim, eps=1e-5):
        axes = tuple(range(x.ndim - ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        invstd = 1.0 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
        xhat = xc * invstd
        out = xhat * weight if weight is not None else xhat.copy()
        if bias is not None:
            out += bias
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.axes = ctx.norm_axes = axes
        return out

    @staticmethod
    def backward(ctx, grad):
        xhat, invstd, weight = ctx.saved
        need = ctx.needs_input_grad
        gx = None
        if need[0]:
            g_hat = grad * weight if weight is not None else grad
            gx = _norm_backward(g_hat, xhat, invstd, ctx.axes, ctx.xp)
        # The engine sums these over the leading (batch) dims down to the weight's shape.
        return gx, grad * xhat if need[1] else None, grad if need[2] else None

    graph_saved = BatchNormTrain.graph_saved


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GELU(Function):
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh formula (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
            return 0.5 * x * (1 + np.tanh(inner))
        return 0.5 * x * (1 + numpy_namespace.erf(x * (1 / math.sqrt(2.0))))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = ctx.xp
        if ctx.approximate == "tanh":
            t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
            d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
        cdf = 0.5 * (1 + xp.erf(x * (1 / math.sqrt(2.0))))
        pdf = xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


class Embedding(Function):
    """Rows of ``weight`` at integer ``indices``; the gradient adds up repeated rows."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        ctx.save_for_backward(indices)
        ctx.meta = (weight.shape, padding_idx)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved
        shape, padding_idx = ctx.meta
        xp = ctx.xp
        flat = xp.values(indices).reshape(-1)
        rows = grad.reshape(-1, shape[1])
        if padding_idx is not None:  # the padding row never trains
            rows = xp.where((flat != padding_idx)[:, None], rows, 0)
        return xp.index_add(shape, flat, rows), None
