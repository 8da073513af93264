"""In-place ops (``add_``, ``fill_``, ``+=``): each one ``_inplace`` call into the core."""
from __future__ import annotations

from typing import Any

from ..ops import elementwise as E
from .base import MixinBase, Tensor, tensor_data


class InplaceMixin(MixinBase):
    __slots__ = ()

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        if alpha == 1:
            return self._inplace(E.Add, "add_", self._operand(other))
        return self._inplace(E.AddScaled, "add_", self._operand(other), alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        if alpha == 1:
            return self._inplace(E.Sub, "sub_", self._operand(other))
        return self._inplace(E.AddScaled, "sub_", self._operand(other), -alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(E.Mul, "mul_", self._operand(other))

    def div_(self, other: Any) -> Tensor:
        return self._inplace(E.Div, "div_", self._operand(other))

    def pow_(self, exponent: Any) -> Tensor:
        return self._inplace(E.Pow, "pow_", self._operand(exponent))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._inplace(E.Clamp, "clamp_", min=min, max=max)

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast, cast to this dtype) into this tensor."""
        return self._inplace(E.Copy, "copy_", self._operand(src))

    def fill_(self, value: Any) -> Tensor:
        return self._inplace(E.Fill, "fill_", tensor_data(value))

    def zero_(self) -> Tensor:
        return self._inplace(E.Fill, "zero_", 0)

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        from .rng import generator

        return self._inplace(E.Fill, "uniform_", generator().uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        from .rng import generator

        return self._inplace(E.Fill, "normal_", generator().normal(mean, std, self.shape))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)
