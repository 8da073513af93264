"""The graph behind a picture: plain nodes and edges, built by walking ``grad_fn``.

:func:`build` walks ``output.grad_fn.next_functions`` with a stack (no recursion, so a chain
of 100,000 ops is fine) and turns what autograd recorded into a :class:`GraphModel`:

- one ``op`` node per recorded backward node (``MulBackward``), with the arrays it saved;
- one leaf node per ``AccumulateGrad`` (a tensor that gets ``.grad``): trainable, or a LoRA
  adapter (its name matches ``adapter_patterns``);
- one ``untracked`` or ``frozen`` node per tensor that entered a recorded op without an edge:
  a frozen parameter, the input batch, a ``detach()`` or ``no_grad`` result. The node knows
  only the shape of such an input, unless the graph was recorded inside
  :func:`minitorch.viz.record` (then it knows the tensor) or the op saved its array;
- frozen parameters that never entered a recorded op (a frozen body before the first
  trainable layer) are drawn per module as ``frozen body: 3 layers, 84,480 params``.

The writers (DOT, SVG) only read this structure; tests check it directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..nn.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .record import produced_by

ADAPTER_PATTERNS = ("lora_",)


@dataclass
class VNode:
    """One box of the picture."""

    kind: str  # "op", "leaf", "input" (entered an op without an edge), "group", "output"
    state: str  # a key of style.STATES
    title: str
    lines: list[str] = field(default_factory=list)
    cluster: str = ""  # module path at the chosen depth ("" for none)
    saved_count: int = 0
    saved_bytes: int = 0
    params: int = 0  # parameter elements this box stands for (leaves, inputs, groups)


@dataclass
class VEdge:
    """An arrow from an input to the op that used it (the direction data flows)."""

    src: int
    dst: int
    cut: bool = False  # drawn dashed: into or out of an untracked input
    label: str = ""


@dataclass
class GraphModel:
    """Nodes, edges and totals of one graph."""

    nodes: list[VNode]
    edges: list[VEdge]
    title: str = ""
    notes: list[str] = field(default_factory=list)
    saved_arrays: int = 0
    saved_bytes: int = 0
    footer: str = ""  # the line under the picture, when not the totals of a graph

    def count(self, kind: str | None = None, state: str | None = None) -> int:
        """Number of nodes of a kind and/or state."""
        return sum(1 for n in self.nodes
                   if (kind is None or n.kind == kind) and (state is None or n.state == state))

    def find(self, title: str) -> list[int]:
        """Indices of the nodes with this title."""
        return [i for i, n in enumerate(self.nodes) if n.title == title]

    def totals(self) -> str:
        """One line under the picture: what the graph holds."""
        if self.footer:
            return self.footer
        ops = self.count("op")
        leaves = self.count("leaf")
        return (f"{plural(ops + leaves, 'node')} ({plural(ops, 'op')}, {leaves:,} "
                f"{'leaf' if leaves == 1 else 'leaves'}) | saved for "
                f"backward: {plural(self.saved_arrays, 'array')}, "
                f"{human_bytes(self.saved_bytes)}")


def plural(n: int, word: str) -> str:
    """``plural(2, 'array')`` -> ``'2 arrays'``."""
    return f"{n:,} {word}{'s' * (n != 1)}"


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def named_tensors(params: Any) -> dict[str, Tensor]:
    """``params`` as ``{name: tensor}``: a Module, a mapping, or (name, tensor) pairs."""
    if params is None:
        return {}
    if isinstance(params, Module):
        return dict(params.named_parameters())
    items: Iterable[Any] = params.items() if isinstance(params, Mapping) else params
    out = {}
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Tensor)):
            raise TypeError(
                "params must be a Module, a dict {name: tensor} or (name, tensor) pairs, "
                f"e.g. dict(model.named_parameters()); got an item {type(item).__name__}")
        out[str(item[0])] = item[1]
    return out


def _array(t: Tensor) -> np.ndarray:
    return t.detach().numpy()  # the tensor's own array, no copy


def _shape(shape: Any) -> str:
    return str(tuple(int(s) for s in shape))


def _module_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


def _at_depth(path: str, depth: int) -> str:
    return ".".join(path.split(".")[:depth]) if depth > 0 and path else ""


class _Builder:
    def __init__(self, names: dict[str, Tensor], show_saved: bool, collapse_frozen: bool,
                 depth: int, adapter_patterns: tuple[str, ...]) -> None:
        self.name_of = {id(t): n for n, t in names.items()}
        self.tensors = names
        self.by_array = {id(_array(t)): t for t in names.values()}
        self.show_saved = show_saved
        self.collapse = collapse_frozen
        self.depth = depth
        self.adapter_patterns = adapter_patterns
        self.nodes: list[VNode] = []
        self.edges: list[VEdge] = []
        self.edge_set: set[tuple[int, int, str]] = set()
        self.inputs: dict[Any, int] = {}  # tensor id (or position) -> input node
        self.groups: dict[str, int] = {}  # module prefix -> collapsed frozen group node
        self.layers: dict[int, set[str]] = {}  # group node -> the modules it stands for
        self.in_graph: set[int] = set()  # ids of the named tensors drawn
        self.from_module: list[tuple[str, int]] = []  # (module, input node it made)
        self.notes: list[str] = []
        self.saved_arrays = self.saved_bytes = 0  # distinct arrays the nodes hold

    def add(self, node: VNode) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def edge(self, src: int, dst: int, cut: bool = False, label: str = "") -> None:
        if (src, dst, label) not in self.edge_set:
            self.edge_set.add((src, dst, label))
            self.edges.append(VEdge(src, dst, cut, label))

    def is_adapter(self, name: str | None) -> bool:
        last = (name or "").rsplit(".", 1)[-1]
        return any(last.startswith(p) for p in self.adapter_patterns)

    # -- the walk -------------------------------------------------------------------
    def walk(self, output: Tensor) -> None:
        root = output.grad_fn
        out = self.add(VNode("output", "output", "output",
                             [_shape(output.shape) + " " + str(output.dtype).split(".")[-1]]))
        if root is None:
            self.nodes[out].state = "untracked"
            self.notes.append(
                "no graph was recorded: the output does not require grad (every parameter it "
                "depends on is frozen, it was computed under no_grad(), or detached)")
            return
        index: dict[int, int] = {}
        order: list[Any] = []  # keeps every node alive while ids are in use
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in index:
                continue
            index[id(node)] = len(order)
            order.append(node)
            stack.extend(edge for edge, _ in reversed(node.next_functions)
                         if edge is not None and id(edge) not in index)
        first = len(self.nodes)
        for node in order:
            self.add(self.describe(node))
        vid = {key: first + i for key, i in index.items()}
        self.edge(vid[id(root)], out)
        # Arrays of tracked tensors: an untracked input sharing one is a detach() of it.
        tracked = {id(_array(output)): vid[id(root)]}
        for node in order:
            recorded = getattr(node, "inputs", None)
            for i, (edge, _) in enumerate(getattr(node, "next_functions", ())):
                if edge is not None and recorded is not None and isinstance(recorded[i], Tensor):
                    tracked.setdefault(id(_array(recorded[i])), vid[id(edge)])
        saved: dict[int, int] = {}
        for node in order:
            here = vid[id(node)]
            for edge, _ in node.next_functions:
                if edge is not None:
                    self.edge(vid[id(edge)], here)
            if hasattr(node, "saved"):
                for a in node.saved:
                    if isinstance(a, np.ndarray):
                        saved[id(a)] = a.nbytes
                self.untracked_inputs(node, here, tracked)
        self.saved_arrays, self.saved_bytes = len(saved), sum(saved.values())

    def describe(self, node: Any) -> VNode:
        if hasattr(node, "variable"):  # AccumulateGrad: a leaf that gets .grad
            t = node.variable
            name = self.name_of.get(id(t))
            if name is not None:
                self.in_graph.add(id(t))
            state = "adapter" if self.is_adapter(name) else "trainable"
            lines = [_shape(t.shape)]
            if not t.requires_grad:
                state = "frozen"
                lines.append("frozen after recording")
            return VNode("leaf", state, name or "leaf tensor", lines,
                         _at_depth(_module_of(name or ""), self.depth), params=t.numel())
        arrays = [a for a in getattr(node, "saved", ()) if isinstance(a, np.ndarray)]
        nbytes = sum(a.nbytes for a in arrays)
        lines = []
        if self.show_saved:
            if getattr(node, "freed", False):
                lines.append("saved arrays freed by backward")
            else:
                lines.append(f"saved {plural(len(arrays), 'array')}, {human_bytes(nbytes)}")
        # create_graph's hook point: nodes recorded during a backward pass carry this mark.
        state = "double_backward" if getattr(node, "double_backward", False) else "op"
        module = getattr(node, "module", "") or ""
        return VNode("op", state, node.name(), lines, _at_depth(module, self.depth),
                     len(arrays), nbytes)

    def untracked_inputs(self, node: Any, here: int, tracked: dict[int, int]) -> None:
        """A node for each tensor that entered ``node`` without an edge."""
        recorded = getattr(node, "inputs", None)
        metas = getattr(node, "input_meta", ())
        saved = [a for a in node.saved if isinstance(a, np.ndarray) and id(a) in self.by_array]
        for i, (edge, _) in enumerate(node.next_functions):
            meta = metas[i] if i < len(metas) else (None, None)
            if edge is not None or meta[0] is None:
                continue  # tracked, or not a tensor (a Python number)
            t = recorded[i] if recorded is not None and i < len(recorded) else None
            if not isinstance(t, Tensor):
                # Not recorded: a saved array of the same shape names it, if the op saved one.
                match = next((a for a in saved if a.shape == tuple(meta[0])), None)
                if match is not None:
                    saved.remove(match)
                    t = self.by_array[id(match)]
            key = id(t) if t is not None else (here, i)
            src = self.inputs.get(key)
            if src is None:
                src = self.input_node(t, meta[0], tracked)
                self.inputs[key] = src
            self.edge(src, here, cut=self.nodes[src].state == "untracked")

    def input_node(self, t: Tensor | None, shape: Any, tracked: dict[int, int]) -> int:
        name = self.name_of.get(id(t)) if t is not None else None
        if isinstance(t, Parameter) or (name is not None and t.requires_grad):
            self.in_graph.add(id(t))
            if self.collapse and not t.requires_grad:
                return self.group(_module_of(name or ""), t)
            state = "frozen" if not t.requires_grad else \
                ("adapter" if self.is_adapter(name) else "trainable")
            lines = [_shape(shape), "requires_grad=False" if state == "frozen"
                     else "did not require grad when recorded"]
            return self.add(VNode("input", state, name or "parameter", lines,
                                  _at_depth(_module_of(name or ""), self.depth),
                                  params=t.numel()))
        lines = [_shape(shape)]
        title = name or "input"
        src_edge = None
        if t is not None:
            producer = produced_by(t)
            source = tracked.get(id(_array(t)))
            if source is not None:
                title, src_edge = name or "detached", (source, "detach()")
                lines.append("no history: detach()")
            elif producer is not None:
                module, grad_enabled = producer
                title = name or f"{module or 'model'} output"
                lines.append("computed under no_grad" if not grad_enabled
                             else "no history: its inputs and weights need no grad")
                # Linked to its module's frozen box once the boxes are known.
                self.from_module.append((_at_depth(module, max(self.depth, 1)), len(self.nodes)))
            else:
                lines.append("no history")
        else:
            lines.append("no history (shape only)")
        index = self.add(VNode("input", "untracked", title, lines))
        if src_edge is not None:
            self.edge(src_edge[0], index, cut=True, label=src_edge[1])
        return index

    def group(self, prefix: str, t: Tensor) -> int:
        """The collapsed box of the frozen parameters of module ``prefix`` (at the depth)."""
        key = _at_depth(prefix, max(self.depth, 1))
        index = self.groups.get(key)
        if index is None:
            index = self.add(VNode("group", "frozen", f"frozen {key}".rstrip(), []))
            self.groups[key] = index
            self.layers[index] = set()
        self.nodes[index].params += t.numel()
        self.layers[index].add(prefix)
        return index

    def frozen_elsewhere(self) -> None:
        """Frozen named parameters that entered no recorded op, one box per module."""
        for name, t in self.tensors.items():
            if id(t) in self.in_graph or t.requires_grad or not isinstance(t, Parameter):
                continue
            self.group(_module_of(name), t)
            self.in_graph.add(id(t))
        for module, index in self.from_module:
            if module in self.groups:
                self.edge(self.groups[module], index, cut=True)
        for index, node in enumerate(self.nodes):
            if node.kind != "group":
                continue
            n = len(self.layers[index])
            drawn = any(e.src == index for e in self.edges)
            node.title += ":"
            node.lines = [f"{plural(n, 'layer')}, {plural(node.params, 'param')}"]
            if not drawn:
                node.lines.append("used by no recorded op")


def build(output: Tensor, params: Any = None, *, show_saved: bool = False,
          collapse_frozen: bool = False, depth: int = 0,
          adapter_patterns: tuple[str, ...] = ADAPTER_PATTERNS, title: str = "") -> GraphModel:
    """The :class:`GraphModel` of what autograd recorded behind ``output``."""
    if not isinstance(output, Tensor):
        raise TypeError(f"viz.graph() draws the graph behind a Tensor, got "
                        f"{type(output).__name__}")
    b = _Builder(named_tensors(params), show_saved, collapse_frozen, int(depth or 0),
                 tuple(adapter_patterns))
    b.walk(output)
    b.frozen_elsewhere()
    return GraphModel(b.nodes, b.edges, title, b.notes, b.saved_arrays, b.saved_bytes)
