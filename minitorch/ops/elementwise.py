"""Elementwise ops: arithmetic, unary math and activations."""
from __future__ import annotations

import numpy as np

from ..core.array_namespace import numpy_namespace
from ..core.function import Function
from ._util import check_int_divisor


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class AddScaled(Function):
    """``a + alpha * b``: the ``alpha`` of ``add``/``sub``."""

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        return a + alpha * b

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad * ctx.alpha if ctx.needs_input_grad[1] else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        # Keep only what the needed gradients use: a frozen factor saves nothing extra.
        ctx.save_for_backward(
            b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None
        )
        return a * b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = a / b
        ctx.save_for_backward(b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * out / b if ctx.needs_input_grad[1] else None
        return ga, gb


def _int_pow_negative(a, b):
    """Integer ``a ** b`` with some ``b < 0``, as PyTorch computes it for a tensor exponent
    (numpy refuses): 1 for a == 1, +-1 for a == -1, otherwise 0 (the truncated result)."""
    base = np.asarray(a)
    negative = b < 0
    with np.errstate(all="ignore"):
        kept = base ** np.where(negative, 0, b)
    one = np.where(base == -1, np.where(b % 2 == 0, 1, -1), np.where(base == 1, 1, 0))
    return np.where(negative, one, kept).astype(np.result_type(a, b), copy=False)


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        if (isinstance(b, np.ndarray) and b.dtype.kind in "iu"
                and np.result_type(a, b).kind in "iu" and (b < 0).any()):
            out = _int_pow_negative(a, b)
        else:
            out = a ** b
        if out.dtype == np.int8 and np.result_type(a, b) == np.bool_:
            out = out.astype(np.bool_)  # bool ** bool is bool in PyTorch (numpy: int8)
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # PyTorch: an exponent of 0 gives a zero gradient, also at a == 0 (not 0 * inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = grad * b * a ** (b - 1)
            zero = ctx.xp.values(b) == 0
            if np.any(zero):
                ga = ctx.xp.where(zero, 0.0 * grad, ga)
        if ctx.needs_input_grad[1]:
            xp = ctx.xp
            # PyTorch: out * log(a), except 0 where a == 0 and b >= 0 (log(0) = -inf would
            # give nan there); a negative base gives nan, as log does
            base = xp.values(a)
            zero = (base == 0) & (xp.values(b) >= 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = grad * xp.where(zero, 0.0, out * xp.log(a))
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad / a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * ctx.xp.sign(a)


class Erf(Function):
    """The error function (GELU's and the normal CDF's building block)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return numpy_namespace.erf(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * (_TWO_OVER_SQRT_PI * ctx.xp.exp(-(a * a)))


_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


class Sin(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad * ctx.xp.cos(a)


class Cos(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return -grad * ctx.xp.sin(a)


class Clamp(Function):
    @staticmethod
    def forward(ctx, a, min=None, max=None):
        out = np.clip(a, min, max)
        # The gradient flows where the input was inside [min, max] (bounds included).
        ctx.save_for_backward(out == a)
        return out

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved
        return grad * inside


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        # PyTorch's threshold: a negative becomes +0.0 (a * mask would give -0.0), NaN and
        # -0.0 pass through, and the gradient is blocked only where a <= 0 (NaN passes it).
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(~(a <= 0))  # a boolean mask: a quarter of a float32 copy
        out = np.maximum(a, a.dtype.type(0), out=np.empty_like(a))  # NaN passes; -0.0 too
        # gives +0.0 (an array even for 0-d input: numpy returns a scalar there)
        if a.dtype.kind == "f":
            np.copysign(out, a, out=out, where=(a == 0))  # so give -0.0 back its sign
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return grad * mask


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        mask = a > 0
        ctx.save_for_backward(mask)
        ctx.slope = negative_slope
        return np.where(mask, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return ctx.xp.where(mask, grad, grad * ctx.slope)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        out = 0.5 * (1 + np.tanh(0.5 * a))  # stable for any input, no overflow warnings
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out * (1 - out)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (1 - out * out)


class Maximum(Function):
    """Elementwise max of two tensors; ties share the gradient equally, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b, largest=True):
        ctx.save_for_backward(a, b)
        ctx.largest = largest
        return np.maximum(a, b) if largest else np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        xp = ctx.xp
        a, b = xp.values(a), xp.values(b)
        loses_a = (a < b) if ctx.largest else (a > b)
        loses_b = (a > b) if ctx.largest else (a < b)
        dtype = xp.values(grad).dtype
        # PyTorch: a tie shares the gradient; where a NaN is compared (neither wins nor
        # ties) both inputs get the whole gradient
        share_a = xp.constant(np.where(a == b, 0.5, ~loses_a).astype(dtype), grad)
        share_b = xp.constant(np.where(a == b, 0.5, ~loses_b).astype(dtype), grad)
        return grad * share_a, grad * share_b


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved
        xp = ctx.xp
        ga = xp.where(condition, grad, 0) if ctx.needs_input_grad[1] else None
        gb = xp.where(condition, 0, grad) if ctx.needs_input_grad[2] else None
        return None, ga, gb


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.save_for_backward(mask)
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return ctx.xp.where(mask, 0, grad), None, None


class Cast(Function):
    exact_dtype = True

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine casts it back to the input's dtype


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Copy(Function):
    """``a.copy_(src)``: the result is src, broadcast and cast to a's shape and dtype."""

    @staticmethod
    def forward(ctx, a, src):
        return np.array(np.broadcast_to(src, a.shape), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return None, grad


class Fill(Function):
    """``fill_``/``zero_``/``uniform_``: the result no longer depends on the input."""

    @staticmethod
    def forward(ctx, a, value):
        if a.dtype.kind in "iu" and isinstance(value, (int, float)) and not isinstance(
                value, bool):
            limits = np.iinfo(a.dtype)
            if not limits.min <= value <= limits.max:  # numpy would wrap around silently
                raise RuntimeError(
                    f"value {value} cannot be converted to type {a.dtype} without overflow"
                )
        return np.array(np.broadcast_to(value, a.shape), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return None, None


class Remainder(Function):
    """``a % b`` with the divisor's sign (Python's and PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        check_int_divisor(a, b)
        ctx.save_for_backward(np.floor_divide(a, b) if ctx.needs_input_grad[1] else None)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        (quotient,) = ctx.saved
        return grad, (-grad * quotient if ctx.needs_input_grad[1] else None)
