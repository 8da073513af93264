"""DOT text (Graphviz's language) for one or more :class:`GraphModel`\\ s.

Written line by line from the flat node and edge lists: no recursion, whatever the depth.
"""
from __future__ import annotations

from .model import GraphModel
from .style import STATES

_STYLE = {"": "", "dashed": ",dashed", "dotted": ",dotted"}


def quote(text: str) -> str:
    """A DOT string literal (double quotes, backslashes and newlines escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graphs: list[GraphModel], legend: list[str], name: str = "minitorch") -> str:
    lines = [f"digraph {name} {{",
             '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.25, '
             'ranksep=0.35];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [color="#4d4d4d", arrowsize=0.7];']
    for g_index, g in enumerate(graphs):
        prefix = f"g{g_index}_" if len(graphs) > 1 else ""
        indent = "  "
        if len(graphs) > 1:
            label = "\n".join([g.title, g.totals()]) if g.title else g.totals()
            lines.append(f"  subgraph cluster_{prefix}graph {{")
            lines.append(f"    label={quote(label)}; labelloc=b; style=invis;")
            indent = "    "
        clusters: dict[str, list[str]] = {}
        for i, n in enumerate(g.nodes):
            look = STATES[n.state]
            text = "\n".join([n.title, *n.lines])
            style = ("rounded,filled" if n.kind == "op" else "filled") + _STYLE[look.dash]
            decl = (f"{prefix}n{i} [label={quote(text)}, style={quote(style)}, "
                    f'fillcolor="{look.fill}", color="{look.stroke}"];')
            if n.cluster:
                clusters.setdefault(n.cluster, []).append(decl)
            else:
                lines.append(indent + decl)
        for k, (cluster, decls) in enumerate(sorted(clusters.items())):
            lines.append(f"{indent}subgraph cluster_{prefix}m{k} {{")
            lines.append(f'{indent}  label={quote(cluster)}; style="dashed"; color="#bdbdbd"; '
                         f'fontsize=9;')
            lines += [f"{indent}  {d}" for d in decls]
            lines.append(f"{indent}}}")
        for e in g.edges:
            attrs = []
            if e.cut:
                attrs += ["style=dashed", 'color="#969696"']
            if e.label:
                attrs.append(f"label={quote(e.label)}")
            tail = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f"{indent}{prefix}n{e.src} -> {prefix}n{e.dst}{tail};")
        if len(graphs) > 1:
            lines.append("  }")
    lines.append("  subgraph cluster_legend {")
    lines.append('    label="legend"; fontsize=9; style="rounded"; color="#d9d9d9";')
    keys = legend
    for state in keys:
        look = STATES[state]
        style = "filled" + _STYLE[look.dash]
        lines.append(f'    legend_{state} [label={quote(look.text)}, style={quote(style)}, '
                     f'fillcolor="{look.fill}", color="{look.stroke}", fontsize=9];')
    lines += [f"    legend_{a} -> legend_{b} [style=invis];" for a, b in zip(keys, keys[1:])]
    lines.append("  }")
    if len(graphs) == 1:
        foot = [graphs[0].title] if graphs[0].title else []
        foot += [graphs[0].totals(), *graphs[0].notes]
        lines.append(f"  label={quote(chr(10).join(foot))}; labelloc=b;")
    lines.append("}")
    return "\n".join(lines) + "\n"
