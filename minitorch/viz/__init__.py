"""Pictures of what autograd recorded, with the freezing story on them.

- :func:`graph` draws the graph behind a tensor: one box per recorded op, one per leaf,
  frozen parameters greyed where they enter an op (or grouped per module when they enter
  none), inputs without history (data, ``detach()``, ``no_grad``) dotted, and a legend.
- :func:`layers` draws a model's layer stack with trainable / frozen / adapter state.
- :class:`record` makes the picture more precise: recorded nodes keep their inputs and
  module, so frozen weights get names and nodes group into module clusters.

Pictures show inline in Jupyter and save as SVG (no dependency), PNG (Graphviz or
matplotlib) or DOT. Graphviz's ``dot`` program is used for the layout when installed.

>>> import minitorch as mt
>>> from minitorch import nn, viz
>>> model = nn.Linear(3, 1)
>>> g = viz.graph(model(mt.ones(2, 3)).sum(), params=model)
>>> [n.title for n in g.model.nodes if n.kind == "leaf"]
['weight', 'bias']
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..tensor import Tensor
from .layers import layers
from .model import ADAPTER_PATTERNS, GraphModel, build
from .record import record
from .view import DEFAULT_MAX_NODES, Graph

__all__ = ["graph", "layers", "record", "Graph"]


def graph(output: Tensor, params: Any = None, *, compare: Any = None,
          titles: tuple[str, ...] | None = None, show_saved: bool = False,
          collapse_frozen: bool = False, depth: int = 0, engine: str = "auto",
          max_nodes: int = DEFAULT_MAX_NODES,
          adapter_patterns: tuple[str, ...] = ADAPTER_PATTERNS) -> Graph:
    """Picture of the graph autograd recorded behind ``output``.

    ``params`` names the leaves: a Module, or ``dict(model.named_parameters())`` (any
    ``{name: tensor}``, so an input batch can be named too). ``compare``: a second output
    (or a :class:`Graph`) drawn beside this one, with the totals (nodes, saved bytes) under
    each; ``titles`` heads them. ``show_saved`` writes each op's saved arrays (count and
    bytes) into its box. ``collapse_frozen`` draws the frozen parameters of each top-level
    module (or module at ``depth``) as one box. ``depth`` > 0 groups boxes into module
    clusters of that depth (needs a forward pass inside :class:`record` for the ops).
    ``adapter_patterns``: name prefixes of LoRA adapter parameters.
    """
    def one(out: Tensor, title: str) -> GraphModel:
        return build(out, params, show_saved=show_saved, collapse_frozen=collapse_frozen,
                     depth=depth, adapter_patterns=adapter_patterns, title=title)

    n = 1 if compare is None else 2
    names = list(titles or ())
    if len(names) > n:
        raise ValueError(f"{len(names)} titles for {n} graph(s)")
    names += [""] * (n - len(names))
    models = [one(output, names[0])]
    if isinstance(compare, Graph):
        other = compare.models
        if names[1]:
            other = [replace(other[0], title=names[1]), *other[1:]]
        models += other
    elif compare is not None:
        models.append(one(compare, names[1]))
    return Graph(models, engine, max_nodes)
