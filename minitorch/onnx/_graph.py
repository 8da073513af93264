"""The ONNX graph under construction: nodes, initializers, constants and the runtime batch.

Imported only by :func:`minitorch.onnx.export`, after ``onnx`` itself was imported.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def onnx_dtype(dtype: Any) -> int:
    """The TensorProto element type of a numpy dtype."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Graph:
    """Nodes and initializers, with fresh names; ``batch()`` is the runtime batch size."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.used: set[str] = set()
        self.prefix = ""  # node-name prefix: the layer's path, as torch.onnx names nodes
        self.batch_input: str | None = None  # the input whose first dim is the batch
        self._batch: str | None = None
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        name = f"{hint}_{self._count}"
        self.used.add(name)
        return name

    def op(self, op_type: str, inputs: Sequence[str], n_out: int = 1, **attrs: Any) -> Any:
        """Add a node; return its output name (a list of names when ``n_out > 1``)."""
        outs = [self.fresh(op_type) for _ in range(n_out)]
        node = helper.make_node(op_type, list(inputs), outs,
                                name=f"{self.prefix}/{op_type}_{self._count}", **attrs)
        self.nodes.append(node)
        return outs[0] if n_out == 1 else outs

    def initializer(self, name: str, array: np.ndarray) -> str:
        """A named tensor stored in the model (a parameter, a buffer or a constant)."""
        if name not in self.used:
            self.used.add(name)
            self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def const(self, value: Any, dtype: Any = None) -> str:
        array = np.asarray(value, dtype=dtype)
        name = self.fresh("const")
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64))

    def cast(self, name: str, src: Any, dst: Any) -> str:
        if np.dtype(src) == np.dtype(dst):
            return name
        return self.op("Cast", [name], to=onnx_dtype(dst))

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node; ``axes=None`` reduces everything. Axes are an input from opset
        18 on (ReduceSum: 13), an attribute before."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, [x], keepdims=keep)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.op(op_type, [x], axes=list(axes), keepdims=keep)

    def squeeze(self, x: str, axes: Sequence[int]) -> str:
        return self.op("Squeeze", [x, self.ints(axes)]) if axes else x

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes)]) if axes else x

    def batch(self) -> str:
        """The batch size at run time, as a 1-element int64 tensor (from the first input
        that has a dynamic first axis)."""
        if self._batch is None:
            if self.batch_input is None:
                raise RuntimeError("internal: no input with a dynamic first axis")
            shape = self.op("Shape", [self.batch_input])
            self._batch = self.op("Gather", [shape, self.ints([0])], axis=0)
        return self._batch

    def shape_of_batch(self, first: Sequence[int], second: Sequence[int], b1: int,
                       b2: int) -> str | None:
        """A shape tensor whose entries are ``a * batch + c`` where the two traces (batch
        sizes ``b1`` and ``b2``) disagree; None if some entry is not of that form."""
        pieces: list[str] = []
        static: list[int] = []
        for v1, v2 in zip(first, second):
            if v1 == v2:
                static.append(int(v1))
                continue
            a, rem = divmod(v2 - v1, b2 - b1)
            c = v1 - a * b1
            if rem or a == 0:
                return None
            if static:
                pieces.append(self.ints(static))
                static = []
            term = self.batch()
            if a != 1:
                term = self.op("Mul", [term, self.ints([a])])
            if c:
                term = self.op("Add", [term, self.ints([c])])
            pieces.append(term)
        if static:
            pieces.append(self.ints(static))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", pieces, axis=0)
