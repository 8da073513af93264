"""``viz.layers(model, input_shape)``: the layer stack, with each layer's freezing state."""
from __future__ import annotations

from typing import Any

from ..core.grad_mode import no_grad
from ..creation import zeros
from ..nn.module import Module
from ..tensor import Tensor
from .model import ADAPTER_PATTERNS, GraphModel, VEdge, VNode, plural
from .record import record
from .view import Graph

LEGEND = ["trainable", "adapter", "frozen", "no_params", "untracked"]


def _units(model: Module, patterns: tuple[str, ...]) -> list[tuple[str, Module]]:
    """The layers drawn: modules without children, and modules holding adapters (a LoRA
    wrapper is one layer, its base inside it)."""
    units, skip = [], ()
    for name, m in model.named_modules():
        if skip and name.startswith(skip):
            continue
        own = [n for n, _ in m.named_parameters(recurse=False)]
        if any(n.startswith(patterns) for n in own):
            units.append((name, m))
            skip = name + "."
        elif not any(True for _ in m.children()):
            units.append((name, m))
    return units


def _call_order(model: Module, units: list[tuple[str, Module]], input_shape: Any,
                dtype: Any) -> list[tuple[str, str]]:
    """(unit name, output shape) in the order of one forward pass on zeros, in eval mode
    under no_grad; the modules' modes are restored."""
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad(), record(model) as calls:
            model(zeros(*shape, dtype=dtype))
    except Exception as err:
        raise RuntimeError(
            f"viz.layers(): the forward pass of {type(model).__name__} on an input of shape "
            f"{shape} failed ({type(err).__name__}: {err}); check input_shape (it includes "
            f"the batch dimension) and dtype") from err
    finally:
        for m, training in modes:
            m.training = training
    names = {name for name, _ in units}
    return [(name, str(tuple(out.shape)) if isinstance(out, Tensor) else type(out).__name__)
            for name, out in calls.calls if name in names]


def layers(model: Module, input_shape: Any = None, *, dtype: Any = None,
           collapse_frozen: bool = False, engine: str = "auto",
           adapter_patterns: tuple[str, ...] = ADAPTER_PATTERNS) -> Graph:
    """Picture of ``model``'s layers, top to bottom: type, output shape (when
    ``input_shape``, batch included, is given: one forward pass on zeros), parameters,
    trainable / frozen / adapter state and train/eval mode. With ``input_shape`` the
    layers are in call order, else in definition order. ``collapse_frozen`` draws
    consecutive frozen layers of one top-level module as one box.

    >>> from minitorch import nn, viz
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> _ = model[0].requires_grad_(False)
    >>> [(n.title, n.state) for n in viz.layers(model, (1, 4)).model.nodes]
    [('input', 'untracked'), ('0: Linear', 'frozen'), ('1: ReLU', 'no_params'),
     ('2: Linear', 'trainable')]
    """
    if not isinstance(model, Module):
        raise TypeError(f"viz.layers() draws a Module, got {type(model).__name__}")
    patterns = tuple(adapter_patterns)
    units = _units(model, patterns)
    modules = dict(units)
    if input_shape is not None:
        order = _call_order(model, units, input_shape, dtype)
    else:
        order = [(name, "") for name, _ in units]
    nodes = [VNode("input", "untracked", "input",
                   [str(tuple(input_shape)) if input_shape is not None else "(shape not given)"])]
    group: tuple[str, list[str]] | None = None  # top-level module, its frozen layers
    for name, shape in order:
        m = modules[name]
        named = list(m.named_parameters())
        count = sum(p.numel() for _, p in named)
        flags = {p.requires_grad for _, p in named}
        adapters = any(n.rsplit(".", 1)[-1].startswith(patterns) for n, _ in named)
        state = ("no_params" if not named else "adapter" if adapters else
                 "frozen" if flags == {False} else "trainable")
        out = [f"out {shape}"] if shape else []
        top = name.split(".")[0]
        if collapse_frozen and state in ("frozen", "no_params") and (
                state == "frozen" or (group is not None and group[0] == top)):
            # One box for consecutive frozen layers (and layers without parameters between
            # them) of one top-level module.
            if group is None or group[0] != top:
                group = (top, [])
                nodes.append(VNode("group", "frozen", f"frozen {top}:"))
            box = nodes[-1]
            if named:
                group[1].append(name)
            box.params += count
            box.lines = [f"{plural(len(group[1]), 'layer')}, {plural(box.params, 'param')}",
                         *out]
            continue
        group = None
        lines = list(out)
        if named:
            trainable = sum(p.numel() for _, p in named if p.requires_grad)
            what = ("frozen" if state == "frozen" else
                    f"{trainable:,} in adapters, frozen base" if state == "adapter" else
                    "trainable" if flags == {True} else f"partly frozen: {trainable:,} trainable")
            lines.append(f"{count:,} params, {what}")
        lines.append("train mode" if m.training else "eval mode")
        title = f"{name}: {type(m).__name__}" if name else type(m).__name__
        nodes.append(VNode("layer", state, title, lines, params=count))
    trainable, total = (sum(p.numel() for p in model.parameters() if p.requires_grad),
                        sum(p.numel() for p in model.parameters()))
    model_ = GraphModel(nodes, [VEdge(i, i + 1) for i in range(len(nodes) - 1)],
                        type(model).__name__,
                        footer=f"{total:,} params: {trainable:,} trainable, "
                               f"{total - trainable:,} frozen")
    return Graph([model_], engine, legend=LEGEND)
