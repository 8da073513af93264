"""``minitorch.autograd``: gradients on demand, user-defined Functions, gradcheck.

The machinery lives in ``minitorch.core`` (graph nodes, engine, grad mode); this package is
the public face, as ``torch.autograd`` is.
"""
from ..core.function import Context
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .function import Function, FunctionCtx
from .functional import backward, grad
from .gradcheck import gradcheck
from .variable import Variable

__all__ = [
    "Context", "Function", "FunctionCtx", "Variable", "backward", "enable_grad", "grad",
    "gradcheck", "is_grad_enabled", "no_grad", "set_grad_enabled",
]
