"""PyTorch's wording for numpy's indexing errors (the class stays IndexError, as in PyTorch).

A boolean mask of the wrong shape names both shapes and where they meet, as PyTorch says
it: ``The shape of the mask [2] at index 0 does not match the shape of the indexed tensor
[3, 2] at index 0``.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _mask_position(shape: tuple, index: Any) -> tuple[np.ndarray, int, int] | None:
    """(mask, the mask's dim that does not fit, the tensor's dim it meets) for the first
    boolean mask that does not fit ``shape``; None if every mask fits."""
    items = index if isinstance(index, tuple) else (index,)
    consumed = sum(_dims_of(i) for i in items if i is not Ellipsis)
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += len(shape) - consumed
            continue
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            for j, n in enumerate(item.shape):
                if dim + j >= len(shape) or shape[dim + j] != n:
                    return item, j, dim + j
        dim += _dims_of(item)
    return None


def _dims_of(item: Any) -> int:
    if item is None:
        return 0
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return max(item.ndim, 1)
    return 1


def index_error(shape: tuple, index: Any, err: Exception) -> Exception:
    """An IndexError about indexing a tensor of ``shape`` with ``index``."""
    found = _mask_position(shape, index)
    if found is not None:
        mask, position, dim = found
        return IndexError(
            f"The shape of the mask {list(mask.shape)} at index {position} does not match "
            f"the shape of the indexed tensor {list(shape)} at index {dim}"
        )
    message = str(err).replace("numpy.newaxis (`None`)", "None").replace("axis", "dimension")
    message = message.replace("arrays", "tensors")
    message = message.replace("array", "tensor")
    return IndexError(f"{message} (indexing a tensor of shape {tuple(shape)})")
