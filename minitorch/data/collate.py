"""Turning a list of samples into a batch: ``default_collate`` and the batched fetch."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..dtype import from_numpy_dtype
from ..functions import stack
from ..tensor import Tensor, unwrap, wrap

_PY_NUMBERS = (bool, int, float)


def default_collate(batch: list) -> Any:
    """Stack a list of samples into one batch, field by field.

    Tensors and numpy arrays are stacked along a new first dim (dtype kept); numbers become
    a 1-D tensor (ints int64, floats float32 as in ``minitorch.tensor``; PyTorch makes
    float64 here, a common source of dtype errors); strings stay a list; tuples, lists,
    named tuples and dicts are collated per field, lists and tuples giving tuples.

    >>> import minitorch as mt
    >>> x, y = default_collate([(mt.zeros(3), 1), (mt.ones(3), 0)])
    >>> x.shape, y.tolist()
    ((2, 3), [1, 0])
    """
    if not batch:
        raise ValueError("default_collate got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_shapes([t.shape for t in batch])
        if any(t.requires_grad for t in batch):
            return stack(batch)  # keeps the graph, as torch.stack would
        return wrap(np.stack([unwrap(t) for t in batch]))
    if isinstance(elem, (np.ndarray, np.generic)):
        arrays = [np.asarray(a) for a in batch]
        _check_shapes([a.shape for a in arrays])
        out = np.stack(arrays)
        from_numpy_dtype(out.dtype)  # a clear error for unsupported dtypes
        return wrap(out)
    if isinstance(elem, _PY_NUMBERS):
        out = np.asarray(batch)
        if out.dtype == np.float64:
            out = out.astype(np.float32)
        elif out.dtype.kind not in "bif":
            raise TypeError(
                f"default_collate: can't batch numbers mixed with other types: {batch!r:.80}"
            )
        return wrap(out)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each sample in a batch should have the same number of fields")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        return type(elem)(*fields) if hasattr(elem, "_fields") else tuple(fields)
    raise TypeError(
        f"default_collate: can't batch samples of type {type(elem).__name__}; a Dataset's "
        "__getitem__ should return tensors, numpy arrays, numbers, or tuples, lists or dicts "
        "of them (or pass DataLoader(..., collate_fn=...))"
    )


def _check_shapes(shapes: list) -> None:
    first = shapes[0]
    for i, shape in enumerate(shapes):
        if shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(shape)} at entry {i}"
            )


def as_indices(index: slice | np.ndarray) -> range | list:
    """A batch index (a slice or an int array) as Python ints, for per-sample access."""
    if isinstance(index, slice):
        return range(index.start, index.stop)
    return index.tolist()


def samples(dataset: Any, index: slice | np.ndarray) -> list:
    """The samples of one batch, through ``__getitems__`` when the dataset has it."""
    indices = as_indices(index)
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        return list(getitems(list(indices)))
    return [dataset[i] for i in indices]


def fetch(dataset: Any, index: slice | np.ndarray) -> Any:
    """One collated batch: datasets with ``_batch`` (TensorDataset, Subset) index whole
    batches at once; any other dataset is read sample by sample and collated."""
    batch = getattr(dataset, "_batch", None)
    if batch is not None:
        return batch(index)
    return default_collate(samples(dataset, index))
