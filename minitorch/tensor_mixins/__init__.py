"""Tensor's op surface, as mixins that never import the core (``minitorch/tensor.py``).

``Tensor`` = core (storage, autograd state, ``apply``, backward, views, in-place writes)
+ these mixins. Where a method lives:

- ``arithmetic``: ``+ - * / ** % // @``, comparisons, ``& | ~``, ``add/sub/mul/div/pow``,
  ``matmul/bmm/mm``, ``allclose/equal`` (every dunder is one ``_binop`` call);
- ``pointwise``: ``exp log sqrt abs sin cos sign floor ceil round isnan ... clamp relu
  sigmoid tanh softmax log_softmax maximum minimum masked_fill``;
- ``reduction``: ``sum mean var std max min argmax argmin norm amax cumsum logsumexp prod
  all any``;
- ``shape``: ``shape ndim size numel reshape view flatten transpose permute squeeze
  unsqueeze expand repeat [] gather flip split chunk index_select tril triu``;
- ``sorting``: ``argsort sort topk``;
- ``inplace``: ``add_ sub_ mul_ div_ pow_ clamp_ copy_ fill_ zero_ uniform_ normal_ += -=
  *= /=``;
- ``conversion``: ``dtype device item tolist float() int() bool() len() iter() repr to
  cpu float double long ... clone``.

The contract the core fulfils is in :mod:`minitorch.tensor_mixins.base`.
"""
from .arithmetic import ArithmeticMixin
from .base import MixinBase
from .conversion import ConversionMixin
from .inplace import InplaceMixin
from .pointwise import PointwiseMixin
from .reduction import MaxResult, MinResult, ReductionMixin
from .shape import ShapeMixin
from .sorting import SortingMixin, SortResult, TopkResult

__all__ = [
    "ArithmeticMixin", "ConversionMixin", "InplaceMixin", "MixinBase", "PointwiseMixin",
    "ReductionMixin", "ShapeMixin", "SortingMixin", "MaxResult", "MinResult", "SortResult",
    "TopkResult",
]
