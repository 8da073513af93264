"""Freezing helpers for transfer learning: freeze, unfreeze, freeze_to, counts, summary.

Freezing a parameter means ``requires_grad = False``: backward then computes no gradient
for it (a frozen prefix of a network costs forward only), minitorch's optimizers never
change it (even with a stale ``.grad``, momentum or weight decay), and a BatchNorm layer
whose parameters are all frozen keeps its running statistics. ``eval()`` is a different
switch (dropout, batch statistics), which ``summary()`` shows in its own column.

>>> import minitorch as mt
>>> from minitorch import nn
>>> from minitorch.nn.freezing import count_parameters, freeze_to
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> count_parameters(freeze_to(model, -1))   # all but the last child frozen
(18, 40)
"""
from __future__ import annotations

import warnings
from typing import Any, Iterable, TypeVar

from ..tensor import Tensor
from . import freeze_select as _by_name
from .model_summary import ModelSummary, summary
from .module import Module, parameter_holders

T = TypeVar("T")

__all__ = [
    "freeze", "unfreeze", "freeze_to", "trainable_parameters", "frozen_parameters",
    "count_parameters", "summary", "ModelSummary",
]


def freeze(target: T, names: Any = None, kinds: Any = None) -> Any:
    """Set ``requires_grad=False`` on every parameter of ``target`` and return ``target``.

    With ``names`` (fnmatch globs over parameter names, one or a list: ``"body.*"``,
    ``"*.bias"``) or ``kinds`` (module classes: ``(nn.BatchNorm1d,)``), only the matching
    parameters of the Module ``target`` are frozen, and a ``FreezeReport`` (what each
    pattern matched) is returned instead; a pattern or kind that matches nothing raises a
    ValueError listing the parameter names, and changes nothing. Each call on a Module
    records the flags it found, for ``unfreeze(target, restore=True)``.

    ``target`` is a Module, a list or tuple of Modules, or an iterable of parameters (a
    generator such as ``model.parameters()`` is used up). A parameter that ``target``
    shares with a layer outside it (tied weights) is one tensor, so it is frozen there too:
    when ``target`` is made of Modules, that case warns (``summary(model)`` marks shared
    parameters).

    >>> from minitorch import nn
    >>> layer = nn.freezing.freeze(nn.Linear(2, 2))
    >>> layer.weight.requires_grad
    False
    """
    if names is not None or kinds is not None:
        return _by_name.apply_by_name(target, names, kinds, False)
    if isinstance(target, Module):
        _by_name.record(target, target.named_parameters())
    _set_requires_grad(target, False)
    return target


def unfreeze(target: T, names: Any = None, restore: bool = False, kinds: Any = None) -> Any:
    """Set ``requires_grad=True`` on every parameter of ``target`` and return ``target``
    (same inputs as :func:`freeze`; ``names``/``kinds`` select as there and return a
    ``FreezeReport``).

    ``restore=True`` instead gives each parameter back the flag it had before the latest
    ``freeze`` call on this Module (only those matching ``names``/``kinds`` if given), so a
    layer that was frozen on purpose before that call stays frozen (NeMo's semantics).

    >>> from minitorch import nn
    >>> nn.freezing.unfreeze(nn.freezing.freeze(nn.Linear(2, 2))).bias.requires_grad
    True
    """
    if restore:
        if not isinstance(target, Module):
            raise TypeError(f"unfreeze(restore=True) needs the Module given to freeze, got "
                            f"{type(target).__name__}")
        report = _by_name.restore(target, names, kinds)
        return target if names is None and kinds is None else report
    if names is not None or kinds is not None:
        return _by_name.apply_by_name(target, names, kinds, True)
    _set_requires_grad(target, True)
    return target


def freeze_to(model: Module, n: int) -> Module:
    """Freeze the first ``n`` top-level children of ``model`` and unfreeze the rest
    (fastai's ``freeze_to``); a negative ``n`` counts from the end, so ``freeze_to(model,
    -1)`` trains only the last child and ``freeze_to(model, 0)`` trains everything.

    Children without parameters (activations) count as children. Parameters registered on
    ``model`` itself, outside any child, are left as they are. A parameter shared between
    a frozen and a trainable child stays trainable, with a warning. Returns ``model``.

    >>> from minitorch import nn
    >>> model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> [p.requires_grad for p in freeze_to(model, 2).parameters()]
    [False, False, True, True]
    """
    if not isinstance(model, Module):
        raise TypeError(f"freeze_to needs a Module, got {type(model).__name__}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"freeze_to(model, n): n must be an int, got {type(n).__name__}")
    children = list(model.named_children())
    k = len(children)
    if not -k <= n <= k:
        names = [name for name, _ in children]
        raise ValueError(
            f"freeze_to(model, {n}): {type(model).__name__} has {k} top-level children "
            f"{names}, so n must be in [{-k}, {k}]"
            + ("; to freeze a model without children use freeze(model)" if k == 0 else "")
        )
    stop = n if n >= 0 else k + n
    frozen_in: dict[int, str] = {}
    for name, child in children[:stop]:
        for pname, p in child.named_parameters(prefix=name):
            p.requires_grad_(False)
            frozen_in.setdefault(id(p), pname)
    for name, child in children[stop:]:
        for pname, p in child.named_parameters(prefix=name):
            p.requires_grad_(True)
            if id(p) in frozen_in:
                warnings.warn(
                    f"freeze_to(model, {n}): parameter {frozen_in[id(p)]!r} of a frozen child "
                    f"is the same tensor as {pname!r} of a trainable child (tied weights); it "
                    f"stays trainable, so it changes in both places",
                    UserWarning,
                    stacklevel=2,
                )
    return model


def trainable_parameters(module: Any) -> list[Tensor]:
    """The parameters of ``module`` that require grad (each shared one once).

    >>> from minitorch import nn
    >>> len(nn.freezing.trainable_parameters(nn.Linear(2, 2)))
    2
    """
    return [p for p in _unique_parameters(module) if p.requires_grad]


def frozen_parameters(module: Any) -> list[Tensor]:
    """The parameters of ``module`` that do not require grad (each shared one once).

    >>> from minitorch import nn
    >>> len(nn.freezing.frozen_parameters(nn.Linear(2, 2)))
    0
    """
    return [p for p in _unique_parameters(module) if not p.requires_grad]


def count_parameters(module: Any) -> tuple[int, int]:
    """``(trainable, frozen)`` numbers of parameter elements; buffers (running statistics)
    are not parameters, and a parameter shared by several layers is counted once.

    >>> from minitorch import nn
    >>> nn.freezing.count_parameters(nn.Linear(3, 2))
    (8, 0)
    """
    trainable = frozen = 0
    for p in _unique_parameters(module):
        if p.requires_grad:
            trainable += p.numel()
        else:
            frozen += p.numel()
    return trainable, frozen


def _unique_parameters(target: Any) -> list[Tensor]:
    """Parameters of a Module, of Modules in a list or tuple, or an iterable of tensors,
    in order and each once."""
    if isinstance(target, Module):
        items: Iterable[Any] = [target]
    elif isinstance(target, Tensor):
        items = [target]
    else:
        try:
            items = list(target)
        except TypeError:
            raise TypeError(
                f"expected a Module, a list of Modules or an iterable of parameters, got "
                f"{type(target).__name__}"
            ) from None
    seen: set[int] = set()
    params = []
    for item in items:
        if isinstance(item, Module):
            found: Iterable[Any] = item.parameters()
        elif isinstance(item, Tensor):
            found = [item]
        else:
            raise TypeError(
                f"expected Modules or parameters, got a {type(item).__name__} in "
                f"{type(target).__name__}"
            )
        for p in found:
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
    return params


def _set_requires_grad(target: Any, flag: bool) -> None:
    changing = [p for p in _unique_parameters(target) if p.requires_grad != flag]
    for p in changing:
        p.requires_grad_(flag)
    roots = [target] if isinstance(target, Module) else (
        [m for m in target if isinstance(m, Module)] if isinstance(target, (list, tuple)) else [])
    if changing and roots:
        _warn_shared_outside(changing, roots, "frozen" if not flag else "unfrozen")


def _warn_shared_outside(params: list[Tensor], roots: list[Module], done: str) -> None:
    """Warn when a parameter just changed is also held by a layer outside ``roots``."""
    inside = {id(m) for root in roots for m in root.modules()}
    wanted = {id(p): p for p in params}
    outside: dict[int, list[str]] = {}
    for p in params:
        for holder in parameter_holders(p):
            if id(holder) not in inside:
                names = [n for n, q in holder._parameters.items() if q is p]
                outside.setdefault(id(p), []).extend(
                    f"{type(holder).__name__}.{n}" for n in names)
    for pid, owners in outside.items():
        warnings.warn(
            f"a parameter of shape {tuple(wanted[pid].shape)} that was just {done} is also "
            f"held by {', '.join(owners)} outside the module(s) given (tied weights): it is "
            f"one tensor, so it is {done} there too. summary(model) marks shared parameters.",
            UserWarning,
            stacklevel=4,  # the caller of freeze() / unfreeze()
        )
