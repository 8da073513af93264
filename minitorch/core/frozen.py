"""The freezing rule, in one place: a tensor is frozen when ``requires_grad`` is False.

What follows from it, and where (explained once in docs/freezing.md, "What freezing means"):

- backward computes no gradient for a frozen leaf, and a leaf frozen after its graph was
  built receives none (``AccumulateGrad.accumulate`` in core/engine.py);
- optimizers never change a frozen parameter, even with a stale ``.grad``, momentum or
  weight decay (``Optimizer._active`` and the step guard in optim/optimizer.py);
- a BatchNorm layer whose affine parameters are all frozen keeps its running statistics
  (``BatchNorm1d.stats_frozen`` in nn/normalization.py).
"""
from __future__ import annotations

from typing import Any

__all__ = ["is_frozen"]


def is_frozen(tensor: Any) -> bool:
    """True when ``tensor`` takes no gradient and no optimizer update.

    >>> import minitorch as mt
    >>> is_frozen(mt.zeros(2)), is_frozen(mt.zeros(2, requires_grad=True))
    (True, False)
    """
    return not tensor.requires_grad
