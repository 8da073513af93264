"""``nn.Linear`` (a fully connected layer) and ``nn.Identity``."""
from __future__ import annotations

import math
from typing import Any

from ..creation import empty
from ..ops.matmul import Linear as _LinearOp
from ..tensor import Tensor, apply
from . import init
from .module import Module
from .parameter import Parameter


def _check_features(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name} must be a non-negative int, got {value!r}")
    return value


class Linear(Module):
    """``y = x @ weight.T + bias`` with weight of shape ``(out_features, in_features)``.

    Initialised as in PyTorch: weight and bias uniform in ``+-1/sqrt(in_features)``.
    Accepts any input whose last dim is ``in_features`` (a 1-D input included).

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> layer = nn.Linear(784, 10)
    >>> layer
    Linear(in_features=784, out_features=10, bias=True)
    >>> layer.weight.shape, layer(mt.zeros(32, 784)).shape
    ((10, 784), (32, 10))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _check_features("in_features", in_features)
        self.out_features = _check_features("out_features", out_features)
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        params = self._parameters
        return apply(_LinearOp, input, params["weight"], params["bias"])

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as in PyTorch).

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> x = mt.ones(2)
    >>> nn.Identity()(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input
