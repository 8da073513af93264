"""Building the network an estimator trains: the default MLP, or the user's ``module``."""
from __future__ import annotations

import copy
import inspect
import numbers
from typing import Any, Callable, Mapping, Sequence

from .. import nn

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid, "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU, "leaky_relu": nn.LeakyReLU, "identity": nn.Identity,
}


def default_mlp(n_features: int, n_outputs: int, hidden_layer_sizes: Sequence[int] = (100,),
                activation: str = "relu", dropout: float = 0.0) -> nn.Sequential:
    """``Linear -> activation [-> Dropout]`` per hidden layer, then a ``Linear`` output layer
    (as ``MLPClassifier``'s network; its parameter names are ``0.weight``, ``0.bias``, ...).

    >>> default_mlp(4, 3, hidden_layer_sizes=(8,))
    Sequential(
      (0): Linear(in_features=4, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=3, bias=True)
    )
    """
    if isinstance(hidden_layer_sizes, numbers.Integral):
        hidden_layer_sizes = (int(hidden_layer_sizes),)
    sizes = list(hidden_layer_sizes)
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
               for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive ints, got {hidden_layer_sizes!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    layers: list[nn.Module] = []
    width = n_features
    for size in sizes:
        layers += [nn.Linear(width, int(size)), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = int(size)
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def build_module(module: Any, n_features: int, n_outputs: int,
                 hidden_layer_sizes: Sequence[int], activation: str,
                 kwargs: Mapping[str, Any]) -> nn.Module:
    """The network for ``module``: None (the default MLP), a Module instance (deep-copied,
    weights included), or a Module class / callable called as
    ``module(n_features, n_outputs, **kwargs)`` (or ``module(**kwargs)`` when its signature
    takes no sizes)."""
    if module is None:
        return default_mlp(n_features, n_outputs, hidden_layer_sizes, activation, **kwargs)
    if isinstance(module, nn.Module):
        if kwargs:
            raise ValueError(
                f"module is a {type(module).__name__} instance, so module__ parameters "
                f"{sorted(kwargs)} cannot be passed to its constructor; pass the class (or a "
                f"callable) instead"
            )
        return copy.deepcopy(module)
    if not callable(module):
        raise TypeError(
            f"module must be None, an nn.Module instance, a Module class or a callable "
            f"(n_features, n_outputs) -> Module, got {type(module).__name__}"
        )
    net = module(*_size_args(module, n_features, n_outputs, kwargs), **kwargs)
    if not isinstance(net, nn.Module):
        raise TypeError(f"module {getattr(module, '__name__', module)!r} returned a "
                        f"{type(net).__name__}, expected an nn.Module")
    return net


def _size_args(module: Callable, n_features: int, n_outputs: int,
               kwargs: Mapping[str, Any]) -> tuple[int, ...]:
    """``(n_features, n_outputs)`` if ``module`` can take them, else ``()``."""
    try:
        sig = inspect.signature(module)
    except (TypeError, ValueError):
        return (n_features, n_outputs)
    try:
        sig.bind(n_features, n_outputs, **kwargs)
        return (n_features, n_outputs)
    except TypeError:
        pass
    try:
        sig.bind(**kwargs)
        return ()
    except TypeError as err:
        raise TypeError(
            f"module {getattr(module, '__name__', module)!r} cannot be called as "
            f"module(n_features, n_outputs, **module__params) nor module(**module__params) "
            f"with module__params={dict(kwargs)}: {err}"
        ) from None
