"""The object ``viz.graph()`` returns: shows itself in Jupyter, writes DOT, SVG and PNG."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .canvas import Canvas
from .dot import to_dot
from .draw import graph_canvas, side_by_side, summary_canvas
from .model import GraphModel
from .style import legend_states

ENGINES = ("auto", "builtin", "dot")
DEFAULT_MAX_NODES = 1500


class Graph:
    """Picture of one or more recorded graphs (several: side by side, totals under each).

    In Jupyter it shows inline (``_repr_svg_``). ``engine="auto"`` lays it out with
    Graphviz's ``dot`` when that program is on PATH, else with the built-in layered layout
    (nothing to install); ``"builtin"`` or ``"dot"`` force one. A graph with more than
    ``max_nodes`` boxes is summarised (counts per op type) instead of drawn.
    """

    def __init__(self, models: list[GraphModel], engine: str = "auto",
                 max_nodes: int = DEFAULT_MAX_NODES, legend: list[str] | None = None) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.models = models
        self.engine = engine
        self.max_nodes = int(max_nodes)
        self.legend = legend or legend_states({n.state for m in models for n in m.nodes})

    @property
    def model(self) -> GraphModel:
        """The (first) graph's nodes and edges."""
        return self.models[0]

    @property
    def too_large(self) -> bool:
        """Whether some graph has more boxes than ``max_nodes`` (then it is summarised)."""
        return any(len(m.nodes) > self.max_nodes for m in self.models)

    def uses_dot(self) -> bool:
        """Whether pictures come from Graphviz's ``dot`` program."""
        if self.engine == "builtin" or self.too_large:
            return False
        found = shutil.which("dot") is not None
        if self.engine == "dot" and not found:
            raise RuntimeError("engine='dot' needs Graphviz's dot program on PATH (apt install "
                               "graphviz, brew install graphviz, conda install graphviz); "
                               "engine='builtin' needs nothing")
        return found

    def to_dot(self) -> str:
        """The whole graph as DOT text (never summarised), for Graphviz."""
        return to_dot(self.models, self.legend)

    def canvas(self) -> Canvas:
        parts = [summary_canvas(m, self.max_nodes) if len(m.nodes) > self.max_nodes
                 else graph_canvas(m) for m in self.models]
        return side_by_side(parts, self.legend)

    def svg(self) -> str:
        """The picture as SVG text."""
        if self.uses_dot():
            return self._run_dot("svg").decode()
        return self.canvas().svg()

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | Path) -> Path:
        """Write ``.svg``, ``.png`` or ``.dot``, chosen by the suffix; returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            path.write_text(self.to_dot())
        elif suffix == ".svg":
            path.write_text(self.svg())
        elif suffix == ".png":
            if self.uses_dot():
                path.write_bytes(self._run_dot("png"))
            else:
                self.canvas().png(path)
        else:
            raise ValueError(f"save() writes .svg, .png or .dot files; got {path.name!r}")
        return path

    def _run_dot(self, fmt: str) -> bytes:
        done = subprocess.run(["dot", f"-T{fmt}"], input=self.to_dot().encode(),
                              capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"Graphviz's dot failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace').strip()}; "
                               f"engine='builtin' draws without it")
        return done.stdout

    def __repr__(self) -> str:
        return "<viz.Graph " + "; ".join(
            (f"{m.title}: " if m.title else "") + m.totals() for m in self.models) + ">"
