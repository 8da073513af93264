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

from ..core.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor
from . import freeze_select as _by_name
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


class ModelSummary(str):
    """The table ``summary()`` returns: a ``str`` that also displays as the table in a REPL
    or notebook, with ``total``, ``trainable`` and ``frozen`` element counts."""

    total: int
    trainable: int
    frozen: int

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def summary(model: Module, input_shape: tuple[int, ...] | None = None,
            dtype: Any = None) -> ModelSummary:
    """A Keras-style table of ``model``: one row per layer with its name and type, output
    shape (when ``input_shape`` is given), parameter count, trainable / frozen / partly
    frozen state, and train/eval mode; then the totals.

    ``input_shape`` includes the batch dimension, e.g. ``(1, 784)``; the shapes come from a
    forward pass on zeros (of ``dtype``, by default the parameters' dtype) in eval mode
    under ``no_grad``; every module's mode is restored afterwards. A row's count includes
    its sublayers'; a parameter shared by several layers is marked, and counted once in
    the totals.

    >>> from minitorch import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> print(nn.freezing.summary(nn.freezing.freeze_to(model, 2), input_shape=(1, 4)))
    Model: Sequential
    =========================================================
    Layer (type)   Output shape   Param #   Trainable   Mode
    =========================================================
    0 (Linear)     (1, 8)              40   frozen      train
    1 (ReLU)       (1, 8)               0   -           train
    2 (Linear)     (1, 2)              18   trainable   train
    =========================================================
    Total params: 58
    Trainable params: 18
    Frozen params: 40
    Buffers (not trained): 0
    ---------------------------------------------------------
    Trainable: requires_grad (what the optimizer may change).
    Mode: train()/eval() (dropout, batch-norm statistics); separate.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary needs a Module, got {type(model).__name__}")
    modules = [(name, m) for name, m in model.named_modules() if name]
    if not modules:
        modules = [("", model)]
    shapes = _output_shapes(model, modules, input_shape, dtype) if input_shape is not None else None
    owners: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        owners.setdefault(id(p), []).append(name)
    shared = {pid: names for pid, names in owners.items() if len(names) > 1}

    header = ["Layer (type)"] + (["Output shape"] if shapes is not None else []) + [
        "Param #", "Trainable", "Mode"]
    rows = []
    for name, m in modules:
        params = list(m.parameters())
        label = "  " * name.count(".") + f"{name or '(model)'} ({type(m).__name__})"
        state = _state(params)
        if any(id(p) in shared for p in params):
            state += " *"
        row = [label] + ([shapes.get(name, "-")] if shapes is not None else [])
        row += [f"{sum(p.numel() for p in params):,}", state, "train" if m.training else "eval"]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = header.index("Param #")

    def line(cells: list[str]) -> str:
        return "   ".join(cell.rjust(w) if i == numeric else cell.ljust(w)
                          for i, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    width = max(len(line(r)) for r in [header, *rows])
    trainable, frozen = count_parameters(model)
    n_buffers = sum(b.numel() for b in model.buffers())
    lines = [f"Model: {type(model).__name__}", "=" * width, line(header), "=" * width]
    lines += [line(r) for r in rows]
    lines += [
        "=" * width,
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Frozen params: {frozen:,}",
        f"Buffers (not trained): {n_buffers:,}",
        "-" * width,
    ]
    for names in shared.values():
        lines.append(f"* shared parameter: {' = '.join(names)} (one tensor: freezing it in "
                     f"one layer freezes it in all)")
    lines += ["Trainable: requires_grad (what the optimizer may change).",
              "Mode: train()/eval() (dropout, batch-norm statistics); separate."]
    result = ModelSummary("\n".join(lines))
    result.total, result.trainable, result.frozen = trainable + frozen, trainable, frozen
    return result


def _state(params: list[Tensor]) -> str:
    if not params:
        return "-"
    flags = {p.requires_grad for p in params}
    if flags == {True}:
        return "trainable"
    return "frozen" if flags == {False} else "partly frozen"


def _output_shapes(model: Module, modules: list[tuple[str, Module]],
                   input_shape: tuple[int, ...], dtype: Any) -> dict[str, str]:
    """Run one forward pass, recording each module's output shape (first call wins)."""
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    x = zeros(*tuple(input_shape), dtype=dtype)
    shapes: dict[str, str] = {}
    patched = []
    for name, m in modules:
        if "forward" in m.__dict__:
            continue  # a forward set on the instance: leave it alone
        patched.append(m)
        m.__dict__["forward"] = _recording(m, name, shapes)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            model(x)
    except Exception as err:
        raise RuntimeError(
            f"summary(): the forward pass of {type(model).__name__} on an input of shape "
            f"{tuple(input_shape)} failed ({type(err).__name__}: {err}); check input_shape "
            f"(it includes the batch dimension) and dtype"
        ) from err
    finally:
        for m in patched:
            del m.__dict__["forward"]
        for m, training in modes:
            m.training = training
    return shapes


def _recording(module: Module, name: str, shapes: dict[str, str]) -> Any:
    forward = type(module).forward.__get__(module)

    def record(*args: Any, **kwargs: Any) -> Any:
        out = forward(*args, **kwargs)
        shapes.setdefault(name, _shape_of(out))
        return out

    return record


def _shape_of(out: Any) -> str:
    if isinstance(out, Tensor):
        return str(tuple(out.shape))
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape_of(o) for o in out) + "]"
    return type(out).__name__


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
