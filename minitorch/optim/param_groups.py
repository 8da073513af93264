"""Discriminative learning rates: one param group per layer group, low rates for the first
(pretrained, general) layers and high rates for the head, as fastai's ``slice(lr1, lr2)``.

Together with ``freeze_to`` this gives gradual unfreezing with a single optimizer: build it
once over every layer group (frozen ones included: ``step()`` never changes them), then
unfreeze from the head down.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor


def layer_rates(lr: float | slice | Sequence[float], n: int) -> list[float]:
    """The learning rates of ``n`` layer groups, first to last.

    ``lr`` is one rate for all; a sequence of ``n`` rates; ``slice(low, high)``, rates
    spaced geometrically from ``low`` (first group) to ``high`` (last); or ``slice(high)``,
    ``high / 10`` for every group but the last, which gets ``high`` (fastai's rule).

    >>> from minitorch.optim import layer_rates
    >>> layer_rates(slice(1e-4, 1e-2), 3)
    [0.0001, 0.001, 0.01]
    >>> layer_rates(slice(1e-2), 3)
    [0.001, 0.001, 0.01]
    """
    if n < 1:
        raise ValueError(f"need at least one layer group, got {n}")
    if isinstance(lr, slice):
        if lr.step is not None:
            raise ValueError(f"a learning-rate slice has no step, got {lr}")
        low, high = lr.start, lr.stop
        _check_rate(high, "slice stop")
        if low is None:
            return [high / 10] * (n - 1) + [high]
        _check_rate(low, "slice start")
        if n == 1:
            return [high]
        if low == 0:
            raise ValueError("a geometric range cannot start at 0: use slice(low, high), low > 0")
        return [low * (high / low) ** (i / (n - 1)) for i in range(n)]
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        _check_rate(lr, "lr")
        return [float(lr)] * n
    if isinstance(lr, Sequence) and not isinstance(lr, str):
        if len(lr) != n:
            raise ValueError(f"got {len(lr)} learning rates for {n} layer groups")
        for value in lr:
            _check_rate(value, "lr")
        return [float(value) for value in lr]
    raise TypeError(
        f"lr must be a number, a list of numbers or a slice(low, high), got {type(lr).__name__}"
    )


def discriminative_param_groups(layers: Sequence[Any], lr: float | slice | Sequence[float],
                                **options: Any) -> list[dict[str, Any]]:
    """Param groups for an optimizer, one per entry of ``layers`` that has parameters,
    with learning rates from :func:`layer_rates` (``options`` are added to every group).

    ``layers`` are Modules, or iterables of parameters (e.g. ``[model.body, model.head]``
    or ``list(model.children())``). Entries without parameters (activations) are left
    out before the rates are spaced; frozen parameters are kept, so the optimizer trains
    them once they are unfrozen. A parameter in two entries raises ValueError.

    >>> import minitorch as mt
    >>> from minitorch import nn, optim
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
    ...                       nn.Linear(8, 2))
    >>> groups = optim.discriminative_param_groups(list(model.children()), slice(1e-4, 1e-2))
    >>> [g["lr"] for g in groups]
    [0.0001, 0.001, 0.01]
    >>> opt = optim.Adam(groups)
    """
    param_lists = [(i, _parameters_of(entry, i)) for i, entry in enumerate(layers)]
    nonempty = [(i, params) for i, params in param_lists if params]
    if not nonempty:
        raise ValueError("none of the given layers has parameters")
    rates = layer_rates(lr, len(nonempty))
    owner: dict[int, int] = {}
    groups = []
    for (i, params), rate in zip(nonempty, rates):
        for p in params:
            if id(p) in owner:
                raise ValueError(
                    f"layers[{i}] and layers[{owner[id(p)]}] share a parameter of shape "
                    f"{p.shape}; a parameter can be in one param group only: merge those "
                    f"layers into one entry"
                )
            owner[id(p)] = i
        groups.append({"params": params, "lr": rate, **options})
    return groups


def _parameters_of(entry: Any, i: int) -> list[Tensor]:
    params = entry.parameters() if hasattr(entry, "parameters") else entry
    if isinstance(params, Tensor):
        return [params]
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"layers[{i}] is a {type(entry).__name__}: expected a Module or an iterable of "
            f"parameters"
        ) from None
    unique, seen = [], set()
    for p in params:
        if id(p) not in seen:  # a tied parameter listed twice in one entry counts once
            seen.add(id(p))
            unique.append(p)
    return unique


def _check_rate(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"Invalid learning rate ({what}): {value!r}, must be a number >= 0")
