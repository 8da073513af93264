"""Converters for minitorch's built-in layers, containers and losses.

Each pair builds the shell of the other side with the same hyperparameters (weights,
buffers, flags and modes are copied in by ``convert.py``). Registered on the first call
of ``to_torch``/``from_torch``; nothing here imports torch at import time.
"""
from __future__ import annotations

from typing import Any

from .. import nn
from .registry import register_converter


def _same_args(mt_cls: type, torch_name: str, *attrs: str) -> None:
    """Register a layer whose constructor takes the same keyword arguments on both sides,
    read back from attributes of the same names."""

    def kwargs(m: Any) -> dict[str, Any]:
        return {a: getattr(m, a) for a in attrs}

    register_converter(mt_cls, f"torch.nn.{torch_name}",
                       to_torch=lambda m: _torch_cls(torch_name)(**kwargs(m)),
                       from_torch=lambda t: mt_cls(**kwargs(t)))


def _torch_cls(name: str) -> Any:
    import torch

    return getattr(torch.nn, name)


def _layer_norm_to_torch(m: Any) -> Any:
    return _torch_cls("LayerNorm")(m.normalized_shape, eps=m.eps,
                                   elementwise_affine=m.elementwise_affine,
                                   bias=m.bias is not None)


def _layer_norm_from_torch(t: Any) -> Any:
    return nn.LayerNorm(tuple(t.normalized_shape), eps=t.eps,
                        elementwise_affine=t.elementwise_affine, bias=t.bias is not None)


def _parameter_list_to_torch(m: Any) -> Any:
    import torch

    return torch.nn.ParameterList([torch.nn.Parameter(torch.empty(p.shape)) for p in m])


def _parameter_list_from_torch(t: Any) -> Any:
    from ..creation import empty

    return nn.ParameterList([nn.Parameter(empty(*p.shape)) for p in t])


def _parameter_dict_to_torch(m: Any) -> Any:
    import torch

    return torch.nn.ParameterDict({k: torch.nn.Parameter(torch.empty(p.shape))
                                   for k, p in m.items()})


def _parameter_dict_from_torch(t: Any) -> Any:
    from ..creation import empty

    return nn.ParameterDict({k: nn.Parameter(empty(*p.shape)) for k, p in t.items()})


def register_all() -> None:
    """Register every built-in converter (idempotent)."""
    # Layers: hyperparameters under the same names on both sides.
    register_converter(
        nn.Linear, "torch.nn.Linear",
        to_torch=lambda m: _torch_cls("Linear")(m.in_features, m.out_features,
                                                bias=m.bias is not None),
        from_torch=lambda t: nn.Linear(t.in_features, t.out_features, bias=t.bias is not None))
    _same_args(nn.Identity, "Identity")
    _same_args(nn.ReLU, "ReLU", "inplace")
    _same_args(nn.LeakyReLU, "LeakyReLU", "negative_slope", "inplace")
    _same_args(nn.GELU, "GELU", "approximate")
    _same_args(nn.Tanh, "Tanh")
    _same_args(nn.Sigmoid, "Sigmoid")
    _same_args(nn.Softmax, "Softmax", "dim")
    _same_args(nn.LogSoftmax, "LogSoftmax", "dim")
    _same_args(nn.Flatten, "Flatten", "start_dim", "end_dim")
    _same_args(nn.Dropout, "Dropout", "p", "inplace")
    _same_args(nn.BatchNorm1d, "BatchNorm1d", "num_features", "eps", "momentum", "affine",
               "track_running_stats")
    register_converter(nn.LayerNorm, "torch.nn.LayerNorm", to_torch=_layer_norm_to_torch,
                       from_torch=_layer_norm_from_torch)
    _same_args(nn.Embedding, "Embedding", "num_embeddings", "embedding_dim", "padding_idx")
    # Containers: empty shells; the converted children are added in order, by name.
    _same_args(nn.Sequential, "Sequential")
    _same_args(nn.ModuleList, "ModuleList")
    if hasattr(nn, "ModuleDict"):
        _same_args(nn.ModuleDict, "ModuleDict")
    if hasattr(nn, "ParameterList"):
        register_converter(nn.ParameterList, "torch.nn.ParameterList",
                           to_torch=_parameter_list_to_torch,
                           from_torch=_parameter_list_from_torch)
    if hasattr(nn, "ParameterDict"):
        register_converter(nn.ParameterDict, "torch.nn.ParameterDict",
                           to_torch=_parameter_dict_to_torch,
                           from_torch=_parameter_dict_from_torch)
    # Losses (their class weights are buffers, copied like any other).
    _same_args(nn.MSELoss, "MSELoss", "reduction")
    _same_args(nn.L1Loss, "L1Loss", "reduction")
    _same_args(nn.SmoothL1Loss, "SmoothL1Loss", "reduction", "beta")
    _same_args(nn.CrossEntropyLoss, "CrossEntropyLoss", "ignore_index", "reduction",
               "label_smoothing")
    _same_args(nn.NLLLoss, "NLLLoss", "ignore_index", "reduction")
    _same_args(nn.BCELoss, "BCELoss", "reduction")
    _same_args(nn.BCEWithLogitsLoss, "BCEWithLogitsLoss", "reduction")
