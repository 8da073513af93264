"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

from ..tensor import Tensor, unwrap, wrap
from .optimizer import Optimizer, _check_range, decay_squares_, lerp_


class Adam(Optimizer):
    """Adam (Kingma & Ba), with PyTorch's update rule and a per-parameter step count ``t``.

    For each parameter ``p`` with gradient ``g`` (``-g`` if ``maximize``)::

        t = t + 1
        p = p * (1 - lr * weight_decay)     if decoupled_weight_decay (AdamW)
        g = g + weight_decay * p            otherwise (L2 penalty)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)               if amsgrad (then v_max replaces v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Freezing: a parameter whose ``requires_grad`` is False at the time of the step is not
    changed, whatever its ``.grad``, moments or weight decay; PyTorch's Adam skips only
    parameters whose ``.grad`` is None, so there a frozen parameter with a stale gradient
    keeps moving, and its moments move it for many steps after a zero gradient. A parameter
    found frozen at a step loses its moments and step count, and so restarts with fresh
    bias correction if unfrozen (see ``minitorch.optim.optimizer``).

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> w = mt.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w   # the first Adam step moves each weight by about lr
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _state_names = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        super()._check_options(options, where)
        _check_range(options, "eps", where)
        _check_range(options, "weight_decay", where)
        if "betas" in options:
            betas = options["betas"]
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r} (in {where})")
            for i, beta in enumerate(betas):
                _check_range({f"beta parameter at index {i}": beta},
                             f"beta parameter at index {i}", where, 0.0, 1.0, high_open=True)

    def _update(self, group: dict[str, Any], params: list[Tensor],
                grads: list[np.ndarray]) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p, g in zip(params, grads):
            d = unwrap(p)
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = wrap(np.zeros_like(d))
                state["exp_avg_sq"] = wrap(np.zeros_like(d))
                if amsgrad:
                    state["max_exp_avg_sq"] = wrap(np.zeros_like(d))
            state["step"] += 1
            t = state["step"]
            if weight_decay and decoupled:
                d *= 1 - lr * weight_decay
            g = self._penalized_grad(d, g, 0 if decoupled else weight_decay, maximize)
            m, v = unwrap(state["exp_avg"]), unwrap(state["exp_avg_sq"])
            tmp = self._scratch(d, 1)
            lerp_(m, g, 1 - beta1, tmp)
            decay_squares_(v, g, beta2, tmp)
            if amsgrad:
                if "max_exp_avg_sq" not in state:  # amsgrad switched on after the start
                    state["max_exp_avg_sq"] = wrap(v.copy())
                v = unwrap(state["max_exp_avg_sq"])
                np.maximum(v, unwrap(state["exp_avg_sq"]), out=v)
            # lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), with sqrt(bc2) moved out: one pass less
            root_bc2 = math.sqrt(1 - beta2**t)
            np.sqrt(v, out=tmp)
            tmp += eps * root_bc2
            np.divide(m, tmp, out=tmp)
            tmp *= lr * root_bc2 / (1 - beta1**t)
            d -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr *
    weight_decay`` before the Adam step, instead of adding ``weight_decay * p`` to the
    gradient. Same freezing rule as :class:`Adam`: a frozen parameter is not decayed.

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> w = mt.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = mt.tensor([0.0])
    >>> opt.step()   # zero gradient: only the decay acts, 1 * (1 - 0.1 * 0.5)
    >>> w
    tensor([0.9500], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
