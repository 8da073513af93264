"""What freezing saves, from a dry run: backward matmul FLOPs and activation bytes.

``training_costs(model, input_shape)`` runs the forward pass twice on zeros, in eval mode
(no statistics change) with grad mode on: once with the current ``requires_grad`` flags,
once with every parameter trainable (restored afterwards). It walks each recorded graph
and counts

- the backward FLOPs of the matrix products (``Linear`` and ``@``): for ``y = x @ W.T``
  with ``x`` of ``N x in`` and ``W`` of ``out x in``, ``2*N*in*out`` for the input gradient
  and again for the weight gradient, each only when needed, plus ``N*out`` for a bias
  gradient;
- the bytes of the arrays the graph keeps for backward (activations, masks), parameters
  excluded, each array once.

``summary(model, input_shape=...)`` prints both next to the parameter counts.

>>> from minitorch import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> costs = training_costs(nn.freeze_to(model, 2), (2, 4))
>>> costs.backward_flops, costs.full_backward_flops
(102, 342)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.grad_mode import enable_grad
from ..creation import zeros
from ..ops.matmul import Linear as _LinearOp
from ..ops.matmul import MatMul as _MatMulOp
from ..tensor import Tensor, unwrap
from .module import Module

__all__ = ["TrainingCosts", "training_costs"]


@dataclass
class TrainingCosts:
    """Per batch of ``input_shape``: backward matmul FLOPs and bytes kept for backward,
    with the current flags and with every parameter trainable."""

    backward_flops: int
    full_backward_flops: int
    saved_bytes: int
    full_saved_bytes: int

    @property
    def flops_skipped(self) -> int:
        return self.full_backward_flops - self.backward_flops

    @property
    def bytes_not_kept(self) -> int:
        return self.full_saved_bytes - self.saved_bytes


def _graph_costs(out: Any, param_arrays: set[int]) -> tuple[int, int]:
    roots = [o for o in (out if isinstance(out, (tuple, list)) else [out])
             if isinstance(o, Tensor) and o.grad_fn is not None]
    flops = 0
    saved: dict[int, int] = {}
    # A node keeps the shapes of the inputs that need a gradient only; the others come from
    # the arrays it saved, and its output's shape from the node that consumed it.
    out_shapes = {id(o.grad_fn): tuple(o.shape) for o in roots}
    stack = [o.grad_fn for o in roots]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "next_edges"):
            continue
        seen.add(id(node))
        flops += _matmul_flops(node, out_shapes.get(id(node)))
        for array in node.saved:
            if isinstance(array, np.ndarray) and id(array) not in param_arrays:
                saved.setdefault(id(array), array.nbytes)
        for edge, (shape, _) in zip(node.next_edges, node.input_meta):
            if edge is not None and shape is not None:
                out_shapes.setdefault(id(edge), tuple(shape))
        stack.extend(node.next_edges)
    return flops, sum(saved.values())


def _input_shape(node: Any, i: int, saved_at: int) -> tuple | None:
    """Input ``i``'s shape: recorded when it needs a gradient, else from ``saved[saved_at]``."""
    shape = node.input_meta[i][0]
    if shape is None and len(node.saved) > saved_at and node.saved[saved_at] is not None:
        shape = node.saved[saved_at].shape
    return shape


def _matmul_flops(node: Any, out_shape: tuple | None) -> int:
    """Backward FLOPs of one Linear or MatMul node (0 for other ops)."""
    needs = node.needs_input_grad
    if node.fn is _LinearOp:  # saves (weight if x needs grad, x if the weight does)
        x_shape, w_shape = _input_shape(node, 0, 1), _input_shape(node, 1, 0)
        if out_shape is None:
            return 0
        rows, out_f = int(np.prod(out_shape[:-1], dtype=np.int64)), out_shape[-1]
        flops = 0
        if needs[0] or needs[1]:
            in_f = (w_shape or x_shape)[-1]
            flops += 2 * rows * in_f * out_f * (int(needs[0]) + int(needs[1]))
        if len(needs) > 2 and needs[2]:
            flops += rows * out_f
        return flops
    if node.fn is _MatMulOp:  # saves (b if a needs grad, a if b does)
        a_shape, b_shape = _input_shape(node, 0, 1), _input_shape(node, 1, 0)
        if a_shape is None or b_shape is None or len(a_shape) < 2 or len(b_shape) < 2:
            return 0
        batch = int(np.prod(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]), dtype=np.int64))
        m, k, n = a_shape[-2], a_shape[-1], b_shape[-1]
        return 2 * batch * m * k * n * (int(needs[0]) + int(needs[1]))
    return 0


def _dry_run(model: Module, x: Tensor) -> tuple[int, int]:
    param_arrays = {id(unwrap(p)) for p in model.parameters()}
    with enable_grad():
        out = model(x)
    return _graph_costs(out, param_arrays)


def training_costs(model: Module, input_shape: tuple[int, ...], dtype: Any = None
                   ) -> TrainingCosts:
    """Dry-run costs of one training step's backward on a batch of ``input_shape``, with
    the current freeze state and with everything trainable (see the module docstring)."""
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    if isinstance(input_shape, int):
        input_shape = (input_shape,)
    x = zeros(*tuple(input_shape), dtype=dtype)
    modes = [(m, m.training) for m in model.modules()]
    flags = [(p, p.requires_grad) for p in model.parameters()]
    model.eval()
    try:
        flops, saved = _dry_run(model, x)
        for p, _ in flags:
            p.requires_grad_(True)
        full_flops, full_saved = _dry_run(model, x)
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
        for m, training in modes:
            m.training = training
    return TrainingCosts(flops, full_flops, saved, full_saved)


def _size(n: int) -> str:
    for unit, scale in (("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def parameter_lines(model: Module) -> list[str]:
    """One line per parameter (name, shape, trainable or frozen), then the LoRA adapters."""
    named = list(model.named_parameters())
    if not named:
        return []
    width = max(len(n) for n, _ in named)
    shape_width = max(len(str(tuple(p.shape))) for _, p in named)
    lines = ["Parameters:"]
    for name, p in named:
        state = "trainable" if p.requires_grad else "frozen"
        lines.append(f"  {name:<{width}}   {str(tuple(p.shape)):<{shape_width}}   {state}")
    from .lora import lora_layers

    adapters = lora_layers(model)
    if adapters:
        lines.append("LoRA adapters (base weights frozen):")
        for name, layer in adapters.items():
            lines.append(f"  {name}: rank {layer.rank}, alpha {layer.alpha} (scaling "
                         f"{layer.scaling:g}), A {tuple(layer.lora_A.shape)}, B "
                         f"{tuple(layer.lora_B.shape)} on a {layer.in_features}->"
                         f"{layer.out_features} Linear")
    return lines


def cost_lines(model: Module, input_shape: tuple[int, ...], dtype: Any = None) -> list[str]:
    """The summary's lines about what the current freeze state saves, per batch."""
    c = training_costs(model, input_shape, dtype)
    share = f", {100 * c.flops_skipped / c.full_backward_flops:.0f}%" if (
        c.full_backward_flops) else ""
    return [
        f"Backward matmul FLOPs per batch: {c.backward_flops:,} (all trainable: "
        f"{c.full_backward_flops:,}; skipped: {c.flops_skipped:,}{share})",
        f"Activations kept for backward: {_size(c.saved_bytes)} (all trainable: "
        f"{_size(c.full_saved_bytes)}; not kept: {_size(c.bytes_not_kept)})",
    ]
