"""``minitorch.optim``: optimizers that never move frozen parameters, and LR schedulers.

>>> import minitorch as mt
>>> from minitorch import optim
>>> w = mt.tensor([3.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w     # each step halves w
tensor([0.3750], requires_grad=True)
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .param_groups import discriminative_param_groups, layer_rates
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler",
    "discriminative_param_groups", "layer_rates",
]
