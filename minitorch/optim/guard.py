"""The guard for pitfall #2: a trainable parameter with a gradient that no optimizer holds.

The classic bug: an optimizer built from ``filter(lambda p: p.requires_grad,
model.parameters())`` while the body was frozen; the body is unfrozen later, receives
gradients, and never trains, without any error. At ``step()``, when the latest backward
pass reached this optimizer's parameters, every live module parameter that the same pass
gave a gradient and that is in no optimizer (and never was) gets a warning, once per
parameter and optimizer, naming the layer that holds it. "The same pass" is exact: the
engine numbers backward passes and each leaf remembers the last one that wrote its
``.grad`` (``AccumulateGrad.delivered_in``), so gradients copied with a model
(``copy.deepcopy``) or left from another model's loss never count. The check costs one
look at each of the optimizer's parameters; only when the pass wrote more leaves than the
optimizer holds does it go over the live modules' parameters.

>>> import warnings
>>> import minitorch as mt
>>> from minitorch import nn, optim
>>> model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
>>> _ = nn.freeze(model[0])
>>> opt = optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
>>> _ = nn.unfreeze(model[0])
>>> model(mt.ones(1, 2)).sum().backward()
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     opt.step()
>>> len(caught), "Linear(in_features=2, out_features=2, bias=True).weight" in str(caught[0].message)
(2, True)
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any

from ..core.engine import BackwardRuns
from ..nn.module import held_parameters, parameter_holders
from ..tensor import grad_delivered_in

__all__ = ["check_unowned", "register", "holder_name"]

_OPTIMIZERS: "weakref.WeakSet[Any]" = weakref.WeakSet()
# Parameters that have been in some optimizer, even one gone since (a head trained by an
# optimizer that was then dropped is not the bug this guard is for). Keyed by id, weakly.
_EVER: dict[int, weakref.ref] = {}


def _remember(params: list[Any]) -> None:
    for p in params:
        key = id(p)
        entry = _EVER.get(key)
        if entry is None or entry() is not p:
            _EVER[key] = weakref.ref(p, lambda _, key=key: _EVER.pop(key, None))


def register(optimizer: Any) -> None:
    """Make ``optimizer``'s parameters count as owned for every optimizer's check."""
    _OPTIMIZERS.add(optimizer)


def _reached(p: Any, run: int) -> bool:
    """Whether backward pass number ``run`` wrote ``p.grad``."""
    return grad_delivered_in(p) == run  # None (no AccumulateGrad yet) never equals it


def _unowned(optimizer: Any) -> list[Any]:
    """Live module parameters that require grad, have a gradient, and are not in
    ``optimizer`` (usually none: one pass over the live parameters)."""
    mine = _ids(optimizer)
    found = []
    for p in held_parameters():
        if id(p) not in mine and p.requires_grad and p.grad is not None:
            found.append(p)
    return found


def _ids(optimizer: Any) -> set[int]:
    groups = optimizer.param_groups
    key = (id(optimizer), len(groups), sum(len(g["params"]) for g in groups))
    cached = optimizer.__dict__.get("_guard_ids")
    if cached is None or cached[0] != key:
        params = [p for g in groups for p in g["params"]]
        _remember(params)
        cached = (key, {id(p) for p in params})
        optimizer.__dict__["_guard_ids"] = cached
    return cached[1]


def holder_name(param: Any) -> str | None:
    """``Linear(in_features=2, ...).weight``: the first live module holding ``param``."""
    for holder in parameter_holders(param):
        for attr, p in holder.__dict__.get("_parameters", {}).items():
            if p is param:
                extra = holder.extra_repr()
                return f"{type(holder).__name__}({extra}).{attr}"
    return None


def check_unowned(optimizer: Any) -> None:
    """Warn about parameters that require grad, got a gradient from the backward pass that
    reached this optimizer's parameters, and are in no optimizer."""
    _OPTIMIZERS.add(optimizer)  # also a copy (deepcopy, unpickling) __init__ did not see
    run = BackwardRuns.latest
    reached = sum(_reached(p, run) for g in optimizer.param_groups for p in g["params"])
    if reached == 0:
        return  # the latest loss did not reach this optimizer: nothing to compare with
    if reached == BackwardRuns.leaves:
        return  # every leaf the latest pass wrote is this optimizer's: no scan needed
    suspects = [p for p in _unowned(optimizer) if _reached(p, run)]
    if not suspects:
        return
    others = [_ids(o) for o in list(_OPTIMIZERS) if o is not optimizer]
    warned = optimizer.__dict__.setdefault("_guard_warned", set())
    for p in suspects:
        entry = _EVER.get(id(p))
        if id(p) in warned or (entry is not None and entry() is p) or any(
                id(p) in ids for ids in others):
            continue
        warned.add(id(p))
        name = holder_name(p) or f"a parameter of shape {tuple(p.shape)}"
        warnings.warn(
            f"{name} requires grad and received a gradient, but it is in no optimizer, so "
            f"step() does not train it. An optimizer built from the trainable parameters "
            f"(filter(lambda p: p.requires_grad, ...)) misses layers unfrozen later: in "
            f"minitorch build it over all of model.parameters() (step() never changes "
            f"frozen ones), or add the layer with add_param_group.",
            UserWarning, stacklevel=3)
