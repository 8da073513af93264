"""``nn.Parameter``: a tensor that a Module registers as one of its trainable weights."""
from __future__ import annotations

from typing import Any

from ..serialization import register_tensor_kind
from ..tensor import Tensor, unwrap, wrap


@register_tensor_kind("parameter")  # mt.save writes "parameter": true; mt.load rebuilds it
class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that Modules register on assignment.

    It shares memory with the tensor it wraps. Operations on a Parameter give plain
    tensors; ``model.parameters()`` yields exactly the Parameters assigned to the model.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> p = nn.Parameter(mt.zeros(2))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    # No __dict__: a typo such as ``p.require_grad = False`` raises instead of being stored.
    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        if data is None:
            from ..creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"nn.Parameter expects a Tensor, got {type(data).__name__}; wrap the values "
                f"first: nn.Parameter(minitorch.tensor(values))"
            )
        # Always a leaf: the parameter takes the values (and their version counter), never
        # the graph, of ``data``.
        p = data.detach().as_subclass(cls)
        if requires_grad:
            p.requires_grad = True  # raises for integer tensors, with a hint
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happened in __new__; Tensor.__init__ must not run

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy.deepcopy(model) keeps parameters as Parameters (and requires_grad).
        return (_rebuild_parameter, (unwrap(self), self.requires_grad, self.grad))


def _rebuild_parameter(data: Any, requires_grad: bool, grad: Any) -> Parameter:
    p = Parameter(wrap(data), requires_grad)
    if grad is not None:
        p.grad = grad
    return p
