"""``nn.utils``: gradient clipping."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..tensor import Tensor, bump_version, unwrap, wrap

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """Parameters that have a gradient and are trainable now.

    A frozen parameter's stale gradient is left out: it would shrink the clipping of the
    others, and the optimizer never applies it anyway (the freezing rule).
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None and p.requires_grad]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale gradients in place so their total norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor).

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> w = nn.Parameter(mt.zeros(2)); w.grad = mt.tensor([3.0, 4.0])
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    params = _with_grads(parameters)
    if not params:
        return wrap(np.asarray(0.0, dtype=np.float32))
    grads = [unwrap(p.grad) for p in params]
    norm_type = float(norm_type)
    if norm_type == float("inf"):
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
    else:
        total = float(sum(float((np.abs(g.astype(np.float64)) ** norm_type).sum()) for g in grads)
                      ) ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients is non-finite ({total}), so it "
            f"cannot be clipped. Set error_if_nonfinite=False to skip this check."
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for p, g in zip(params, grads):
            g *= coef
            bump_version(p.grad, "clip_grad_norm_")
    return wrap(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    for p in _with_grads(parameters):
        grad = unwrap(p.grad)
        np.clip(grad, -clip_value, clip_value, out=grad)
        bump_version(p.grad, "clip_grad_value_")
