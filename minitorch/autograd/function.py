"""User-defined differentiable functions, written PyTorch's way (on tensors)."""
from __future__ import annotations

from typing import Any

from ..core import function as core
from ..core.engine import SECOND_BACKWARD
from ..core.grad_mode import no_grad
from ..tensor import Tensor, _make, apply


class FunctionCtx:
    """The ``ctx`` of a user Function: ``save_for_backward``, ``saved_tensors``,
    ``needs_input_grad``, and any attribute you like."""

    def __init__(self, node: Any) -> None:
        self._node = node

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        self._node.save_for_backward(*(None if t is None else t._data for t in tensors))

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self._node.freed:
            raise RuntimeError(SECOND_BACKWARD.format(node=self._node.name()))
        return tuple(None if a is None else _make(a) for a in self._node.saved)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return self._node.needs_input_grad


class _UserOp(core.Function):
    """Adapter that runs a user Function's tensor-level forward/backward as a core op."""

    @staticmethod
    def forward(ctx: Any, *arrays: Any, user: type) -> Any:
        user_ctx = FunctionCtx(ctx)
        ctx.user_ctx = user_ctx
        ctx.user = user
        inputs = [_make(a) if hasattr(a, "dtype") and hasattr(a, "shape") else a for a in arrays]
        with no_grad():
            out = user.forward(user_ctx, *inputs)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{user.__name__}.forward must return one Tensor, got {type(out).__name__} "
                "(several outputs are not supported)"
            )
        return out._data

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        with no_grad():
            grads = ctx.user.backward(ctx.user_ctx, _make(grad))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(ctx.needs_input_grad):
            raise RuntimeError(
                f"{ctx.user.__name__}.backward returned {len(grads)} gradients but forward "
                f"took {len(ctx.needs_input_grad)} inputs: return one per input (None for "
                "inputs that need none)"
            )
        # Copies: the user's tensors may live on elsewhere, and an array the engine makes a
        # leaf's .grad is later updated in place.
        return tuple(g._data.copy() if isinstance(g, Tensor) else g for g in grads)


class Function:
    """Base class for custom ops: write ``forward`` and ``backward`` on tensors.

    >>> import minitorch as mt
    >>> class Square(mt.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad_output
    >>> x = mt.tensor(3.0, requires_grad=True)
    >>> Square.apply(x).backward()
    >>> x.grad
    tensor(6.)
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Tensor:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        return apply(_adapter(cls), *args, user=cls)


_ADAPTERS: dict[type, type] = {}


def _adapter(user: type) -> type:
    """One _UserOp subclass per user Function, so that its node is named after it."""
    if user not in _ADAPTERS:
        _ADAPTERS[user] = type(user.__name__, (_UserOp,), {})
    return _ADAPTERS[user]
