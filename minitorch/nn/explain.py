"""``explain_grad(param, loss)``: why a parameter gets (or got) no gradient from a loss.

The usual reasons, each named with where it happened:

- ``frozen``: ``param.requires_grad`` is False;
- ``untracked_loss``: the loss is in no graph (computed under ``no_grad()`` or
  ``inference_mode()``, or only from tensors that do not require grad);
- ``not_used``: the layer holding the parameter was not called by the forward pass;
- ``no_grad``: the layer ran with grad mode off (inside ``no_grad()``), so its output
  was not recorded;
- ``detached``: a tensor computed from the parameter was cut by ``detach()`` (the op that
  produced it and the line of the ``detach`` call are named);
- ``not_reached``: the loss's graph does not reach the parameter, for another reason;
- ``reached``: nothing is wrong: ``loss.backward()`` delivers its gradient.

``loss`` is a tensor (the graph is inspected) or, to find *where* the path was cut, a
function without arguments that computes the loss: it is called once while the layers
that hold the parameter and ``Tensor.detach`` are watched.

>>> import minitorch as mt
>>> from minitorch import nn
>>> model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
>>> x = mt.ones(3, 2)
>>> print(nn.explain_grad(model[0].weight, lambda: model[1](model[0](x).detach()).sum()))
no gradient: a tensor computed from the parameter (by Linear) was cut by detach() ...
>>> nn.explain_grad(model[1].weight, model(x).sum()).reason
'reached'
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from ..core.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .module import Module, parameter_holders

__all__ = ["explain_grad", "GradExplanation"]


class GradExplanation(str):
    """The explanation (a ``str``), with ``reason`` (one of the codes in the module
    docstring) and ``where`` (the op, layer or source line involved, or '')."""

    reason: str
    where: str

    def __repr__(self) -> str:
        return str(self)


def _explained(reason: str, text: str, where: str = "") -> GradExplanation:
    result = GradExplanation(text)
    result.reason, result.where = reason, where
    return result


def _path_to(start: Any, param: Tensor) -> list[str] | None:
    """Op names from ``start`` (a graph node) down to ``param``'s leaf edge, or None."""
    stack: list[tuple[Any, list[str]]] = [(start, [])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "variable", None) is param:
            return path
        edges = getattr(node, "next_edges", None) or ()
        name = node.name() if hasattr(node, "name") else type(node).__name__
        stack.extend((e, path + [name]) for e in edges)
    return None


def _layer(param: Tensor) -> str:
    for holder in parameter_holders(param):
        for attr, p in holder.__dict__.get("_parameters", {}).items():
            if p is param:
                return f"{type(holder).__name__}.{attr}"
    return f"a parameter of shape {tuple(param.shape)}"


def explain_grad(param: Tensor, loss: Tensor | Callable[[], Tensor]) -> GradExplanation:
    """Say why ``param`` gets no gradient from ``loss`` (a tensor, or a function that
    computes it), or that it does; see the module docstring for the reasons."""
    if not isinstance(param, Tensor):
        raise TypeError(f"explain_grad needs a parameter (a Tensor), got {type(param).__name__}")
    name = _layer(param)
    if not param.requires_grad:
        return _explained(
            "frozen", f"no gradient: {name} is frozen (requires_grad=False); backward "
            f"computes nothing for it. nn.unfreeze(...) or param.requires_grad_(True) to "
            f"train it.")
    watch = None
    if callable(loss) and not isinstance(loss, Tensor):
        watch, loss = _watch(param, loss)
    if not isinstance(loss, Tensor):
        raise TypeError(f"explain_grad needs the loss as a Tensor or a function returning "
                        f"one, got {type(loss).__name__}")
    if loss.grad_fn is None:
        return _explained(
            "untracked_loss", "no gradient: the loss is in no graph (requires_grad=False): "
            "it was computed under no_grad() or inference_mode(), or only from tensors that "
            "do not require grad (detached ones included), so loss.backward() raises.")
    path = _path_to(loss.grad_fn, param)
    if path is not None:
        return _explained(
            "reached", f"{name} is reached from the loss (through "
            f"{' <- '.join(path)}): loss.backward() gives it a gradient. If its .grad is "
            f"None, backward() has not run since the last zero_grad().", " <- ".join(path))
    if watch is not None:
        if watch["detached"]:
            op, line = watch["detached"][0]
            return _explained(
                "detached", f"no gradient: a tensor computed from the parameter (by {op}) "
                f"was cut by detach() at {line}; remove the detach() to train {name}.",
                f"{op} at {line}")
        if watch["untracked"]:
            layer = watch["untracked"][0]
            return _explained(
                "no_grad", f"no gradient: {layer} (which holds {name}) ran with grad mode "
                f"off, inside no_grad() or inference_mode(), so its output was not "
                f"recorded; run it outside the no_grad() block to train it.", layer)
        if not watch["called"]:
            return _explained(
                "not_used", f"no gradient: the layer holding {name} was not called while "
                f"the loss was computed (not reached from the loss).")
    return _explained(
        "not_reached", f"no gradient: the loss's graph does not reach {name} (it was not "
        f"used, or a detach() or no_grad() cut the path). Pass a function computing the "
        f"loss, explain_grad(param, lambda: loss_fn(model(x), y)), to find where.")


def _watch(param: Tensor, fn: Callable[[], Tensor]) -> tuple[dict, Any]:
    """Call ``fn`` while watching the layers holding ``param`` and ``Tensor.detach``."""
    found: dict[str, list] = {"called": [], "untracked": [], "detached": []}
    holders = [m for m in parameter_holders(param) if isinstance(m, Module)]
    patched = []
    for m in holders:
        if "forward" in m.__dict__:
            continue
        forward = type(m).forward.__get__(m)

        def watched(*args: Any, _m: Module = m, _f: Callable = forward, **kwargs: Any) -> Any:
            out = _f(*args, **kwargs)
            label = type(_m).__name__
            found["called"].append(label)
            if not is_grad_enabled() or (isinstance(out, Tensor) and not out.requires_grad):
                found["untracked"].append(label)
            return out

        m.__dict__["forward"] = watched
        patched.append(m)
    original = Tensor.detach

    def detach(self: Tensor) -> Tensor:
        node = self.grad_fn
        if node is not None and _path_to(node, param) is not None:
            caller = inspect.stack()[1]
            found["detached"].append((node.name().replace("Backward", ""),
                                      f"{caller.filename}:{caller.lineno}"))
        return original(self)

    Tensor.detach = detach  # type: ignore[method-assign]
    try:
        loss = fn()
    finally:
        Tensor.detach = original  # type: ignore[method-assign]
        for m in patched:
            del m.__dict__["forward"]
    return found, loss
