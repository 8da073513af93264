"""``minitorch.<op>(tensor, ...)``: the functional forms of the Tensor methods."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .ops import elementwise as E
from .ops import shape as S
from .tensor import Tensor, _to_array, apply


def _method_alias(name: str) -> Callable[..., Any]:
    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(
                f"minitorch.{name}() expects a Tensor as first argument, got "
                f"{type(input).__name__}; wrap it with minitorch.tensor(...)"
            )
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``minitorch.{name}(t, ...)`` is ``t.{name}(...)``."
    return function


_ALIASED = (
    "add", "sub", "mul", "div", "pow", "matmul", "mm", "exp", "log", "sqrt", "abs", "sin",
    "cos", "clamp", "clip", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "logsumexp",
    "sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "reshape", "flatten",
    "transpose", "permute", "unsqueeze", "squeeze", "masked_fill", "maximum", "minimum",
    "clone", "detach", "t", "numel", "sign", "allclose", "equal", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_not", "all", "any", "bmm", "remainder", "floor_divide", "floor",
    "ceil", "round", "isnan", "isinf", "isfinite", "norm", "amax", "cumsum", "gather",
    "flip", "chunk", "split", "index_select", "tril", "triu", "sort", "topk", "prod", "argsort",
    "isclose", "unique", "nonzero",
)
for _name in _ALIASED:
    globals()[_name] = _method_alias(_name)
del _name

__all__ = [*_ALIASED, "cat", "concat", "stack", "where", "is_tensor"]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim.

    >>> import minitorch as mt
    >>> mt.cat([mt.zeros(1, 2), mt.ones(2, 2)]).shape
    (3, 2)
    """
    tensors = _tensor_list(tensors, "cat")
    return apply(S.Cat, *tensors, dim=dim)


concat = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim.

    >>> import minitorch as mt
    >>> mt.stack([mt.zeros(2), mt.ones(2)]).shape
    (2, 2)
    """
    tensors = _tensor_list(tensors, "stack")
    return apply(S.Stack, *tensors, dim=dim)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """Elementwise ``input if condition else other``; gradients flow to the chosen side.

    ``where(condition)`` alone is ``condition.nonzero(as_tuple=True)``, as in PyTorch.

    >>> import minitorch as mt
    >>> mt.where(mt.tensor([True, False]), 1.0, 0.0).tolist()
    [1.0, 0.0]
    >>> mt.where(mt.tensor([0, 3, 5]))
    (tensor([1, 2]),)
    """
    if input is None and other is None:
        return _to_array(condition).nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    cond = _to_array(condition)  # a tensor stays as it is; a list or array becomes one
    return apply(E.Where, cond, _to_array(input), _to_array(other))


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def _tensor_list(tensors: Sequence[Tensor], name: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not len(tensors):
        raise TypeError(f"{name}() expects a non-empty list or tuple of tensors")
    return [t if isinstance(t, Tensor) else _to_array(t) for t in tensors]
