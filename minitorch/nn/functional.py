"""``minitorch.nn.functional`` (``F``): layers and losses as plain functions.

Arguments are checked here, with errors that name shapes, dtypes and the fix; the
arithmetic is one fused op per call (see ``minitorch.ops.nn``).

>>> import minitorch as mt
>>> import minitorch.nn.functional as F
>>> logits = mt.tensor([[1000.0, -1000.0]], requires_grad=True)
>>> F.cross_entropy(logits, mt.tensor([1]))
tensor(2000., grad_fn=<CrossEntropyBackward>)
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ..ops import elementwise as E
from ..ops import matmul as M
from ..ops import nn as N
from ..rng import generator
from ..tensor import Tensor, apply, bump_version, unwrap, wrap

__all__ = [
    "linear", "relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax",
    "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "mse_loss", "l1_loss",
    "smooth_l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]

_REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------------- checks
def _tensor(x: Any, fn: str, arg: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{fn}(): argument '{arg}' must be a Tensor, not {type(x).__name__}; wrap it "
            f"with minitorch.tensor(...)"
        )
    return x


def _reduction(reduction: str, size_average: Any = None, reduce: Any = None) -> str:
    if size_average is not None or reduce is not None:
        raise TypeError(
            "size_average and reduce were removed (deprecated in PyTorch too): use "
            "reduction='mean', 'sum' or 'none'"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _float_input(x: Tensor, fn: str) -> None:
    if unwrap(x).dtype.kind != "f":
        raise NotImplementedError(  # PyTorch: '"mse_cpu" not implemented for 'Long''
            f"{fn}(): input must be a floating point tensor (the model's output), got "
            f"{x.dtype}; call .float() on it"
        )


def _same_dtype(input: Tensor, target: Tensor, fn: str) -> None:  # noqa: A002
    if unwrap(target).dtype != unwrap(input).dtype:
        raise RuntimeError(
            f"{fn}(): target dtype {target.dtype} does not match input dtype {input.dtype}; "
            f"convert the target with target.to(input.dtype) (e.g. target.float()): a "
            f"float64 target often comes from numpy, whose default float is float64"
        )


def _pointwise_pair(input: Tensor, target: Tensor, fn: str) -> None:  # noqa: A002
    """Regression losses: same dtype, and no silent (N, 1) vs (N,) broadcasting."""
    _tensor(input, fn)
    _tensor(target, fn, "target")
    _float_input(input, fn)
    _same_dtype(input, target, fn)
    if input.shape == target.shape:
        return
    try:
        shape = np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise RuntimeError(
            f"{fn}(): input shape {input.shape} and target shape {target.shape} do not match "
            f"and cannot be broadcast together"
        ) from None
    if shape not in (input.shape, target.shape):
        raise RuntimeError(  # PyTorch warns and broadcasts: minitorch refuses (from_pytorch.md)
            f"{fn}(): input shape {input.shape} and target shape {target.shape} differ; "
            f"broadcasting them would compare every prediction with every target (shape "
            f"{shape}), which is almost never intended. Make the shapes equal, e.g. "
            f"input.squeeze(-1) or target.unsqueeze(-1)."
        )
    warnings.warn(
        f"{fn}(): target shape {target.shape} differs from input shape {input.shape}; they "
        f"are broadcast to {shape}. Make the shapes equal if that is not intended.",
        UserWarning,
        stacklevel=3,
    )


def _binary_pair(input: Tensor, target: Tensor, fn: str) -> None:  # noqa: A002
    _tensor(input, fn)
    _tensor(target, fn, "target")
    _float_input(input, fn)
    if unwrap(target).dtype.kind != "f":
        raise RuntimeError(
            f"{fn}(): target must be a float tensor of 0/1 labels (or probabilities), got "
            f"{target.dtype}; use target.float()"
        )
    _same_dtype(input, target, fn)
    if input.shape != target.shape:
        raise ValueError(
            f"{fn}(): target size {target.shape} must be the same as input size "
            f"{input.shape}. For an (N, 1) output and (N,) labels use "
            f"input.squeeze(1) or target.unsqueeze(1)."
        )


def _class_targets(input: Tensor, target: Tensor, fn: str, ignore_index: int) -> None:  # noqa: A002
    """Check (N, C[, d...]) scores against (N[, d...]) class indices."""
    _tensor(input, fn)
    _tensor(target, fn, "target")
    _float_input(input, fn)
    if input.ndim == 0:
        raise RuntimeError(f"{fn}(): input needs a class dimension, got a 0-d tensor")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    expected = () if input.ndim == 1 else (input.shape[0], *input.shape[2:])
    t = unwrap(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"{fn}(): target must hold class indices as integers (int64) of shape "
            f"{expected}, got {target.dtype} of shape {target.shape}; use target.long()"
        )
    if target.shape != expected:
        if input.ndim >= 2 and target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target.shape[0]})."
            )
        hint = ""
        if target.shape == input.shape:
            hint = " It looks one-hot encoded: pass target.argmax(1) (or a float target)."
        elif target.shape == (*expected, 1):
            hint = " Drop the trailing dim: target.squeeze(-1)."
        raise RuntimeError(
            f"{fn}(): for input of shape {input.shape} ({classes} classes), target must "
            f"have shape {expected}, got {target.shape}.{hint}"
        )
    if t.size:
        valid = t[t != ignore_index]
        if valid.size and (valid.min() < 0 or valid.max() >= classes):
            bad = int(valid.max()) if valid.max() >= classes else int(valid.min())
            hint = ""
            if bad == classes and valid.min() >= 1:
                hint = " Labels seem to start at 1: subtract 1 so they run from 0."
            raise IndexError(
                f"{fn}(): Target {bad} is out of bounds: class indices must be in "
                f"[0, {classes - 1}] for an input with {classes} classes.{hint}"
            )


def _class_weight(weight: Tensor | None, input: Tensor, fn: str) -> np.ndarray | None:  # noqa: A002
    if weight is None:
        return None
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    w = unwrap(_tensor(weight, fn, "weight"))
    if w.shape != (classes,):
        raise RuntimeError(
            f"{fn}(): weight must have one entry per class, shape ({classes},), got "
            f"{w.shape}"
        )
    return w


# ----------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` in one node (weight shape ``(out, in)``).

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.linear(mt.ones(2, 3), mt.ones(4, 3)).shape
    (2, 4)
    """
    if not isinstance(input, Tensor):
        _tensor(input, "linear")
    return apply(M.Linear, input, weight, bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(x, 0)`` (``inplace`` is accepted for PyTorch code and ignored)."""
    return apply(E.ReLU, _tensor(input, "relu"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.leaky_relu(mt.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    return apply(E.LeakyReLU, _tensor(input, "leaky_relu"), negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit; ``approximate='tanh'`` for the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return apply(N.GELU, _tensor(input, "gelu"), approximate)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return _tensor(input, "sigmoid").sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return _tensor(input, "tanh").tanh()


def _softmax_dim(input: Tensor, dim: int | None, fn: str) -> int:  # noqa: A002
    if dim is not None:
        return dim
    dim = 0 if input.ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {fn} has been deprecated (in PyTorch too): pass "
        f"dim= explicitly (using dim={dim} for a {input.ndim}-d input)",
        UserWarning,
        stacklevel=3,
    )
    return dim


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _tensor(input, "softmax")
    x = x if dtype is None else x.to(dtype)
    return x.softmax(_softmax_dim(x, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    x = _tensor(input, "log_softmax")
    x = x if dtype is None else x.to(dtype)
    return x.log_softmax(_softmax_dim(x, dim, "log_softmax"))


def _check_p(p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero elements with probability ``p`` and scale the rest by ``1/(1-p)`` (training only).

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> x = mt.ones(4)
    >>> F.dropout(x, 0.5, training=False) is x
    True
    """
    _check_p(p)
    _tensor(input, "dropout")
    if not training or p == 0:
        return input
    return apply(N.Dropout, input, float(p), generator())


def _check_batch(input: Tensor) -> None:  # noqa: A002
    per_channel = unwrap(input).size // max(input.shape[1], 1) if input.ndim > 1 else 1
    if per_channel <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{list(input.shape)}: use a batch of 2 or more, or call model.eval() to use "
            f"the running statistics"
        )


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over dim 1 of an ``(N, C)`` or ``(N, C, L)`` input.

    In training it normalises with the batch's statistics and, when running statistics
    are given, updates them in place; otherwise it uses the running statistics.
    """
    _tensor(input, "batch_norm")
    rm = unwrap(running_mean) if running_mean is not None else None
    rv = unwrap(running_var) if running_var is not None else None
    if training:
        _check_batch(input)
        out = apply(N.BatchNormTrain, input, weight, bias, rm, rv, momentum, eps)
        if rm is not None:
            bump_version(running_mean, "batch_norm")
            bump_version(running_var, "batch_norm")
        return out
    if rm is None or rv is None:
        raise ValueError("batch_norm() outside training needs running_mean and running_var")
    return apply(N.BatchNormEval, input, weight, bias, rm, rv, eps)


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims of each sample."""
    _tensor(input, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape):] != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}"
        )
    return apply(N.LayerNorm, input, weight, bias, len(shape), eps)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Look up rows of ``weight`` at the integer indices in ``input``."""
    indices = unwrap(_tensor(input, "embedding"))
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"embedding(): indices must be an integer tensor (int64), got {input.dtype}; "
            f"use .long()"
        )
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = int(indices.max()) if indices.max() >= rows else int(indices.min())
        raise IndexError(
            f"index out of range in self: embedding index {bad} is not in [0, {rows - 1}] "
            f"(the table has num_embeddings={rows} rows)"
        )
    return apply(N.Embedding, weight, indices, padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dim of size ``num_classes``.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.one_hot(mt.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    idx = unwrap(_tensor(tensor, "one_hot"))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot(): expected an integer tensor, got {tensor.dtype}")
    n = int(idx.max()) + 1 if num_classes < 0 else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise RuntimeError(f"one_hot(): class values must be in [0, {n - 1}]")
    return wrap((idx[..., None] == np.arange(n)).astype(np.int64))


# ----------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    """Mean squared error.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.mse_loss(mt.tensor([1.0, 3.0]), mt.tensor([0.0, 0.0]))
    tensor(5.)
    """
    reduction = _reduction(reduction, size_average, reduce)
    _pointwise_pair(input, target, "mse_loss")
    return apply(N.MSELoss, input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
            reduction: str = "mean") -> Tensor:
    """Mean absolute error."""
    reduction = _reduction(reduction, size_average, reduce)
    _pointwise_pair(input, target, "l1_loss")
    return apply(N.L1Loss, input, target, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None,  # noqa: A002
                   reduce: Any = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Squared error below ``beta`` (halved, divided by beta), absolute error above.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.smooth_l1_loss(mt.tensor([0.5, 3.0]), mt.zeros(2), reduction="none")
    tensor([0.1250, 2.5000])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    _pointwise_pair(input, target, "smooth_l1_loss")
    return apply(N.SmoothL1Loss, input, target, reduction, float(beta))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of raw scores (logits) against class indices, in one stable op.

    ``input``: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; ``target``: int64 class indices
    ``(N,)`` / ``()`` / ``(N, d1, ...)``, or class probabilities of the input's shape.
    Pass logits, not softmax outputs: the softmax is inside.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.cross_entropy(mt.zeros(2, 4), mt.tensor([0, 3])).item() == float(mt.tensor(4.0).log())
    True
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    _tensor(input, "cross_entropy")
    _tensor(target, "cross_entropy", "target")
    w = _class_weight(weight, input, "cross_entropy")
    if unwrap(target).dtype.kind == "f" and input.ndim >= 1:
        _float_input(input, "cross_entropy")
        _same_dtype(input, target, "cross_entropy")
        if target.shape != input.shape and target.ndim == input.ndim - 1:
            _class_targets(input, target, "cross_entropy", ignore_index)  # says .long()
        if target.shape != input.shape:
            raise RuntimeError(
                f"cross_entropy(): a float target holds class probabilities and must have "
                f"the input's shape {input.shape}, got {target.shape}; for class indices "
                f"pass an int64 target (target.long())"
            )
        return apply(N.CrossEntropy, input, target, w, reduction, ignore_index,
                     float(label_smoothing))
    _class_targets(input, target, "cross_entropy", ignore_index)
    return apply(N.CrossEntropy, input, unwrap(target), w, reduction, ignore_index,
                 float(label_smoothing))


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (``log_softmax`` outputs)."""
    reduction = _reduction(reduction, size_average, reduce)
    _class_targets(input, target, "nll_loss", ignore_index)
    w = _class_weight(weight, input, "nll_loss")
    return apply(N.NLLLoss, input, unwrap(target), w, reduction, ignore_index)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities in [0, 1] (e.g. sigmoid outputs).

    Prefer :func:`binary_cross_entropy_with_logits` on raw scores: it is stable.
    """
    reduction = _reduction(reduction, size_average, reduce)
    _binary_pair(input, target, "binary_cross_entropy")
    x = unwrap(input)
    if x.size and (x.min() < 0 or x.max() > 1 or np.isnan(x).any()):
        raise RuntimeError(
            "binary_cross_entropy(): all elements of input should be between 0 and 1 (they "
            "are probabilities). For raw scores (logits) use "
            "binary_cross_entropy_with_logits / nn.BCEWithLogitsLoss, which is also stabler."
        )
    return apply(N.BCE, input, target, weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op; ``pos_weight`` weighs positives.

    >>> import minitorch as mt
    >>> import minitorch.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(mt.tensor([-1000.0]), mt.tensor([1.0]))
    tensor(1000.)
    """
    reduction = _reduction(reduction, size_average, reduce)
    _binary_pair(input, target, "binary_cross_entropy_with_logits")
    return apply(N.BCEWithLogits, input, target, weight, pos_weight, reduction)
