"""Tensor: a numpy array plus requires_grad, grad, grad_fn and a version counter.

``apply(fn, *args)`` runs an op and holds the one rule of autograd::

    out.requires_grad = is_grad_enabled() and any(arg.requires_grad for arg in args)

Only when that is True is a graph node (the op's ctx) kept, with the arrays the op saved.
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .core.anomaly_mode import _anomaly, creation_stack
from .core.engine import AccumulateGrad, run_backward
from .core.function import Context
from .core.grad_mode import _state
from .core.graph_engine import run_backward_graph
from .core.hooks import RemovableHandle, add_hook, new_hook_dict
from .core.inference_mode import INPLACE as INFERENCE_INPLACE
from .core.inference_mode import REQUIRES_GRAD as INFERENCE_REQUIRES_GRAD
from .core.inference_mode import SAVED as INFERENCE_SAVED
from .core.inference_mode import _inference
from .core.inference_mode import mark as mark_inference
from .core.version import VersionCounter
from .ops import shape as S
from .ops.index_errors import index_error
from .tensor_mixins import (
    ArithmeticMixin,
    ConversionMixin,
    InplaceMixin,
    PointwiseMixin,
    ReductionMixin,
    ShapeMixin,
    SortingMixin,
)
from .tensor_mixins.base import index_data, tensor_data
from .tensor_mixins.factories import FactoryMixin
from .tensor_mixins.queries import QueryMixin

__all__ = ["Tensor", "apply", "wrap", "unwrap", "zero_grads", "initial_grad", "bump_version",
           "version", "set_array", "set_grad", "gradient_edge", "grad_delivered_in"]

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)
_NO_META = (None, None)
# Called as _record_hook(ctx, args) for each node recorded, when set: see minitorch.viz.record.
_record_hook: Any = None

DOES_NOT_REQUIRE_GRAD = (
    "element 0 of tensors does not require grad and does not have a grad_fn: no graph was "
    "recorded for this tensor, so there is nothing to backpropagate. Likely causes: "
    "(1) every parameter it depends on is frozen (requires_grad=False): check "
    "count_parameters(model) and unfreeze what should train; (2) the forward pass ran under "
    "no_grad() or set_grad_enabled(False), e.g. inside an evaluation function; (3) a value "
    "was taken out of the graph with .detach(), .data, .item() or .numpy() and turned back "
    "into a tensor. Do not 'fix' it by setting loss.requires_grad = True: backward would "
    "then run, but no parameter would receive a gradient and nothing would train."
)

LEAF_INPLACE = (
    "a leaf tensor that requires grad (shape {shape}) is being used in an in-place "
    "operation ({op}). Autograd needs its values as they were. To change a parameter by "
    "hand (loading weights, a manual SGD step, initialisation), do it inside "
    "`with minitorch.no_grad():`; otherwise use an out-of-place op (w = w + 1)."
)


class _UntrackedContext:
    """The ctx an op gets when nothing is recorded: it keeps nothing at all."""

    __slots__ = ()
    needs_input_grad = (False,) * 64

    def save_for_backward(self, *arrays: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass


_UNTRACKED = _UntrackedContext()


def _op_error(fn: type, args: tuple, err: Exception) -> Exception:
    """Turn numpy's errors into PyTorch's exception types, naming the shapes involved."""
    shapes = " and ".join(str(a.shape) for a in args if isinstance(a, Tensor)) or "scalars"
    message = f"{fn.__name__}: {err} (input shapes {shapes})"
    if isinstance(err, np.exceptions.AxisError):
        return IndexError(message)
    if "broadcast" in str(err):
        message = (
            f"{fn.__name__}: shapes {shapes} cannot be broadcast together: each pair of "
            f"trailing dims must be equal or one of them 1"
        )
    return RuntimeError(message)


def _promoted(fn: type, ctx: Any, out: Any, arrays: list, kwargs: dict) -> np.ndarray:
    """The result as PyTorch types it, where numpy's differs (the rare path of ``apply``):
    a numpy scalar becomes a 0-d array, float64 from mixed inputs narrows, float16 from bool
    inputs is computed again in float32."""
    if getattr(out, "dtype", None) is _F16 and not fn.exact_dtype and any(
            type(a) is np.ndarray and a.dtype.kind == "b" for a in arrays) and not any(
            type(a) is np.ndarray and a.dtype is _F16 for a in arrays):
        # numpy computes float ops on bool in float16; PyTorch in float32: run it again
        arrays = [a.astype(_F32) if type(a) is np.ndarray and a.dtype.kind == "b" else a
                  for a in arrays]
        out = fn.forward(ctx, *arrays, **kwargs)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    # PyTorch promotes by category: integers mixed with float32 give float32 (numpy says
    # float64), and integers alone give the default float32 when an op makes floats.
    if out.dtype is _F64 and not fn.exact_dtype:
        # A 0-d tensor does not widen the float type of tensors with dims (PyTorch's
        # rule: float64 0-d + float32 (3,) gives float32); it counts when alone.
        widest = None
        zero_dim_f64 = False
        for a in arrays:
            if type(a) is np.ndarray and a.dtype.kind == "f":
                if a.dtype == _F64:
                    if a.ndim:
                        return out
                    zero_dim_f64 = True
                elif a.ndim and (widest is None or a.dtype.itemsize > widest.itemsize):
                    widest = a.dtype
        if widest is None:
            if zero_dim_f64:
                return out
            widest = next((a.dtype for a in arrays if type(a) is np.ndarray
                           and a.dtype.kind == "f"), _F32)
        out = out.astype(widest)
    elif out.dtype is _F16 and not fn.exact_dtype and not any(
            type(a) is np.ndarray and a.dtype is _F16 for a in arrays):
        out = out.astype(_F32)  # numpy makes float16 from bool inputs; PyTorch float32
    return out


def apply(fn: type, *args: Any, **kwargs: Any) -> "Tensor":
    """Run op ``fn`` on tensors (and plain arguments); record a node only if needed."""
    arrays = []
    tracked = False
    for a in args:
        if type(a) is Tensor or isinstance(a, Tensor):
            if a._version is not None and type(getattr(a, "_view_of", None)) is tuple:
                _refresh_view(a)
            arrays.append(a._data)
            if a._requires_grad:
                tracked = True
        else:
            arrays.append(a)
    if tracked and _state.enabled and fn.differentiable:
        ctx = _record(fn, args, arrays)
    else:
        ctx = _UNTRACKED
    try:
        out = fn.forward(ctx, *arrays, **kwargs) if kwargs else fn.forward(ctx, *arrays)
    except (ValueError, TypeError, OverflowError) as err:
        raise _op_error(fn, args, err) from None
    raw = out
    if type(out) is not np.ndarray or out.dtype is _F64 or out.dtype is _F16:
        out = _promoted(fn, ctx, out, arrays, kwargs)
    if ctx is _UNTRACKED or out.dtype.kind != "f":  # integer and bool results: no grad
        result = _make(out)
        if _inference.active:  # inside inference_mode(): an inference tensor
            mark_inference(result)
    else:
        result = _make(out, True, ctx)
        if ctx.saved:
            if raw is not out:  # a numpy scalar or a promoted array: save the output itself
                ctx.saved = tuple(out if s is raw else s for s in ctx.saved)
            if _inference.made:  # PyTorch: inference tensors cannot be saved for backward
                _check_not_inference(ctx, args)
            # Whose the saved arrays are (core/saved.py): the inputs that own one, and no
            # other (holding an input tensor holds its array).
            ctx.out_id = id(out)
            saved = ctx.saved
            if len(saved) > 1 or saved[0] is not out:  # more than its own output (tanh's)
                ctx.saved_inputs = _owners(saved, args, arrays)
            ctx.writes_at_save = VersionCounter.writes
    if fn.is_view:
        _share_version_if_view(result, fn, args)
        if _inference.made and getattr(args[0], "_inference", False) and \
                result._data.base is not None:
            result._inference = True  # a view of an inference tensor is one (PyTorch)
    return result


def _record(fn: type, args: tuple, arrays: list) -> Context:
    """The graph node of one op: which inputs need a gradient, and where each one goes,
    and every tensor input's shape and dtype (the engine unbroadcasts and casts with them;
    nn.summary's costs and minitorch.viz read those of the inputs that need no gradient)."""
    needs: tuple = ()
    edges: tuple = ()
    meta: tuple = ()
    for a, data in zip(args, arrays):
        if data is a:  # not a tensor: apply passed it through as it is
            needs += (False,)
            edges += (None,)
            meta += (_NO_META,)
        elif a._requires_grad:
            needs += (True,)
            node = a._node
            edges += (node if node is not None else a._accumulator(),)
            meta += ((data.shape, data.dtype),)
        else:
            needs += (False,)
            edges += (None,)
            meta += ((data.shape, data.dtype),)
    ctx = Context(fn, needs, edges, meta)
    if _anomaly.enabled:  # detect_anomaly(): remember the user line that made this node
        ctx.creation_stack = creation_stack()
    if _record_hook is not None:  # minitorch.viz.record(): the node keeps its inputs
        _record_hook(ctx, args)
    return ctx


def _owners(saved: tuple, args: tuple, arrays: list) -> tuple:
    """``args`` with None in place of every argument whose array the node did not save."""
    owners = list(args)
    index = 0
    for data in arrays:
        for s in saved:
            if s is data:
                break
        else:
            owners[index] = None
        index += 1
    return tuple(owners)


NO_GRAD_VIEW = (
    "a view of a tensor that requires grad was created under no_grad() and is now being "
    "modified in place ({op}) with grad mode on: the graph of the tensor it views would "
    "not see the change. Do both inside no_grad() (untracked) or both outside it (tracked), "
    "or modify a .clone() of the view."
)
_NO_GRAD_VIEW = "made under no_grad"  # _view_of of such a view: it keeps no base alive


def _share_version_if_view(result: "Tensor", fn: type, args: tuple) -> None:
    """A result sharing memory with its input shares its version counter and remembers
    how it was made, so that an in-place op on it can rebase the input's graph."""
    base = result._data.base
    if base is not None:
        source = args[0]
        src = source._data
        if base is src or base is src.base:
            result._version = source._version_counter()
            if _state.enabled or not source._requires_grad:
                result._view_of = (source, fn, args[1:], result._version.value)
            else:  # keeping the source would keep its whole graph alive
                result._view_of = _NO_GRAD_VIEW


def _refresh_view(t: "Tensor") -> None:
    """A view whose base was changed in place since the view's node was made gets a new
    node from the base's current history, as PyTorch regenerates a view's grad_fn: its
    gradient then flows through the in-place op (without this it would skip it)."""
    source, fn, fargs, made_at = t._view_of
    now = t._version.value
    if now == made_at:
        return
    if type(getattr(source, "_view_of", None)) is tuple:
        _refresh_view(source)
    if source._requires_grad:
        if not _state.enabled:
            return  # regenerated when grad mode is back on
        node = apply(fn, source, *fargs)._node
        if node is not None:
            if getattr(t, "_retains_grad", False):
                if t._node is not None:
                    t._node.retained = None
                node.retained = weakref.ref(t)
            t._node = node
            t._requires_grad = True
    t._view_of = (source, fn, fargs, now)


def _check_no_grad_view(t: "Tensor", op: str) -> None:
    """PyTorch's rules: a view made under no_grad of a tracked tensor is read-only outside,
    and so is a tensor made in inference mode."""
    if _state.enabled and getattr(t, "_view_of", None) is _NO_GRAD_VIEW:
        raise RuntimeError(NO_GRAD_VIEW.format(op=op))
    if _inference.made and not _state.inference and getattr(t, "_inference", False):
        raise RuntimeError(INFERENCE_INPLACE.format(op=op, shape=t.shape))


def _check_not_inference(ctx: Context, args: tuple) -> None:
    for a in args:
        if isinstance(a, Tensor) and getattr(a, "_inference", False) and any(
                s is a._data for s in ctx.saved):
            raise RuntimeError(INFERENCE_SAVED.format(shape=a.shape, op=ctx.fn.__name__))


_new = object.__new__


def _make(data: np.ndarray, requires_grad: bool = False, node: Context | None = None,
          cls: type | None = None) -> "Tensor":
    """Wrap an array as a Tensor (or a subclass) without copying: the one place a tensor's
    fields are set up (the internal constructor)."""
    t = _new(Tensor if cls is None else cls)
    t._data = data
    t._requires_grad = requires_grad
    t._node = node
    t._version = None  # created when first needed (most tensors are never written in place)
    return t


def _wrap_array(data: Any) -> "Tensor":
    """An untracked tensor around ``data``; numpy scalars (what numpy functions return for
    0-d input) become 0-d arrays, so that a tensor always holds an ndarray."""
    return _make(data if type(data) is np.ndarray else np.asarray(data))


def wrap(data: np.ndarray, grad_fn: Context | None = None) -> "Tensor":
    """Library API: a tensor around ``data``, sharing its memory (no copy, no dtype
    change): an untracked leaf, or, given ``grad_fn``, the output of that recorded node
    (it then requires grad). For code inside minitorch (optimizers, loaders, modules,
    autograd) that makes tensors from arrays it computed; users call
    :func:`minitorch.tensor` or ``from_numpy``.

    >>> import numpy as np
    >>> a = np.zeros(2, np.float32)
    >>> unwrap(wrap(a)) is a
    True
    """
    return _make(data, grad_fn is not None, grad_fn)


def unwrap(t: "Tensor") -> np.ndarray:
    """Library API: the numpy array behind ``t``, shared, without ``numpy()``'s grad check
    (library code reading values it will not differentiate through)."""
    return t._data


def zero_grads(params: Any, set_to_none: bool = True) -> None:
    """Library API, the one ``zero_grad`` of ``Module`` and ``Optimizer``: set the ``.grad``
    of each tensor in ``params`` to None, or (``set_to_none=False``) to zeros in place, which
    counts as an in-place write (version bump); a read-only gradient gets a new zero array."""
    for p in params:
        grad = getattr(p, "_grad", None)
        if grad is None:
            continue
        if set_to_none:
            p._grad = None
        elif grad._data.flags.writeable:
            grad._data.fill(0)
            grad._version_counter().bump("zero_grad")
        else:
            p._grad = _make(np.zeros_like(grad._data))


def bump_version(t: "Tensor", op: str) -> None:
    """Library API: record that ``op`` wrote into ``unwrap(t)`` in place, as every in-place
    op does (autograd's saved-value check sees it). For library code that writes the
    shared array directly: optimizer steps, ``nn.init``, gradient clipping, state loading.

    >>> import numpy as np
    >>> t = wrap(np.zeros(2))
    >>> before = version(t)
    >>> arr = unwrap(t); arr += 1
    >>> bump_version(t, "add_"); version(t) - before
    1
    """
    t._version_counter().bump(op)


def version(t: "Tensor") -> int:
    """Library API: how many in-place writes ``t``'s storage has had (PyTorch's
    ``t._version``); for library code that caches what it computed from a tensor.

    >>> import numpy as np
    >>> version(wrap(np.zeros(2)))
    0
    """
    return t._version_counter().value


def set_array(t: "Tensor", array: np.ndarray) -> None:
    """Library API: make ``array`` (not copied) the storage of ``t``, the same tensor object,
    without a version bump; for library code that changes a tensor's storage under
    everyone holding it (``Module.to(dtype)`` keeps the Parameters optimizers hold).

    >>> import numpy as np
    >>> t = wrap(np.zeros(2, np.float32)); new = np.ones(2)
    >>> set_array(t, new); unwrap(t) is new
    True
    """
    t._data = array


def set_grad(t: "Tensor", grad: "Tensor | None") -> None:
    """Library API: make ``grad`` the ``.grad`` of ``t`` without the ``grad`` setter's
    dtype and shape checks; for the engine and optimizers, which put back or sum a
    gradient they got from ``t`` or from backward (already of its shape), where a check
    could only reject what the library made.

    >>> import numpy as np
    >>> t = wrap(np.zeros(2)); g = wrap(np.ones(2))
    >>> set_grad(t, g); t.grad is g
    True
    """
    t._grad = grad


def gradient_edge(t: "Tensor") -> Any:
    """Library API: where backward starts from ``t`` or delivers ``t``'s gradient: its
    ``grad_fn`` as recorded (without the view refresh of the ``grad_fn`` property), or, for
    a leaf, its ``AccumulateGrad`` node (made on first use). For ``autograd.grad``.

    >>> import numpy as np
    >>> leaf = wrap(np.zeros(2)); leaf.requires_grad = True
    >>> gradient_edge(leaf).name(), gradient_edge(leaf) is gradient_edge(leaf)
    ('AccumulateGrad', True)
    """
    node = t._node
    return node if node is not None else t._accumulator()


def grad_delivered_in(t: "Tensor") -> int | None:
    """Library API: the number (``BackwardRuns.latest`` then) of the backward pass that
    last wrote ``t.grad``: 0 if none did yet, None while ``t`` has no ``AccumulateGrad``
    node (no backward pass reached it, no hook made one). For the optimizer guard; unlike
    :func:`gradient_edge` it makes nothing.

    >>> import numpy as np
    >>> leaf = wrap(np.zeros(2)); leaf.requires_grad = True
    >>> grad_delivered_in(leaf) is None
    True
    """
    edge = getattr(t, "_accumulate_edge", None)
    return None if edge is None else edge.delivered_in


def _to_array(value: Any) -> Any:
    """Plain Python scalars stay as they are (numpy keeps the tensor's dtype for them)."""
    kind = type(value)
    if kind is float or kind is int or isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):  # before float: np.float64 subclasses it
        return value.item()
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, np.ndarray):
        return _make(value)
    if isinstance(value, (list, tuple)):
        return _make(np.asarray(value))
    return NotImplemented


class Tensor(ArithmeticMixin, PointwiseMixin, ReductionMixin, ShapeMixin, SortingMixin,
             InplaceMixin, ConversionMixin, FactoryMixin, QueryMixin):
    """An n-dimensional array that can record the operations applied to it.

    Construct tensors with :func:`minitorch.tensor` and friends; ``Tensor(data)`` is
    PyTorch's legacy float32 constructor.

    >>> import minitorch as mt
    >>> x = mt.tensor(2.0, requires_grad=True)
    >>> y = x * x
    >>> y.backward()
    >>> x.grad
    tensor(4.)
    """

    __slots__ = (
        "_data", "_requires_grad", "_node", "_version", "_grad", "_accumulate_edge",
        "_retains_grad", "_view_of", "_inference", "__weakref__",
    )
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers to Tensor's reflected operators
    __hash__ = object.__hash__

    # ----------------------------------------------------------------- the mixins' primitives
    _apply = staticmethod(apply)
    _wrap = staticmethod(_wrap_array)
    _operand = staticmethod(_to_array)

    def _binop(self, fn: type, other: Any, reverse: bool) -> "Tensor":
        """The one path of every binary operator: ``self op other`` (``other op self``)."""
        if not isinstance(other, Tensor):
            other = _to_array(other)
            if other is NotImplemented:
                return NotImplemented
        return apply(fn, other, self) if reverse else apply(fn, self, other)

    def __new__(cls, *args: Any) -> "Tensor":
        """PyTorch's legacy constructor: ``Tensor(values)`` copies values as float32,
        ``Tensor(2, 3)`` (or ``Tensor((2, 3))``) makes zeros of that size."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = np.array(tensor_data(args[0]), dtype=np.float32)
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            data = np.zeros(tuple(int(s) for s in sizes), dtype=np.float32)
        return _make(data, cls=cls)

    def as_subclass(self, cls: type) -> "Tensor":
        """A ``cls`` instance sharing this tensor's array, version counter and graph (as
        PyTorch's ``as_subclass``); ``nn.Parameter`` is made from ``data.detach()`` so.

        >>> import minitorch as mt
        >>> class Tagged(mt.Tensor):
        ...     pass
        >>> t = mt.ones(2)
        >>> s = t.as_subclass(Tagged)
        >>> type(s).__name__, s.numpy() is t.numpy()
        ('Tagged', True)
        """
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass() needs a subclass of Tensor, got {cls!r}")
        t = _make(self._data, self._requires_grad, self._node, cls)
        t._version = self._version_counter()
        return t

    @property
    def requires_grad(self) -> bool:
        if self._version is not None and type(getattr(self, "_view_of", None)) is tuple:
            _refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._node is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; this one was "
                f"computed by {self._node.name()}. To use its value without gradient "
                "flowing back, use y.detach(); to make a new leaf that requires grad, use "
                "y.detach().requires_grad_(True)."
            )
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, this one is "
                f"{self._data.dtype}: create it with dtype=minitorch.float32 or call .float()"
            )
        if flag and _inference.made and not _state.inference and self.is_inference():
            raise RuntimeError(INFERENCE_REQUIRES_GRAD)
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return the tensor.

        >>> import minitorch as mt
        >>> mt.zeros(2).requires_grad_().requires_grad
        True
        """
        if self._node is not None and requires_grad:
            return self  # a non-leaf that requires grad already does
        self.requires_grad = requires_grad
        return self

    def is_inference(self) -> bool:
        """True for a tensor made inside ``inference_mode()``."""
        return getattr(self, "_inference", False)

    @property
    def is_leaf(self) -> bool:
        """True unless the tensor was produced by a recorded op."""
        return self.grad_fn is None

    @property
    def grad_fn(self) -> Context | None:
        """The node that produced this tensor (None for leaves and untracked results)."""
        if self._version is not None and type(getattr(self, "_view_of", None)) is tuple:
            _refresh_view(self)
        return self._node

    @property
    def grad(self) -> "Tensor | None":
        """Gradient accumulated by backward (leaves, and non-leaves that retain_grad)."""
        try:
            return self._grad
        except AttributeError:
            return None

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad must be a Tensor or None, got {type(value).__name__}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype {value.dtype} to a tensor "
                    f"with dtype {self.dtype}: the gradient must have the tensor's dtype; "
                    f"convert it with .to({self.dtype})"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of shape {value.shape} to a tensor of "
                    f"shape {self.shape}: the gradient and the tensor must have the same size"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._node is not None and getattr(self, "_retains_grad", False)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf after backward (leaves always get theirs)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self._node is not None:
            self._retains_grad = True
            self._node.retained = weakref.ref(self)

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call ``hook(grad)`` each time the gradient for this tensor is computed; a tensor
        it returns replaces the gradient (for a leaf: before it reaches ``.grad``).

        >>> import minitorch as mt
        >>> w = mt.ones(2, requires_grad=True)
        >>> handle = w.register_hook(lambda g: g * 10)
        >>> (w * 3).sum().backward(); w.grad
        tensor([30., 30.])
        >>> handle.remove()
        """
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient: set "
                "requires_grad=True on the leaf first"
            )
        node = self._node
        if node is None:
            owner = self._accumulator()
            if owner.hooks is None:
                owner.hooks = new_hook_dict()
            hooks = owner.hooks
        else:
            if node.pre_hooks is None:
                node.pre_hooks = new_hook_dict()
            hooks = node.pre_hooks
        shape = self._data.shape

        def on_array(grad: np.ndarray) -> np.ndarray | None:
            recorded = isinstance(grad, Tensor)  # during backward(create_graph=True)
            result = hook(grad if recorded else _make(grad))
            if result is None:
                return None
            if not isinstance(result, Tensor) or result._data.shape != shape:
                got = result.shape if isinstance(result, Tensor) else type(result).__name__
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned {got}; a tensor hook "
                    f"must return None or a tensor of the gradient's shape {shape}"
                )
            return result if recorded else result._data

        return add_hook(hooks, on_array)

    def _accumulator(self) -> AccumulateGrad:
        try:
            return self._accumulate_edge
        except AttributeError:
            self._accumulate_edge = AccumulateGrad(self)
            return self._accumulate_edge

    def _accumulate_grad(self, grad: np.ndarray, private: bool = False) -> None:
        """Add ``grad`` into ``.grad``. ``private``: nobody else holds the array, so it may
        become ``.grad`` itself (which is later updated in place) without a copy."""
        current = self.grad
        if current is None:
            self._grad = _make(grad if private else grad.copy())
        elif current._data.flags.writeable and current._data.dtype == grad.dtype:
            current._data += grad
        else:
            self._grad = _make(current._data + grad)

    def _version_counter(self) -> VersionCounter:
        counter = self._version
        if counter is None:  # created when first needed: most tensors are never written
            counter = self._version = VersionCounter()
            node = self._node
            if node is not None and node.out_version is None:
                node.out_version = counter  # the node that made it may have saved it
        return counter

    @property
    def _version_value(self) -> int:
        return self._version_counter().value

    def backward(
        self,
        gradient: "Tensor | None" = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is needed unless the tensor has one element. The graph's saved arrays
        are freed afterwards unless ``retain_graph=True``.
        """
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
        if not self._requires_grad:
            raise RuntimeError(DOES_NOT_REQUIRE_GRAD)
        grad = initial_grad(self, gradient)
        root = self._node if self._node is not None else self._accumulator()
        if create_graph:  # record the backward pass itself (core/graph_engine.py)
            if isinstance(gradient, Tensor):
                grad = gradient  # it may require grad itself
            keep = True if retain_graph is None else bool(retain_graph)
            run_backward_graph([root], [grad], retain_graph=keep)
            return
        run_backward([root], [grad], retain_graph=bool(retain_graph))

    def detach(self) -> "Tensor":
        """A tensor that shares this one's data (and version counter) but not its graph.

        >>> import minitorch as mt
        >>> w = mt.ones(2, requires_grad=True)
        >>> d = (w * 2).detach()
        >>> d.requires_grad, d.grad_fn is None
        (False, True)
        """
        t = _make(self._data)
        t._version = self._version_counter()
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from its graph in place; it becomes a leaf."""
        self._node = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        """The values as a tensor that shares storage but not the graph (nor versions)."""
        return _make(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied).

        Raises if the tensor requires grad, as in PyTorch: use ``t.detach().numpy()``.
        """
        if self._requires_grad and _state.enabled and not force:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad: the array would leave "
                "the graph. Use tensor.detach().numpy() (it shares memory with the tensor)."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)


    def __setitem__(self, index: Any, value: Any) -> None:
        index = index_data(index)
        value = _to_array(value)
        if value is NotImplemented:
            raise TypeError(f"can't assign a {type(value).__name__} to a tensor")
        value_tracked = isinstance(value, Tensor) and value._requires_grad
        if _state.enabled and (self._requires_grad or value_tracked):
            self._inplace(S.SetItem, "__setitem__", value, index=index)
            return
        _check_no_grad_view(self, "__setitem__")
        values = value._data if isinstance(value, Tensor) else value
        try:
            self._data[index] = values
        except ValueError as err:
            raise RuntimeError(f"__setitem__: {err} (tensor shape {self.shape})") from None
        except IndexError as err:
            raise index_error(self.shape, index, err) from None
        self._version_counter().bump("__setitem__")

    def _inplace(self, fn: type, name: str, *args: Any, **kwargs: Any) -> "Tensor":
        """Run ``fn`` on (self, *args) and write the result into self's storage.

        Untracked, it is a plain numpy write. Tracked, self takes the op's node as its new
        grad_fn (its history is rebased), like PyTorch's in-place ops.
        """
        if self._version is not None and type(getattr(self, "_view_of", None)) is tuple:
            _refresh_view(self)  # its base may have joined a graph since the view was made
            if _state.enabled:
                root = self._view_of[0]
                while type(getattr(root, "_view_of", None)) is tuple:
                    root = root._view_of[0]
                if root._requires_grad and root._node is None:
                    raise RuntimeError(
                        "a view of a leaf Variable that requires grad is being used in an "
                        f"in-place operation ({name}): it would change the leaf {root.shape} "
                        "behind autograd's back. Do it inside torch.no_grad() (as an "
                        "optimizer does), or change a .clone()."
                    )
        tracked = _state.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if not tracked:
            _check_no_grad_view(self, name)
            self._write(apply(fn, self, *args, **kwargs)._data, name)
            return self
        if self._node is None and self._requires_grad:
            raise RuntimeError(LEAF_INPLACE.format(shape=self.shape, op=name))
        _check_no_grad_view(self, name)
        out = apply(fn, self, *args, **kwargs)
        ctx = out._node
        if ctx is None:  # an integer or bool result: nothing to record (copy_ into an int)
            self._write(out._data, name)
            return self
        self._version_counter()  # now, so that the node that made self sees this write
        if ctx.saved:
            # The op may have saved values in self's memory, which we are about to overwrite:
            # keep a private copy for backward instead (PyTorch saves 'original self' too).
            mine = self._data
            ctx.saved = tuple(
                a.copy() if a is not None and np.may_share_memory(a, mine) else a
                for a in ctx.saved
            )
            # The copies are the node's own; keeping self there would also make a cycle.
            ctx.saved_inputs = tuple(None if a is self else a for a in ctx.saved_inputs)
        view = getattr(self, "_view_of", None)
        if view is not None and self._data.flags.writeable:
            # Writing into a view changes its base: give the base a node that puts the new
            # values in (PyTorch's CopySlices), then make this view a view of the new base.
            self._check_write(out._data, name)
            base, view_fn, view_args = view[:3]
            base._inplace(S.CopySlices, name, out, view_fn, view_args)
            ctx = apply(view_fn, base, *view_args)._node
            self._view_of = (base, view_fn, view_args, self._version.value)
        else:
            self._write(out._data, name)
        if getattr(self, "_retains_grad", False):
            if self._node is not None:
                self._node.retained = None  # .grad now comes from the new node only
            ctx.retained = weakref.ref(self)
        self._node = ctx
        self._requires_grad = True
        return self

    def _write(self, result: np.ndarray, name: str) -> None:
        self._check_write(result, name)
        try:
            np.copyto(self._data, result, casting="same_kind")
        except ValueError as err:
            raise RuntimeError(f"{name}: cannot write into this tensor: {err}") from None
        self._version_counter().bump(name)

    def _check_write(self, result: np.ndarray, name: str) -> None:
        shape = self._data.shape
        if result.shape != shape and np.broadcast_shapes(result.shape, shape) != shape:
            raise RuntimeError(
                f"{name}: output with shape {self.shape} doesn't match the broadcast shape "
                f"{result.shape}"
            )
        if not np.can_cast(result.dtype, self._data.dtype, "same_kind"):
            raise RuntimeError(
                f"{name}: result dtype {result.dtype} can't be cast to the tensor's dtype "
                f"{self._data.dtype}"
            )


# Misspellings of the attributes people set on tensors. __slots__ already rejects every
# unknown attribute; these few also say what was meant, at no cost to normal attributes
# (a __setattr__ override would slow every tensor the library creates).
_TYPOS = {
    "require_grad": "requires_grad", "requires_grads": "requires_grad",
    "require_grads": "requires_grad", "requiresgrad": "requires_grad",
    "requires_gradient": "requires_grad", "require_gradient": "requires_grad",
    "reqires_grad": "requires_grad", "requries_grad": "requires_grad",
    "grad_required": "requires_grad", "trainable": "requires_grad",
    "frozen": "requires_grad", "grads": "grad", "gradient": "grad",
}


def _typo_trap(name: str, meant: str) -> property:
    def fail(self: Tensor, value: Any = None) -> None:
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r} (tensors take no new "
            f"attributes); did you mean {meant!r}?"
        )

    return property(fail, fail)


for _name, _meant in _TYPOS.items():
    setattr(Tensor, _name, _typo_trap(_name, _meant))


def initial_grad(t: Tensor, gradient: Any) -> np.ndarray:
    """Library API: the array backward starts from at ``t``: ``gradient`` checked against
    ``t``'s shape and cast to its dtype, or ones for a one-element ``t``."""
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but this tensor "
                f"has shape {t.shape}. Reduce it first (loss.sum() or loss.mean()) or pass "
                f"backward(gradient=...) a tensor of shape {t.shape}."
            )
        return np.ones(t._data.shape, dtype=t._data.dtype)
    grad = np.asarray(tensor_data(gradient), dtype=t._data.dtype)
    if grad.shape != t._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: gradient has shape {grad.shape} and the tensor has shape "
            f"{t.shape}"
        )
    return grad
