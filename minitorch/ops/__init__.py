"""Differentiable ops: one small Function per op, forward and backward side by side.

Ops work on numpy arrays only and import nothing above ``minitorch.core``; ``Tensor``
methods and the ``minitorch.<name>`` functions run them through ``minitorch.tensor.apply``.
"""
