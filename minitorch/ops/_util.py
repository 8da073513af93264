"""Small helpers shared by the op modules."""
from __future__ import annotations

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


def expand_reduced(grad: np.ndarray, shape: tuple[int, ...], axes, keepdim: bool) -> np.ndarray:
    """Give a reduction's gradient back the reduced axes so it broadcasts to ``shape``."""
    if axes is None:
        return np.broadcast_to(grad.reshape((1,) * len(shape)) if shape else grad, shape)
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)
