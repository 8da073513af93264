"""``minitorch.autograd``: gradients on demand, user-defined Functions, gradcheck.

The machinery lives in ``minitorch.core`` (graph nodes, engine, grad mode); this package is
the public face, as ``torch.autograd`` is.
"""
from ..core.anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ..core.function import Context
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..core.graph_engine import register_namespace
from ..core.inference_mode import inference_mode, is_inference_mode_enabled
from . import functional
from .function import Function, FunctionCtx
from .gradcheck import gradcheck, gradgradcheck
from .gradients import backward, grad
from .tensor_namespace import tensor_namespace
from .variable import Variable

register_namespace(tensor_namespace)  # what backward(create_graph=True) computes with

__all__ = [
    "Context", "Function", "FunctionCtx", "Variable", "backward", "enable_grad", "grad",
    "gradcheck", "gradgradcheck", "functional", "is_grad_enabled", "no_grad", "set_grad_enabled",
    "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "inference_mode",
    "is_inference_mode_enabled",
]
