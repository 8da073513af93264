"""Arithmetic and comparison operators: every dunder is one ``_binop`` call."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import compare as C
from ..ops import elementwise as E
from ..ops import matmul as M
from .base import MixinBase, Tensor, tensor_data


class ArithmeticMixin(MixinBase):
    __slots__ = ()

    # One path for every binary operator: ``_binop(op, other, reverse)`` (the core's).
    def __add__(self, other: Any) -> Tensor:
        return self._binop(E.Add, other, False)

    def __radd__(self, other: Any) -> Tensor:
        return self._binop(E.Add, other, True)

    def __sub__(self, other: Any) -> Tensor:
        return self._binop(E.Sub, other, False)

    def __rsub__(self, other: Any) -> Tensor:
        return self._binop(E.Sub, other, True)

    def __mul__(self, other: Any) -> Tensor:
        return self._binop(E.Mul, other, False)

    def __rmul__(self, other: Any) -> Tensor:
        return self._binop(E.Mul, other, True)

    def __truediv__(self, other: Any) -> Tensor:
        return self._binop(E.Div, other, False)

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._binop(E.Div, other, True)

    def __pow__(self, other: Any) -> Tensor:
        return self._binop(E.Pow, other, False)

    def __rpow__(self, other: Any) -> Tensor:
        return self._binop(E.Pow, other, True)

    def __mod__(self, other: Any) -> Tensor:
        return self._binop(E.Remainder, other, False)

    def __rmod__(self, other: Any) -> Tensor:
        return self._binop(E.Remainder, other, True)

    def __floordiv__(self, other: Any) -> Tensor:
        """``a // b`` (floor division); like ``floor`` and ``round``, it has no gradient."""
        return self._binop(C.FloorDivide, other, False)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return self._binop(C.FloorDivide, other, True)

    def __matmul__(self, other: Any) -> Tensor:
        return self._binop(M.MatMul, other, False)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._binop(M.MatMul, other, True)

    # comparisons and logic: boolean results, never recorded
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._binop(C.Equal, other, False)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._binop(C.NotEqual, other, False)

    def __lt__(self, other: Any) -> Tensor:
        return self._binop(C.Less, other, False)

    def __le__(self, other: Any) -> Tensor:
        return self._binop(C.LessEqual, other, False)

    def __gt__(self, other: Any) -> Tensor:
        return self._binop(C.Greater, other, False)

    def __ge__(self, other: Any) -> Tensor:
        return self._binop(C.GreaterEqual, other, False)

    def __and__(self, other: Any) -> Tensor:
        return self._binop(C.LogicalAnd, other, False)

    def __or__(self, other: Any) -> Tensor:
        return self._binop(C.LogicalOr, other, False)

    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable

    def remainder(self, other: Any) -> Tensor:
        return self % other

    def floor_divide(self, other: Any) -> Tensor:
        return self // other

    def __neg__(self) -> Tensor:
        return self._apply(E.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self._apply(E.Abs, self)

    def add(self, other: Any, alpha: float = 1) -> Tensor:
        if alpha == 1:
            return self + other
        return self._apply(E.AddScaled, self, self._operand(other), alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        if alpha == 1:
            return self - other
        return self._apply(E.AddScaled, self, self._operand(other), -alpha)

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        return self ** exponent

    def matmul(self, other: Tensor) -> Tensor:
        return self @ other

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors, (b, n, k) @ (b, k, m)."""
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError(
                f"bmm() expects 3-D tensors, got shapes {self.shape} and {other.shape}"
            )
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(
                f"bmm(): batch sizes differ: {self.shape[0]} and {other.shape[0]} "
                f"(shapes {self.shape} and {other.shape})"
            )
        return self @ other

    def mm(self, other: Tensor) -> Tensor:
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(
                f"mm() expects 2-D tensors, got shapes {self.shape} and {other.shape}"
            )
        return self @ other

    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    def __invert__(self) -> Tensor:
        return self._wrap(~self._data)

    def logical_not(self) -> Tensor:
        return self._wrap(np.logical_not(self._data))

    def allclose(self, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        return bool(np.allclose(self._data, tensor_data(other), rtol=rtol, atol=atol))

    def equal(self, other: Tensor) -> bool:
        return bool(np.array_equal(self._data, tensor_data(other)))
