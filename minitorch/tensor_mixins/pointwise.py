"""Elementwise math and activations."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import elementwise as E
from ..ops import reduce as R
from .base import MixinBase, Tensor, tensor_data


class PointwiseMixin(MixinBase):
    __slots__ = ()

    def exp(self) -> Tensor:
        return self._apply(E.Exp, self)

    def log(self) -> Tensor:
        return self._apply(E.Log, self)

    def sqrt(self) -> Tensor:
        return self._apply(E.Sqrt, self)

    def abs(self) -> Tensor:
        return self._apply(E.Abs, self)

    def sin(self) -> Tensor:
        return self._apply(E.Sin, self)

    def cos(self) -> Tensor:
        return self._apply(E.Cos, self)

    def sign(self) -> Tensor:
        """Signs (-1, 0, 1); no gradient, like ``floor``, ``ceil`` and ``round``.

        As in PyTorch, the sign of NaN is 0 and a bool tensor is its own sign.
        """
        data = self._data
        if data.dtype.kind == "b":
            return self._wrap(data.copy())
        out = np.sign(data)
        if data.dtype.kind == "f":
            out = np.where(np.isnan(data), out.dtype.type(0), out)
        return self._wrap(out)

    def floor(self) -> Tensor:
        return self._wrap(np.floor(self._data))

    def ceil(self) -> Tensor:
        return self._wrap(np.ceil(self._data))

    def round(self, decimals: int = 0) -> Tensor:
        return self._wrap(np.round(self._data, decimals))

    def isnan(self) -> Tensor:
        return self._wrap(np.isnan(self._data))

    def isinf(self) -> Tensor:
        return self._wrap(np.isinf(self._data))

    def isfinite(self) -> Tensor:
        return self._wrap(np.isfinite(self._data))

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise RuntimeError("clamp(): at least one of min or max must be given")
        return self._apply(E.Clamp, self, min=min, max=max)

    clip = clamp

    def relu(self) -> Tensor:
        return self._apply(E.ReLU, self)

    def sigmoid(self) -> Tensor:
        return self._apply(E.Sigmoid, self)

    def tanh(self) -> Tensor:
        return self._apply(E.Tanh, self)

    def softmax(self, dim: int) -> Tensor:
        return self._apply(R.Softmax, self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return self._apply(R.LogSoftmax, self, dim)

    def maximum(self, other: Tensor) -> Tensor:
        return self._apply(E.Maximum, self, self._operand(other), True)

    def minimum(self, other: Tensor) -> Tensor:
        return self._apply(E.Maximum, self, self._operand(other), False)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """Put ``value`` where ``mask`` is True (gradient flows to the other places)."""
        return self._apply(E.MaskedFill, self, tensor_data(mask).astype(bool), tensor_data(value))
