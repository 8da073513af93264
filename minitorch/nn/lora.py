"""Low-rank adapters (LoRA, Hu et al. 2021) for ``Linear`` layers.

``add_lora(model, rank, alpha, targets)`` wraps the matching ``Linear`` layers in a
:class:`LoRALinear`: the base weight and bias are frozen, and a trainable update
``scaling * B @ A`` (``A`` of shape ``(rank, in)`` random, ``B`` of shape ``(out, rank)``
zero, ``scaling = alpha / rank``) is added, so the output is bit-identical at wrap time.
The base layer object is kept unchanged inside the wrapper (``layer.base``):

- ``merge_lora`` folds the update into a copy of the weight (outputs unchanged up to
  rounding, adapters removed, non-finite results refused) and keeps the wrapper aside, so
  ``unmerge_lora`` puts back the adapters and the *original* weight array: no subtraction,
  hence no drift after merge/unmerge cycles;
- ``remove_lora`` puts back the original layers (adapters dropped), base weights
  bit-identical and ``requires_grad`` flags as they were before ``add_lora``.

``lora_state_dict(model)`` holds what fine-tuning changed: the adapters, every other
trainable parameter (a new head), and the buffers of layers that trained (BatchNorm running
statistics), plus a fingerprint of everything else (the base); ``load_lora_state_dict``
checks it, so adapters cannot be loaded onto a different base by mistake.

>>> import minitorch as mt
>>> from minitorch import nn
>>> _ = mt.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> x = mt.randn(3, 4)
>>> before = model(x)
>>> nn.add_lora(model, rank=2, targets="0")
['0']
>>> model(x).equal(before), nn.count_parameters(model)
(True, (42, 40))
"""
from __future__ import annotations

import fnmatch
import hashlib
import math
from typing import Any, Iterable, Mapping

import numpy as np

from ..creation import zeros
from ..ops.matmul import Linear as _LinearOp
from ..tensor import Tensor, apply, unwrap, wrap
from . import init
from .dropout import Dropout
from .linear import Identity, Linear
from .module import Module
from .parameter import Parameter

__all__ = ["LoRALinear", "add_lora", "merge_lora", "unmerge_lora", "remove_lora",
           "lora_state_dict", "load_lora_state_dict", "lora_layers"]

_FORMAT = "minitorch.lora/1"


class LoRALinear(Module):
    """``base(x) + scaling * dropout(x) @ lora_A.T @ lora_B.T``, with ``base`` frozen.

    ``lora_A`` (``(rank, in_features)``) is drawn as PyTorch draws a Linear weight and
    ``lora_B`` (``(out_features, rank)``) is zero, so the layer starts out computing exactly
    what ``base`` computes. The base layer is the original object, unchanged; its weight's
    gradient is never computed (frozen), so a step costs little more than a frozen layer's.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> layer = nn.lora.LoRALinear(nn.Linear(6, 3), rank=2, alpha=4)
    >>> layer.rank, layer.scaling
    (2, 2.0)
    >>> [n for n, p in layer.named_parameters() if p.requires_grad]
    ['lora_A', 'lora_B']
    """

    def __init__(self, base: Linear, rank: int = 8, alpha: float = 16,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"LoRA rank must be a positive int, got {rank!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
            raise ValueError(f"LoRA alpha must be a positive number, got {alpha!r}")
        self.rank, self.alpha, self.scaling = rank, alpha, alpha / rank
        self.in_features, self.out_features = base.in_features, base.out_features
        # requires_grad of the base parameters before wrapping, restored by remove_lora
        self.__dict__["_base_flags"] = {n: p.requires_grad for n, p in base.named_parameters()}
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        dtype = base.weight.dtype
        self.lora_A = Parameter(zeros(rank, base.in_features, dtype=dtype))
        self.lora_B = Parameter(zeros(base.out_features, rank, dtype=dtype))
        init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = Dropout(dropout) if dropout else Identity()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        out = self.base(input)
        update = apply(_LinearOp, apply(_LinearOp, self.lora_dropout(input), self.lora_A, None),
                       self.lora_B, None)
        return out + update * self.scaling

    def delta_weight(self) -> np.ndarray:
        """``scaling * B @ A`` as a numpy array (the update ``merge_lora`` folds in)."""
        return (unwrap(self.lora_B) @ unwrap(self.lora_A)) * self.scaling

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"rank={self.rank}, alpha={self.alpha}, scaling={self.scaling}")


def _linear_names(model: Module) -> list[str]:
    """Names of the Linear layers that can be wrapped (not the base of a LoRALinear)."""
    bases = {id(m.base) for m in model.modules() if isinstance(m, LoRALinear)}
    return [n for n, m in model.named_modules()
            if n and isinstance(m, Linear) and id(m) not in bases]


def _patterns(targets: str | Iterable[str], what: str) -> list[str]:
    patterns = [targets] if isinstance(targets, str) else list(targets)
    if not patterns or not all(isinstance(p, str) for p in patterns):
        raise TypeError(f"{what} must be a glob string or a list of them, got {targets!r}")
    return patterns


def _replace(model: Module, name: str, new: Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    parent._modules[child] = new


def add_lora(model: Module, rank: int = 8, alpha: float = 16,
             targets: str | Iterable[str] = "*", dropout: float = 0.0) -> list[str]:
    """Wrap the ``Linear`` layers of ``model`` whose names match ``targets`` (fnmatch globs
    over module names, e.g. ``"body.*"`` or ``["0", "2"]``) in :class:`LoRALinear`, in place.

    Returns the names of the wrapped layers. The wrapped layers' weights and biases are
    frozen; every other parameter keeps its ``requires_grad`` (freeze the rest of the body
    yourself, e.g. ``nn.freeze(model, names="body.*")`` before this call, or keep a new
    head trainable). A pattern that matches no Linear layer raises a ValueError listing the
    names that exist. The model's output is unchanged (bit-identical) right after the call.
    """
    if not isinstance(model, Module):
        raise TypeError(f"add_lora needs a Module, got {type(model).__name__}")
    if isinstance(model, Linear):
        raise TypeError("add_lora wraps the Linear layers inside a model; to adapt a single "
                        "layer use nn.lora.LoRALinear(layer) or wrap it in nn.Sequential")
    patterns = _patterns(targets, "targets")
    names = _linear_names(model)
    chosen, empty = [], []
    for pattern in patterns:
        hits = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
        if not hits:
            empty.append(pattern)
        chosen += [n for n in hits if n not in chosen]
    if empty:
        raise ValueError(
            f"add_lora: targets {empty} match no Linear layer of {type(model).__name__}; "
            f"its Linear layers are {names}")
    for name in chosen:
        _replace(model, name, LoRALinear(model.get_submodule(name), rank, alpha, dropout))
    _baseline(model)
    return chosen


def lora_layers(model: Module) -> dict[str, LoRALinear]:
    """The :class:`LoRALinear` layers of ``model`` by name."""
    return {n: m for n, m in model.named_modules() if isinstance(m, LoRALinear)}


class MergeReport(dict):
    """``merge_lora``'s result: per merged layer, the largest change of the layer's output
    on unit inputs (merged minus unmerged computation); ``max_change`` is the largest."""

    @property
    def max_change(self) -> float:
        return max(self.values(), default=0.0)


def merge_lora(model: Module) -> MergeReport:
    """Fold each adapter into its layer's weight, in place: every :class:`LoRALinear`
    becomes a plain ``Linear`` with weight ``W + scaling * B @ A`` (a new array; the
    original is kept for :func:`unmerge_lora`). Raises a RuntimeError, changing nothing,
    if a merged weight is not finite. Returns a :class:`MergeReport` with the largest output
    change per layer, measured on the unit inputs (rows of the identity), which is rounding
    only (about 1e-7 relative in float32).
    """
    layers = lora_layers(model)
    if not layers:
        raise ValueError(f"merge_lora: {type(model).__name__} has no LoRA layers "
                         f"(add_lora(model, ...) adds them)")
    merged: dict[str, Linear] = {}
    report = MergeReport()
    for name, layer in layers.items():
        base = layer.base
        with np.errstate(over="ignore", invalid="ignore"):
            weight = unwrap(base.weight) + layer.delta_weight().astype(unwrap(base.weight).dtype)
        if not np.all(np.isfinite(weight)):
            bad = int(np.size(weight) - np.count_nonzero(np.isfinite(weight)))
            raise RuntimeError(
                f"merge_lora: the merged weight of {name!r} has {bad} non-finite values "
                f"(inf or nan) from the adapter; nothing was merged. Check the adapter "
                f"(lora_B, lora_A) or the learning rate that trained it.")
        new = _plain_linear(base, weight, layer._base_flags)
        new.training = layer.training
        new.__dict__["_lora_unmerged"] = layer
        eye = np.eye(base.in_features, dtype=weight.dtype)
        unmerged = eye @ unwrap(base.weight).T + (eye @ unwrap(layer.lora_A).T) @ (
            unwrap(layer.lora_B).T) * layer.scaling
        report[name] = float(np.max(np.abs(eye @ weight.T - unmerged), initial=0.0))
        merged[name] = new
    for name, new in merged.items():
        _replace(model, name, new)
    return report


def unmerge_lora(model: Module) -> list[str]:
    """Undo :func:`merge_lora`: put back each adapter layer with its original base weight
    (the very array it had, bit-identical). Returns the names of the layers restored."""
    restored = []
    for name, m in list(model.named_modules()):
        layer = m.__dict__.get("_lora_unmerged") if name else None
        if layer is not None:
            layer.train(m.training)
            _replace(model, name, layer)
            restored.append(name)
    if not restored:
        raise ValueError(f"unmerge_lora: {type(model).__name__} has no merged LoRA layers "
                         f"(merge_lora(model) merges them)")
    return restored


def remove_lora(model: Module) -> list[str]:
    """Replace every :class:`LoRALinear` by the original ``Linear`` it wraps (the same
    object, weights bit-identical, ``requires_grad`` as before ``add_lora``), dropping the
    adapters. Returns the names of the layers restored."""
    restored = []
    for name, layer in lora_layers(model).items():
        base = layer.base
        for pname, p in base.named_parameters():
            p.requires_grad_(layer._base_flags.get(pname, True))
        _replace(model, name, base)
        restored.append(name)
    return restored


def _plain_linear(base: Linear, weight: np.ndarray, flags: Mapping[str, bool]) -> Linear:
    """A Linear holding ``weight`` and a copy of ``base``'s bias, built without drawing
    from the random generator (merging must not change the random stream)."""
    new = Linear.__new__(Linear)
    Module.__init__(new)
    new.in_features, new.out_features = base.in_features, base.out_features
    new.weight = Parameter(wrap(weight), requires_grad=flags.get("weight", False))
    if base.bias is not None:
        new.bias = Parameter(wrap(unwrap(base.bias).copy()),
                             requires_grad=flags.get("bias", False))
    else:
        new.register_parameter("bias", None)
    return new


# ----------------------------------------------------------------- state dicts
def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _baseline(model: Module) -> None:
    """Remember each buffer's content, so that lora_state_dict can tell which ones the
    fine-tuning changed (running statistics of BatchNorm layers that trained)."""
    known = model.__dict__.setdefault("_lora_buffer_digests", {})
    for name, b in model.named_buffers():
        known.setdefault(name, _digest(unwrap(b)))


def _fingerprint(state: Mapping[str, Tensor], names: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in sorted(names):
        array = unwrap(state[name])
        h.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def lora_state_dict(model: Module) -> dict[str, Any]:
    """What fine-tuning changed, and a fingerprint of the rest (the base).

    ``{"format", "base_fingerprint", "config", "state"}``: ``state`` maps names (as in
    ``model.state_dict()``) to copies of the adapters, every other trainable parameter, and
    the buffers of layers that have trainable parameters or whose buffers changed since
    ``add_lora`` (BatchNorm running statistics that trained). ``config`` records the wrapped
    layers, rank, alpha and dropout. Save it with ``minitorch.save``; a fine-tuned task is
    a few KB. :func:`load_lora_state_dict` puts it back onto a fresh copy of the base.
    """
    layers = lora_layers(model)
    full = model.state_dict()
    keep = {n for n, p in model.named_parameters() if p.requires_grad}
    digests = model.__dict__.get("_lora_buffer_digests", {})
    for mname, m in model.named_modules():
        trains = any(p.requires_grad for p in m.parameters(recurse=False))
        for bname, b in m.named_buffers(prefix=mname, recurse=False):
            if trains or digests.get(bname) not in (None, _digest(unwrap(b))):
                keep.add(bname)
    first = next(iter(layers.values()), None)
    config = {
        "layers": sorted(layers),
        "rank": first.rank if first else 0,
        "alpha": first.alpha if first else 0,
        "dropout": float(first.lora_dropout.p) if first is not None and isinstance(
            first.lora_dropout, Dropout) else 0.0,
    }
    return {
        "format": _FORMAT,
        "base_fingerprint": _fingerprint(full, set(full) - keep),
        "config": config,
        "state": {n: wrap(unwrap(full[n]).copy()) for n in full if n in keep},
    }


def load_lora_state_dict(model: Module, state_dict: Mapping[str, Any]) -> Module:
    """Load a :func:`lora_state_dict` onto ``model``, a copy of the same base model.

    If ``model`` has no LoRA layers yet, they are added first as recorded in the state
    dict's config. Everything not in the state dict must be bit-identical to the base the
    adapters were trained on: otherwise a ValueError says so, and nothing is changed.
    Returns ``model``, which then computes exactly what the fine-tuned model computed.
    """
    if not isinstance(state_dict, Mapping) or state_dict.get("format") != _FORMAT:
        raise ValueError("load_lora_state_dict expects the dict lora_state_dict(model) returns "
                         f"(format {_FORMAT!r}); for a whole model use model.load_state_dict")
    config, saved = state_dict["config"], state_dict["state"]
    added = False
    if not lora_layers(model) and config["layers"]:
        add_lora(model, rank=int(config["rank"]), alpha=config["alpha"],
                 targets=list(config["layers"]), dropout=float(config["dropout"]))
        added = True
    full = model.state_dict()
    try:
        missing = sorted(set(saved) - set(full))
        if missing or sorted(lora_layers(model)) != sorted(config["layers"]):
            raise ValueError(
                f"load_lora_state_dict: the model does not have the layout the adapters "
                f"were saved from (entries not in the model: {missing[:5]}; LoRA layers "
                f"{sorted(lora_layers(model))} vs saved {list(config['layers'])})")
        for name, value in saved.items():
            if tuple(value.shape) != tuple(full[name].shape):
                raise ValueError(f"load_lora_state_dict: {name!r} has shape "
                                 f"{tuple(value.shape)} in the state dict but "
                                 f"{tuple(full[name].shape)} in the model")
        if _fingerprint(full, set(full) - set(saved)) != state_dict["base_fingerprint"]:
            raise ValueError(
                "load_lora_state_dict: the base weights differ from the ones these adapters "
                "were trained on (fingerprint mismatch): load them onto a copy of the same "
                "pretrained model (same weights and buffers, bit for bit)")
    except ValueError:
        if added:
            remove_lora(model)
        raise
    model.load_state_dict(saved, strict=False)
    return model
