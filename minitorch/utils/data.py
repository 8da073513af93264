"""``minitorch.utils.data``: PyTorch's spelling of :mod:`minitorch.data` (same objects).

>>> import minitorch.data, minitorch.utils.data
>>> minitorch.utils.data.DataLoader is minitorch.data.DataLoader
True
"""
from ..data import *  # noqa: F403 - a second name for the same API
from ..data import __all__  # noqa: F401
