"""The Function contract: one differentiable op = ``forward`` and ``backward`` on arrays.

An op subclasses :class:`Function` and writes two static methods::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved
            return (grad * b if ctx.needs_input_grad[0] else None,
                    grad * a if ctx.needs_input_grad[1] else None)

``forward`` receives numpy arrays in place of tensors (other arguments pass through) and
returns one array. ``backward`` receives the gradient of the output and returns one gradient
per positional input (``None`` where ``needs_input_grad`` is False or the input is not a
tensor). The engine reduces each gradient to its input's shape (``unbroadcast``), so ops
never do. A gradient is a new array, or ``grad`` itself (or a view of it), never an array
kept elsewhere (a saved one): the engine may make it a leaf's ``.grad`` without a copy.
Running an op is :func:`minitorch.tensor.apply`, which records a :class:`Context` only when
grad mode is on and some input requires grad.
"""
from __future__ import annotations

from typing import Any

from .array_namespace import numpy_namespace


class Context:
    """What one recorded op keeps for backward: also the graph node (``grad_fn``).

    ``saved`` holds arrays from ``save_for_backward`` until backward frees them; any other
    attribute an op sets in ``forward`` (a shape, a dim) is plain metadata and stays.
    """

    __slots__ = (
        "fn",
        "saved",
        "needs_input_grad",
        "next_edges",
        "input_meta",
        "saved_inputs",
        "out_id",
        "writes_at_save",
        "freed",
        "__weakref__",
        "__dict__",
    )

    def __init__(self, fn: type, needs_input_grad: tuple[bool, ...] = (),
                 next_edges: tuple = (), input_meta: tuple = ()) -> None:
        self.fn = fn
        self.needs_input_grad = needs_input_grad
        self.next_edges = next_edges  # per input: a Context, an AccumulateGrad or None
        self.input_meta = input_meta  # per input: (shape, dtype), to unbroadcast and cast
        self.saved: tuple = ()
        # Whose the saved arrays are, to check them in backward (core/saved.py).
        self.saved_inputs: tuple = ()
        self.out_id = 0
        self.writes_at_save = 0
        self.freed = False  # backward released the saved arrays

    # Set on the few nodes that need them (class defaults keep every other node small).
    retained: Any = None  # weak reference to the output tensor that called retain_grad()
    out_version: Any = None  # the output's VersionCounter, once the output has one
    pre_hooks: dict | None = None  # register_hook on the output: set per node when used
    # The functions a backward rule computes with (``xp = ctx.xp``): numpy here; the tensor
    # namespace when the backward pass is recorded (create_graph=True, core/graph_engine.py).
    xp = numpy_namespace

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays (or None) for backward; they are freed after backward runs."""
        self.saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        return self.saved

    def name(self) -> str:
        """PyTorch-style node name, e.g. ``MulBackward``."""
        return f"{self.fn.__name__}Backward"

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, one per input (``None`` for a constant)."""
        return tuple((edge, 0) for edge in self.next_edges)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class Function:
    """Base class of every differentiable op (see the module docstring for the contract).

    ``forward`` must not read back attributes it set on ``ctx``: when nothing is recorded it
    gets a stand-in ctx that keeps nothing.
    """

    is_view = False  # the output may share memory with input 0 (then it shares its version)
    exact_dtype = False  # the op chose its output dtype itself (a cast): keep it as it is
    differentiable = True  # False: results are never recorded (comparisons, floor division)

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        raise NotImplementedError
