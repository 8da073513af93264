"""``autograd.functional``: Jacobians, Hessians and their products, as in PyTorch.

Every function takes ``func`` (tensors in, a tensor or a tuple of tensors out) and
``inputs`` (a tensor or a tuple of tensors); results mirror that structure. They are built
on ``autograd.grad``: products with one backward pass (``vjp``), or two with
``create_graph=True`` (``jvp``, ``vhp``, ``hvp``), and full matrices one output element at
a time (``jacobian``, ``hessian``). ``create_graph=True`` keeps the results differentiable;
``strict=True`` raises where an output does not depend on an input instead of returning
zeros. ``vectorize`` is accepted for PyTorch's signature and computes the same values.

>>> import minitorch as mt
>>> from minitorch.autograd.functional import hessian
>>> x = mt.tensor([1.0, 2.0], dtype=mt.float64)
>>> hessian(lambda t: (t ** 3).sum(), x)
tensor([[ 6.,  0.],
        [ 0., 12.]], dtype=minitorch.float64)
"""
from __future__ import annotations

from typing import Any, Callable

from ..core.grad_mode import enable_grad
from ..tensor import Tensor
from .gradients import grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(value: Any, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple, the values as a tuple), checking they are tensors."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(
                f"{fn}: the {what} must be a Tensor or a tuple of Tensors, but item {i} is "
                f"a {type(v).__name__}"
            )
    return is_tuple, values


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs that require grad: the caller's own graph is kept only with create_graph."""
    if create_graph:
        return tuple(x.view_as(x) if x.requires_grad else x.detach().requires_grad_()
                     for x in inputs)
    return tuple(x.detach().requires_grad_() for x in inputs)


def _finish(values: tuple, create_graph: bool) -> tuple:
    return tuple(v if create_graph or v is None else v.detach() for v in values)


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple, create_graph: bool,
           strict: bool, fn: str, zeros: bool = True) -> tuple:
    """autograd.grad over the outputs that are part of a graph; zeros (or, when strict,
    an error) for inputs no output depends on."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    found: tuple = (None,) * len(inputs)
    if pairs:
        found = grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                     retain_graph=True, create_graph=create_graph, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(found, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"{fn}: the output of the user-provided function is independent of "
                    f"input {i}. This is not allowed in strict mode."
                )
            if zeros:
                g = x.detach() * 0
        result.append(g)
    return tuple(result)


def _check_v(v: Any, like: tuple, fn: str, what: str) -> tuple:
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{fn}: entry {i} of v has shape {tuple(a.shape)} but the {what} has shape "
                f"{tuple(b.shape)}; they must match"
            )
    return vs


def _scalar_default(outputs: tuple, fn: str) -> tuple:
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(
            f"{fn}: the vector v can only be None if the user-provided function returns a "
            "single Tensor with a single element"
        )
    return (None,)


def _call(func: Callable, inputs: tuple, fn: str) -> tuple[bool, tuple]:
    with enable_grad():
        return _as_tuple(func(*inputs), "output of the user-provided function", fn)


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one backward pass."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _prepare(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "vjp")
    vs = _scalar_default(outputs, "vjp") if v is None else _check_v(v, outputs, "vjp", "output")
    result = _finish(_grads(outputs, inputs, vs, create_graph, strict, "vjp"), create_graph)
    outputs = _finish(outputs, create_graph)
    return (outputs if out_tuple else outputs[0]), (result if in_tuple else result[0])


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick
    (the vjp with a dummy vector u is linear in u; its vjp with v is J v)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _prepare(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("jvp: the vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single element")
        vs = (None,)
    else:
        vs = _check_v(v, inputs, "jvp", "input")
    out_tuple, outputs = _call(func, inputs, "jvp")
    with enable_grad():
        dummies = tuple(o.detach() * 0 for o in outputs)
        for d in dummies:
            d.requires_grad_()
        back = _grads(outputs, inputs, dummies, True, strict, "jvp", zeros=False)
        used = [(b, w) for b, w in zip(back, vs) if b is not None]
        result = _grads(tuple(b for b, _ in used), dummies, tuple(w for _, w in used),
                        create_graph, strict, "jvp")
    result, outputs = _finish(result, create_graph), _finish(outputs, create_graph)
    return (outputs if out_tuple else outputs[0]), (result if out_tuple else result[0])


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for one output and one input, a tensor of
    shape ``output.shape + input.shape``; for tuples, a tuple (per output) of tuples
    (per input)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', "
                         f"got {strategy!r}")
    from ..functions import stack

    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _prepare(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "jacobian")
    table = []
    for out in outputs:
        flat = out.reshape(-1)
        rows: list[list] = [[] for _ in inputs]
        for k in range(flat.shape[0]):
            onehot = (flat.detach() * 0)
            onehot[k] = 1
            with enable_grad():
                grads = _grads((flat,), inputs, (onehot,), create_graph, strict, "jacobian")
            for i, g in enumerate(grads):
                rows[i].append(g)
        blocks = []
        for x, row in zip(inputs, rows):
            if row:
                block = stack(row).reshape(tuple(out.shape) + tuple(x.shape))
            else:  # an output with no elements
                block = x.detach().reshape(-1)[:0].reshape(tuple(out.shape) + tuple(x.shape))
            blocks.append(block if create_graph else block.detach())
        table.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(table) if out_tuple else table[0]


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: shape ``input.shape * 2`` for one
    input; a tuple of tuples for several."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs: Tensor) -> Any:
        out_tuple, outputs = _call(func, xs, "hessian")
        if out_tuple or outputs[0].numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a "
                               "single Tensor with a single element")
        grads = _grads((outputs[0].reshape(()),), xs, (None,), True, strict, "hessian")
        return grads if in_tuple else grads[0]

    return jacobian(gradient, inputs if in_tuple else inputs[0], create_graph=create_graph,
                    strict=strict, strategy=outer_jacobian_strategy)


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a scalar ``func``: two backward passes, no matrix."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a scalar ``func``. The Hessian of a twice
    differentiable function is symmetric, so this is computed as ``v^T H``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool,
                     fn: str) -> tuple:
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(f"{fn}: the vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single element")
        vs = (None,)
    else:
        vs = _check_v(v, inputs, fn, "input")
    out_tuple, outputs = _call(func, inputs, fn)
    if out_tuple or outputs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function given to {fn} should return a single Tensor "
                           "with a single element")
    with enable_grad():
        first = _grads(outputs, inputs, (None,), True, strict, fn, zeros=False)
        used = [(g, w, x) for g, w, x in zip(first, vs, inputs) if g is not None]
        result = _grads(tuple(g for g, _, _ in used), inputs, tuple(w for _, w, _ in used),
                        create_graph, strict, fn)
    result, outputs = _finish(result, create_graph), _finish(outputs, create_graph)
    return outputs[0], (result if in_tuple else result[0])
