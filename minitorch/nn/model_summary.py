"""``summary(model)``: a Keras-style table of a model's layers, output shapes, parameter
counts, trainable / frozen state and train/eval mode. Output shapes come from one forward
pass observed with forward hooks (:meth:`Module.register_forward_hook`).

>>> from minitorch import nn
>>> print(nn.summary(nn.Linear(2, 3)).splitlines()[-7])
Total params: 9
"""
from __future__ import annotations

from typing import Any

from ..core.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor
from .module import Module
from .summary_costs import cost_lines, parameter_lines

__all__ = ["summary", "ModelSummary"]


class ModelSummary(str):
    """The table ``summary()`` returns: a ``str`` that also displays as the table in a REPL
    or notebook, with ``total``, ``trainable`` and ``frozen`` element counts."""

    total: int
    trainable: int
    frozen: int

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def summary(model: Module, input_shape: tuple[int, ...] | None = None,
            dtype: Any = None) -> ModelSummary:
    """A Keras-style table of ``model``: one row per layer with its name and type, output
    shape (when ``input_shape`` is given), parameter count, trainable / frozen / partly
    frozen state, and train/eval mode; then the totals.

    ``input_shape`` includes the batch dimension, e.g. ``(1, 784)``; the shapes come from a
    forward pass on zeros (of ``dtype``, by default the parameters' dtype) in eval mode
    under ``no_grad``; every module's mode is restored afterwards. A row's count includes
    its sublayers'; a parameter shared by several layers is marked, and counted once in
    the totals.

    >>> from minitorch import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> print(nn.freezing.summary(nn.freezing.freeze_to(model, 2), input_shape=(1, 4)))
    Model: Sequential
    =========================================================
    Layer (type)   Output shape   Param #   Trainable   Mode
    =========================================================
    0 (Linear)     (1, 8)              40   frozen      train
    1 (ReLU)       (1, 8)               0   -           train
    2 (Linear)     (1, 2)              18   trainable   train
    =========================================================
    Parameters:
      0.weight   (8, 4)   frozen
      0.bias     (8,)     frozen
      2.weight   (2, 8)   trainable
      2.bias     (2,)     trainable
    Total params: 58
    Trainable params: 18
    Frozen params: 40
    Buffers (not trained): 0
    Backward matmul FLOPs per batch: 34 (all trainable: 138; skipped: 104, 75%)
    Activations kept for backward: 32 B (all trainable: 56 B; not kept: 24 B)
    ---------------------------------------------------------
    Trainable: requires_grad (what the optimizer may change).
    Mode: train()/eval() (dropout, batch-norm statistics); separate.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary needs a Module, got {type(model).__name__}")
    modules = [(name, m) for name, m in model.named_modules() if name]
    if not modules:
        modules = [("", model)]
    shapes = _output_shapes(model, modules, input_shape, dtype) if input_shape is not None else None
    owners: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        owners.setdefault(id(p), []).append(name)
    shared = {pid: names for pid, names in owners.items() if len(names) > 1}

    header = ["Layer (type)"] + (["Output shape"] if shapes is not None else []) + [
        "Param #", "Trainable", "Mode"]
    rows = []
    for name, m in modules:
        params = list(m.parameters())
        label = "  " * name.count(".") + f"{name or '(model)'} ({type(m).__name__})"
        state = _state(params)
        if any(id(p) in shared for p in params):
            state += " *"
        row = [label] + ([shapes.get(name, "-")] if shapes is not None else [])
        row += [f"{sum(p.numel() for p in params):,}", state, "train" if m.training else "eval"]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = header.index("Param #")

    def line(cells: list[str]) -> str:
        return "   ".join(cell.rjust(w) if i == numeric else cell.ljust(w)
                          for i, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    width = max(len(line(r)) for r in [header, *rows])
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    n_buffers = sum(b.numel() for b in model.buffers())
    lines = [f"Model: {type(model).__name__}", "=" * width, line(header), "=" * width]
    lines += [line(r) for r in rows]
    lines += ["=" * width, *parameter_lines(model)]
    lines += [
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Frozen params: {frozen:,}",
        f"Buffers (not trained): {n_buffers:,}",
        *(cost_lines(model, input_shape, dtype) if input_shape is not None else []),
        "-" * width,
    ]
    for names in shared.values():
        lines.append(f"* shared parameter: {' = '.join(names)} (one tensor: freezing it in "
                     f"one layer freezes it in all)")
    lines += ["Trainable: requires_grad (what the optimizer may change).",
              "Mode: train()/eval() (dropout, batch-norm statistics); separate."]
    result = ModelSummary("\n".join(lines))
    result.total, result.trainable, result.frozen = trainable + frozen, trainable, frozen
    return result


def _state(params: list[Tensor]) -> str:
    if not params:
        return "-"
    flags = {p.requires_grad for p in params}
    if flags == {True}:
        return "trainable"
    return "frozen" if flags == {False} else "partly frozen"


def _output_shapes(model: Module, modules: list[tuple[str, Module]],
                   input_shape: tuple[int, ...], dtype: Any) -> dict[str, str]:
    """Run one forward pass, recording each module's output shape (first call wins) with
    forward hooks, removed afterwards."""
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    x = zeros(*tuple(input_shape), dtype=dtype)
    shapes: dict[str, str] = {}

    def recorder(name: str) -> Any:
        return lambda module, args, out: shapes.setdefault(name, _shape_of(out)) and None

    handles = [m.register_forward_hook(recorder(name)) for name, m in modules]
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            model(x)
    except Exception as err:
        raise RuntimeError(
            f"summary(): the forward pass of {type(model).__name__} on an input of shape "
            f"{tuple(input_shape)} failed ({type(err).__name__}: {err}); check input_shape "
            f"(it includes the batch dimension) and dtype"
        ) from err
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes:
            m.training = training
    return shapes


def _shape_of(out: Any) -> str:
    if isinstance(out, Tensor):
        return str(tuple(out.shape))
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape_of(o) for o in out) + "]"
    return type(out).__name__
