"""``minitorch.interop``: bridges to the PyTorch world.

- ``save_safetensors`` / ``load_safetensors``: weights files in the ``safetensors`` format,
  with PyTorch's state-dict names, so files move both ways between minitorch and PyTorch.
- ``to_torch`` / ``from_torch``: convert a model to the equivalent ``torch.nn`` module and
  back (weights, buffers, ``requires_grad`` flags and train/eval modes included);
  ``register_converter`` teaches them a custom layer. torch is imported only when they run.

See docs/interop.md.
"""
from .convert import from_torch, to_torch
from .header import SafetensorsFileError
from .registry import register_converter
from .safetensors_io import load_safetensors, save_safetensors

__all__ = ["save_safetensors", "load_safetensors", "to_torch", "from_torch",
           "register_converter", "SafetensorsFileError"]
