"""Finite-difference checking of gradients (float64, central differences)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..core.grad_mode import enable_grad
from ..tensor import Tensor, unwrap, wrap


def numerical_grad(fn: Callable[..., Tensor], inputs: Sequence[Tensor], index: int,
                   weights: np.ndarray, eps: float) -> np.ndarray:
    """d(sum(weights * fn(*inputs)))/d(inputs[index]) by central differences."""
    x = unwrap(inputs[index])
    grad = np.zeros(x.shape, dtype=np.float64)
    # Index x itself (not a reshaped copy): a non-contiguous input must be perturbed too.
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = float((unwrap(fn(*inputs)) * weights).sum())
        x[i] = old - eps
        minus = float((unwrap(fn(*inputs)) * weights).sum())
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(fn: Callable[..., Tensor], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """Compare backward's gradients with central differences, for every float64 input
    that requires grad. The output is reduced with random weights so every element counts.

    >>> import minitorch as mt
    >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
    >>> mt.autograd.gradcheck(lambda t: (t * t).sum(), [x])
    True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in checked:
        if unwrap(inputs[i]).dtype != np.float64:
            raise TypeError(
                f"gradcheck needs float64 inputs for accurate differences; input {i} is "
                f"{unwrap(inputs[i]).dtype}: pass t.double().detach().requires_grad_()"
            )
    with enable_grad():
        out = fn(*inputs)
        weights = np.random.default_rng(seed).standard_normal(out.shape)
        for i in checked:
            inputs[i].grad = None
        (out * wrap(np.asarray(weights))).sum().backward()  # float64, as numerical_grad uses
    for i in checked:
        analytic = inputs[i].grad
        analytic = np.zeros(inputs[i].shape) if analytic is None else unwrap(analytic)
        numeric = numerical_grad(fn, inputs, i, weights, eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape)
            raise RuntimeError(
                f"gradcheck failed for input {i} (shape {inputs[i].shape}): at index "
                f"{tuple(int(j) for j in worst)} backward gives {analytic[worst]:.6g}, "
                f"finite differences give {numeric[worst]:.6g}\n"
                f"analytic:\n{analytic}\nnumeric:\n{numeric}"
            )
        inputs[i].grad = None
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Any = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of the map from (inputs, v) to the gradient
    ``v^T d fn / d inputs`` computed with ``create_graph=True`` (PyTorch's gradgradcheck).
    ``grad_outputs`` (the vectors v) are random float64 tensors unless given.

    >>> import minitorch as mt
    >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
    >>> mt.autograd.gradgradcheck(lambda t: (t.tanh() * t).sum(), [x])
    True
    """
    from .gradients import grad

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    with enable_grad():
        outputs = fn(*inputs)
    outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        vs = [wrap(rng.standard_normal(o.shape)).requires_grad_() for o in outputs]
    else:
        vs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args: Tensor) -> Tensor:
        xs, v = list(args[:n]), list(args[n:])
        outs = fn(*xs)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        tracked = [(o, g) for o, g in zip(outs, v) if o.requires_grad]
        grads = grad([o for o, _ in tracked], [xs[i] for i in checked],
                     [g for _, g in tracked], create_graph=True, allow_unused=True)
        parts = [(g * wrap(rng_weights[k])).sum() for k, g in enumerate(grads) if g is not None]
        total = wrap(np.zeros((), dtype=np.float64))
        for part in parts:
            total = total + part
        return total

    rng_weights = [rng.standard_normal(inputs[i].shape) for i in checked]
    return gradcheck(first_derivatives, [*inputs, *vs], eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed)
