"""``viz.layers(model, input_shape)``: the layer stack, with each layer's freezing state."""
from __future__ import annotations

from typing import Any

from ..core.grad_mode import no_grad
from ..creation import zeros
from ..nn.module import Module
from ..tensor import Tensor
from .model import ADAPTER_PATTERNS, GraphModel, VEdge, VNode, plural
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
    names = {id(m): name for name, m in units}
    calls: list[tuple[str, str]] = []
    inside: list[bool] = []
    original_call = Module.__call__

    def call(module: Module, *args: Any, **kwargs: Any) -> Any:
        name = names.get(id(module))
        if name is None or inside:
            return original_call(module, *args, **kwargs)
        inside.append(True)
        try:
            out = original_call(module, *args, **kwargs)
        finally:
            inside.pop()
        calls.append((name, str(tuple(out.shape)) if isinstance(out, Tensor) else
                      type(out).__name__))
        return out

    modes = [(m, m.training) for m in model.modules()]
    Module.__call__ = call  # type: ignore[method-assign]
    try:
        model.eval()
        with no_grad():
            model(zeros(*shape, dtype=dtype))
    except Exception as err:
        raise RuntimeError(
            f"viz.layers(): the forward pass of {type(model).__name__} on an input of shape "
            f"{shape} failed ({type(err).__name__}: {err}); check input_shape (it includes "
            f"the batch dimension) and dtype") from err
    finally:
        Module.__call__ = original_call  # type: ignore[method-assign]
        for m, training in modes:
            m.training = training
    return calls


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
    groups: dict[int, list[str]] = {}
    for name, shape in order:
        m = modules[name]
        named = list(m.named_parameters())
        count = sum(p.numel() for _, p in named)
        flags = {p.requires_grad for _, p in named}
        adapters = any(n.rsplit(".", 1)[-1].startswith(patterns) for n, _ in named)
        state = ("no_params" if not named else "adapter" if adapters else
                 "trainable" if flags == {True} else "frozen" if flags == {False} else "trainable")
        top = name.split(".")[0]
        prev = nodes[-1]
        if (collapse_frozen and state in ("frozen", "no_params") and prev.kind == "group"
                and prev.cluster == top):
            if named:
                groups[len(nodes) - 1].append(name)
            prev.params += count
            prev.lines = [f"{plural(len(groups[len(nodes) - 1]), 'layer')}, "
                          f"{plural(prev.params, 'param')}", f"out {shape}" if shape else ""]
            continue
        lines = [f"out {shape}"] if shape else []
        trainable = sum(p.numel() for _, p in named if p.requires_grad)
        if named:
            what = {"adapter": f"{trainable:,} in adapters, frozen base",
                    "frozen": "frozen"}.get(state, "trainable" if flags == {True}
                                            else f"partly frozen: {trainable:,} trainable")
            lines.append(f"{count:,} params, {what}")
        lines.append("train mode" if m.training else "eval mode")
        title = f"{name}: {type(m).__name__}" if name else type(m).__name__
        if collapse_frozen and state == "frozen":
            nodes.append(VNode("group", "frozen", f"frozen {top}:", lines, top, params=count))
            groups[len(nodes) - 1] = [name]
            continue
        nodes.append(VNode("layer", state, title, lines, params=count))
    for node in nodes:
        if node.kind == "group":
            node.cluster = ""
            node.lines = [s for s in node.lines if s]
    trainable, total = (sum(p.numel() for p in model.parameters() if p.requires_grad),
                        sum(p.numel() for p in model.parameters()))
    model_ = GraphModel(nodes, [VEdge(i, i + 1) for i in range(len(nodes) - 1)],
                        type(model).__name__,
                        footer=f"{total:,} params: {trainable:,} trainable, "
                               f"{total - trainable:,} frozen")
    return Graph([model_], engine, legend=LEGEND)
