"""Scheduled unfreezing for ``fit`` and a one-call fine-tune (re-exported by ``minitorch.train``).

- :class:`UnfreezeAt` ``({epoch: module_or_names, ...})``: freeze the targets when training
  starts, unfreeze each at the start of its epoch (Lightning's ``BackboneFinetuning``);
- :class:`GradualUnfreezing` ``(groups, every=k)``: ULMFiT's schedule, one more group from
  the top every ``k`` epochs;
- :func:`fine_tune`: fastai's recipe, head first with the body frozen, then everything with
  discriminative learning rates.

Both callbacks work with the one optimizer built over all parameters (minitorch's optimizers
never change frozen ones), can lower the learning rates of what they unfreeze
(``lr_ratio``), record ``trainable_params`` and ``unfrozen`` in the history, and are saved
in ``Checkpoint`` files so that ``fit(..., resume_from=path)`` continues bit-identically.

>>> import minitorch as mt
>>> from minitorch import data, nn, optim, train
>>> _ = mt.manual_seed(0)
>>> x = mt.randn(40, 4); y = (x.sum(dim=1) > 0).long()
>>> loader = data.DataLoader(data.TensorDataset(x, y), batch_size=8, shuffle=True, seed=0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
...                       nn.Linear(8, 2))
>>> history = train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()),
...                     loader, epochs=4, verbose=False,
...                     callbacks=[train.GradualUnfreezing([model[0], model[2]], every=2)])
>>> history["trainable_params"], history["unfrozen"]
([18, 18, 90, 90], ['', '', '2', ''])
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from .nn.freezing import freeze, unfreeze
from .nn.module import Module
from .optim.param_groups import discriminative_param_groups
from .train import Callback, History, Trainer, fit

__all__ = ["UnfreezeAt", "GradualUnfreezing", "fine_tune"]

Target = Any  # a Module, a list of Modules, or glob string(s) over parameter names


class UnfreezeAt(Callback):
    """Unfreeze ``schedule[epoch]`` at the start of that epoch (0-based).

    Each value is a Module, a list of Modules, or parameter-name globs (``"body.*"``) of
    the trained model. When training starts (not when resuming), every target scheduled
    for a later epoch is frozen, so the schedule does not depend on what was frozen before.

    ``lr_ratio`` (e.g. 0.1) lowers the learning rate of what is unfrozen to that fraction
    of its param group's rate (Lightning's ``BackboneFinetuning`` ratio): a group holding
    only unfrozen parameters is scaled; a group that also holds others is split, the
    unfrozen ones moving to a new group appended to the optimizer.

    Each epoch the history gets ``trainable_params`` (trainable elements) and ``unfrozen``
    (the names of the targets unfrozen at its start, ``''`` if none). The epochs that fired
    are saved in ``Checkpoint`` files and replayed on ``resume_from``, before the optimizer
    state is loaded, so a resumed run is bit-identical to an uninterrupted one.
    """

    def __init__(self, schedule: Mapping[int, Target], lr_ratio: float | None = None) -> None:
        if not isinstance(schedule, Mapping) or not schedule:
            raise TypeError("UnfreezeAt needs a dict {epoch: module_or_names}, e.g. "
                            "UnfreezeAt({3: model.body})")
        for epoch in schedule:
            if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
                raise ValueError(f"UnfreezeAt: epochs must be ints >= 0, got {epoch!r}")
        if lr_ratio is not None and not 0 < lr_ratio:
            raise ValueError(f"lr_ratio must be > 0, got {lr_ratio}")
        self.schedule = dict(sorted(schedule.items()))
        self.lr_ratio = lr_ratio
        self.fired: list[int] = []
        self._resumed = False

    # -- targets
    def _params(self, model: Module, target: Target) -> list[tuple[str, Any]]:
        named = list(model.named_parameters())
        if isinstance(target, str) or (isinstance(target, (list, tuple)) and target
                                       and all(isinstance(t, str) for t in target)):
            from .nn.freeze_select import select

            return select(model, names=target)[1]
        modules = [target] if isinstance(target, Module) else list(target)
        ids = {id(p) for m in modules for p in m.parameters()}
        found = [(n, p) for n, p in named if id(p) in ids]
        if not found:
            raise ValueError(f"{type(self).__name__}: target {_label(target, model)} holds no "
                             f"parameter of the trained model")
        return found

    def _apply(self, trainer: Trainer, epoch: int) -> str:
        params = self._params(trainer.model, self.schedule[epoch])
        fresh = [p for _, p in params if not p.requires_grad]
        unfreeze([p for _, p in params])
        if self.lr_ratio is not None and fresh:
            _lower_rates(trainer.optimizer, fresh, self.lr_ratio)
        self.fired.append(epoch)
        return _label(self.schedule[epoch], trainer.model)

    # -- Callback hooks
    def on_train_begin(self, trainer: Trainer) -> None:
        if self._resumed:
            return
        self.fired = []
        for target in self.schedule.values():
            freeze([p for _, p in self._params(trainer.model, target)])

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self._now = ""
        if epoch in self.schedule and epoch not in self.fired:
            self._now = self._apply(trainer, epoch)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        history = trainer.history
        n = len(history.epochs)
        trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        for key, value in (("trainable_params", trainable), ("unfrozen", self._now)):
            column = history.setdefault(key, [])
            if len(column) < n:
                column.append(value)
            elif key == "unfrozen" and value:      # two unfreezing callbacks: join names
                column[-1] = ", ".join(filter(None, [column[-1], value]))

    def state_dict(self) -> dict[str, Any]:
        return {"fired": list(self.fired)}

    def load_state_dict(self, state: Mapping[str, Any], trainer: Trainer) -> None:
        self._resumed = False
        self.on_train_begin(trainer)
        for epoch in state["fired"]:
            self._apply(trainer, int(epoch))
        self._resumed = True


class GradualUnfreezing(UnfreezeAt):
    """ULMFiT's gradual unfreezing: ``groups`` (Modules or name globs, from the input side
    to the output side, the head not included) are frozen when training starts, and every
    ``every`` epochs one more is unfrozen from the top: ``groups[-1]`` at epoch ``every``,
    ``groups[-2]`` at ``2 * every``, and so on. ``lr_ratio`` as in :class:`UnfreezeAt`."""

    def __init__(self, groups: Sequence[Target], every: int = 1,
                 lr_ratio: float | None = None) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        groups = list(groups)
        if not groups:
            raise ValueError("GradualUnfreezing needs at least one group")
        super().__init__({every * (i + 1): g for i, g in enumerate(reversed(groups))},
                         lr_ratio)
        self.every = every


def _label(target: Target, model: Module) -> str:
    if isinstance(target, str):
        return target
    names = {id(m): n for n, m in model.named_modules()}
    items = [target] if isinstance(target, (Module, str)) else list(target)
    return ", ".join(t if isinstance(t, str) else names.get(id(t), type(t).__name__) or
                     "(model)" for t in items)


def _lower_rates(optimizer: Any, params: list[Any], ratio: float) -> None:
    ids = {id(p) for p in params}
    for group in list(optimizer.param_groups):
        inside = [i for i, p in enumerate(group["params"]) if id(p) in ids]
        if not inside:
            continue
        if len(inside) == len(group["params"]):
            group["lr"] = group["lr"] * ratio
            continue
        new = {k: v for k, v in group.items() if k not in ("params", "param_names")}
        new["params"] = [group["params"][i] for i in inside]
        new["lr"] = group["lr"] * ratio
        keep = [i for i in range(len(group["params"])) if i not in set(inside)]
        if "param_names" in group:
            new["params"] = [(group["param_names"][i], group["params"][i]) for i in inside]
            group["param_names"] = [group["param_names"][i] for i in keep]
        group["params"] = [group["params"][i] for i in keep]
        optimizer.add_param_group(new)


def _layer_groups(body: Any) -> list[Any]:
    """The body's top-level children with parameters (one group each), or the body."""
    if isinstance(body, Module):
        children = [c for c in body.children() if any(True for _ in c.parameters())]
        direct = any(True for _ in body.parameters(recurse=False))
        return children if children and not direct else [body]
    return list(body)


def fine_tune(model: Module, body: Any, head: Any, loss_fn: Callable,
              train_loader: Iterable, epochs: int, freeze_epochs: int = 1,
              base_lr: float = 2e-3, lr_mult: float = 100, val_loader: Iterable | None = None,
              optimizer: Callable[..., Any] | None = None, callbacks: Sequence[Callback] = (),
              verbose: bool = False, **fit_kwargs: Any) -> History:
    """fastai's ``fine_tune``: train the head for ``freeze_epochs`` with the body frozen,
    then unfreeze the body and train everything for ``epochs`` more, with discriminative
    learning rates spaced geometrically from ``base_lr / lr_mult`` (first body layer group)
    to ``base_lr`` (the head). Returns the history of all ``freeze_epochs + epochs`` epochs.

    ``body`` and ``head`` are parts of ``model`` (Modules or lists of Modules); together
    they must hold every parameter of ``model``, each once: otherwise a ValueError names the
    parameters in both or in neither. The body's layer groups are its top-level children
    with parameters. ``optimizer`` builds the optimizer from param groups (default
    ``optim.Adam``); one optimizer serves both phases. Other keywords go to ``fit``.
    """
    from .optim import Adam

    body_ids = {id(p) for p in _params_of(body, "body")}
    head_ids = {id(p) for p in _params_of(head, "head")}
    named = list(model.named_parameters())
    both = [n for n, p in named if id(p) in body_ids and id(p) in head_ids]
    neither = [n for n, p in named if id(p) not in body_ids | head_ids]
    if both:
        raise ValueError(f"fine_tune: body and head overlap: {', '.join(both)} are in both; "
                         f"give each parameter to one of them")
    if neither:
        raise ValueError(f"fine_tune: {', '.join(neither)} are in neither body nor head, so "
                         f"they would never be trained on purpose; add their layers to the "
                         f"body or the head (or freeze them and pass them in the body)")
    outside = (body_ids | head_ids) - {id(p) for _, p in named}
    if outside:
        raise ValueError(f"fine_tune: {len(outside)} parameters of body/head are not "
                         f"parameters of the model")
    if freeze_epochs < 0 or epochs < 0:
        raise ValueError(f"epochs and freeze_epochs must be >= 0, got {epochs}, "
                         f"{freeze_epochs}")
    layers = _layer_groups(body) + (_layer_groups(head) if not isinstance(head, Module)
                                    else [head])
    groups = discriminative_param_groups(layers, lr=slice(base_lr / lr_mult, base_lr))
    unfreeze(model)                       # the callback freezes the body for phase 1
    opt = (optimizer or Adam)(groups)
    schedule = [UnfreezeAt({freeze_epochs: body})] if freeze_epochs else []
    return fit(model, loss_fn, opt, train_loader, freeze_epochs + epochs,
               val_loader=val_loader, callbacks=[*schedule, *callbacks],
               verbose=verbose, **fit_kwargs)


def _params_of(part: Any, what: str) -> list[Any]:
    if isinstance(part, Module):
        return list(part.parameters())
    try:
        modules = list(part)
    except TypeError:
        raise TypeError(f"fine_tune: {what} must be a Module or a list of Modules, got "
                        f"{type(part).__name__}") from None
    if not all(isinstance(m, Module) for m in modules):
        raise TypeError(f"fine_tune: {what} must be a Module or a list of Modules")
    return [p for m in modules for p in m.parameters()]
