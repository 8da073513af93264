"""Learning-rate schedulers: StepLR, CosineAnnealingLR, LambdaLR, with PyTorch's rules.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls.
Every param group follows the schedule with its own learning rate.

**Groups added later.** A param group added with ``optimizer.add_param_group`` after the
scheduler was built joins the schedule where it is: its learning rate at that moment is kept
and, from the next ``step()`` on, changes by the same factors as the other groups' (for
example, with StepLR, it is multiplied by ``gamma`` at the next multiple of ``step_size``).
PyTorch 2.13's StepLR and CosineAnnealingLR do the same; its LambdaLR raises at the next
``step()``, while minitorch's asks for one more function (``lr_lambdas.append(fn)``) only
when it was given one function per group.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Mapping, Sequence

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR", "LambdaLR"]


class LRScheduler:
    """Base class: sets each group's ``lr`` from ``get_lr()`` at every ``step()``.

    ``last_epoch`` counts the ``step()`` calls (0 after construction); ``base_lrs`` holds
    each group's ``initial_lr``.
    """

    #: Attributes saved by ``state_dict()``, besides the common ones.
    _options: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs a minitorch optimizer, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming a scheduler with last_epoch={last_epoch}: load the "
                        f"optimizer's state dict first, or use last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._last_lr: list[float] = []
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of every group for the current ``last_epoch``."""
        raise NotImplementedError

    def _lrs_at(self, epoch: int) -> list[float]:
        """Every group's learning rate at ``epoch``, from scratch (for ``step(epoch)``)."""
        raise NotImplementedError

    def _initial_lr_for_new_group(self, lr: float) -> float:
        """``initial_lr`` of a group that joins at ``last_epoch`` with learning rate ``lr``."""
        return lr

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per param group (a group
        added since then shows its current rate).

        >>> import minitorch as mt
        >>> from minitorch import optim
        >>> opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> for _ in range(3):
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.5]
        """
        added = self.optimizer.param_groups[len(self._last_lr):]  # since the last step()
        return list(self._last_lr) + [group["lr"] for group in added]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's learning rate."""
        self._add_new_groups()
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(
                "scheduler.step(epoch) is deprecated in PyTorch: call step() once per epoch",
                UserWarning, stacklevel=2,
            )
            self.last_epoch = epoch
            values = self._lrs_at(epoch)
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _add_new_groups(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) < len(self.base_lrs):
            raise RuntimeError(
                f"{type(self).__name__} was scheduling {len(self.base_lrs)} param groups but "
                f"the optimizer now has {len(groups)}: build a new scheduler"
            )
        for group in groups[len(self.base_lrs):]:
            if "initial_lr" not in group:
                group["initial_lr"] = self._initial_lr_for_new_group(group["lr"])
            self.base_lrs.append(group["initial_lr"])

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's progress and options (savable with ``minitorch.save``)."""
        keys = ("last_epoch", "_step_count", "_last_lr", "base_lrs", *self._options)
        return {key: _plain(getattr(self, key)) for key in keys}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned."""
        expected = {"last_epoch", "_step_count", "_last_lr", "base_lrs", *self._options}
        if not isinstance(state_dict, Mapping) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict)
            raise ValueError(
                f"not a {type(self).__name__} state dict: expected keys {sorted(expected)}, "
                f"got {got}"
            )
        for key, value in state_dict.items():
            setattr(self, key, _plain(value))

    def __repr__(self) -> str:
        options = [f"{k}={getattr(self, k)!r}" for k in (*self._options, "last_epoch")]
        return f"{type(self).__name__}({', '.join(options)})"


_LRScheduler = LRScheduler  # PyTorch's older name


class StepLR(LRScheduler):
    """Multiply every group's learning rate by ``gamma`` every ``step_size`` epochs.

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
    ...     sched.step()
    >>> lrs
    [0.1, 0.1, 0.01, 0.01, 0.001]
    """

    _options = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]

    def _lrs_at(self, epoch: int) -> list[float]:
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each learning rate from its initial value to ``eta_min`` along half a cosine
    over ``T_max`` epochs (SGDR without restarts): ``eta_min + (lr0 - eta_min) * (1 +
    cos(pi * epoch / T_max)) / 2``. Past ``T_max`` it rises again, as in PyTorch.

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(opt.param_groups[0]["lr"], 4))
    ...     sched.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    _options = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"T_max must be a positive int, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # PyTorch's recursive form: it follows manual changes of a group's lr, and so a
        # group added mid-schedule continues from its own lr.
        groups, epoch, eta = self.optimizer.param_groups, self.last_epoch, self.eta_min
        t_max = self.T_max
        if epoch == 0:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and epoch > 0:
            return self._lrs_at(epoch)
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return [group["lr"] + (base - eta) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = ((1 + math.cos(math.pi * epoch / t_max))
                 / (1 + math.cos(math.pi * (epoch - 1) / t_max)))
        return [ratio * (group["lr"] - eta) + eta for group in groups]

    def _lrs_at(self, epoch: int) -> list[float]:
        half = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * half for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """Set each group's learning rate to ``initial_lr * lr_lambda(epoch)``; ``lr_lambda``
    is one function, or a list with one function per param group.

    The functions are not saved by ``state_dict()`` (give the same ones when resuming).

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.5)
    >>> sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.16666666666666666]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if callable(lr_lambda):
            self._shared = True
            self.lr_lambdas = [lr_lambda] * n
        else:
            self._shared = False
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n:
                raise ValueError(f"expected {n} lr_lambdas (one per param group), got "
                                 f"{len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def _lambda(self, i: int) -> Callable[[int], float]:
        if i >= len(self.lr_lambdas):
            if not self._shared:
                raise ValueError(
                    f"LambdaLR has {len(self.lr_lambdas)} lr_lambdas but the optimizer now has "
                    f"{len(self.optimizer.param_groups)} param groups (some were added with "
                    f"add_param_group): give the new group its function with "
                    f"scheduler.lr_lambdas.append(fn)"
                )
            self.lr_lambdas.append(self.lr_lambdas[0])
        return self.lr_lambdas[i]

    def _initial_lr_for_new_group(self, lr: float) -> float:
        factor = self._lambda(len(self.base_lrs))(self.last_epoch)
        return lr / factor if factor else lr

    def get_lr(self) -> list[float]:
        return self._lrs_at(self.last_epoch)

    def _lrs_at(self, epoch: int) -> list[float]:
        return [base * self._lambda(i)(epoch) for i, base in enumerate(self.base_lrs)]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
