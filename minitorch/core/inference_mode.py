"""``inference_mode``: no_grad, plus PyTorch's promise that what it makes stays out of autograd.

Inside ``inference_mode()`` nothing is recorded (``enable_grad`` inside does not turn
recording back on), and every tensor made there is an *inference tensor*
(``t.is_inference()``). Outside, PyTorch's three rules hold for such tensors: an op that
would save one for backward raises RuntimeError, as do ``requires_grad_(True)`` and an
in-place update. Use ``t.clone()`` outside to get a normal tensor.

The checks cost nothing until the first inference tensor exists (``_inference.made``).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from .grad_mode import _state

F = TypeVar("F", bound=Callable[..., Any])

SAVED = (
    "Inference tensors cannot be saved for backward: a tensor of shape {shape} made inside "
    "inference_mode() is an input of {op}, which needs it for the gradient. Do not use "
    "tensors created in inference mode in computation tracked by autograd: make a normal "
    "tensor with .clone() (outside inference_mode) and use that, or create it under "
    "no_grad() instead."
)
INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed ({op} on a "
    "tensor of shape {shape}): make a .clone() to get a normal tensor before updating it "
    "in place."
)
REQUIRES_GRAD = (
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed: "
    "use t.clone().requires_grad_(True)."
)


class _Inference:
    """Process-wide counters that keep the checks free while inference mode is unused."""

    active = 0  # inference_mode() blocks open now (any thread)
    made = False  # some inference tensor has been created


_inference = _Inference()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``.

    >>> import minitorch as mt
    >>> with mt.inference_mode():
    ...     mt.is_inference_mode_enabled()
    True
    """
    return _state.inference


def mark(t: Any) -> Any:
    """Make ``t`` an inference tensor if inference mode is on (creation paths call this)."""
    if _inference.active and _state.inference:
        t._inference = True
        _inference.made = True
    return t


class inference_mode:  # noqa: N801 - PyTorch's name
    """Context manager and decorator: no recording, and results that stay out of autograd.

    ``inference_mode(False)`` does nothing (PyTorch's switch). Works as ``@inference_mode()``
    and as bare ``@inference_mode``.

    >>> import minitorch as mt
    >>> w = mt.ones(2, requires_grad=True)
    >>> with mt.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad, y.is_inference()
    (False, True)
    """

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):  # used bare: @inference_mode
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        self._mode = bool(mode)
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._previous.append(_enter(self._mode))

    def __exit__(self, *exc: object) -> None:
        _exit(self._previous.pop(), self._mode)

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = _enter(mode)
            try:
                return func(*args, **kwargs)
            finally:
                _exit(previous, mode)

        return wrapper  # type: ignore[return-value]


def _enter(mode: bool) -> tuple[bool, bool]:
    previous = (_state.enabled, _state.inference)
    if mode:
        _state.enabled = False
        _state.inference = True
        _inference.active += 1
    return previous


def _exit(previous: tuple[bool, bool], mode: bool) -> None:
    _state.enabled, _state.inference = previous
    if mode:
        _inference.active -= 1
