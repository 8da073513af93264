"""``Tensor.new_zeros`` / ``new_ones`` / ``new_full`` / ``new_empty`` / ``new_tensor``:
new tensors that take this tensor's dtype unless told otherwise (PyTorch's habit)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.inference_mode import mark as mark_inference
from ..dtype import to_numpy_dtype
from ..pydata import python_data_to_array
from .base import MixinBase, shape_arg

if TYPE_CHECKING:  # annotations only: the mixins never import the core at run time
    from ..tensor import Tensor


class FactoryMixin(MixinBase):
    __slots__ = ()

    def _new(self, data: np.ndarray, requires_grad: bool) -> Tensor:
        t = mark_inference(self._wrap(data))  # inside inference_mode(): an inference tensor
        if requires_grad:
            t.requires_grad_(True)  # a clear error for integer dtypes, as in PyTorch
        return t

    def _new_dtype(self, dtype: Any) -> np.dtype:
        return self._data.dtype if dtype is None else to_numpy_dtype(dtype)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given.

        >>> import minitorch as mt
        >>> mt.zeros(1, dtype=mt.float64).new_zeros(2, 3).dtype
        minitorch.float64
        """
        return self.new_full(shape_arg(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return self.new_full(shape_arg(size), 1, dtype=dtype, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """A tensor of ``size`` (zero-filled here, so never garbage)."""
        return self.new_full(shape_arg(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """``fill_value`` everywhere, converted straight to this tensor's dtype (or ``dtype``).

        >>> import minitorch as mt
        >>> mt.zeros(1, dtype=mt.float64).new_full((2,), 0.1).tolist()
        [0.1, 0.1]
        """
        from ..device import check_device

        check_device(device)
        shape = shape_arg((size,))
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
        value = fill_value._data if isinstance(fill_value, MixinBase) else fill_value
        np_dtype = self._new_dtype(dtype)
        try:
            data = np.full(shape, value, np_dtype)
        except OverflowError:
            raise RuntimeError(
                f"new_full(): value {fill_value} cannot be converted to type {np_dtype} "
                f"without overflow"
            ) from None
        return self._new(data, requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A copy of ``data`` as a new leaf, with this tensor's dtype unless ``dtype`` says
        otherwise (Python numbers converted straight to it).

        >>> import minitorch as mt
        >>> mt.zeros(1, dtype=mt.float64).new_tensor([0.1]).item()
        0.1
        """
        from ..device import check_device

        check_device(device)
        np_dtype = self._new_dtype(dtype)
        if isinstance(data, MixinBase):
            array = data._data.astype(np_dtype, copy=True)
        elif isinstance(data, (np.ndarray, np.generic)):
            array = np.array(data, dtype=np_dtype)
        else:
            array = python_data_to_array(data, np_dtype, "new_tensor")
        return self._new(array, requires_grad)
