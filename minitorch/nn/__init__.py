"""``minitorch.nn``: Parameter, Module, layers, losses, init and functional.

>>> import minitorch as mt
>>> from minitorch import nn
>>> model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
>>> loss = nn.CrossEntropyLoss()(model(mt.randn(8, 4)), mt.randint(0, 3, (8,)))
>>> loss.backward()
>>> model[0].weight.grad.shape
(16, 4)
"""
from . import freezing, functional, init, lora, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .explain import explain_grad
from .flatten import Flatten
from .freezing import (
    count_parameters,
    freeze,
    freeze_to,
    frozen_parameters,
    summary,
    trainable_parameters,
    unfreeze,
)
from .keyed import ModuleDict, ParameterDict, ParameterList
from .linear import Identity, Linear
from .lora import (
    LoRALinear,
    add_lora,
    load_lora_state_dict,
    lora_state_dict,
    merge_lora,
    remove_lora,
    unmerge_lora,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "Linear", "Identity", "Flatten",
    "ReLU", "LeakyReLU", "GELU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout",
    "BatchNorm1d", "LayerNorm", "Embedding", "MSELoss", "L1Loss", "SmoothL1Loss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "functional", "init",
    "utils", "freeze", "unfreeze", "freeze_to", "trainable_parameters", "frozen_parameters",
    "count_parameters", "summary", "freezing",
    "lora", "LoRALinear", "add_lora", "merge_lora", "unmerge_lora", "remove_lora",
    "lora_state_dict", "load_lora_state_dict",
    "explain_grad",
    "ModuleDict", "ParameterList", "ParameterDict",
]
