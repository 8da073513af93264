"""``nn.Dropout``: randomly zero activations in training mode."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training (scaling the rest by
    ``1/(1-p)``); the identity in eval mode. Draws from the global generator
    (``minitorch.manual_seed``).

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> drop = nn.Dropout(0.5).eval()
    >>> drop(mt.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = F._check_p(p)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
