"""The lowest layer: grad mode, the Function contract and the backward engine.

Nothing here knows about :class:`minitorch.Tensor`; the engine reaches tensors only through
the small duck-typed hooks documented in ``engine.py``. That keeps the import graph a line:
core -> ops -> tensor -> autograd -> nn -> optim -> data -> train.
"""
