"""The legacy ``Variable`` wrapper: today it is simply a tensor."""
from __future__ import annotations

from typing import Any

from ..creation import tensor
from ..tensor import Tensor


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """``Variable(t, requires_grad=...)`` from old PyTorch code: returns ``t`` itself.

    Like PyTorch since 0.4, the tensor is returned (with ``requires_grad`` set when asked).
    """
    if not isinstance(data, Tensor):
        data = tensor(data)
    if requires_grad:
        data.requires_grad_(True)
    return data
