"""Tensor: a numpy array plus requires_grad, grad, grad_fn and a version counter.

``apply(fn, *args)`` runs an op and holds the one rule of autograd::

    out.requires_grad = is_grad_enabled() and any(arg.requires_grad for arg in args)

Only when that is True is a graph node (the op's ctx) kept, with the arrays the op saved.
"""
from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any, Iterator

import numpy as np

from . import dtype as dtypes
from .core.engine import AccumulateGrad, run_backward
from .core.function import Context
from .core.grad_mode import _state
from .core.version import VersionCounter
from .device import check_device, device
from .ops import elementwise as E
from .ops import matmul as M
from .ops import reduce as R
from .ops import shape as S
from .ops._util import normalize_dims

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_NO_META = (None, None)

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])

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


def _result_array(out: Any, fn: type, arrays: list) -> np.ndarray:
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    # PyTorch promotes by category: integers mixed with float32 give float32 (numpy says
    # float64), and integers alone give the default float32 when an op makes floats.
    if out.dtype is _F64 and not fn.exact_dtype:
        widest = None
        for a in arrays:
            if type(a) is np.ndarray and a.dtype.kind == "f":
                if a.dtype == _F64:
                    return out
                if widest is None or a.dtype.itemsize > widest.itemsize:
                    widest = a.dtype
        out = out.astype(_F32 if widest is None else widest)
    return out


def apply(fn: type, *args: Any, **kwargs: Any) -> "Tensor":
    """Run op ``fn`` on tensors (and plain arguments); record a node only if needed."""
    arrays = []
    tracked = False
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if a._requires_grad:
                tracked = True
        else:
            arrays.append(a)
    if not (tracked and _state.enabled):
        try:
            out = fn.forward(_UNTRACKED, *arrays, **kwargs)
        except (ValueError, TypeError) as err:
            raise _op_error(fn, args, err) from None
        result = _make(_result_array(out, fn, arrays))
        if fn.is_view:
            _share_version_if_view(result, fn, args)
        return result

    needs = []
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor):
            data = a._data
            meta.append((data.shape, data.dtype))
            if a._requires_grad:
                needs.append(True)
                node = a._node
                edges.append(node if node is not None else a._accumulator())
                continue
        else:
            meta.append(_NO_META)
        needs.append(False)
        edges.append(None)
    ctx = Context(fn, tuple(needs), tuple(edges), tuple(meta))
    try:
        out = _result_array(fn.forward(ctx, *arrays, **kwargs), fn, arrays)
    except (ValueError, TypeError) as err:
        raise _op_error(fn, args, err) from None
    if out.dtype.kind != "f":  # integer and bool results never require grad
        return _make(out)
    result = _make(out, True, ctx)
    if fn.is_view:
        _share_version_if_view(result, fn, args)
    if ctx.saved:
        ctx.writes_at_save = VersionCounter.writes
        ctx.saved_versions = _saved_versions(ctx.saved, args, result)
    return result


def _saved_versions(saved: tuple, args: tuple, result: "Tensor") -> tuple:
    """(version counter, its value now, where the array sits in ``saved``, whose it is) for
    every saved array that is a tensor's: checked again when backward uses them."""
    records = []
    for position, array in enumerate(saved):
        if array is None:
            continue
        if array is result._data:
            counter = result._version_counter()
            records.append((counter, counter.value, position, -1))
            continue
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and array is a._data:
                counter = a._version_counter()
                records.append((counter, counter.value, position, i))
                break
    return tuple(records)


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
                result._view_of = (source, fn, args[1:])
            else:  # keeping the source would keep its whole graph alive
                result._view_of = _NO_GRAD_VIEW


def _check_no_grad_view(t: "Tensor", op: str) -> None:
    """PyTorch's rule: a view made under no_grad of a tracked tensor is read-only outside."""
    if _state.enabled and getattr(t, "_view_of", None) is _NO_GRAD_VIEW:
        raise RuntimeError(NO_GRAD_VIEW.format(op=op))


_new = object.__new__


def _make(data: np.ndarray, requires_grad: bool = False, node: Context | None = None) -> "Tensor":
    """Wrap an array as a Tensor without copying (the internal constructor)."""
    t = _new(Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t._node = node
    t._version = None  # created when first needed (most tensors are never written in place)
    return t


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


def _index(index: Any) -> Any:
    """Replace tensors inside an index by their arrays (numpy then does the indexing)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


class Tensor:
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
        "_retains_grad", "_view_of", "__weakref__",
    )
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers to Tensor's reflected operators

    def __init__(self, *args: Any) -> None:
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = np.array(_tensor_data(args[0]), dtype=np.float32)
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            data = np.zeros(tuple(int(s) for s in sizes), dtype=np.float32)
        self._data = data
        self._requires_grad = False
        self._node = None
        self._version = None

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> device:
        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self._data.shape
        (axis,) = normalize_dims(dim, self.ndim)
        return self._data.shape[axis]

    def numel(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def T(self) -> "Tensor":
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    # ----------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
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

    @property
    def is_leaf(self) -> bool:
        """True unless the tensor was produced by a recorded op."""
        return self._node is None

    @property
    def grad_fn(self) -> Context | None:
        """The node that produced this tensor (None for leaves and untracked results)."""
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
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape "
                    f"{self.shape}"
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
        if counter is None:
            counter = self._version = VersionCounter()
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
        if create_graph:
            raise NotImplementedError(
                "create_graph=True (gradients of gradients) is not supported yet"
            )
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
        if not self._requires_grad:
            raise RuntimeError(DOES_NOT_REQUIRE_GRAD)
        grad = _initial_grad(self, gradient)
        root = self._node if self._node is not None else self._accumulator()
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

    # ----------------------------------------------------------------- conversions
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

    def item(self) -> Any:
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a tensor with {self._data.size} elements (shape {self.shape}) cannot be "
                "converted to a Python number; index it or reduce it first"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} values is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __format__(self, spec: str) -> str:
        if self._data.size == 1 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return _format_tensor(self)

    __hash__ = object.__hash__

    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """Convert dtype (``to(mt.float64)``, ``to(other)``); ``'cpu'`` is accepted."""
        target = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                target = arg._data.dtype
            elif isinstance(arg, (str, device)):
                check_device(arg)
            else:
                target = arg
        if target is None or dtypes.to_numpy_dtype(target) == self._data.dtype:
            return self.clone() if copy else self
        return apply(E.Cast, self, dtypes.to_numpy_dtype(target))

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> "Tensor":
        device("cuda")  # raises the CPU-only error
        return self

    def contiguous(self) -> "Tensor":
        return self

    def float(self) -> "Tensor":
        return self.to(dtypes.float32)

    def double(self) -> "Tensor":
        return self.to(dtypes.float64)

    def half(self) -> "Tensor":
        return self.to(dtypes.float16)

    def long(self) -> "Tensor":
        return self.to(dtypes.int64)

    def int(self) -> "Tensor":
        return self.to(dtypes.int32)

    def bool(self) -> "Tensor":
        return self.to(dtypes.bool)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other._data.dtype)

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradients flow back to the original)."""
        return apply(E.Clone, self)

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Add, self, other)

    def __radd__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Add, other, self)

    def __sub__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Sub, self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Sub, other, self)

    def __mul__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Mul, self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Mul, other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Div, self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Div, other, self)

    def __pow__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Pow, self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Pow, other, self)

    def __mod__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Remainder, self, other)

    def __rmod__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(E.Remainder, other, self)

    def __floordiv__(self, other: Any) -> "Tensor":
        """``a // b`` (floor division); like ``floor`` and ``round``, it has no gradient."""
        return self._untracked_elementwise(np.floor_divide, other)

    def __rfloordiv__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        if other is NotImplemented:
            return NotImplemented
        return _make(np.floor_divide(_tensor_data(other), self._data))

    def remainder(self, other: Any) -> "Tensor":
        return self % other

    def floor_divide(self, other: Any) -> "Tensor":
        return self // other

    def __matmul__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(M.MatMul, self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        other = _to_array(other)
        return NotImplemented if other is NotImplemented else apply(M.MatMul, other, self)

    def __neg__(self) -> "Tensor":
        return apply(E.Neg, self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return apply(E.Abs, self)

    def add(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha == 1:
            return self + other
        return apply(E.AddScaled, self, _to_array(other), alpha)

    def sub(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha == 1:
            return self - other
        return apply(E.AddScaled, self, _to_array(other), -alpha)

    def mul(self, other: Any) -> "Tensor":
        return self * other

    def div(self, other: Any) -> "Tensor":
        return self / other

    def pow(self, exponent: Any) -> "Tensor":
        return self ** exponent

    def matmul(self, other: "Tensor") -> "Tensor":
        return self @ other

    def bmm(self, other: "Tensor") -> "Tensor":
        """Batched matrix product of two 3-D tensors, (b, n, k) @ (b, k, m)."""
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError(
                f"bmm() expects 3-D tensors, got shapes {self.shape} and {other.shape}"
            )
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(
                f"bmm(): batch sizes differ: {self.shape[0]} and {other.shape[0]} "
                f"(shapes {self.shape} and {other.shape})"
            )
        return self @ other

    def mm(self, other: "Tensor") -> "Tensor":
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(
                f"mm() expects 2-D tensors, got shapes {self.shape} and {other.shape}"
            )
        return self @ other

    # comparisons: boolean results, never tracked
    def _untracked_elementwise(self, ufunc: np.ufunc, other: Any) -> "Tensor":
        other = _to_array(other)
        if other is NotImplemented:
            return NotImplemented
        values = other._data if isinstance(other, Tensor) else other
        try:
            return _make(ufunc(self._data, values))
        except ValueError as err:
            raise _op_error(type(self), (self, other), err) from None

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._untracked_elementwise(np.equal, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._untracked_elementwise(np.not_equal, other)

    def __lt__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.less, other)

    def __le__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.less_equal, other)

    def __gt__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.greater, other)

    def __ge__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.greater_equal, other)

    def eq(self, other: Any) -> "Tensor":
        return self == other

    def ne(self, other: Any) -> "Tensor":
        return self != other

    def lt(self, other: Any) -> "Tensor":
        return self < other

    def le(self, other: Any) -> "Tensor":
        return self <= other

    def gt(self, other: Any) -> "Tensor":
        return self > other

    def ge(self, other: Any) -> "Tensor":
        return self >= other

    def __and__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.logical_and, other)

    def __or__(self, other: Any) -> "Tensor":
        return self._untracked_elementwise(np.logical_or, other)

    def __invert__(self) -> "Tensor":
        return _make(~self._data)

    def logical_not(self) -> "Tensor":
        return _make(np.logical_not(self._data))

    def all(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return _make(np.asarray(self._data.all(axis=dim, keepdims=keepdim)))

    def any(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return _make(np.asarray(self._data.any(axis=dim, keepdims=keepdim)))

    def allclose(self, other: "Tensor", rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        return bool(np.allclose(self._data, _tensor_data(other), rtol=rtol, atol=atol))

    def equal(self, other: "Tensor") -> bool:
        return bool(np.array_equal(self._data, _tensor_data(other)))

    # ----------------------------------------------------------------- math
    def exp(self) -> "Tensor":
        return apply(E.Exp, self)

    def log(self) -> "Tensor":
        return apply(E.Log, self)

    def sqrt(self) -> "Tensor":
        return apply(E.Sqrt, self)

    def abs(self) -> "Tensor":
        return apply(E.Abs, self)

    def sin(self) -> "Tensor":
        return apply(E.Sin, self)

    def cos(self) -> "Tensor":
        return apply(E.Cos, self)

    def sign(self) -> "Tensor":
        """Signs (-1, 0, 1); no gradient, like ``floor``, ``ceil`` and ``round``."""
        return _make(np.sign(self._data))

    def floor(self) -> "Tensor":
        return _make(np.floor(self._data))

    def ceil(self) -> "Tensor":
        return _make(np.ceil(self._data))

    def round(self, decimals: int = 0) -> "Tensor":
        return _make(np.round(self._data, decimals))

    def isnan(self) -> "Tensor":
        return _make(np.isnan(self._data))

    def isinf(self) -> "Tensor":
        return _make(np.isinf(self._data))

    def isfinite(self) -> "Tensor":
        return _make(np.isfinite(self._data))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> "Tensor":
        """The vector p-norm over ``dim`` (all elements by default); ``'fro'`` is p=2.

        >>> import minitorch as mt
        >>> mt.tensor([3.0, 4.0]).norm().item()
        5.0
        """
        if p in ("fro", 2):
            return (self * self).sum(dim, keepdim).sqrt()
        if p == 1:
            return self.abs().sum(dim, keepdim)
        if p in (float("inf"), "inf"):
            magnitude = self.abs()
            return magnitude.max() if dim is None else magnitude.amax(dim, keepdim)
        if isinstance(p, (int, float)) and p > 0:
            return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)
        raise ValueError(f"norm(): p must be a positive number, inf or 'fro', got {p!r}")

    def amax(self, dim: Any, keepdim: bool = False) -> "Tensor":
        """The largest values over ``dim`` (values only, unlike ``max(dim)``)."""
        return self.max(dim, keepdim).values

    def cumsum(self, dim: int) -> "Tensor":
        return apply(R.Cumsum, self, dim)

    def gather(self, dim: int, index: "Tensor") -> "Tensor":
        """Pick values along ``dim`` at ``index`` (an int64 tensor of the same ndim)."""
        return apply(S.Gather, self, _tensor_data(index), dim)

    def _along(self, dim: int, index: Any) -> "Tensor":
        """``self[:, ..., index]`` with ``index`` placed at ``dim`` (a GetItem view or copy)."""
        (axis,) = normalize_dims(dim, self.ndim)
        return self[(slice(None),) * axis + (index,)]

    def flip(self, dims: Any) -> "Tensor":
        """Reverse the order of elements along ``dims`` (a copy, as in PyTorch).

        >>> import minitorch as mt
        >>> mt.tensor([1, 2, 3]).flip(0).tolist()
        [3, 2, 1]
        """
        axes = normalize_dims(dims, self.ndim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip(): dims {dims} has a repeated dim")
        index = tuple(slice(None, None, -1) if d in axes else slice(None)
                      for d in range(self.ndim))
        return self[index].clone()  # a copy: writing into it must not change self

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple["Tensor", ...]:
        """Views of pieces of ``split_size`` (the last may be smaller) or of the given sizes.

        >>> import minitorch as mt
        >>> [p.tolist() for p in mt.arange(5).split([2, 3])]
        [[0, 1], [2, 3, 4]]
        """
        (axis,) = normalize_dims(dim, self.ndim)
        length = self.shape[axis]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size < 1 and length:
                raise RuntimeError(f"split(): split_size must be positive, got {size}")
            sizes = [min(size, length - s) for s in range(0, length, size)] if length else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != length or any(s < 0 for s in sizes):
                raise RuntimeError(
                    f"split(): sizes {sizes} must be non-negative and sum to {length}, "
                    f"the size of dim {dim} of the tensor of shape {self.shape}"
                )
        starts = np.cumsum([0] + sizes)
        return tuple(self._along(axis, slice(int(a), int(a) + n)) for a, n in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        """At most ``chunks`` views of equal size (``ceil(n / chunks)``; the last may be smaller).

        >>> import minitorch as mt
        >>> [p.tolist() for p in mt.arange(5).chunk(2)]
        [[0, 1, 2], [3, 4]]
        """
        if chunks < 1:
            raise RuntimeError(f"chunk(): chunks must be at least 1, got {chunks}")
        (axis,) = normalize_dims(dim, self.ndim)
        return self.split(max(-(-self.shape[axis] // chunks), 1), axis)

    def index_select(self, dim: int, index: "Tensor") -> "Tensor":
        """Rows (or slices along ``dim``) at a 1-D int64 ``index``; repeats add gradients.

        >>> import minitorch as mt
        >>> mt.tensor([5, 6, 7]).index_select(0, mt.tensor([2, 0])).tolist()
        [7, 5]
        """
        idx = np.asarray(_tensor_data(index))
        if idx.dtype.kind not in "iu" or idx.ndim > 1:
            raise RuntimeError(
                f"index_select(): index must be a 0-D or 1-D integer tensor, got dtype "
                f"{idx.dtype} and shape {idx.shape}"
            )
        (axis,) = normalize_dims(dim, self.ndim)
        size = self.shape[axis] if self.ndim else 1
        if idx.size and not (-size <= idx.min() and idx.max() < size):
            raise IndexError(f"index_select(): index out of range for dim {dim} of size {size}")
        return self._along(axis, idx.reshape(-1) % max(size, 1))

    def tril(self, diagonal: int = 0) -> "Tensor":
        """Zero the elements above ``diagonal`` of the last two dims.

        >>> import minitorch as mt
        >>> mt.ones(2, 2).tril().tolist()
        [[1.0, 0.0], [1.0, 1.0]]
        """
        return self._triangle(diagonal, upper=False)

    def triu(self, diagonal: int = 0) -> "Tensor":
        """Zero the elements below ``diagonal`` of the last two dims.

        >>> import minitorch as mt
        >>> mt.ones(2, 2).triu().tolist()
        [[1.0, 1.0], [0.0, 1.0]]
        """
        return self._triangle(diagonal, upper=True)

    def _triangle(self, diagonal: int, upper: bool) -> "Tensor":
        if self.ndim < 2:
            name = "triu" if upper else "tril"
            raise RuntimeError(f"{name}(): input must have at least 2 dims, got shape {self.shape}")
        rows, cols = self.shape[-2:]
        keep = np.triu(np.ones((rows, cols), bool), diagonal) if upper else \
            np.tril(np.ones((rows, cols), bool), diagonal)
        return self.masked_fill(_make(~keep), 0)

    def argsort(self, dim: int = -1, descending: bool = False) -> "Tensor":
        """int64 indices that sort along ``dim`` (stable; no gradient).

        >>> import minitorch as mt
        >>> mt.tensor([3, 1, 2]).argsort().tolist()
        [1, 2, 0]
        """
        if self.ndim == 0:
            return _make(np.zeros((), np.int64))
        (axis,) = normalize_dims(dim, self.ndim)
        data = self._data
        if descending:  # flip, stable-sort, flip back keeps ties in order like a stable sort
            n = data.shape[axis]
            order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
            order = (n - 1 - np.flip(order, axis))
            return _make(order.astype(np.int64))
        return _make(np.argsort(data, axis=axis, kind="stable").astype(np.int64))

    def sort(self, dim: int = -1, descending: bool = False) -> Any:
        """A ``(values, indices)`` named tuple; values carry the gradient.

        >>> import minitorch as mt
        >>> mt.tensor([3, 1, 2]).sort(descending=True).values.tolist()
        [3, 2, 1]
        """
        indices = self.argsort(dim, descending)
        if self.ndim == 0:
            return SortResult(self.clone(), indices)
        return SortResult(self.gather(dim, indices), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """The ``k`` largest (or smallest) values along ``dim`` and their int64 indices.

        >>> import minitorch as mt
        >>> mt.tensor([1, 5, 3]).topk(2).indices.tolist()
        [1, 2]
        """
        (axis,) = normalize_dims(dim, self.ndim)
        size = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= size:
            raise RuntimeError(
                f"topk(): k={k} is out of range for dim {dim} of size {size} "
                f"(tensor of shape {self.shape})"
            )
        if self.ndim == 0:
            return TopkResult(self.clone(), _make(np.zeros((), np.int64)))
        order = self.argsort(axis, descending=largest)._data
        indices = _make(np.ascontiguousarray(np.take(order, np.arange(k), axis=axis)))
        return TopkResult(self.gather(axis, indices), indices)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        """Product of all elements or along ``dim``; exact gradients also with zeros.

        >>> import minitorch as mt
        >>> mt.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1).tolist()
        [2.0, 12.0]
        """
        if dim is not None and not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod(): dim must be an int or None, got {type(dim).__name__}")
        return apply(R.Prod, self, dim, keepdim)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        if min is None and max is None:
            raise RuntimeError("clamp(): at least one of min or max must be given")
        return apply(E.Clamp, self, min=min, max=max)

    clip = clamp

    def relu(self) -> "Tensor":
        return apply(E.ReLU, self)

    def sigmoid(self) -> "Tensor":
        return apply(E.Sigmoid, self)

    def tanh(self) -> "Tensor":
        return apply(E.Tanh, self)

    def softmax(self, dim: int) -> "Tensor":
        return apply(R.Softmax, self, dim)

    def log_softmax(self, dim: int) -> "Tensor":
        return apply(R.LogSoftmax, self, dim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> "Tensor":
        return apply(R.LogSumExp, self, dim, keepdim)

    def maximum(self, other: "Tensor") -> "Tensor":
        return apply(E.Maximum, self, _to_array(other), True)

    def minimum(self, other: "Tensor") -> "Tensor":
        return apply(E.Maximum, self, _to_array(other), False)

    def masked_fill(self, mask: "Tensor", value: Any) -> "Tensor":
        """Put ``value`` where ``mask`` is True (gradient flows to the other places)."""
        return apply(E.MaskedFill, self, _tensor_data(mask).astype(bool), _tensor_data(value))

    # ----------------------------------------------------------------- reductions
    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> "Tensor":
        source = self if dtype is None else self.to(dtype)
        return apply(R.Sum, source, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return apply(R.Mean, self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> "Tensor":
        """Variance; unbiased (``correction=1``) by default, as in PyTorch."""
        return apply(R.Var, self, dim, _correction(unbiased, correction), keepdim)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            correction: int | None = None) -> "Tensor":
        """Standard deviation; unbiased (``correction=1``) by default, as in PyTorch."""
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``max()``: the largest value; ``max(dim)``: a ``(values, indices)`` named tuple."""
        return self._extreme(dim, keepdim, True)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """``min()``: the smallest value; ``min(dim)``: a ``(values, indices)`` named tuple."""
        return self._extreme(dim, keepdim, False)

    def _extreme(self, dim: Any, keepdim: bool, largest: bool) -> Any:
        if isinstance(dim, Tensor):
            return self.maximum(dim) if largest else self.minimum(dim)
        if dim is None:
            return apply(R.MaxAll, self, largest)
        # The indices are found once and pick the values (gather), as in sort() and topk().
        (axis,) = normalize_dims(dim, self.ndim)
        find = np.argmax if largest else np.argmin
        indices = _make(find(self._data, axis=axis, keepdims=True).astype(np.int64))
        values = self.gather(axis, indices)
        if not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return (MaxResult if largest else MinResult)(values, indices)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, func: Any, dim: int | None, keepdim: bool) -> "Tensor":
        if dim is None:
            return _make(np.asarray(func(self._data), dtype=np.int64))
        (axis,) = normalize_dims(dim, self.ndim)
        return _make(func(self._data, axis=axis, keepdims=keepdim).astype(np.int64))

    # ----------------------------------------------------------------- shapes
    def reshape(self, *shape: Any) -> "Tensor":
        return apply(S.Reshape, self, _shape_arg(shape))

    def view(self, *shape: Any) -> "Tensor":
        return apply(S.Reshape, self, _shape_arg(shape))

    def view_as(self, other: "Tensor") -> "Tensor":
        return self.view(other.shape)

    def reshape_as(self, other: "Tensor") -> "Tensor":
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        if self.ndim == 0:
            return self.reshape(1)
        start, end = normalize_dims((start_dim, end_dim), self.ndim)
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        return apply(S.Transpose, self, dim0, dim1)

    def swapaxes(self, dim0: int, dim1: int) -> "Tensor":
        return self.transpose(dim0, dim1)

    def t(self) -> "Tensor":
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dims, got shape {self.shape}")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def permute(self, *dims: Any) -> "Tensor":
        return apply(S.Permute, self, _shape_arg(dims))

    def unsqueeze(self, dim: int) -> "Tensor":
        (dim,) = normalize_dims(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim: Any = None) -> "Tensor":
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = normalize_dims(dim, self.ndim)
        kept = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
        return self.reshape(kept)

    def expand(self, *sizes: Any) -> "Tensor":
        sizes = _shape_arg(sizes)
        offset = len(sizes) - self.ndim
        shape = tuple(self.shape[i - offset] if s == -1 else s for i, s in enumerate(sizes))
        return apply(S.Expand, self, shape)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return self.expand(other.shape)

    def repeat(self, *sizes: Any) -> "Tensor":
        """Tile the tensor ``sizes[i]`` times along dim i (PyTorch's ``repeat``)."""
        sizes = _shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError(
                f"repeat(): {len(sizes)} sizes given for a tensor of {self.ndim} dims"
            )
        source = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        return apply(S.Tile, source, sizes)

    def __getitem__(self, index: Any) -> "Tensor":
        return apply(S.GetItem, self, _index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _index(index)
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
        self._version_counter().bump("__setitem__")

    # ----------------------------------------------------------------- in-place ops
    def _inplace(self, fn: type, name: str, *args: Any, **kwargs: Any) -> "Tensor":
        """Run ``fn`` on (self, *args) and write the result into self's storage.

        Untracked, it is a plain numpy write. Tracked, self takes the op's node as its new
        grad_fn (its history is rebased), like PyTorch's in-place ops.
        """
        tracked = _state.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if not tracked:
            _check_no_grad_view(self, name)
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            try:
                result = fn.forward(_UNTRACKED, self._data, *arrays, **kwargs)
            except (ValueError, TypeError) as err:
                raise _op_error(fn, (self, *args), err) from None
            self._write(np.asarray(result), name)
            return self
        if self._node is None and self._requires_grad:
            raise RuntimeError(LEAF_INPLACE.format(shape=self.shape, op=name))
        _check_no_grad_view(self, name)
        out = apply(fn, self, *args, **kwargs)
        ctx = out._node
        own = self._version_counter()
        if ctx.saved:
            # The op may have saved values in self's memory, which we are about to overwrite:
            # keep a private copy for backward instead (PyTorch saves 'original self' too).
            mine = self._data
            ctx.saved = tuple(
                a.copy() if a is not None and np.may_share_memory(a, mine) else a
                for a in ctx.saved
            )
            ctx.saved_versions = tuple(r for r in ctx.saved_versions if r[0] is not own)
        view = getattr(self, "_view_of", None)
        if view is not None and self._data.flags.writeable:
            # Writing into a view changes its base: give the base a node that puts the new
            # values in (PyTorch's CopySlices), then make this view a view of the new base.
            self._check_write(out._data, name)
            base, view_fn, view_args = view
            base._inplace(S.CopySlices, name, out, view_fn, view_args)
            ctx = apply(view_fn, base, *view_args)._node
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

    def add_(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha == 1:
            return self._inplace(E.Add, "add_", _to_array(other))
        return self._inplace(E.AddScaled, "add_", _to_array(other), alpha)

    def sub_(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha == 1:
            return self._inplace(E.Sub, "sub_", _to_array(other))
        return self._inplace(E.AddScaled, "sub_", _to_array(other), -alpha)

    def mul_(self, other: Any) -> "Tensor":
        return self._inplace(E.Mul, "mul_", _to_array(other))

    def div_(self, other: Any) -> "Tensor":
        return self._inplace(E.Div, "div_", _to_array(other))

    def pow_(self, exponent: Any) -> "Tensor":
        return self._inplace(E.Pow, "pow_", _to_array(exponent))

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        return self._inplace(E.Clamp, "clamp_", min=min, max=max)

    def copy_(self, src: Any) -> "Tensor":
        """Copy ``src``'s values (broadcast, cast to this dtype) into this tensor."""
        return self._inplace(E.Copy, "copy_", _to_array(src))

    def fill_(self, value: Any) -> "Tensor":
        return self._inplace(E.Fill, "fill_", _tensor_data(value))

    def zero_(self) -> "Tensor":
        return self._inplace(E.Fill, "zero_", 0)

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> "Tensor":
        from .rng import generator

        return self._inplace(E.Fill, "uniform_", generator().uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> "Tensor":
        from .rng import generator

        return self._inplace(E.Fill, "normal_", generator().normal(mean, std, self.shape))

    def __iadd__(self, other: Any) -> "Tensor":
        return self.add_(other)

    def __isub__(self, other: Any) -> "Tensor":
        return self.sub_(other)

    def __imul__(self, other: Any) -> "Tensor":
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> "Tensor":
        return self.div_(other)


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


def _initial_grad(t: Tensor, gradient: Any) -> np.ndarray:
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but this tensor "
                f"has shape {t.shape}. Reduce it first (loss.sum() or loss.mean()) or pass "
                f"backward(gradient=...) a tensor of shape {t.shape}."
            )
        return np.ones(t._data.shape, dtype=t._data.dtype)
    grad = np.asarray(_tensor_data(gradient), dtype=t._data.dtype)
    if grad.shape != t._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: gradient has shape {grad.shape} and the tensor has shape "
            f"{t.shape}"
        )
    return grad


def _tensor_data(value: Any) -> Any:
    """The array behind a tensor, or the value itself (lists of tensors included)."""
    if isinstance(value, Tensor):
        return value._data
    nested = isinstance(value, (list, tuple)) and any(
        isinstance(v, (Tensor, list, tuple)) for v in value)
    if nested:
        return [_tensor_data(v) for v in value]
    return value


def _shape_arg(shape: tuple) -> tuple:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _correction(unbiased: bool | None, correction: int | None) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _format_tensor(t: Tensor) -> str:
    data = t._data
    if data.dtype.kind == "f":
        body = np.array2string(
            data, separator=", ", prefix="tensor(", precision=4, floatmode="maxprec_equal",
            suppress_small=True,
        )
    else:
        body = np.array2string(data, separator=", ", prefix="tensor(")
    extras = []
    if data.dtype not in (np.float32, np.int64, np.bool_):
        extras.append(f"dtype={t.dtype}")
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
