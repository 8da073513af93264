"""Transfer learning for the estimators: ``freeze=``, ``unfreeze_at=`` and ``init_from=``."""
from __future__ import annotations

import numbers
import os
from typing import Any, Iterable, Mapping

import numpy as np

from .. import nn
from ..nn.freeze_select import select
from ..tensor import Tensor, unwrap
from ..train import Callback

CHECKPOINT_FORMAT = "minitorch.train.checkpoint/1"
_ZIP_MAGIC = b"PK\x03\x04"  # minitorch.save writes a zip (npz) archive


# ----------------------------------------------------------------------------- freeze
def _patterns(spec: Any, what: str) -> list[str]:
    items = [spec] if isinstance(spec, str) else spec
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"{what} must be a glob string or a list of them, got "
                        f"{type(spec).__name__}") from None
    if not items or not all(isinstance(p, str) for p in items):
        raise TypeError(f"{what} must be a glob string or a non-empty list of them, "
                        f"got {spec!r}")
    return items


def _names_list(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:20]) + (f", ... ({len(names)} in all)" if len(names) > 20 else "")
    return shown or "(none)"


def match(module: nn.Module, spec: Any, what: str) -> list[str]:
    """Names of the parameters of ``module`` that ``spec`` selects: fnmatch globs (one or a
    list, matched by ``nn.freeze``'s rule) or a callable ``name -> bool``. Each glob, and a
    callable, must select something."""
    names = [name for name, _ in module.named_parameters()]
    if callable(spec) and not isinstance(spec, str):
        chosen = [name for name in names if spec(name)]
        if not chosen:
            raise ValueError(f"{what}={getattr(spec, '__name__', spec)!r} selects no parameter of "
                             f"{type(module).__name__}; its parameters are: {_names_list(names)}")
        return chosen
    try:
        _, selected = select(module, names=_patterns(spec, what))
    except ValueError as err:
        raise ValueError(f"{what}: {err}") from None
    return [name for name, _ in selected]


def apply_freeze(module: nn.Module, spec: Any) -> tuple[str, ...]:
    """Freeze what ``spec`` selects (None: nothing; an int n: the first n top-level
    children, as ``nn.freeze_to``; globs or a callable: see :func:`match`) and return the
    names of every parameter of ``module`` that is frozen afterwards."""
    if spec is None:
        pass
    elif isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        nn.freezing.freeze_to(module, int(spec))
    elif callable(spec) and not isinstance(spec, str):
        chosen = set(match(module, spec, "freeze"))
        for name, p in module.named_parameters():
            if name in chosen:
                p.requires_grad_(False)
    else:
        try:
            nn.freeze(module, names=_patterns(spec, "freeze"))
        except ValueError as err:
            raise ValueError(f"freeze: {err}") from None
    return tuple(name for name, p in module.named_parameters() if not p.requires_grad)


def unfreeze_schedule(module: nn.Module, spec: Any, frozen: tuple[str, ...]
                      ) -> list[tuple[int, tuple[str, ...]]]:
    """``unfreeze_at`` as ``[(epoch, parameter names)]``: an int unfreezes every parameter
    frozen at initialisation; a dict maps epochs to globs (or a callable)."""
    if spec is None:
        return []
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        items: list[tuple[Any, Any]] = [(spec, None)]
    elif isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        raise TypeError(f"unfreeze_at must be None, an epoch (int) or a dict {{epoch: globs}}, "
                        f"got {type(spec).__name__}")
    if not frozen:
        raise ValueError("unfreeze_at is set, but no parameter is frozen at initialisation: "
                         "set freeze= (globs, a callable or a number of layers) as well")
    schedule = []
    for epoch, names in items:
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"unfreeze_at epochs must be ints >= 0, got {epoch!r}")
        chosen = frozen if names is None else tuple(match(module, names, "unfreeze_at"))
        schedule.append((int(epoch), chosen))
    return sorted(schedule)


class UnfreezeSchedule(Callback):
    """Unfreeze parameters by name when the estimator's epoch count reaches each entry.

    Epochs are counted since the network was initialised (``offset``: the epochs trained by
    earlier ``partial_fit`` / warm-started ``fit`` calls), so the schedule spans calls.
    """

    def __init__(self, schedule: list[tuple[int, tuple[str, ...]]], offset: int) -> None:
        self.schedule, self.offset = schedule, offset

    def _unfreeze(self, model: nn.Module, done: int) -> None:
        names = {n for epoch, chosen in self.schedule if epoch == done for n in chosen}
        if names:
            for name, p in model.named_parameters():
                if name in names:
                    p.requires_grad_(True)

    def on_train_begin(self, trainer: Any) -> None:
        if self.offset == 0:
            self._unfreeze(trainer.model, 0)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        self._unfreeze(trainer.model, self.offset + epoch + 1)


# -------------------------------------------------------------------------- init_from
def _array(value: Any) -> np.ndarray | None:
    if isinstance(value, Tensor):
        return unwrap(value)
    if isinstance(value, np.ndarray):
        return value
    return None


def _read_file(path: str) -> Mapping[str, Any]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"init_from: no such file {path!r}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == _ZIP_MAGIC:
        from ..serialization import load

        return load(path)
    try:
        from ..interop import load_safetensors
    except ImportError as err:
        raise ImportError(
            f"init_from={path!r} is not a minitorch checkpoint (minitorch.save); reading it "
            f"as a safetensors file needs minitorch.interop.load_safetensors, which could not "
            f"be imported ({err})"
        ) from err
    return load_safetensors(path)


def source_state(source: Any) -> Mapping[str, Any]:
    """The state dict that ``init_from`` stands for."""
    if isinstance(source, (str, os.PathLike)):
        source = _read_file(os.fspath(source))
    if isinstance(source, nn.Module):
        return source.state_dict()
    module = getattr(source, "module_", None) if hasattr(source, "get_params") else None
    if hasattr(source, "get_params"):
        if module is None:
            raise ValueError(f"init_from is an unfitted {type(source).__name__}: fit it first "
                             f"(its network, module_, is what gets copied)")
        return module.state_dict()
    if isinstance(source, Mapping):
        if source.get("format") == CHECKPOINT_FORMAT:
            return source["model"]  # a minitorch.train Checkpoint file
        return source
    raise TypeError(
        f"init_from must be a state dict, a path to a minitorch or safetensors checkpoint, a "
        f"Module or a fitted estimator, got {type(source).__name__}"
    )


def load_init(module: nn.Module, source: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Copy every entry of ``source`` whose name and shape match one of ``module``'s
    parameters or buffers; return ``(loaded, kept)`` names. Nothing matching raises."""
    state = source_state(source)
    own = module.state_dict()
    merged: dict[str, Any] = dict(own)
    loaded = []
    for key, target in own.items():
        array = _array(state.get(key)) if key in state else None
        if array is not None and array.shape == tuple(target.shape):
            merged[key] = np.asarray(array, dtype=unwrap(target).dtype)
            loaded.append(key)
    if not loaded:
        shapes = {k: tuple(v.shape) for k, v in own.items()}
        theirs = {k: tuple(a.shape) for k, v in state.items() if (a := _array(v)) is not None}
        raise ValueError(
            f"init_from: no entry of the source matches a parameter or buffer of "
            f"{type(module).__name__} by name and shape; the network has {shapes}, the source "
            f"has {theirs}"
        )
    module.load_state_dict(merged)
    return tuple(loaded), tuple(k for k in own if k not in loaded)

