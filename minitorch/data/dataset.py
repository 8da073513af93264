"""Map-style datasets: Dataset, TensorDataset, Subset, ConcatDataset and random_split."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Sequence

import numpy as np

from ..dtype import from_numpy_dtype
from ..tensor import Tensor, unwrap, wrap
from ..tensor_mixins.base import index_data
from ._util import dataset_length, make_rng
from .collate import fetch


class Dataset:
    """Base class of map-style datasets: define ``__getitem__(i)`` and ``__len__()``.

    ``__getitem__`` returns one sample, usually a tuple such as ``(features, label)`` of
    tensors, arrays or numbers; the DataLoader stacks samples into batches.

    >>> import minitorch as mt
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return mt.tensor([float(i)]), i * i
    >>> len(Squares()), Squares()[3][1]
    (4, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} should define __getitem__")

    def __add__(self, other: Any) -> "ConcatDataset":
        return ConcatDataset([self, other])


def _rows(t: Tensor, index: Any) -> Tensor:
    """Rows ``index`` (an int, a slice or an int array) of a tensor's first dimension."""
    if t.requires_grad:
        return t[index]  # through autograd, as PyTorch's indexing would
    a = unwrap(t)
    if isinstance(index, np.ndarray):
        # np.take beats a[index] on 2-D and larger arrays; the result is a fresh copy either way
        return wrap(np.take(a, index, axis=0) if a.ndim > 1 else a[index])
    if isinstance(index, slice):
        view = a[index]
        # A batch that is a view of the dataset must not be changed in place: an in-place
        # normalisation would silently rewrite the dataset and compound every epoch.
        view.flags.writeable = False
        return wrap(view)
    return wrap(a[index, ...])  # `...` keeps a 0-d array (not a numpy scalar) for 1-D data


class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors: ``dataset[i] == (x[i], y[i])``.

    Accepts minitorch tensors and numpy arrays (wrapped without a copy, dtype kept).

    >>> import numpy as np
    >>> ds = TensorDataset(np.zeros((5, 3), dtype=np.float32), np.arange(5))
    >>> len(ds), ds[2][0].shape, ds[2][1].item()
    (5, (3,), 2)
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(x, y)")
        self.tensors: tuple[Tensor, ...] = tuple(
            _as_tensor(t, i) for i, t in enumerate(tensors)
        )
        sizes = [t.shape[0] for t in self.tensors]
        if len(set(sizes)) > 1:
            listed = ", ".join(f"tensor {i} has {n}" for i, n in enumerate(sizes))
            raise ValueError(
                "Size mismatch between tensors: every tensor of a TensorDataset needs the same "
                f"size in dimension 0 (one row per sample), but {listed}"
            )

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        index = index_data(index)
        return tuple(_rows(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, index: slice | np.ndarray) -> tuple[Tensor, ...]:
        return tuple(_rows(t, index) for t in self.tensors)


def _as_tensor(t: Any, position: int) -> Tensor:
    if isinstance(t, np.ndarray):
        from_numpy_dtype(t.dtype)
        t = wrap(t)
    elif not isinstance(t, Tensor):
        raise TypeError(
            f"TensorDataset: argument {position} is a {type(t).__name__}; expected a minitorch "
            "Tensor or a numpy array (convert lists with minitorch.tensor(...))"
        )
    if t.ndim == 0:
        raise ValueError(
            f"TensorDataset: argument {position} is a 0-d tensor; every tensor needs a first "
            "dimension that indexes the samples"
        )
    return t


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> import numpy as np
    >>> sub = Subset(TensorDataset(np.arange(10)), [7, 2])
    >>> len(sub), sub[0][0].item()
    (2, 7)
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        if isinstance(indices, Tensor):
            indices = unwrap(indices)
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = dataset_length(dataset, "Subset")
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            raise IndexError(
                f"Subset indices range from {self.indices.min()} to {self.indices.max()}, "
                f"outside a dataset of length {n}"
            )

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return self.indices.size

    def _batch(self, index: slice | np.ndarray) -> Any:
        return fetch(self.dataset, self.indices[index])


class ConcatDataset(Dataset):
    """Several datasets one after the other (``a + b`` for Datasets builds one).

    >>> import numpy as np
    >>> both = TensorDataset(np.zeros(2)) + TensorDataset(np.ones(3))
    >>> len(both), both[4][0].item()
    (5, 1.0)
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        lengths = [dataset_length(d, "ConcatDataset") for d in self.datasets]
        self.cumulative_sizes = np.cumsum(lengths).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {n}")
        index %= n
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: Any = None,
    seed: int | None = None,
) -> list[Subset]:
    """Split a dataset into non-overlapping random Subsets of the given sizes.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1 (each
    floored, the remainder handed out one by one from the first split, as in PyTorch).
    Draws from ``seed``, else ``generator`` (a ``minitorch.Generator`` or a numpy
    Generator), else minitorch's global generator (``minitorch.manual_seed``).

    >>> train, val = random_split(range(10), [0.8, 0.2], seed=0)
    >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
    (8, 2, True)
    """
    n = dataset_length(dataset, "random_split")
    sizes = _split_sizes(lengths, n)
    order = make_rng(seed, generator).permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def _split_sizes(lengths: Sequence[Any], n: int) -> list[int]:
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split needs at least one length")
    for i, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real):
            raise TypeError(
                f"random_split: length {i} is {length!r}; expected an int or a fraction"
            )
        if length < 0:
            raise ValueError(f"random_split: length {i} is negative ({length})")
    if all(isinstance(length, numbers.Integral) for length in lengths):
        if sum(lengths) != n:
            raise ValueError(
                f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has "
                f"{n} samples; give counts summing to {n} or fractions summing to 1"
            )
        return [int(length) for length in lengths]
    if not math.isclose(sum(lengths), 1.0) or any(f > 1 for f in lengths):
        raise ValueError(
            f"random_split: the fractions {lengths} sum to {sum(lengths):g}, not 1 (or mix "
            "counts and fractions); give counts summing to the dataset length or fractions "
            "summing to 1"
        )
    sizes = [math.floor(n * f) for f in lengths]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    for i, size in enumerate(sizes):
        if size == 0:
            warnings.warn(f"random_split: split {i} is empty", stacklevel=3)
    return sizes
