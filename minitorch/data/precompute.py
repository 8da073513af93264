"""Cached features of a frozen body: run it once, train the head for many epochs on the result.

``precompute(body, loader)`` runs ``body`` over ``loader`` once, in eval mode and under
``no_grad``, and returns a :class:`CachedFeatures` dataset of ``(features, targets)``.
The features remember what they were computed from: a fingerprint of the body's weights,
buffers and ``requires_grad`` flags. Using them after the body changed raises instead of
silently training a head on stale features:

- every batch read (``dataset[i]``, or a ``DataLoader`` batch) checks, cheaply, that no
  parameter of the body was unfrozen and that none was written to (their version counters,
  which every optimizer step and in-place change bumps);
- ``len(dataset)``, which a ``DataLoader`` calls at the start of every epoch, also
  recomputes the full fingerprint (a hash of the weights and buffers: about 1 ms per MB),
  which catches changes made behind autograd's back (``load_state_dict``, ``.data``);
- ``check()`` does the full check on demand.

>>> import minitorch as mt
>>> from minitorch import data, nn
>>> _ = mt.manual_seed(0)
>>> body = nn.freeze(nn.Sequential(nn.Linear(4, 3), nn.ReLU()))
>>> loader = data.DataLoader(data.TensorDataset(mt.randn(10, 4), mt.arange(10)), batch_size=4)
>>> cached = data.precompute(body, loader)
>>> len(cached), cached.tensors[0].shape
(10, (10, 3))
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterable

import numpy as np

from ..core.grad_mode import no_grad
from ..nn.dropout import Dropout
from ..nn.module import Module
from ..nn.normalization import BatchNorm1d
from ..tensor import Tensor, unwrap, version
from .dataset import TensorDataset

__all__ = ["precompute", "CachedFeatures", "StaleFeaturesError"]


class StaleFeaturesError(RuntimeError):
    """Cached features used after the body they were computed from changed."""


def _fingerprint(body: Module) -> str:
    h = hashlib.sha256()
    for name, p in body.named_parameters():
        a = unwrap(p)
        h.update(f"{name}|{p.requires_grad}|{a.dtype.str}|{a.shape}|".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    for name, b in body.named_buffers():
        a = unwrap(b)
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _quick_state(body: Module) -> tuple:
    return tuple((id(unwrap(p)), version(p), p.requires_grad) for p in body.parameters())


class CachedFeatures(TensorDataset):
    """A ``TensorDataset`` of ``(features, targets)`` computed by ``precompute``, bound to
    the body it came from: reading it after that body changed raises
    :class:`StaleFeaturesError` (see the module docstring for when it checks)."""

    def __init__(self, features: Tensor, *rest: Tensor, body: Module) -> None:
        super().__init__(features, *rest)
        self.body = body
        self.fingerprint = _fingerprint(body)
        self._quick = _quick_state(body)

    def _stale(self, reason: str) -> StaleFeaturesError:
        return StaleFeaturesError(
            f"these cached features were computed by a {type(self.body).__name__} that has "
            f"changed since ({reason}): they no longer match it. Recompute them with "
            f"data.precompute(body, loader), or, to fine-tune the body, train on the raw "
            f"inputs instead of cached features.")

    def _check_quick(self) -> None:
        now = _quick_state(self.body)
        if now != self._quick:
            names = [n for n, p in self.body.named_parameters()]
            unfrozen = [n for (_, _, flag), n in zip(now, names) if flag]
            if unfrozen:
                raise self._stale(f"{', '.join(unfrozen)} unfrozen")
            changed = [n for a, b, n in zip(now, self._quick, names) if a != b]
            raise self._stale(f"{', '.join(changed)} written to")

    def check(self) -> None:
        """Raise :class:`StaleFeaturesError` if the body differs in any way (weights,
        buffers or ``requires_grad``) from when the features were computed."""
        self._check_quick()
        if _fingerprint(self.body) != self.fingerprint:
            raise self._stale("its weights or buffers differ")

    def __len__(self) -> int:
        self.check()
        return super().__len__()

    def __getitem__(self, index: Any) -> Any:
        self._check_quick()
        return super().__getitem__(index)

    def _batch(self, index: Any) -> Any:
        self._check_quick()
        return super()._batch(index)


def _train_mode_differs(body: Module) -> list[str]:
    """Layers whose training-mode output is random or batch-dependent (caching, which runs
    them in eval mode, changes what the head would see)."""
    found = []
    for name, m in body.named_modules():
        if isinstance(m, Dropout) and m.p > 0:
            found.append(f"{name or '(body)'} (Dropout p={m.p})")
        elif isinstance(m, BatchNorm1d) and m.track_running_stats and not m.stats_frozen():
            found.append(f"{name or '(body)'} (BatchNorm1d using batch statistics)")
    return found


def precompute(body: Module, loader: Iterable, allow_trainable: bool = False,
               allow_train_mode: bool = False) -> CachedFeatures:
    """Run ``body`` once over ``loader`` (batches of ``(inputs..., targets)``), in eval mode
    under ``no_grad``, and return a :class:`CachedFeatures` dataset of the outputs and the
    targets, in the loader's order. Each module's train/eval mode is restored afterwards.

    Refuses (ValueError) a body with a trainable parameter, since training it would make
    the features stale (``allow_trainable=True`` to cache anyway), and a body whose
    training-mode forward is random or batch-dependent (Dropout, BatchNorm updating its
    statistics), since the head would then train on different features than with the
    body in the loop (``allow_train_mode=True`` to cache the eval-mode features anyway).
    """
    if not isinstance(body, Module):
        raise TypeError(f"precompute needs the body as a Module, got {type(body).__name__}")
    trainable = [n for n, p in body.named_parameters() if p.requires_grad]
    if trainable and not allow_trainable:
        raise ValueError(
            f"precompute: the body has trainable parameters ({', '.join(trainable)}); cached "
            f"features would go stale as soon as they train. Freeze it first "
            f"(nn.freeze(body)), or pass allow_trainable=True if it will not be trained.")
    differs = _train_mode_differs(body)
    if differs and not allow_train_mode:
        raise ValueError(
            f"precompute: in training mode, {', '.join(differs)} would give the head "
            f"different features every epoch than the eval-mode features cached here. "
            f"Pass allow_train_mode=True to cache the eval-mode features anyway.")
    modes = [(m, m.training) for m in body.modules()]
    body.eval()
    features: list[np.ndarray] = []
    rest: list[list[np.ndarray]] = []
    try:
        with no_grad():
            for batch in loader:
                if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                    raise ValueError("precompute: each batch must be (inputs..., targets)")
                *inputs, targets = batch
                out = body(*inputs)
                features.append(unwrap(out).copy())
                rest.append([np.asarray(unwrap(t) if isinstance(t, Tensor) else t)
                             for t in [targets]])
    finally:
        for m, training in modes:
            m.training = training
    if not features:
        raise ValueError("precompute: the loader yielded no batches")
    columns = [np.concatenate(col) for col in zip(*rest)]
    return CachedFeatures(np.concatenate(features), *columns, body=body)
