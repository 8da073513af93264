"""From two traces of the forward to an ONNX graph.

The first trace runs the example input, the second other values with one more row (when
the batch is dynamic). Both must run the same ops; a plain argument that differs between
them (a reshape's size) follows the batch and is computed from the input's shape at run
time; an array made inside forward that differs (a mask computed outside the ops, a
tensor sized from the input) depends on the input and cannot be a constant: an error.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from onnx import helper

from ..nn.module import Module
from ._graph import Graph, onnx_dtype
from ._ops import CONVERTERS, HINTS, OpContext
from ._trace import OpCall, Trace


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        return (a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, slice) and isinstance(b, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _copy_of(a1: np.ndarray, a2: np.ndarray, seen: list) -> tuple | None:
    """The newest computed value of which ``a1`` (first trace) and ``a2`` (second) are
    copies, possibly cast (``astype``): its key and dtype, or None."""
    for key, v1, v2 in reversed(seen):
        if v1.shape != a1.shape or v2.shape != a2.shape:
            continue
        with np.errstate(all="ignore"):
            if (np.array_equal(v1.astype(a1.dtype), a1)
                    and np.array_equal(v2.astype(a2.dtype), a2)):
                return key, v1.dtype
    return None


def _arg_extreme_of(a1: np.ndarray, a2: np.ndarray, seen: list, recent: int = 8) -> Any:
    """``argmax``/``argmin`` (computed in numpy by ``argmax()``, ``max(dim)``) of one of the
    newest values, in both traces: (key, op type, axis or None, keepdims), or None."""
    if a1.dtype.kind not in "iu":
        return None
    for key, v1, v2 in list(reversed(seen))[:recent]:
        if v1.dtype.kind != "f" or v1.size == 0:
            continue
        for op_type, find in (("ArgMax", np.argmax), ("ArgMin", np.argmin)):
            if a1.ndim == 0 and find(v1) == a1 and find(v2) == a2:
                return key, op_type, None, False
            for axis in range(v1.ndim):
                for keep in (True, False):
                    r1 = find(v1, axis=axis, keepdims=keep)
                    if r1.shape == a1.shape and np.array_equal(r1, a1) and np.array_equal(
                            find(v2, axis=axis, keepdims=keep), a2):
                        return key, op_type, axis, keep
    return None


def _derived(g: Graph, name_of: Any, a1: np.ndarray, a2: np.ndarray, seen: list) -> Any:
    """The ONNX value for an array computed from a traced value outside the ops (a cast
    copy, an argmax), or None."""
    found = _copy_of(a1, a2, seen)
    if found is not None:  # e.g. a mask passed as mask.astype(bool)
        key, dtype = found
        return g.cast(name_of(key), dtype, a1.dtype)
    found = _arg_extreme_of(a1, a2, seen)
    if found is not None:  # e.g. the indices of max(dim), or predicted classes
        key, op_type, axis, keep = found
        x = name_of(key)
        if axis is None:
            x, axis = g.op("Reshape", [x, g.ints([-1])]), 0
        out = g.op(op_type, [x], axis=axis, keepdims=int(keep))
        return g.cast(out, np.int64, a1.dtype)
    return None


def _where(call: OpCall, layers: dict) -> str:
    path = call.path
    return f"layer '{path}' ({layers[path]})" if path else f"the model's forward ({layers['']})"


def _sources(model: Module, inputs: Any, trace: Trace) -> dict[int, tuple]:
    """id of each array the forward starts from -> what it is."""
    ids: dict[int, tuple] = {}
    for name, buffer in model.named_buffers():
        ids[id(buffer.detach().numpy())] = ("init", name)
    for name, param in model.named_parameters():
        ids[id(param.detach().numpy())] = ("init", name)
    for i, array in enumerate(trace.inputs):
        ids[id(array)] = ("input", i)
    return ids


def build(model: Module, inputs: Any, first: Trace, second: Trace, opset: int,
          output_names: Sequence[str] | None, keep_initializers_as_inputs: bool = False) -> Any:
    """The ``onnx.GraphProto`` of the traced forward."""
    g = Graph(opset)
    layers = {name: type(m).__name__ for name, m in model.named_modules()}
    batches = None
    if inputs.batch is not None:
        g.batch_input = inputs.names[inputs.dynamic.index(True)]
        batches = (inputs.batch, inputs.batch + 1)
    ids1, ids2 = _sources(model, inputs, first), _sources(model, inputs, second)
    arrays1 = {}
    for name, t in [*model.named_buffers(), *model.named_parameters()]:
        arrays1[name] = t.detach().numpy()
    names: dict[tuple, str] = {("input", i): n for i, n in enumerate(inputs.names)}

    def name_of(key: tuple) -> str:
        if key[0] == "init":
            return g.initializer(key[1], arrays1[key[1]])
        return names[key]

    # Values computed so far, newest last: where an unknown array may have been copied from.
    seen = [(("input", i), a1, a2) for i, (a1, a2) in enumerate(zip(first.inputs,
                                                                   second.inputs))]
    if len(first.calls) != len(second.calls):
        raise _structure_error(first, second, layers)
    for k, (c1, c2) in enumerate(zip(first.calls, second.calls)):
        if c1.fn is not c2.fn or len(c1.args) != len(c2.args):
            raise _structure_error(first, second, layers, k)
        arg_names: list = []
        dynamic: dict = {}
        for j, (a1, a2) in enumerate(zip(c1.args, c2.args)):
            if not isinstance(a1, np.ndarray):
                arg_names.append(None)
                if not _same(a1, a2):
                    dynamic[j] = a2
                continue
            key1 = ids1.get(id(a1))
            key2 = ids2.get(id(a2)) if isinstance(a2, np.ndarray) else None
            if key1 is None and key2 is None and not _same(a1, a2):
                derived = _derived(g, name_of, a1, a2, seen)
                if derived is not None:
                    arg_names.append(derived)
                    continue
            if key1 != key2 or (key1 is None and not _same(a1, a2)):
                raise RuntimeError(
                    f"minitorch.onnx.export: op {c1.fn.__name__} in {_where(c1, layers)} "
                    f"takes a tensor of shape {a1.shape} that was made from the input "
                    f"outside minitorch's ops (it differs between two example inputs, but no "
                    f"traced op computed it): a comparison or indexing done in numpy, "
                    f".numpy()/.item()/.tolist() turned back into a tensor, a tensor "
                    f"created with the input's size, or random numbers drawn in forward. "
                    f"Compute it with tensor ops, or pass it as an input of the model."
                )
            arg_names.append(g.const(a1) if key1 is None else name_of(key1))
        for key, value in c1.kwargs.items():
            if not _same(value, c2.kwargs.get(key)):
                dynamic[key] = c2.kwargs.get(key)
        g.prefix = "/" + c1.path.replace(".", "/") if c1.path else ""
        convert = None
        if c1.fn.__module__.startswith("minitorch.") and "user" not in c1.kwargs:
            convert = CONVERTERS.get(c1.fn.__name__)
        if convert is None:
            raise _unsupported(c1, layers)
        cx = OpContext(g, c1, arg_names, dynamic, batches)
        out = convert(cx)
        if cx.dynamic:
            what = next(iter(cx.dynamic))
            value = c1.args[what] if isinstance(what, int) else c1.kwargs[what]
            raise RuntimeError(
                f"minitorch.onnx.export: op {c1.fn.__name__} in {_where(c1, layers)} has "
                f"argument {what!r} = {value!r}, which changes with the input (it was "
                f"{dynamic[what]!r} for another batch size or values); ONNX cannot express "
                f"that here. Write sizes that follow the batch as -1, or export with "
                f"dynamic_batch=False."
            )
        names[("call", k)] = g.cast(out, c1.raw_dtype, c1.out.dtype)
        ids1[id(c1.out)] = ids2[id(c2.out)] = ("call", k)
        seen.append((("call", k), c1.out, c2.out))

    g.prefix = ""
    outputs = _graph_outputs(g, first, second, ids1, ids2, name_of, output_names, inputs,
                             layers, seen)
    graph_inputs = [_value_info(n, a, inputs.batch_symbol if d else None)
                    for n, a, d in zip(inputs.names, first.inputs, inputs.dynamic)]
    if keep_initializers_as_inputs:
        graph_inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                         for t in g.initializers]
    return helper.make_graph(g.nodes, type(model).__name__, graph_inputs, outputs,
                             initializer=g.initializers)


def _graph_outputs(g: Graph, first: Trace, second: Trace, ids1: dict, ids2: dict,
                   name_of: Any, output_names: Sequence[str] | None, inputs: Any,
                   layers: dict, seen: list) -> list:
    count = len(first.outputs)
    if len(second.outputs) != count:
        raise _structure_error(first, second, layers)
    given = list(output_names or [])
    if len(given) > count or len(set(given)) != len(given):
        raise ValueError(f"output_names {given} must be distinct, at most one per output "
                         f"({count})")
    default = ["output"] if count == 1 else [f"output_{i}" for i in range(count)]
    taken = set(inputs.names)
    names = given + [n for n in default[len(given):]]
    infos = []
    for i, (o1, o2, name) in enumerate(zip(first.outputs, second.outputs, names)):
        if name in taken:
            raise ValueError(f"output name {name!r} is also an input name: pick another")
        key = ids1.get(id(o1))
        source = name_of(key) if key is not None and key == ids2.get(id(o2)) else None
        if key is None and ids2.get(id(o2)) is None:
            source = _derived(g, name_of, o1, o2, seen)  # e.g. logits.argmax(dim=1)
        if source is None:
            raise RuntimeError(
                f"minitorch.onnx.export: output {i} of the model was not computed by "
                f"minitorch ops from the inputs (it was made outside them, e.g. from "
                f".numpy() values), so the trace cannot reproduce it"
            )
        g.nodes.append(helper.make_node("Identity", [source], [name],
                                        name=f"/output_{i}"))
        symbols = []
        for d, (n1, n2) in enumerate(zip(o1.shape, o2.shape)):
            if n1 == n2:
                symbols.append(n1)
            elif inputs.batch is not None and (n1, n2) == (inputs.batch, inputs.batch + 1):
                symbols.append(inputs.batch_symbol)
            else:
                symbols.append(f"{name}_dim{d}")
        if o1.ndim != o2.ndim:
            raise _structure_error(first, second, layers)
        infos.append(helper.make_tensor_value_info(name, onnx_dtype(o1.dtype), symbols))
    return infos


def _value_info(name: str, array: np.ndarray, batch_symbol: str | None) -> Any:
    dims: list = list(array.shape)
    if batch_symbol is not None:
        dims[0] = batch_symbol
    return helper.make_tensor_value_info(name, onnx_dtype(array.dtype), dims)


def _unsupported(call: OpCall, layers: dict) -> RuntimeError:
    name = call.fn.__name__
    where = _where(call, layers)
    if "user" in call.kwargs:
        return RuntimeError(
            f"minitorch.onnx.export: the custom autograd.Function {name} in {where} has no "
            f"ONNX form. Write its forward with minitorch tensor ops (they export), or run "
            f"it outside the exported model."
        )
    hint = f": {HINTS[name]}" if name in HINTS else ""
    supported = ", ".join(sorted(CONVERTERS))
    return RuntimeError(
        f"minitorch.onnx.export: op {name} in {where} has no ONNX conversion{hint}. "
        f"Ops that export: {supported}. Rewrite the layer's forward with those, or run it "
        f"outside the exported model."
    )


def _structure_error(first: Trace, second: Trace, layers: dict, k: int | None = None) -> Any:
    where = ""
    if k is not None:
        where = f" (op {k}: {first.calls[k].fn.__name__} in {_where(first.calls[k], layers)}"
        where += f" against {second.calls[k].fn.__name__})"
    return RuntimeError(
        f"minitorch.onnx.export: the forward ran different ops for two example inputs"
        f"{where}: it branches on the input's values or size (an `if` or a loop on a "
        f"tensor), which one traced graph cannot express. Export each branch as its own "
        f"model, or fix the size with dynamic_batch=False."
    )


def make_model(graph: Any, opset: int, metadata: dict[str, str]) -> Any:
    """The ModelProto: minitorch as producer, the IR version that goes with the opset."""
    from .. import __version__

    model = helper.make_model_gen_version(
        graph, producer_name="minitorch", producer_version=__version__,
        opset_imports=[helper.make_opsetid("", opset)],
    )
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=value)
    return model

