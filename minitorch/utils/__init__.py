"""PyTorch's ``torch.utils`` spelling: ``minitorch.utils.data`` is ``minitorch.data``."""
from . import data

__all__ = ["data"]
