"""Shape, indexing and slicing: views and copies of a tensor's elements."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import shape as S
from ..ops._util import normalize_dims
from .base import MixinBase, Tensor, index_data, shape_arg, tensor_data


class ShapeMixin(MixinBase):
    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self._data.shape
        (axis,) = normalize_dims(dim, self.ndim)
        return self._data.shape[axis]

    def numel(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return self.transpose(-2, -1)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Pick values along ``dim`` at ``index`` (an int64 tensor of the same ndim)."""
        return self._apply(S.Gather, self, tensor_data(index), dim)

    def _along(self, dim: int, index: Any) -> Tensor:
        """``self[:, ..., index]`` with ``index`` placed at ``dim`` (a GetItem view or copy)."""
        (axis,) = normalize_dims(dim, self.ndim)
        return self[(slice(None),) * axis + (index,)]

    def flip(self, dims: Any) -> Tensor:
        """Reverse the order of elements along ``dims`` (a copy, as in PyTorch).

        >>> import minitorch as mt
        >>> mt.tensor([1, 2, 3]).flip(0).tolist()
        [3, 2, 1]
        """
        axes = normalize_dims(dims, self.ndim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip(): dims {dims} has a repeated dim")
        index = tuple(slice(None, None, -1) if d in axes else slice(None)
                      for d in range(self.ndim))
        return self[index].clone()  # a copy: writing into it must not change self

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Views of pieces of ``split_size`` (the last may be smaller) or of the given sizes.

        >>> import minitorch as mt
        >>> [p.tolist() for p in mt.arange(5).split([2, 3])]
        [[0, 1], [2, 3, 4]]
        """
        if self.ndim == 0:
            raise RuntimeError("split expects at least a 1-dimensional tensor, got shape ()")
        (axis,) = normalize_dims(dim, self.ndim)
        length = self.shape[axis]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size < 1 and length:
                raise RuntimeError(f"split(): split_size must be positive, got {size}")
            sizes = [min(size, length - s) for s in range(0, length, size)] if length else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != length or any(s < 0 for s in sizes):
                raise RuntimeError(
                    f"split(): sizes {sizes} must be non-negative and sum to {length}, "
                    f"the size of dim {dim} of the tensor of shape {self.shape}"
                )
        starts = np.cumsum([0] + sizes)
        return tuple(self._along(axis, slice(int(a), int(a) + n)) for a, n in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` views of equal size (``ceil(n / chunks)``; the last may be smaller).

        >>> import minitorch as mt
        >>> [p.tolist() for p in mt.arange(5).chunk(2)]
        [[0, 1, 2], [3, 4]]
        """
        if chunks < 1:
            raise RuntimeError(f"chunk(): chunks must be at least 1, got {chunks}")
        if self.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor, got shape ()")
        (axis,) = normalize_dims(dim, self.ndim)
        if self.shape[axis] == 0:  # PyTorch: ``chunks`` empty pieces
            return tuple(self._along(axis, slice(0, 0)) for _ in range(chunks))
        return self.split(max(-(-self.shape[axis] // chunks), 1), axis)

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """Rows (or slices along ``dim``) at a 1-D int64 ``index``; repeats add gradients.

        >>> import minitorch as mt
        >>> mt.tensor([5, 6, 7]).index_select(0, mt.tensor([2, 0])).tolist()
        [7, 5]
        """
        idx = np.asarray(tensor_data(index))
        if idx.dtype.kind not in "iu" or idx.ndim > 1:
            raise RuntimeError(
                f"index_select(): index must be a 0-D or 1-D integer tensor, got dtype "
                f"{idx.dtype} and shape {idx.shape}"
            )
        (axis,) = normalize_dims(dim, self.ndim)
        size = self.shape[axis] if self.ndim else 1
        if idx.size and not (-size <= idx.min() and idx.max() < size):
            raise IndexError(f"index_select(): index out of range for dim {dim} of size {size}")
        return self._along(axis, idx.reshape(-1) % max(size, 1))

    def tril(self, diagonal: int = 0) -> Tensor:
        """Zero the elements above ``diagonal`` of the last two dims.

        >>> import minitorch as mt
        >>> mt.ones(2, 2).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
        """
        return self._triangle(diagonal, upper=False)

    def triu(self, diagonal: int = 0) -> Tensor:
        """Zero the elements below ``diagonal`` of the last two dims.

        >>> import minitorch as mt
        >>> mt.ones(2, 2).triu().tolist()
        [[1.0, 1.0], [0.0, 1.0]]
        """
        return self._triangle(diagonal, upper=True)

    def _triangle(self, diagonal: int, upper: bool) -> Tensor:
        if self.ndim < 2:
            name = "triu" if upper else "tril"
            raise RuntimeError(f"{name}(): input must have at least 2 dims, got shape {self.shape}")
        rows, cols = self.shape[-2:]
        keep = np.triu(np.ones((rows, cols), bool), diagonal) if upper else \
            np.tril(np.ones((rows, cols), bool), diagonal)
        return self.masked_fill(self._wrap(~keep), 0)

    def reshape(self, *shape: Any) -> Tensor:
        return self._apply(S.Reshape, self, shape_arg(shape))

    def view(self, *shape: Any) -> Tensor:
        return self._apply(S.Reshape, self, shape_arg(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = normalize_dims((start_dim, end_dim), self.ndim)
        if start == end:  # nothing to merge: PyTorch returns the tensor itself
            return self
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return self._apply(S.Transpose, self, dim0, dim1)

    def swapaxes(self, dim0: int, dim1: int) -> Tensor:
        return self.transpose(dim0, dim1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dims, got shape {self.shape}")
        # a view even for 0 or 1 dims (a recorded node), as PyTorch's TBackward
        return self.reshape(self.shape) if self.ndim < 2 else self.transpose(0, 1)

    def permute(self, *dims: Any) -> Tensor:
        return self._apply(S.Permute, self, shape_arg(dims))

    def unsqueeze(self, dim: int) -> Tensor:
        (dim,) = normalize_dims(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim: Any = None) -> Tensor:
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = normalize_dims(dim, self.ndim)
        kept = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
        return self.reshape(kept)

    def expand(self, *sizes: Any) -> Tensor:
        sizes = shape_arg(sizes)
        offset = len(sizes) - self.ndim
        shape = tuple(self.shape[i - offset] if s == -1 else s for i, s in enumerate(sizes))
        return self._apply(S.Expand, self, shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dim i (PyTorch's ``repeat``)."""
        sizes = shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError(
                f"repeat(): {len(sizes)} sizes given for a tensor of {self.ndim} dims"
            )
        source = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        return self._apply(S.Tile, source, sizes)

    def __getitem__(self, index: Any) -> Tensor:
        return self._apply(S.GetItem, self, index_data(index))
