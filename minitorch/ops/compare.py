"""Ops without a gradient: comparisons, logic and floor division.

They run through ``apply`` like every other op (one binary-operator path), but declare
``differentiable = False``: their results are never recorded, as in minitorch's rule that
``//``, ``floor`` and ``round`` have no gradient.
"""
from __future__ import annotations

import numpy as np

from ..core.function import Function
from ._util import check_int_divisor


def _untracked(name: str, ufunc: np.ufunc) -> type:
    def forward(ctx, a, b):
        return ufunc(a, b)

    return type(name, (Function,), {
        "forward": staticmethod(forward), "differentiable": False,
        "__doc__": f"``{ufunc.__name__}(a, b)``; never recorded.",
    })


Equal = _untracked("Equal", np.equal)
NotEqual = _untracked("NotEqual", np.not_equal)
Less = _untracked("Less", np.less)
LessEqual = _untracked("LessEqual", np.less_equal)
Greater = _untracked("Greater", np.greater)
GreaterEqual = _untracked("GreaterEqual", np.greater_equal)
LogicalAnd = _untracked("LogicalAnd", np.logical_and)
LogicalOr = _untracked("LogicalOr", np.logical_or)


def _floor_divide(a, b):
    check_int_divisor(a, b)
    return np.floor_divide(a, b)


_floor_divide.__name__ = "floor_divide"
FloorDivide = _untracked("FloorDivide", _floor_divide)
