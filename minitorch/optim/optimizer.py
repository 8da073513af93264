"""The optimizer base class: param groups, lazy per-parameter state, checkpoints, and the
freezing rule.

**The freezing rule.** ``step()`` changes a parameter only when, at the time of the step,
its ``requires_grad`` is True *and* its ``.grad`` is not None. The base class applies the
rule before any update code runs, so no optimizer can forget it: a parameter frozen after a
backward pass (its ``.grad`` left stale), with a momentum buffer, Adam moments or weight
decay, stays bit-identical. PyTorch's optimizers skip only ``grad is None``, so there such a
parameter keeps moving. One optimizer over all of a model's parameters is therefore enough:
freezing and unfreezing later need no new optimizer.

**State of frozen parameters.** Per-parameter state (momentum buffers, Adam moments and
step counts) is created at a parameter's first real update, so an optimizer over a frozen
backbone holds none for it. When ``step()`` finds a parameter frozen, it drops that
parameter's state: unfrozen later, it starts afresh, as it would with a new optimizer
(fastai's choice). A buffer left from before the freeze would push the first updates after
unfreezing along gradients of long ago; with Adam, the old step count would also switch off
the bias correction that makes fresh moments safe. Set ``optimizer.clear_state_when_frozen =
False`` for PyTorch's behaviour (the old state is kept and resumes). A parameter that merely
has no gradient at a step (unused by that forward pass) keeps its state, as in PyTorch.

**Nothing to update.** A ``step()`` that changes no parameter at all warns once per
optimizer and reason (every parameter frozen; or trainable ones but no gradients, i.e. no
``backward()`` since ``zero_grad()``) instead of raising: PyTorch code may legitimately call
``step()`` with nothing to do (say, at the start of an epoch), and a crash there would break
scripts that run in PyTorch, while silence would hide a model frozen by mistake.
"""
from __future__ import annotations

import functools
import math
import warnings
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..core.frozen import is_frozen
from ..core.grad_mode import enable_grad
from ..core.hooks import RemovableHandle, add_hook, args_kwargs, new_hook_dict
from ..tensor import Tensor, bump_version, set_grad, unwrap, wrap, zero_grads
from . import guard as _guard

_NOT_ITERABLE = (
    "params argument given to the optimizer should be an iterable of Tensors or dicts, but "
    "got {what}: pass a list, e.g. optim.SGD([w], lr=0.1), or model.parameters()"
)


class Optimizer:
    """Base class of the optimizers: holds param groups and per-parameter state.

    Subclasses give their ``defaults`` to ``__init__``, validate options in
    ``_check_options`` and write the update in ``_update(group, params, grads)``, which
    receives only the parameters the freezing rule lets through (and their gradients as
    numpy arrays). A subclass that overrides ``step()`` itself, PyTorch style, is still held
    to the rule: during its ``step()`` the gradients of frozen parameters are hidden
    (``grad`` reads as None) and restored afterwards.

    >>> import minitorch as mt
    >>> from minitorch import optim
    >>> w = mt.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0., 0.], requires_grad=True)
    """

    #: Drop a parameter's state when ``step()`` finds it frozen (see the module docstring).
    clear_state_when_frozen: bool = True
    #: Names of the per-parameter state entries this optimizer may hold.
    _state_names: frozenset[str] = frozenset()

    def __init__(self, params: Iterable[Any], defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._check_options(self.defaults, "the optimizer's arguments")
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._warned: set[str] = set()
        self._scratch_arrays: dict[tuple, np.ndarray] = {}
        for group in _as_groups(params):
            self.add_param_group(group)
        _guard.register(self)
        self._step_pre_hooks: dict = new_hook_dict()
        self._step_post_hooks: dict = new_hook_dict()
        self._step_depth = 0
        if not getattr(type(self).step, "_obeys_freezing_rule", False):
            # A step() written by a subclass obeys the freezing rule through the first
            # pre-hook: frozen parameters' grads are hidden from it (restored afterwards).
            self.register_step_pre_hook(_hide_frozen_grads)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_runs_step_hooks", False):
            cls.step = _with_step_hooks(step)

    # ----------------------------------------------------------------- step hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step()``; it may return
        ``(new_args, new_kwargs)``. Hooks run in registration order (PyTorch's rule).

        >>> import minitorch as mt
        >>> from minitorch import optim
        >>> opt = optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
        >>> calls = []
        >>> h = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
        >>> opt.step(); calls
        ['pre']
        >>> h.remove()
        """
        return add_hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step()`` that returned."""
        return add_hook(self._step_post_hooks, hook)

    # ----------------------------------------------------------------- param groups
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own options (unset ones come from defaults).

        A parameter can be in one group only, and must be a leaf tensor of floating dtype.
        To train layers unfrozen later you need not add them: an optimizer built over all
        of ``model.parameters()`` never changes frozen ones.

        >>> import minitorch as mt
        >>> from minitorch import optim
        >>> opt = optim.SGD([mt.zeros(2, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [mt.zeros(3, requires_grad=True)], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(
                f"a param group must be a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(
                f"a param group needs a 'params' entry, this one has keys "
                f"{sorted(param_group)}"
            )
        group = dict(param_group)
        params, names = _split_names(group["params"])
        if "param_names" in group and names is None:
            names = list(group["param_names"])
            if len(names) != len(params):
                raise ValueError(
                    f"param group has {len(params)} params but {len(names)} param_names"
                )
        where = f"param group {len(self.param_groups)}"
        for i, p in enumerate(params):
            _check_param(p, where, _describe(p, i, names))
        self._check_unnamed_named(names)
        taken = {
            id(p): (gi, f" (as {g['param_names'][pi]!r})" if "param_names" in g else "")
            for gi, g in enumerate(self.param_groups) for pi, p in enumerate(g["params"])
        }
        seen: dict[int, int] = {}
        for i, p in enumerate(params):
            what = _describe(p, i, names)
            if id(p) in seen:
                raise ValueError(
                    f"{where} lists {what} twice (also as entry {seen[id(p)]}): a parameter "
                    f"can appear once only; shared (tied) parameters are yielded once by "
                    f"model.parameters()"
                )
            seen[id(p)] = i
            if id(p) in taken:
                group_index, as_name = taken[id(p)]
                raise ValueError(
                    f"{what} is already in param group {group_index}{as_name} of this "
                    f"optimizer; a "
                    f"parameter can be in one group only. To train layers unfrozen later, "
                    f"you need not add them: build the optimizer once over all of "
                    f"model.parameters() (frozen parameters are never changed by step())."
                )
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_options(group, where)
        self.param_groups.append(group)

    def _check_unnamed_named(self, names: list[str] | None) -> None:
        if self.param_groups and ("param_names" in self.param_groups[0]) != (names is not None):
            raise ValueError(
                "all param groups must be either named (from model.named_parameters()) or "
                "unnamed (from model.parameters()); this one differs from group 0"
            )

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        """Raise ValueError for invalid option values (subclasses check their own)."""
        _check_range(options, "lr", where)

    # ----------------------------------------------------------------- gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter, frozen or not.

        ``set_to_none=False`` zeroes them in place instead; a zero (not None) gradient of a
        frozen parameter is still never applied.
        """
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that requires grad and has a gradient; return the
        closure's loss (if a closure was given, it is called with grad mode on first)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        trainable = updated = 0
        op = f"optimizer.step() ({type(self).__name__})"
        for group in self.param_groups:
            params, grads, without_grad = self._active(group)
            trainable += len(params) + without_grad
            if params:
                self._update(group, params, grads)
                updated += len(params)
                for p in params:
                    bump_version(p, op)
        if not updated:
            self._warn_idle(trainable)
        _guard.check_unowned(self)
        return loss

    def _active(self, group: dict[str, Any]) -> tuple[list[Tensor], list[np.ndarray], int]:
        """The freezing rule: the group's parameters step() may change, their grads, and
        how many trainable ones had no grad."""
        params, grads = [], []
        state = self.state
        without_grad = 0
        for p in group["params"]:
            if is_frozen(p):
                if self.clear_state_when_frozen and p in state:
                    del state[p]
                continue
            grad = p.grad
            if grad is None:
                without_grad += 1
                continue
            params.append(p)
            grads.append(unwrap(grad))
        return params, grads, without_grad

    def _update(self, group: dict[str, Any], params: list[Tensor],
                grads: list[np.ndarray]) -> None:
        """Update ``params`` in place (``unwrap(p)``) from ``grads``; never write to grads."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update(group, params, grads) or step()"
        )

    def _warn_idle(self, trainable: int) -> None:
        if trainable == 0:
            reason, message = "frozen", (
                "optimizer.step() changed nothing: every parameter of this optimizer is "
                "frozen (requires_grad=False). Unfreeze what should train, e.g. "
                "minitorch.nn.unfreeze(model.head) or freeze_to(model, -1); "
                "count_parameters(model) shows (trainable, frozen)."
            )
        else:
            reason, message = "no-grad", (
                f"optimizer.step() changed nothing: none of the {trainable} trainable "
                f"parameters has a gradient. Call loss.backward() before step() (and "
                f"zero_grad() before backward, not between backward and step)."
            )
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(message, UserWarning, stacklevel=3)

    def _penalized_grad(self, data: np.ndarray, grad: np.ndarray, weight_decay: float,
                        maximize: bool) -> np.ndarray:
        """``grad + weight_decay * data`` (``-grad`` if maximize), in scratch slot 0; the
        gradient itself when neither applies: the gradient is never written to."""
        if not (weight_decay or maximize):
            return grad
        work = self._scratch(data)
        if weight_decay:
            np.multiply(data, weight_decay, out=work)
            (np.subtract if maximize else np.add)(work, grad, out=work)
        else:
            np.negative(grad, out=work)
        return work

    def _scratch(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A reusable work array shaped like ``like`` (one per dtype and slot, grown as
        needed), so that an update allocates no temporaries."""
        key = (like.dtype, slot)
        flat = self._scratch_arrays.get(key)
        if flat is None or flat.size < like.size:
            flat = np.empty(like.size, like.dtype)
            self._scratch_arrays[key] = flat
        return flat[: like.size].reshape(like.shape)

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as PyTorch lays it out, copied (later steps do not change it).

        ``{'state': {index: {...}}, 'param_groups': [{options..., 'params': [index...]}]}``,
        where parameters are numbered across groups in order; only parameters with state
        appear in ``'state'``. It can be saved with ``minitorch.save``.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if s and id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore options and state saved by ``state_dict()``; continuing then gives the
        same trajectory as an uninterrupted run.

        The param groups must match this optimizer's (same number, same sizes, same names
        when named): otherwise a ValueError says what differs, and nothing is changed.
        """
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, Mapping) else None
            raise ValueError(
                "an optimizer state dict has 'state' and 'param_groups' entries; got "
                + (f"a dict with keys {keys}" if keys is not None else type(state_dict).__name__)
                + ". If this is a whole checkpoint, pass its optimizer entry."
            )
        saved_groups = list(state_dict["param_groups"])
        self._check_groups_match(saved_groups)
        by_index = {}
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            missing = sorted(set(self.defaults) - set(saved))
            if missing:
                raise ValueError(
                    f"loaded param group {gi} has no {missing}: the state dict was saved "
                    f"from a different optimizer than {type(self).__name__} (its options are "
                    f"{sorted(k for k in saved if k != 'params')})"
                )
            for p, index in zip(group["params"], saved["params"]):
                by_index[index] = (p, gi)
        new_state: dict[Tensor, dict[str, Any]] = {}
        for index, values in state_dict["state"].items():
            if index not in by_index:
                raise ValueError(
                    f"the loaded state has an entry for parameter {index}, but the loaded "
                    f"param groups list only {sorted(by_index)}"
                )
            p, gi = by_index[index]
            new_state[p] = self._load_param_state(values, p, f"parameter {index} (group {gi})")
        # Everything was checked: only now change the optimizer.
        for group, saved in zip(self.param_groups, saved_groups):
            for key, value in saved.items():
                if key not in ("params", "param_names"):
                    group[key] = value
        self.state = defaultdict(dict, new_state)

    def _check_groups_match(self, saved_groups: list[Mapping[str, Any]]) -> None:
        mine = [len(g["params"]) for g in self.param_groups]
        theirs = [len(g["params"]) for g in saved_groups]
        if len(mine) != len(theirs):
            raise ValueError(
                f"the loaded state dict has {len(theirs)} param groups, this optimizer has "
                f"{len(mine)} (parameters per group: loaded {theirs}, this optimizer {mine}). "
                f"Build the optimizer with the same param groups (same add_param_group calls) "
                f"as the one that was saved."
            )
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            names, saved_names = group.get("param_names"), saved.get("param_names")
            if names is not None and saved_names is not None and list(names) != list(saved_names):
                only_mine = [n for n in names if n not in saved_names]
                only_saved = [n for n in saved_names if n not in names]
                raise ValueError(
                    f"param group {gi} differs from the loaded one: only in this optimizer "
                    f"{only_mine}, only in the loaded state {only_saved}"
                    + ("" if only_mine or only_saved else " (same names, different order)")
                )
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"param group {gi} has {len(group['params'])} parameters in this "
                    f"optimizer but {len(saved['params'])} in the loaded state dict "
                    f"(parameters per group: loaded {theirs}, this optimizer {mine})"
                )

    def _load_param_state(self, values: Mapping[str, Any], p: Tensor, where: str) -> dict:
        unknown = sorted(set(values) - self._state_names)
        if unknown:
            raise ValueError(
                f"the loaded state of {where} has {unknown}, which {type(self).__name__} does "
                f"not use (it keeps {sorted(self._state_names)}): was it saved from a "
                f"different optimizer?"
            )
        loaded = {}
        for key, value in values.items():
            if isinstance(value, (Tensor, np.ndarray)):
                array = unwrap(value) if isinstance(value, Tensor) else value
                if array.shape != p.shape:
                    raise ValueError(
                        f"the loaded {key!r} of {where} has shape {array.shape}, but the "
                        f"parameter has shape {p.shape}: the model's shapes changed since "
                        f"the state was saved"
                    )
                loaded[key] = wrap(np.array(array, dtype=unwrap(p).dtype))
            else:
                loaded[key] = value.item() if isinstance(value, np.generic) else value
        return loaded

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_scratch_arrays"] = {}
        return state


def lerp_(average: np.ndarray, value: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """``average += weight * (value - average)`` in place (PyTorch's ``lerp_``)."""
    np.subtract(value, average, out=scratch)
    scratch *= weight
    average += scratch


def decay_squares_(average: np.ndarray, value: np.ndarray, decay: float,
                   scratch: np.ndarray) -> None:
    """``average = decay * average + (1 - decay) * value**2`` in place (a running mean of
    squared gradients, as Adam's and RMSprop's second moments)."""
    average *= decay
    np.multiply(value, value, out=scratch)
    scratch *= 1 - decay
    average += scratch


def _with_step_hooks(step: Callable) -> Callable:
    """Run the optimizer's step pre-hooks, ``step``, and its post-hooks (once per call, also
    when a subclass's step calls ``super().step()``); frozen grads hidden by the guard
    pre-hook are restored even when ``step`` raises."""

    @functools.wraps(step)
    def stepped(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_step_depth", 1):  # nested call, or before __init__ ran
            return step(self, *args, **kwargs)
        self._step_depth = 1
        try:
            for hook in tuple(self._step_pre_hooks.values()):
                args, kwargs = args_kwargs(hook(self, args, kwargs), args, kwargs,
                                           "optimizer step pre-hook")
            out = step(self, *args, **kwargs)
        finally:
            self._step_depth = 0
            _restore_frozen_grads(self)
        for hook in tuple(self._step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    stepped._runs_step_hooks = True  # type: ignore[attr-defined]
    stepped._obeys_freezing_rule = getattr(  # type: ignore[attr-defined]
        step, "_obeys_freezing_rule", False)
    return stepped


def _hide_frozen_grads(optimizer: Optimizer, args: tuple, kwargs: dict) -> None:
    """The freezing rule for a subclass's own ``step()``: frozen parameters' grads are
    hidden while it runs (and their state dropped), so it cannot change them."""
    hidden = optimizer.__dict__.setdefault("_hidden_grads", [])
    for group in optimizer.param_groups:
        for p in group["params"]:
            if is_frozen(p):
                if optimizer.clear_state_when_frozen and p in optimizer.state:
                    del optimizer.state[p]
                grad = p.grad
                if grad is not None:
                    hidden.append((p, grad))
                    p.grad = None


def _restore_frozen_grads(optimizer: Optimizer) -> None:
    hidden = optimizer.__dict__.get("_hidden_grads")
    while hidden:
        p, grad = hidden.pop()
        if p.grad is None:
            set_grad(p, grad)  # its own gradient back, unchecked as before it was hidden


# The base step() applies the freezing rule itself (_active); it runs the step hooks too.
Optimizer.step._obeys_freezing_rule = True  # type: ignore[attr-defined]
Optimizer.step = _with_step_hooks(Optimizer.step)  # type: ignore[method-assign]


def _as_groups(params: Any) -> list[dict[str, Any]]:
    if isinstance(params, Tensor):
        raise TypeError(_NOT_ITERABLE.format(what="a single Tensor"))
    if isinstance(params, (Mapping, set, frozenset)) or not isinstance(params, Iterable):
        raise TypeError(_NOT_ITERABLE.format(what=type(params).__name__))
    items = list(params)
    if not items:
        raise ValueError(
            "optimizer got an empty parameter list. If you passed model.parameters(), check "
            "that the model has layers registered as attributes (nn.ModuleList, not a plain "
            "list) and that the generator was not already used up (pass it again or "
            "list(model.parameters()) once)."
        )
    if all(isinstance(item, Mapping) for item in items):
        return [dict(item) for item in items]
    if any(isinstance(item, Mapping) for item in items):
        raise TypeError("params must be all Tensors or all dicts (param groups), not a mix")
    return [{"params": items}]


def _split_names(params: Any) -> tuple[list[Tensor], list[str] | None]:
    """Accept tensors or ``(name, tensor)`` pairs, as ``model.named_parameters()`` gives."""
    if isinstance(params, Tensor):
        return [params], None
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "optimizer parameters need an ordered collection (a list), not a set: the order "
            "of a set changes between runs, and state_dict() numbers parameters by order"
        )
    items = list(params)
    named = [isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) for x in items]
    if items and all(named):
        return [x[1] for x in items], [x[0] for x in items]
    if any(named):
        raise TypeError("a param group must list all Tensors or all (name, Tensor) pairs")
    return items, None


def _describe(p: Any, i: int, names: list[str] | None) -> str:
    if names is not None:
        return f"parameter {names[i]!r}"
    shape = getattr(p, "shape", None)
    held = _guard.holder_name(p) if isinstance(p, Tensor) else None
    if held is not None:
        return f"parameter {i} ({held}, shape {shape})"
    return f"parameter {i} (shape {shape})" if shape is not None else f"parameter {i}"


def _check_param(p: Any, where: str, what: str) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(
            f"optimizer can only optimize Tensors, but {what} of {where} is a "
            f"{type(p).__name__}"
        )
    if not p.is_leaf:
        raise ValueError(
            f"can't optimize a non-leaf Tensor: {what} of {where} was computed by "
            f"{p.grad_fn.name()}. Pass the leaf parameters (model.parameters()); to make a "
            f"new leaf from a computed tensor, use t.detach().requires_grad_()"
        )
    if unwrap(p).dtype.kind != "f":
        raise TypeError(
            f"{what} of {where} has dtype {p.dtype}: only floating tensors can be trained"
        )


def _check_range(options: Mapping[str, Any], key: str, where: str, low: float = 0.0,
                 high: float = math.inf, high_open: bool = False) -> None:
    """ValueError unless ``low <= options[key] <= high`` (``< high`` if ``high_open``)."""
    if key not in options:
        return
    value = options[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{key} must be a number, got {type(value).__name__} (in {where})")
    upper_ok = value < high if high_open else value <= high
    if not (value >= low and upper_ok):  # also rejects NaN
        bound = f"in [{low:g}, {high:g})" if high_open else (
            f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]")
        label = {"lr": "learning rate"}.get(key, key if key.startswith("beta") else f"{key} value")
        raise ValueError(f"Invalid {label}: {value}; it must be {bound} (in {where})")


def _copy_value(value: Any) -> Any:
    if isinstance(value, Tensor):
        return wrap(unwrap(value).copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    return value
