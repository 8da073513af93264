"""Grad mode: a per-thread switch that decides whether operations are recorded."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    enabled = True
    inference = False  # inside inference_mode(): recording stays off whatever grad mode says


_state = _GradState()


def is_grad_enabled() -> bool:
    """Return True when operations are being recorded for backward (the default).

    >>> import minitorch as mt
    >>> with mt.no_grad():
    ...     mt.is_grad_enabled()
    False
    """
    return _state.enabled


class _GradModeContext:
    """A grad-mode switch usable as a context manager or as a decorator."""

    def __init__(self, mode: bool) -> None:
        self._mode = mode
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_state.enabled)
        _state.enabled = self._mode and not _state.inference

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._previous.pop()

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # Save and restore locally so that recursion and threads never share state.
            previous = _state.enabled
            _state.enabled = mode and not _state.inference
            try:
                return func(*args, **kwargs)
            finally:
                _state.enabled = previous

        return wrapper  # type: ignore[return-value]


class _FixedModeContext(_GradModeContext):
    """A switch to one fixed mode; also usable as a bare decorator (``@no_grad``)."""

    _fixed_mode: bool

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used bare: @no_grad
            _GradModeContext.__init__(self, cls._fixed_mode)
            return self(func)
        return self

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        super().__init__(self._fixed_mode)


class no_grad(_FixedModeContext):
    """Context manager and decorator that turns recording off.

    Inside, no operation builds a graph or keeps arrays for backward; no tensor's
    ``requires_grad`` flag changes. Works as ``@no_grad()`` and as bare ``@no_grad``.

    >>> import minitorch as mt
    >>> w = mt.ones(3, requires_grad=True)
    >>> with mt.no_grad():
    ...     y = w * 2
    >>> y.requires_grad, w.requires_grad
    (False, True)
    """

    _fixed_mode = False


class enable_grad(_FixedModeContext):
    """Context manager and decorator that turns recording on (inside ``no_grad``, say).

    >>> import minitorch as mt
    >>> x = mt.ones(2, requires_grad=True)
    >>> with mt.no_grad():
    ...     with mt.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    _fixed_mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; as a context manager or decorator, restore it after.

    Called as a plain statement, the new mode stays on, as in PyTorch.

    >>> import minitorch as mt
    >>> with mt.set_grad_enabled(False):
    ...     mt.is_grad_enabled()
    False
    >>> mt.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled() expects a bool, got {type(mode).__name__}")
        super().__init__(mode)
        self._previous.append(_state.enabled)
        _state.enabled = mode and not _state.inference

    def __enter__(self) -> None:
        pass  # __init__ already switched and remembered the previous mode

    def __call__(self, func: F) -> F:
        # As a decorator the switch applies per call only: undo the one made by __init__.
        _state.enabled = self._previous.pop()
        return super().__call__(func)
