"""Normalisation layers: ``nn.BatchNorm1d`` and ``nn.LayerNorm``."""
from __future__ import annotations

from typing import Any, Sequence

from ..core.frozen import is_frozen
from ..creation import ones, tensor, zeros
from ..tensor import Tensor, bump_version, unwrap
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    """Batch normalisation over the channel dim of ``(N, C)`` or ``(N, C, L)`` inputs.

    Training mode normalises with the batch's statistics and updates ``running_mean`` /
    ``running_var`` (buffers: saved in ``state_dict``, never trained) with ``momentum``
    (``None``: a cumulative average). Eval mode uses the running statistics.
    ``track_running_stats=False`` keeps none and always uses batch statistics;
    ``affine=False`` drops ``weight`` and ``bias``.

    The freezing rule (stricter than PyTorch): when ``affine`` and every parameter of the
    layer is frozen (``requires_grad=False``), the layer normalises with its running
    statistics and does not update them, even in training mode, like Keras. It is decided
    at each forward from the current flags, so ``model.train()`` cannot undo it, and
    unfreezing resumes normal training. ``freeze_stats_when_frozen=False`` (the
    constructor argument, also an attribute you can set later) restores PyTorch's
    behaviour: statistics follow only ``train()``/``eval()``.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> bn = nn.BatchNorm1d(3)
    >>> bn
    BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    >>> _ = bn(mt.randn(8, 3))
    >>> int(bn.num_batches_tracked)
    1
    >>> _ = bn.requires_grad_(False)(mt.randn(8, 3))   # frozen: statistics stay put
    >>> int(bn.num_batches_tracked)
    1
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, freeze_stats_when_frozen: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.freeze_stats_when_frozen = freeze_stats_when_frozen
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def stats_frozen(self) -> bool:
        """True when the freezing rule applies now: running statistics are used, not updated."""
        if not (self.freeze_stats_when_frozen and self.affine and self.track_running_stats):
            return False
        params = self._parameters
        return is_frozen(params["weight"]) and is_frozen(params["bias"])

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input of shape "
                             f"{input.shape})")
        if input.shape[1] != self.num_features:
            raise RuntimeError(
                f"BatchNorm1d({self.num_features}) got input of shape {input.shape}: dim 1 "
                f"must be the {self.num_features} channels"
            )
        params, buffers = self._parameters, self._buffers
        weight, bias = params["weight"], params["bias"]
        running_mean, running_var = buffers["running_mean"], buffers["running_var"]
        if running_mean is None:
            return F.batch_norm(input, None, None, weight, bias, True, 0.0, self.eps)
        if not self.training or self.stats_frozen():
            return F.batch_norm(input, running_mean, running_var, weight, bias, False,
                                eps=self.eps)
        factor = self.momentum
        tracked = buffers["num_batches_tracked"]
        if tracked is not None:
            F._check_batch(input)  # before counting: a failed forward changes nothing
            count = unwrap(tracked)
            count += 1  # in place: a 0-d array
            bump_version(tracked, "batch_norm")
            if factor is None:
                factor = 1.0 / float(unwrap(tracked))
        return F.batch_norm(input, running_mean, running_var, weight, bias, True,
                            factor, self.eps)

    def extra_repr(self) -> str:
        text = (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")
        if not self.freeze_stats_when_frozen:
            text += ", freeze_stats_when_frozen=False"
        return text


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims, then scale and shift.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln
    LayerNorm((4,), eps=1e-05, elementwise_affine=True)
    >>> y = ln(mt.randn(2, 4))
    >>> bool(y.mean(1).abs().max() < 1e-5)
    True
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        shape = tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        params = self._parameters
        return F.layer_norm(input, self.normalized_shape, params["weight"], params["bias"],
                            self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
