"""User-defined differentiable functions, written PyTorch's way (on tensors)."""
from __future__ import annotations

from typing import Any

from ..core import function as core
from ..core.engine import SECOND_BACKWARD
from ..core.grad_mode import no_grad
from ..tensor import Tensor, apply, unwrap, wrap


class FunctionCtx:
    """The ``ctx`` of a user Function: ``save_for_backward``, ``saved_tensors``,
    ``needs_input_grad``, and any attribute you like."""

    def __init__(self, node: Any) -> None:
        self._graph_node = node
        self._recorded: tuple | None = None  # saved tensors during a recorded backward


    def save_for_backward(self, *tensors: Tensor | None) -> None:
        self._graph_node.save_for_backward(*(None if t is None else unwrap(t) for t in tensors))

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self._graph_node.freed:
            raise RuntimeError(SECOND_BACKWARD.format(node=self._graph_node.name()))
        if self._recorded is not None:
            return self._recorded
        return tuple(None if a is None else wrap(a) for a in self._graph_node.saved)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return self._graph_node.needs_input_grad


class _UserOp(core.Function):
    """Adapter that runs a user Function's tensor-level forward/backward as a core op."""

    @staticmethod
    def forward(ctx: Any, *arrays: Any, user: type) -> Any:
        user_ctx = FunctionCtx(ctx)
        ctx.user_ctx = user_ctx
        ctx.user = user
        inputs = [wrap(a) if hasattr(a, "dtype") and hasattr(a, "shape") else a for a in arrays]
        with no_grad():
            out = user.forward(user_ctx, *inputs)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{user.__name__}.forward must return one Tensor, got {type(out).__name__} "
                "(several outputs are not supported)"
            )
        return unwrap(out)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        if isinstance(grad, Tensor):  # backward(create_graph=True): record the user's ops
            return _recorded_backward(ctx, grad)
        with no_grad():
            grads = ctx.user.backward(ctx.user_ctx, wrap(grad))
        grads = _check_count(ctx, grads)
        # Copies: the user's tensors may live on elsewhere, and an array the engine makes a
        # leaf's .grad is later updated in place.
        return tuple(unwrap(g).copy() if isinstance(g, Tensor) else g for g in grads)


def _check_count(ctx: Any, grads: Any) -> tuple:
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(ctx.needs_input_grad):
            raise RuntimeError(
                f"{ctx.user.__name__}.backward returned {len(grads)} gradients but forward "
                f"took {len(ctx.needs_input_grad)} inputs: return one per input (None for "
                "inputs that need none)"
            )
    return grads


def _recorded_backward(ctx: Any, grad: Tensor) -> tuple:
    """Run the user's backward with grad mode on and the saved tensors connected to the
    graph, so that its tensor ops are recorded. A gradient it computed outside the graph
    (with numpy, or under no_grad) although its inputs are tracked gets a node that raises
    if anyone differentiates through it: never a silent zero second derivative."""
    user_ctx, name = ctx.user_ctx, ctx.user.__name__
    user_ctx._recorded = ctx.saved
    try:
        grads = _check_count(ctx, ctx.user.backward(user_ctx, grad))
    finally:
        user_ctx._recorded = None
    tracked = [t for t in (grad, *ctx.saved) if isinstance(t, Tensor) and t.requires_grad]
    out = []
    for i, g in enumerate(grads):
        if g is not None and not isinstance(g, Tensor):
            raise RuntimeError(
                f"{name}.backward returned a {type(g).__name__} for input {i}: during a "
                "backward pass with create_graph=True it must return Tensors computed with "
                "tensor ops, so that they can be differentiated again"
            )
        if g is not None and not g.requires_grad and tracked:
            g = apply(_NotTwiceDifferentiable, g, *tracked, name=name)
        out.append(g)
    return tuple(out)


class _NotTwiceDifferentiable(core.Function):
    """Stands for a user gradient computed outside the graph: differentiating it raises."""

    @staticmethod
    def forward(ctx: Any, grad: Any, *tracked: Any, name: str) -> Any:
        ctx.user_name = name
        return grad.copy()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise RuntimeError(
            f"the backward of {ctx.user_name} is not differentiable: it computed its "
            "gradient outside the graph (with numpy, under no_grad, or with "
            "@once_differentiable), so its second derivative is unknown. Write its backward "
            "with tensor ops to differentiate it twice."
        )


def once_differentiable(backward: Any) -> Any:
    """Decorator for a Function's ``backward`` that may use numpy: it runs untracked, and
    differentiating its result again raises a clear error (PyTorch's decorator of the
    same name)."""

    def wrapper(ctx: Any, *grads: Any) -> Any:
        with no_grad():
            return backward(ctx, *(g.detach() if isinstance(g, Tensor) else g for g in grads))

    wrapper.__name__ = getattr(backward, "__name__", "backward")
    wrapper.__doc__ = backward.__doc__
    return wrapper


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
