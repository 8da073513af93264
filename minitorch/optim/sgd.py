"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from ..tensor import Tensor, unwrap, wrap
from .optimizer import Optimizer, _check_range


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update rule.

    For each parameter ``p`` with gradient ``g`` (``-g`` if ``maximize``)::

        g = g + weight_decay * p
        buf = g                                     (first update)
        buf = momentum * buf + (1 - dampening) * g  (later updates)
        g = g + momentum * buf if nesterov else buf (when momentum != 0)
        p = p - lr * g

    Freezing: a parameter whose ``requires_grad`` is False at the time of the step is not
    changed, whatever its ``.grad``, momentum buffer or weight decay; PyTorch's SGD skips
    only parameters whose ``.grad`` is None, so there a frozen parameter with a stale
    gradient, or a zero gradient with weight decay or momentum, keeps moving. A parameter
    found frozen at a step loses its momentum buffer (see ``minitorch.optim.optimizer``).

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> round(w.item(), 4)   # 1 - 0.2 = 0.8, then 0.8 - 0.1 * (0.9 * 2 + 1.6)
    0.46
    """

    _state_names = frozenset({"momentum_buffer"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        super()._check_options(options, where)
        for key in ("momentum", "dampening", "weight_decay"):
            _check_range(options, key, where)
        if options.get("nesterov") and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum and zero dampening, got momentum="
                f"{options['momentum']}, dampening={options['dampening']} (in {where})"
            )

    def _update(self, group: dict[str, Any], params: list[Tensor],
                grads: list[np.ndarray]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        for p, g in zip(params, grads):
            d = unwrap(p)
            g = self._penalized_grad(d, g, weight_decay, maximize)
            if momentum:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = wrap(np.array(g, dtype=d.dtype))
                    b = unwrap(buf)
                else:
                    b = unwrap(buf)
                    b *= momentum
                    if dampening:
                        b += g * (1 - dampening)
                    else:
                        b += g
                if nesterov:
                    step = self._scratch(d, 1)
                    np.multiply(b, momentum, out=step)
                    step += g
                    g = step
                else:
                    g = b
            step = self._scratch(d, 1)
            np.multiply(g, lr, out=step)
            d -= step
