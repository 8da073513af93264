"""minitorch: a small numpy neural-network framework with PyTorch's names and behaviour.

>>> import minitorch as mt
>>> x = mt.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""
# ruff: noqa: I001  (the imports follow the layers of the package, not the alphabet)
from .core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .core.inference_mode import inference_mode, is_inference_mode_enabled
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .functions import *  # noqa: F403 - the functional forms of Tensor methods
from .functions import __all__ as _function_names
from .legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .rng import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .serialization import load, save
from .tensor import Tensor
from .threads import get_num_threads, set_num_threads

# The packages above the tensor layer, in the order of the layers (docs/architecture.md).
from . import autograd, cuda, nn, optim, data, utils, train, onnx, interop  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
    "eye", "randn", "rand", "randint", "randperm", "normal", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand_like", "randn_like", "manual_seed", "get_rng_state",
    "set_rng_state", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "device", "dtype", "float16", "float32", "float64", "half", "float", "double", "int8",
    "int16", "int32", "int64", "uint8", "short", "int", "long", "bool", "autograd", "cuda",
    "nn", "optim", "data", "utils", "train", "onnx", "interop", "save", "load",
    "as_tensor", "Generator", "initial_seed", "inference_mode", "is_inference_mode_enabled",
    "set_num_threads", "get_num_threads", "FloatTensor", "DoubleTensor", "HalfTensor",
    "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor",
    *_function_names,
]
