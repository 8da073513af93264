"""``RemovableHandle``: what every ``register_*_hook`` returns (PyTorch's
``torch.utils.hooks.RemovableHandle``).

Hooks live in plain dicts keyed by a handle id, in registration order (``prepend``
moves a key to the front); ``handle.remove()`` deletes the key from every dict it was
registered in.
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable

_NEXT_ID = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for: ``handle.remove()``, or ``with handle: ...``.

    >>> hooks = {}
    >>> handle = RemovableHandle(hooks)
    >>> hooks[handle.id] = print
    >>> handle.remove(); hooks
    {}
    """

    def __init__(self, hooks_dict: dict, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = _ref(hooks_dict)
        self.id = next(_NEXT_ID)
        extras = () if extra_dict is None else (
            extra_dict if isinstance(extra_dict, (list, tuple)) else (extra_dict,))
        self.extra_dict_ref = tuple(_ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                if isinstance(hooks, dict):
                    hooks.pop(self.id, None)
                else:  # a set of ids (with_kwargs, always_call)
                    hooks.discard(self.id)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _ref(container: Any) -> Callable[[], Any]:
    """A weak reference where the container allows one (a plain dict does not)."""
    try:
        return weakref.ref(container)
    except TypeError:
        return lambda: container


class _HookDict(dict):
    """A dict of hooks that can be weakly referenced (plain dicts cannot)."""

    __slots__ = ("__weakref__",)


class _HookSet(set):
    """A set of hook ids (hooks registered with_kwargs / always_call); sets are weakly
    referable already."""

    __slots__ = ()


def add_hook(hooks: dict, hook: Callable, prepend: bool = False,
             extra: tuple = ()) -> RemovableHandle:
    """Put ``hook`` into ``hooks`` (first if ``prepend``) and return its handle."""
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        for key in [k for k in hooks if k != handle.id]:
            hooks[key] = hooks.pop(key)
    return handle


def new_hook_dict() -> dict:
    return _HookDict()


def new_hook_set() -> set:
    return _HookSet()


def run_grad_hooks(hooks: dict, grad: Any) -> tuple[Any, bool]:
    """Run gradient hooks (``array -> array or None``) in order; also say whether any
    replaced the gradient (then the array may be held by the caller: not private)."""
    changed = False
    for hook in tuple(hooks.values()):
        result = hook(grad)
        if result is not None:
            grad = result
            changed = True
    return grad, changed


def args_kwargs(result: Any, args: tuple, kwargs: dict, what: str) -> tuple[tuple, dict]:
    """What a ``(args, kwargs)`` pre-hook returned: None keeps ``args, kwargs``; a pair
    replaces them; anything else is PyTorch's RuntimeError."""
    if result is None:
        return args, kwargs
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(
            f"{what} must return None or a tuple of (new_args, new_kwargs), but got {result!r}."
        )
    return result
