"""``minitorch.onnx``: export a model to ONNX, to serve it with ONNX Runtime.

``export`` has the call of ``torch.onnx.export``; ``onnx`` (and ``onnxruntime``, for the
check the export runs on itself) are an optional extra: ``pip install 'minitorch[onnx]'``.
They are imported only when ``export`` is called.
"""
from .export import export

__all__ = ["export"]
