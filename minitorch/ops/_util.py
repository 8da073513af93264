"""Small helpers shared by the op modules."""
from __future__ import annotations

from typing import Any

import numpy as np


def normalize_dims(dim, ndim: int) -> tuple[int, ...] | None:
    """Turn ``dim`` (None, an int or a sequence of ints, negatives allowed) into axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of "
                f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})"
            )
        out.append(d % ndim if ndim else 0)
    return tuple(out)


def expand_reduced(grad: Any, shape: tuple[int, ...], axes, keepdim: bool, xp: Any) -> Any:
    """Give a reduction's gradient back the reduced axes so it broadcasts to ``shape``
    (``xp``: the backward rule's array namespace, ``ctx.xp``)."""
    if axes is None:
        return xp.broadcast_to(grad.reshape((1,) * len(shape)) if shape else grad, shape)
    if not keepdim and axes:
        grad = xp.expand_dims(grad, axes)
    return xp.broadcast_to(grad, shape)


def check_int_divisor(a: Any, b: Any) -> None:
    """PyTorch raises for an integer ``//`` or ``%`` by zero; numpy would give 0 silently."""
    if np.result_type(a, b).kind in "iu" and np.size(a) and not np.all(b):
        raise RuntimeError(
            "ZeroDivisionError: integer division or modulo by zero (the divisor has a 0); "
            "convert to float first for inf/nan results"
        )
