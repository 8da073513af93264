"""``minitorch.autograd``: gradients on demand, user-defined Functions, gradcheck.

The machinery lives in ``minitorch.core`` (graph nodes, engine, grad mode); this package is
the public face, as ``torch.autograd`` is.
"""
from ..core.anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ..core.function import Context
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..core.inference_mode import inference_mode, is_inference_mode_enabled
from .function import Function, FunctionCtx
from .functional import backward, grad
from .gradcheck import gradcheck
from .variable import Variable

__all__ = [
    "Context", "Function", "FunctionCtx", "Variable", "backward", "enable_grad", "grad",
    "gradcheck", "is_grad_enabled", "no_grad", "set_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "inference_mode",
    "is_inference_mode_enabled",
]
