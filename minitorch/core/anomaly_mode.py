"""Anomaly detection for backward: ``set_detect_anomaly`` and ``detect_anomaly``.

With anomaly mode on, every recorded op remembers the stack that created it, and backward
checks each gradient a node's backward returns: a NaN or an infinity raises RuntimeError
naming the backward node (e.g. ``DivBackward``) and the line of user code that ran its
forward op. An error raised inside a node's backward gets the same line added.

The stack is captured only while the mode is on; with it off, recording and backward test
one flag per node and do nothing else.
"""
from __future__ import annotations

import functools
import os
import traceback
from typing import Any, Callable, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # minitorch/


class _Anomaly:
    enabled = False
    check_nan = True


_anomaly = _Anomaly()


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return _anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _anomaly.enabled and _anomaly.check_nan


def creation_stack() -> list[traceback.FrameSummary]:
    """The user's frames of the current stack (minitorch's own frames dropped)."""
    frames = traceback.extract_stack()
    return [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE)]


def where_created(ctx: Any) -> str:
    """'file:line in function: code' of the user line that ran the node's forward op."""
    stack = getattr(ctx, "creation_stack", None)
    if not stack:
        return ("(no creation stack: the node was recorded before anomaly mode was turned "
                "on)")
    frame = stack[-1]
    code = f": {frame.line}" if frame.line else ""
    return f"{frame.filename}:{frame.lineno} in {frame.name}{code}"


def _traceback_text(ctx: Any) -> str:
    stack = getattr(ctx, "creation_stack", None)
    return "".join(traceback.format_list(stack)) if stack else ""


def check_gradients(ctx: Any, grads: tuple) -> None:
    """Raise if a gradient that ``ctx``'s backward returned holds NaN or infinity."""
    if not _anomaly.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None or not isinstance(g, np.ndarray) or g.dtype.kind not in "fc":
            continue
        if not np.isfinite(g).all():
            what = "nan" if np.isnan(g).any() else "inf"
            raise RuntimeError(
                f"Function '{ctx.name()}' returned {what} values in its {i}th output "
                f"(the gradient for input {i}, shape {g.shape}). Its forward op was created "
                f"at {where_created(ctx)}\nTraceback of the forward call that caused the "
                f"error:\n{_traceback_text(ctx)}"
            )


def annotate(ctx: Any, err: Exception) -> Exception:
    """``err`` (raised in ``ctx``'s backward), with where its forward op was created."""
    message = (f"{err}\n[anomaly mode] error detected in {ctx.name()}, whose forward op was "
               f"created at {where_created(ctx)}")
    try:
        return type(err)(message)
    except Exception:  # an exception type with a different constructor
        return RuntimeError(message)


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off; as a context manager, restore it after.

    Called as a plain statement the new setting stays, as in PyTorch.

    >>> import minitorch as mt
    >>> with mt.autograd.set_detect_anomaly(True):
    ...     mt.autograd.is_anomaly_enabled()
    True
    >>> mt.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (_anomaly.enabled, _anomaly.check_nan)
        _anomaly.enabled = bool(mode)
        _anomaly.check_nan = bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _anomaly.enabled, _anomaly.check_nan = self._previous


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager and decorator that turns anomaly detection on inside.

    >>> import minitorch as mt
    >>> x = mt.tensor([0.0], requires_grad=True)
    >>> with mt.autograd.detect_anomaly():
    ...     y = x.sqrt()  # d sqrt(x)/dx at 0 is inf
    ...     try:
    ...         y.backward(mt.ones(1))
    ...     except RuntimeError as err:
    ...         print(str(err).split(" (")[0])
    Function 'SqrtBackward' returned inf values in its 0th output
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._check_nan = bool(check_nan)
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._previous.append((_anomaly.enabled, _anomaly.check_nan))
        _anomaly.enabled, _anomaly.check_nan = True, self._check_nan

    def __exit__(self, *exc: object) -> None:
        _anomaly.enabled, _anomaly.check_nan = self._previous.pop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def run_node_backward(ctx: Any, grad: Any) -> Any:
    """``ctx.fn.backward(ctx, grad)`` with anomaly checks: errors name the creating line and
    non-finite gradients raise (the engine calls this only while the mode is on)."""
    try:
        grads = ctx.fn.backward(ctx, grad)
    except Exception as err:
        raise annotate(ctx, err) from err
    check_gradients(ctx, grads if type(grads) is tuple else (grads,))
    return grads
