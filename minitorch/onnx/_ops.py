"""One ONNX conversion per minitorch op (``minitorch/ops``), keyed by the op's class name.

A converter gets an :class:`OpContext` for one recorded call and returns the name of the
value it computed, in the dtype numpy computed in ``forward`` (the exporter adds the cast
minitorch applies after it). Inputs are read through the context: ``cx.name(i)`` for the
i-th array argument, ``cx.arg(i)`` for its value (shape, dtype, or a plain argument).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._graph import INT64_MAX, INT64_MIN, Graph, onnx_dtype


class OpContext:
    """What a converter sees of one call: names of array inputs, values, the graph."""

    def __init__(self, g: Graph, call: Any, names: list, dynamic: dict,
                 batches: tuple[int, int] | None) -> None:
        self.g = g
        self.call = call
        self.args = call.args
        self.kwargs = call.kwargs
        self.raw = call.raw_dtype
        self._names = names
        self.dynamic = dynamic  # argument index -> its value in the second trace
        self.batches = batches

    def arg(self, i: int) -> Any:
        return self.args[i] if i < len(self.args) else None

    def name(self, i: int) -> str:
        name = self._names[i]
        if name is None:
            raise RuntimeError(f"internal: argument {i} is not an array")
        return name

    def operand(self, i: int, dtype: Any) -> str:
        """Argument ``i`` in ``dtype``: an array cast if needed, a Python number as a constant."""
        value = self.args[i]
        if isinstance(value, np.ndarray):
            return self.g.cast(self.name(i), value.dtype, dtype)
        return self.g.const(value, dtype)

    def shape_arg(self, i: int) -> Any:
        """A shape argument: a tuple of ints, or an int64 tensor where it follows the batch."""
        value = tuple(int(v) for v in np.atleast_1d(self.args[i]))
        if i not in self.dynamic:
            return self.g.ints(value)
        other = tuple(int(v) for v in np.atleast_1d(self.dynamic.pop(i)))
        shape = None
        if len(other) == len(value) and self.batches is not None:
            shape = self.g.shape_of_batch(value, other, *self.batches)
        if shape is None:
            raise _batch_error(self.call, f"the shape {value} (another batch size gave {other})")
        return shape


def _batch_error(call: Any, what: str) -> RuntimeError:
    return RuntimeError(
        f"minitorch.onnx.export: op {call.fn.__name__} in layer '{call.path or '<model>'}' "
        f"uses {what}, which changes with the batch size in a way ONNX cannot express here. "
        f"Write sizes that follow the batch as -1 (x.reshape(-1, n), x.flatten(1)), or "
        f"export with dynamic_batch=False for one fixed batch size."
    )


Converter = Callable[[OpContext], str]
CONVERTERS: dict[str, Converter] = {}


def converter(*names: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        for name in names:
            CONVERTERS[name] = fn
        return fn
    return register


# --------------------------------------------------------------------------- arithmetic
def _binary(op_type: str) -> Converter:
    def convert(cx: OpContext) -> str:
        return cx.g.op(op_type, [cx.operand(0, cx.raw), cx.operand(1, cx.raw)])
    return convert


for _name, _op in [("Add", "Add"), ("Sub", "Sub"), ("Mul", "Mul"), ("Div", "Div"),
                   ("Pow", "Pow")]:
    CONVERTERS[_name] = _binary(_op)


@converter("AddScaled")
def _add_scaled(cx: OpContext) -> str:
    g = cx.g
    scaled = g.op("Mul", [cx.operand(1, cx.raw), g.const(cx.arg(2), cx.raw)])
    return g.op("Add", [cx.operand(0, cx.raw), scaled])


@converter("Maximum")
def _maximum(cx: OpContext) -> str:
    largest = cx.arg(2) if len(cx.args) > 2 else cx.kwargs.get("largest", True)
    return cx.g.op("Max" if largest else "Min", [cx.operand(0, cx.raw), cx.operand(1, cx.raw)])


def _floor_div(cx: OpContext, a: str, b: str) -> str:
    g = cx.g
    if np.dtype(cx.raw).kind == "f":
        return g.op("Floor", [g.op("Div", [a, b])])
    # Integers: Python's floor division, exact: (a - a mod b) / b, mod with b's sign.
    return g.op("Div", [g.op("Sub", [a, g.op("Mod", [a, b], fmod=0)]), b])


@converter("Remainder")
def _remainder(cx: OpContext) -> str:
    g = cx.g
    a, b = cx.operand(0, cx.raw), cx.operand(1, cx.raw)
    if np.dtype(cx.raw).kind != "f":
        return g.op("Mod", [a, b], fmod=0)
    return g.op("Sub", [a, g.op("Mul", [_floor_div(cx, a, b), b])])


@converter("FloorDivide")
def _floor_divide(cx: OpContext) -> str:
    return _floor_div(cx, cx.operand(0, cx.raw), cx.operand(1, cx.raw))


def _compare(op_type: str, negate: bool = False) -> Converter:
    def convert(cx: OpContext) -> str:
        a, b = cx.arg(0), cx.arg(1)
        common = np.result_type(a.dtype if isinstance(a, np.ndarray) else a,
                                b.dtype if isinstance(b, np.ndarray) else b)
        out = cx.g.op(op_type, [cx.operand(0, common), cx.operand(1, common)])
        return cx.g.op("Not", [out]) if negate else out
    return convert


for _name, _op, _neg in [("Equal", "Equal", False), ("NotEqual", "Equal", True),
                         ("Less", "Less", False), ("LessEqual", "LessOrEqual", False),
                         ("Greater", "Greater", False),
                         ("GreaterEqual", "GreaterOrEqual", False)]:
    CONVERTERS[_name] = _compare(_op, _neg)


@converter("LogicalAnd", "LogicalOr")
def _logical(cx: OpContext) -> str:
    op_type = "And" if cx.call.fn.__name__ == "LogicalAnd" else "Or"
    return cx.g.op(op_type, [cx.operand(0, np.bool_), cx.operand(1, np.bool_)])


# --------------------------------------------------------------------------- unary
def _unary(op_type: str) -> Converter:
    def convert(cx: OpContext) -> str:
        return cx.g.op(op_type, [cx.operand(0, cx.raw)])
    return convert


for _name, _op in [("Neg", "Neg"), ("Exp", "Exp"), ("Log", "Log"), ("Sqrt", "Sqrt"),
                   ("Abs", "Abs"), ("Sin", "Sin"), ("Cos", "Cos"), ("Tanh", "Tanh"),
                   ("Sigmoid", "Sigmoid"), ("ReLU", "Relu"), ("Clone", "Identity"),
                   ("Erf", "Erf")]:
    CONVERTERS[_name] = _unary(_op)


@converter("LeakyReLU")
def _leaky_relu(cx: OpContext) -> str:
    slope = cx.arg(1) if len(cx.args) > 1 else cx.kwargs.get("negative_slope", 0.01)
    return cx.g.op("LeakyRelu", [cx.operand(0, cx.raw)], alpha=float(slope))


@converter("Clamp")
def _clamp(cx: OpContext) -> str:
    low = cx.arg(1) if len(cx.args) > 1 else cx.kwargs.get("min")
    high = cx.arg(2) if len(cx.args) > 2 else cx.kwargs.get("max")
    bounds = [cx.g.const(v, cx.raw) if v is not None else "" for v in (low, high)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return cx.g.op("Clip", [cx.operand(0, cx.raw), *bounds])


@converter("Cast")
def _cast(cx: OpContext) -> str:
    return cx.g.op("Cast", [cx.name(0)], to=onnx_dtype(cx.raw))


@converter("Where")
def _where(cx: OpContext) -> str:
    cond = cx.operand(0, np.bool_)
    return cx.g.op("Where", [cond, cx.operand(1, cx.raw), cx.operand(2, cx.raw)])


@converter("MaskedFill")
def _masked_fill(cx: OpContext) -> str:
    mask = cx.operand(1, np.bool_)
    return cx.g.op("Where", [mask, cx.g.const(cx.arg(2), cx.raw), cx.operand(0, cx.raw)])


# --------------------------------------------------------------------------- matmul
@converter("MatMul")
def _matmul(cx: OpContext) -> str:
    return cx.g.op("MatMul", [cx.operand(0, cx.raw), cx.operand(1, cx.raw)])


@converter("Linear")
def _linear(cx: OpContext) -> str:
    g = cx.g
    x, weight = cx.name(0), cx.name(1)
    bias = cx.name(2) if isinstance(cx.arg(2), np.ndarray) else None
    if cx.arg(0).ndim == 2:
        return g.op("Gemm", [x, weight] + ([bias] if bias else []), transB=1)
    out = g.op("MatMul", [x, g.op("Transpose", [weight], perm=[1, 0])])
    return g.op("Add", [out, bias]) if bias else out


# --------------------------------------------------------------------------- reductions
def _axes(dim: Any, ndim: int) -> list[int] | None:
    if dim is None:
        return None
    dims = [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    return [int(d) % ndim if ndim else 0 for d in dims]


def _reduce_args(cx: OpContext, names: tuple[str, ...], defaults: tuple) -> list:
    """The arguments after the input, positional or keyword, with their defaults."""
    return [cx.args[i + 1] if i + 1 < len(cx.args) else cx.kwargs.get(n, d)
            for i, (n, d) in enumerate(zip(names, defaults))]


def _simple_reduce(op_type: str) -> Converter:
    def convert(cx: OpContext) -> str:
        dim, keepdim = _reduce_args(cx, ("dim", "keepdim"), (None, False))
        x = cx.operand(0, cx.raw)
        return cx.g.reduce(op_type, x, _axes(dim, cx.arg(0).ndim), keepdim)
    return convert


CONVERTERS["Sum"] = _simple_reduce("ReduceSum")
CONVERTERS["Mean"] = _simple_reduce("ReduceMean")
CONVERTERS["Prod"] = _simple_reduce("ReduceProd")


@converter("MaxAll")
def _max_all(cx: OpContext) -> str:
    (largest,) = _reduce_args(cx, ("largest",), (True,))
    return cx.g.reduce("ReduceMax" if largest else "ReduceMin", cx.name(0), None, False)


def _count(cx: OpContext, axes: list[int] | None) -> str:
    """How many elements each output of a reduction combines, at run time, as a float."""
    g, x = cx.g, cx.name(0)
    shape = g.op("Shape", [x])
    if axes is not None:
        shape = g.op("Gather", [shape, g.ints(axes)], axis=0)
    return g.cast(g.reduce("ReduceProd", shape, None, False), np.int64, cx.raw)


@converter("Var")
def _var(cx: OpContext) -> str:
    g = cx.g
    dim, correction, keepdim = _reduce_args(cx, ("dim", "correction", "keepdim"),
                                            (None, 1, False))
    axes = _axes(dim, cx.arg(0).ndim)
    x = cx.operand(0, cx.raw)
    centered = g.op("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    squares = g.reduce("ReduceSum", g.op("Mul", [centered, centered]), axes, keepdim)
    denom = g.op("Max", [g.op("Sub", [_count(cx, axes), g.const(correction, cx.raw)]),
                         g.const(0, cx.raw)])
    return g.op("Div", [squares, denom])


@converter("Std")
def _std(cx: OpContext) -> str:
    return cx.g.op("Sqrt", [_var(cx)])


@converter("AMax")
def _amax(cx: OpContext) -> str:
    dim, keepdim = _reduce_args(cx, ("dim", "keepdim"), (None, False))
    return cx.g.reduce("ReduceMax", cx.name(0), _axes(dim, cx.arg(0).ndim), keepdim)


def _dim_arg(cx: OpContext) -> int:
    dim = cx.arg(1) if len(cx.args) > 1 else cx.kwargs["dim"]
    return int(dim) % max(cx.arg(0).ndim, 1)


@converter("Softmax", "LogSoftmax")
def _softmax(cx: OpContext) -> str:
    return cx.g.op(cx.call.fn.__name__, [cx.name(0)], axis=_dim_arg(cx))


@converter("LogSumExp")
def _logsumexp(cx: OpContext) -> str:
    g = cx.g
    dim, keepdim = _reduce_args(cx, ("dim", "keepdim"), (None, False))
    axes = _axes(dim, cx.arg(0).ndim)
    x = cx.name(0)
    top = g.reduce("ReduceMax", x, axes, True)
    total = g.reduce("ReduceSum", g.op("Exp", [g.op("Sub", [x, top])]), axes, True)
    out = g.op("Add", [top, g.op("Log", [total])])
    return out if keepdim else g.squeeze(out, axes or list(range(cx.arg(0).ndim)))


@converter("Cumsum")
def _cumsum(cx: OpContext) -> str:
    return cx.g.op("CumSum", [cx.operand(0, cx.raw), cx.g.const(_dim_arg(cx), np.int64)])


# --------------------------------------------------------------------------- shapes
@converter("Reshape")
def _reshape(cx: OpContext) -> str:
    return cx.g.op("Reshape", [cx.name(0), cx.shape_arg(1)])


@converter("Expand")
def _expand(cx: OpContext) -> str:
    return cx.g.op("Expand", [cx.name(0), cx.shape_arg(1)])


@converter("Tile")
def _tile(cx: OpContext) -> str:
    a = cx.arg(0)
    reps = [int(r) for r in np.atleast_1d(cx.arg(1))]
    x = cx.name(0)
    if len(reps) > a.ndim:  # numpy's tile: the input gains leading dims of 1
        x = cx.g.unsqueeze(x, list(range(len(reps) - a.ndim)))
    reps = [1] * (a.ndim - len(reps)) + reps
    return cx.g.op("Tile", [x, cx.g.ints(reps)])


@converter("Permute")
def _permute(cx: OpContext) -> str:
    ndim = cx.arg(0).ndim
    dims = [int(d) % ndim for d in cx.arg(1)]
    return cx.g.op("Transpose", [cx.name(0)], perm=dims)


@converter("Transpose")
def _transpose(cx: OpContext) -> str:
    ndim = cx.arg(0).ndim
    perm = list(range(ndim))
    d0, d1 = int(cx.arg(1)) % ndim, int(cx.arg(2)) % ndim
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return cx.g.op("Transpose", [cx.name(0)], perm=perm)


@converter("Cat")
def _cat(cx: OpContext) -> str:
    ndim = cx.args[0].ndim
    axis = int(cx.kwargs.get("dim", 0)) % ndim
    return cx.g.op("Concat", [cx.operand(i, cx.raw) for i in range(len(cx.args))], axis=axis)


@converter("Stack")
def _stack(cx: OpContext) -> str:
    axis = int(cx.kwargs.get("dim", 0)) % (cx.args[0].ndim + 1)
    parts = [cx.g.unsqueeze(cx.operand(i, cx.raw), [axis]) for i in range(len(cx.args))]
    return cx.g.op("Concat", parts, axis=axis)


@converter("Gather")
def _gather(cx: OpContext) -> str:
    axis = int(cx.arg(2)) % cx.arg(0).ndim
    return cx.g.op("GatherElements", [cx.name(0), cx.operand(1, np.int64)], axis=axis)


@converter("GetItem")
def _getitem(cx: OpContext) -> str:
    a, index = cx.arg(0), cx.arg(1)
    items = list(index) if isinstance(index, tuple) else [index]
    arrays = [i for i, it in enumerate(items) if isinstance(it, (np.ndarray, list))]
    if arrays:
        return _advanced_index(cx, items, arrays)
    given = sum(1 for it in items if it is not None and it is not Ellipsis)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (a.ndim - given)
    else:
        items += [slice(None)] * (a.ndim - given)
    starts, ends, axes, steps, squeeze, new_axes = [], [], [], [], [], []
    axis = out_axis = 0
    for it in items:
        if it is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(it, slice):
            if it != slice(None):
                step = 1 if it.step is None else int(it.step)
                starts.append((0 if step > 0 else INT64_MAX) if it.start is None else it.start)
                ends.append((INT64_MAX if step > 0 else INT64_MIN) if it.stop is None else it.stop)
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:  # an int: keep a slice of one, squeezed below
            i = int(it)
            starts.append(i)
            ends.append(i + 1 if i != -1 else INT64_MAX)
            axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        axis += 1
    g, x = cx.g, cx.name(0)
    if axes:
        x = g.op("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    x = g.unsqueeze(g.squeeze(x, squeeze), new_axes)
    return x if x != cx.name(0) else g.op("Identity", [x])


def _advanced_index(cx: OpContext, items: list, arrays: list[int]) -> str:
    """``x[idx]`` or ``x[:, idx]``: one integer index array, other items full slices."""
    others = [it for i, it in enumerate(items) if i not in arrays]
    index = np.asarray(items[arrays[0]]) if arrays else None
    if (len(arrays) != 1 or index.dtype.kind not in "iu"
            or any(it != slice(None) for it in others)):
        raise RuntimeError(
            f"minitorch.onnx.export: op GetItem in layer '{cx.call.path or '<model>'}' "
            f"indexes with {items!r}; the exporter supports basic indexing (ints, slices, "
            f"None, ...) and one integer index array (x[idx], x[:, idx]). Use index_select "
            f"or gather for other cases."
        )
    return cx.g.op("Gather", [cx.name(0), cx.g.const(index, np.int64)], axis=arrays[0])


# --------------------------------------------------------------------------- layers
@converter("BatchNormEval")
def _batch_norm(cx: OpContext) -> str:
    g = cx.g
    x = cx.arg(0)
    eps = cx.arg(5) if len(cx.args) > 5 else cx.kwargs.get("eps", 1e-5)
    channels = x.shape[1]
    scale = (cx.operand(1, x.dtype) if isinstance(cx.arg(1), np.ndarray)
             else g.const(np.ones(channels), x.dtype))
    shift = (cx.operand(2, x.dtype) if isinstance(cx.arg(2), np.ndarray)
             else g.const(np.zeros(channels), x.dtype))
    return g.op("BatchNormalization",
                [cx.name(0), scale, shift, cx.operand(3, x.dtype), cx.operand(4, x.dtype)],
                epsilon=float(eps))


@converter("BatchNormTrain")
def _batch_norm_batch_stats(cx: OpContext) -> str:
    """Batch statistics (``track_running_stats=False``, or ``F.batch_norm(training=True)``):
    normalise each channel with the mean and biased variance of the batch."""
    g = cx.g
    x = cx.arg(0)
    eps = cx.arg(6) if len(cx.args) > 6 else cx.kwargs.get("eps", 1e-5)
    axes = [0, *range(2, x.ndim)]
    cshape = [1, x.shape[1]] + [1] * (x.ndim - 2)
    centered = g.op("Sub", [cx.name(0), g.reduce("ReduceMean", cx.name(0), axes, True)])
    var = g.reduce("ReduceMean", g.op("Mul", [centered, centered]), axes, True)
    out = g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [var, g.const(eps, x.dtype)])])])
    for i, op_type in ((1, "Mul"), (2, "Add")):
        if isinstance(cx.arg(i), np.ndarray):
            out = g.op(op_type, [out, g.op("Reshape", [cx.name(i), g.ints(cshape)])])
    return out


@converter("LayerNorm")
def _layer_norm(cx: OpContext) -> str:
    g = cx.g
    x = cx.arg(0)
    ndim = int(cx.arg(3))
    eps = float(cx.arg(4) if len(cx.args) > 4 else cx.kwargs.get("eps", 1e-5))
    has_w, has_b = isinstance(cx.arg(1), np.ndarray), isinstance(cx.arg(2), np.ndarray)
    if g.opset >= 17:
        scale = cx.name(1) if has_w else g.const(np.ones(x.shape[x.ndim - ndim:]), x.dtype)
        inputs = [cx.name(0), scale] + ([cx.name(2)] if has_b else [])
        return g.op("LayerNormalization", inputs, axis=-ndim, epsilon=eps)
    axes = list(range(x.ndim - ndim, x.ndim))
    centered = g.op("Sub", [cx.name(0), g.reduce("ReduceMean", cx.name(0), axes, True)])
    var = g.reduce("ReduceMean", g.op("Mul", [centered, centered]), axes, True)
    out = g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [var, g.const(eps, x.dtype)])])])
    if has_w:
        out = g.op("Mul", [out, cx.name(1)])
    return g.op("Add", [out, cx.name(2)]) if has_b else out


@converter("GELU")
def _gelu(cx: OpContext) -> str:
    g = cx.g
    x, dtype = cx.name(0), cx.raw
    approximate = cx.arg(1) if len(cx.args) > 1 else cx.kwargs.get("approximate", "none")
    if approximate == "tanh":
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Add", [x, g.op("Mul", [cube, g.const(0.044715, dtype)])])
        inner = g.op("Mul", [inner, g.const(math.sqrt(2.0 / math.pi), dtype)])
        phi = g.op("Tanh", [inner])
    else:
        phi = g.op("Erf", [g.op("Mul", [x, g.const(1 / math.sqrt(2.0), dtype)])])
    half_x = g.op("Mul", [x, g.const(0.5, dtype)])
    return g.op("Mul", [half_x, g.op("Add", [phi, g.const(1.0, dtype)])])


@converter("Embedding")
def _embedding(cx: OpContext) -> str:
    return cx.g.op("Gather", [cx.name(0), cx.name(1)], axis=0)


# Ops that only run in training, with what to change in the model.
HINTS = {
    "Dropout": "dropout ran although the model is in eval mode: call F.dropout(x, p, "
               "training=self.training) (or use nn.Dropout) so that eval() turns it off",
}
