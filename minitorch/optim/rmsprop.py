"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from ..tensor import Tensor, unwrap, wrap
from .optimizer import Optimizer, _check_range, decay_squares_, lerp_


class RMSprop(Optimizer):
    """RMSprop (Hinton), with PyTorch's update rule.

    For each parameter ``p`` with gradient ``g`` (``-g`` if ``maximize``)::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g        (centered only)
        r = sqrt(s - a * a) if centered else sqrt(s)
        buf = momentum * buf + g / (r + eps);  p = p - lr * buf    (momentum > 0)
        p = p - lr * g / (r + eps)                                  (otherwise)

    Freezing: a parameter whose ``requires_grad`` is False at the time of the step is not
    changed, whatever its ``.grad``, averages, momentum or weight decay; PyTorch's RMSprop
    skips only parameters whose ``.grad`` is None, so there a frozen parameter with a stale
    gradient keeps moving. A parameter found frozen at a step loses its averages (see
    ``minitorch.optim.optimizer``).

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward()
    >>> opt.step()   # 1 - 0.01 * 2 / sqrt(0.25 * 4)
    >>> w
    tensor([0.9800], requires_grad=True)
    """

    _state_names = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("eps", "weight_decay", "momentum"):
            _check_range(options, key, where)
        _check_range(options, "alpha", where, 0.0, 1.0)

    def _update(self, group: dict[str, Any], params: list[Tensor],
                grads: list[np.ndarray]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered, maximize = group["centered"], group["maximize"]
        for p, g in zip(params, grads):
            d = unwrap(p)
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = wrap(np.zeros_like(d))
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = wrap(np.zeros_like(d))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = wrap(np.zeros_like(d))
            state["step"] += 1
            g = self._penalized_grad(d, g, weight_decay, maximize)
            s = unwrap(state["square_avg"])
            tmp = self._scratch(d, 1)
            decay_squares_(s, g, alpha, tmp)
            if centered:
                a = unwrap(state["grad_avg"])
                lerp_(a, g, 1 - alpha, tmp)
                np.multiply(a, a, out=tmp)
                np.subtract(s, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            if momentum > 0:
                buf = unwrap(state["momentum_buffer"])
                buf *= momentum
                buf += tmp
                np.multiply(buf, lr, out=tmp)
            else:
                tmp *= lr
            d -= tmp
