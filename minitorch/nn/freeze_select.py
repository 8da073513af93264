"""Freezing by name and kind, with a report, and the record that ``unfreeze(restore=True)``
reads. Used by :func:`minitorch.nn.freeze` / :func:`minitorch.nn.unfreeze`.

``names`` are fnmatch globs over ``model.named_parameters()`` names (``"body.*"``,
``"*.bias"``); ``kinds`` are module classes whose parameters are selected
(``(nn.BatchNorm1d,)``). A pattern or kind that selects nothing raises a ValueError that
lists the names there are (PEFT and skorch silently skip such patterns).

>>> from minitorch import nn
>>> model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
>>> print(nn.freeze(model, names="0.*", kinds=(nn.BatchNorm1d,)))
froze 4 parameters:
  '0.*': 0.weight, 0.bias
  BatchNorm1d: 1.weight, 1.bias
"""
from __future__ import annotations

import fnmatch
from typing import Any, Iterable

from ..tensor import Tensor
from .module import Module

__all__ = ["FreezeReport", "select", "apply_by_name", "record", "restore"]


class FreezeReport(dict):
    """What a ``freeze``/``unfreeze`` by ``names``/``kinds`` selected: each pattern (or kind
    name) maps to the parameter names it matched; ``changed`` lists the parameters whose
    flag the call actually changed. Prints as a short report."""

    action: str = "froze"
    changed: list[str]

    def __str__(self) -> str:
        selected = {n for names in self.values() for n in names}
        lines = [f"{self.action} {len(selected)} parameters:"]
        for key, names in self.items():
            lines.append(f"  {key}: {', '.join(names)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, (str, type)):
        return [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{what} must be a glob string, a class, or a list of them, got "
                        f"{type(value).__name__}") from None
    return items


def select(model: Module, names: Any = None, kinds: Any = None
           ) -> tuple[FreezeReport, list[tuple[str, Tensor]]]:
    """The parameters of ``model`` matched by ``names`` globs and ``kinds`` classes (a
    union), in ``named_parameters()`` order, and the report of what each one matched."""
    if not isinstance(model, Module):
        raise TypeError(f"freezing by names= or kinds= needs a Module, got "
                        f"{type(model).__name__}")
    named = list(model.named_parameters())
    report = FreezeReport()
    chosen: dict[str, Tensor] = {}
    empty: list[str] = []
    for pattern in _as_list(names, "names") if names is not None else []:
        if not isinstance(pattern, str):
            raise TypeError(f"names must be glob strings, got {pattern!r}")
        hits = [n for n, _ in named if fnmatch.fnmatchcase(n, pattern)]
        report[repr(pattern)] = hits
        if not hits:
            empty.append(repr(pattern))
    for kind in _as_list(kinds, "kinds") if kinds is not None else []:
        if not isinstance(kind, type) or not issubclass(kind, Module):
            raise TypeError(f"kinds must be Module classes such as nn.BatchNorm1d, got "
                            f"{kind!r}")
        ids = {id(p) for m in model.modules() if isinstance(m, kind) for p in m.parameters()}
        hits = [n for n, p in named if id(p) in ids]
        report[kind.__name__] = hits
        if not hits:
            empty.append(kind.__name__)
    if empty:
        layer_kinds = sorted({type(m).__name__ for m in model.modules() if
                              any(True for _ in m.parameters(recurse=False))})
        raise ValueError(
            f"{', '.join(empty)} matched no parameter of {type(model).__name__}, so nothing "
            f"was changed. Its parameters are: {', '.join(n for n, _ in named)} (layers with "
            f"parameters: {', '.join(layer_kinds)}). Names are fnmatch globs, e.g. 'body.*' "
            f"or '*.bias'.")
    lookup = dict(named)
    for hits in report.values():
        for n in hits:
            chosen.setdefault(n, lookup[n])
    ordered = [(n, p) for n, p in named if n in chosen]
    return report, ordered


def record(model: Module, params: Iterable[tuple[str, Tensor]]) -> None:
    """Remember the flags ``params`` have now, before a freeze changes them."""
    history = model.__dict__.setdefault("_freeze_history", [])
    history.append([(n, p, p.requires_grad) for n, p in params])


def apply_by_name(model: Module, names: Any, kinds: Any, flag: bool) -> FreezeReport:
    report, params = select(model, names, kinds)
    if not flag:
        record(model, params)
    report.changed = [n for n, p in params if p.requires_grad != flag]
    for _, p in params:
        p.requires_grad_(flag)
    report.action = "unfroze" if flag else "froze"
    return report


def restore(model: Module, names: Any = None, kinds: Any = None) -> FreezeReport:
    """Give each parameter back the flag it had before the latest ``freeze`` call that
    covered it (all of the latest call's parameters, or those matching ``names``/``kinds``)."""
    history = model.__dict__.get("_freeze_history") or []
    if not history:
        raise RuntimeError(
            f"unfreeze(restore=True): no freeze(...) call on this {type(model).__name__} to "
            f"undo (freeze records the flags it changes on the module it is given)")
    report = FreezeReport()
    report.action = "restored"
    if names is None and kinds is None:
        entry = history.pop()
        for _, p, flag in entry:
            p.requires_grad_(flag)
        report["latest freeze"] = [n for n, _, _ in entry]
        report.changed = [n for n, _, _ in entry]
        return report
    report, params = select(model, names, kinds)
    report.action = "restored"
    wanted = {id(p) for _, p in params}
    done: set[int] = set()
    for entry in reversed(history):
        now = {id(p) for _, p, _ in entry if id(p) in wanted and id(p) not in done}
        for _, p, flag in entry:
            if id(p) in now:
                p.requires_grad_(flag)
        entry[:] = [e for e in entry if id(e[1]) not in now]
        done |= now
    history[:] = [e for e in history if e]
    for _, p in params:  # never frozen by a recorded call: unfreeze it
        if id(p) not in done:
            p.requires_grad_(True)
    report.changed = [n for n, _ in params]
    return report
