"""Training loops: ``fit`` and ``evaluate``, with tqdm progress bars and a history.

>>> import minitorch as mt
>>> from minitorch import nn, optim, data
>>> _ = mt.manual_seed(0)
>>> x = mt.randn(64, 4); y = (x.sum(dim=1) > 0).long()
>>> loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True, seed=0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> history = mt.train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
...                        loader, epochs=3, verbose=False)
>>> len(history["loss"])
3
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, Mapping, Sequence

from .core.grad_mode import no_grad
from .rng import get_rng_state, set_rng_state
from .serialization import load, save
from .tensor import Tensor

__all__ = ["fit", "evaluate", "accuracy", "History", "Callback", "EarlyStopping", "Checkpoint",
           "Trainer", "METRICS", "UnfreezeAt", "GradualUnfreezing",  # noqa: F822 (lazy)
           "fine_tune"]  # noqa: F822

Metric = Callable[[Tensor, Tensor], float]


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    """Fraction of rows whose arg-max class equals the target class.

    >>> import minitorch as mt
    >>> accuracy(mt.tensor([[0.1, 0.9], [0.8, 0.2]]), mt.tensor([1, 1]))
    0.5
    """
    if outputs.ndim == 1 or outputs.shape[-1] == 1:  # one logit per row: binary
        predicted = (outputs.reshape(-1) > 0).long()
    else:
        predicted = outputs.argmax(dim=-1)
    return float((predicted == targets.reshape(predicted.shape)).float().mean().item())


METRICS: dict[str, Metric] = {"accuracy": accuracy}


class History(dict):
    """Per-epoch values: ``history["loss"]``, ``history["val_accuracy"]``, ...; ``epochs``
    lists the epoch numbers (0-based) the values belong to."""

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []

    def append(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.setdefault(key, []).append(value)

    def state_dict(self) -> dict:
        return {"epochs": list(self.epochs), "values": {k: list(v) for k, v in self.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.clear()
        self.epochs = list(state["epochs"])
        self.update({k: list(v) for k, v in state["values"].items()})


class Callback:
    """Hooks into ``fit``. Set ``trainer.stop_training = True`` to stop after this epoch."""

    def on_train_begin(self, trainer: "Trainer") -> None:
        pass

    def on_epoch_begin(self, trainer: "Trainer", epoch: int) -> None:
        pass

    def on_epoch_end(self, trainer: "Trainer", epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, trainer: "Trainer") -> None:
        pass

    def state_dict(self) -> Any:
        """What a ``Checkpoint`` saves for this callback (None: nothing)."""
        return None

    def load_state_dict(self, state: Any, trainer: "Trainer") -> None:
        """Restore ``state_dict()`` when resuming, after the model's state and before the
        optimizer's (a callback may change the model's flags or the param groups)."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best=True`` the model gets the weights of its best epoch back at the end.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 mode: str = "auto", restore_best: bool = True) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode, self.restore_best = mode, restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0
        self._best_state: dict | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: "Trainer", epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch logs only have "
                f"{sorted(logs)}; pass val_loader to fit() to get val_* values"
            )
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._best_state = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True

    def on_train_end(self, trainer: "Trainer") -> None:
        if self.restore_best and self._best_state is not None:
            trainer.model.load_state_dict(self._best_state)


class Checkpoint(Callback):
    """Save everything needed to resume after every ``every`` epochs, atomically.

    The file holds the model, optimizer and scheduler states, the next epoch, the global
    random state and the history; ``fit(..., resume_from=path)`` continues from it and ends
    bit-identical to an uninterrupted run.
    """

    def __init__(self, path: str, every: int = 1) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.path, self.every = path, every

    def on_epoch_end(self, trainer: "Trainer", epoch: int, logs: dict[str, float]) -> None:
        if (epoch + 1) % self.every == 0 or trainer.stop_training:
            save(trainer.state_dict(next_epoch=epoch + 1), self.path)


class Trainer:
    """The state of one ``fit`` call; callbacks receive it."""

    def __init__(self, model: Any, loss_fn: Callable, optimizer: Any, scheduler: Any = None,
                 metrics: Mapping[str, Metric] | None = None,
                 callbacks: Sequence[Callback] = ()) -> None:
        self.model, self.loss_fn = model, loss_fn
        self.callbacks = list(callbacks)
        self.optimizer, self.scheduler = optimizer, scheduler
        self.metrics = dict(metrics or {})
        self.history = History()
        self.stop_training = False

    def state_dict(self, next_epoch: int) -> dict:
        return {
            "format": "minitorch.train.checkpoint/1",
            "epoch": next_epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "rng": get_rng_state(),
            "history": self.history.state_dict(),
            "callbacks": [cb.state_dict() for cb in self.callbacks],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> int:
        if state.get("format") != "minitorch.train.checkpoint/1":
            raise ValueError("not a minitorch.train checkpoint (no 'format' entry)")
        self.model.load_state_dict(state["model"])
        saved = state.get("callbacks") or []
        for callback, cb_state in zip(self.callbacks, saved):
            if cb_state is not None:
                callback.load_state_dict(cb_state, self)
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            if state["scheduler"] is None:
                raise ValueError("the checkpoint has no scheduler state, but fit() got a scheduler")
            self.scheduler.load_state_dict(state["scheduler"])
        set_rng_state(state["rng"])
        self.history.load_state_dict(state["history"])
        return int(state["epoch"])


def _resolve_metrics(metrics: Any) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    if isinstance(metrics, str):
        metrics = [metrics]
    resolved = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(
                    f"unknown metric {m!r}; known: {sorted(METRICS)}, or pass a callable"
                )
            resolved[m] = METRICS[m]
        else:
            resolved[getattr(m, "__name__", "metric")] = m
    return resolved


def _split_batch(batch: Any) -> tuple[Any, Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError("each batch must be (inputs, targets); got a batch with "
                         f"{len(batch) if isinstance(batch, (tuple, list)) else 1} part(s)")
    *inputs, targets = batch
    return inputs, targets


def _progress(loader: Iterable, verbose: bool, description: str) -> Any:
    """A progress bar that never touches the loader: its length comes from ``len(loader)``
    (None if it has none) and it is advanced by hand. Wrapping the loader instead
    (``tqdm(loader)``) makes tqdm.auto call ``iter(loader)`` a second time, which moves a
    seeded DataLoader's epoch and draws a shuffle from the global generator for an
    unseeded one: verbose and quiet runs would then train different models."""
    if not verbose:
        return None
    from tqdm.auto import tqdm  # notebooks get a widget, terminals a text bar

    try:
        total = len(loader)  # type: ignore[arg-type]
    except TypeError:
        total = None
    return tqdm(total=total, desc=description, leave=True, dynamic_ncols=True)


def _run_epoch(trainer: Trainer, loader: Iterable, verbose: bool, description: str,
               train: bool) -> dict[str, float]:
    totals: dict[str, float] = {"loss": 0.0, **{name: 0.0 for name in trainer.metrics}}
    seen = 0
    bar = _progress(loader, verbose, description)
    try:
        for batch in loader:  # the one iteration of the loader per epoch
            inputs, targets = _split_batch(batch)
            if train:
                trainer.optimizer.zero_grad()
            outputs = trainer.model(*inputs)
            loss = trainer.loss_fn(outputs, targets)
            if train:
                loss.backward()
                trainer.optimizer.step()
            n = len(targets)
            seen += n
            totals["loss"] += loss.item() * n
            for name, metric in trainer.metrics.items():
                totals[name] += metric(outputs.detach(), targets) * n
            if bar is not None:
                bar.set_postfix({k: f"{v / seen:.4f}" for k, v in totals.items()},
                                refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if seen == 0:
        raise ValueError("the data loader yielded no batches (empty dataset, or drop_last "
                         "with fewer samples than batch_size)")
    return {k: v / seen for k, v in totals.items()}


def _modes(model: Any) -> list[tuple[Any, bool]]:
    return [(m, m.training) for m in model.modules()]


def _restore_modes(modes: Sequence[tuple[Any, bool]]) -> None:
    for module, training in modes:
        module.training = training


def evaluate(model: Any, loss_fn: Callable, loader: Iterable, metrics: Any = ("accuracy",),
             verbose: bool = False) -> dict[str, float]:
    """Mean loss and metrics over ``loader``, under ``no_grad`` and in ``eval()`` mode.

    Each module's previous train/eval mode is restored afterwards.
    """
    trainer = Trainer(model, loss_fn, optimizer=None, metrics=_resolve_metrics(metrics))
    modes = _modes(model)
    model.eval()
    try:
        with no_grad():
            return _run_epoch(trainer, loader, verbose, "evaluate", train=False)
    finally:
        _restore_modes(modes)


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_loader: Iterable, epochs: int,
        val_loader: Iterable | None = None, metrics: Any = ("accuracy",), scheduler: Any = None,
        callbacks: Sequence[Callback] = (), verbose: bool = True,
        resume_from: str | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs; return the per-epoch history.

    Each epoch: ``model.train()``, a pass over ``train_loader`` (zero_grad, forward, loss,
    backward, step), ``scheduler.step()``, then ``evaluate`` on ``val_loader``. History keys:
    ``loss``, each metric, ``val_loss``, ``val_<metric>``, ``lr`` and ``seconds``. A seeded
    DataLoader is told the epoch number (``set_epoch``), so that a run resumed with
    ``resume_from`` (a ``Checkpoint`` file) sees the same batches as an uninterrupted one.
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    trainer = Trainer(model, loss_fn, optimizer, scheduler, _resolve_metrics(metrics), callbacks)
    start = trainer.load_state_dict(load(resume_from)) if resume_from is not None else 0
    for callback in callbacks:
        callback.on_train_begin(trainer)
    for epoch in range(start, epochs):
        if hasattr(train_loader, "set_epoch"):
            train_loader.set_epoch(epoch)
        for callback in callbacks:
            callback.on_epoch_begin(trainer, epoch)
        began = time.perf_counter()
        model.train()
        logs = _run_epoch(trainer, train_loader, verbose, f"epoch {epoch + 1}/{epochs}", train=True)
        logs["lr"] = optimizer.param_groups[0]["lr"]
        if scheduler is not None:
            scheduler.step()
        logs["seconds"] = time.perf_counter() - began
        if val_loader is not None:
            scores = evaluate(model, loss_fn, val_loader, trainer.metrics)
            logs.update({f"val_{k}": v for k, v in scores.items()})
        trainer.history.append(epoch, logs)
        for callback in callbacks:
            callback.on_epoch_end(trainer, epoch, logs)
        if trainer.stop_training:
            break
    for callback in callbacks:
        callback.on_train_end(trainer)
    return trainer.history


def __getattr__(name: str) -> Any:
    """``UnfreezeAt``, ``GradualUnfreezing`` and ``fine_tune`` live in ``minitorch.finetune``
    (which imports this module); they are loaded on first use."""
    if name in ("UnfreezeAt", "GradualUnfreezing", "fine_tune"):
        from . import finetune

        return getattr(finetune, name)
    raise AttributeError(f"module 'minitorch.train' has no attribute {name!r}")
