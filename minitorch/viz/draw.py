"""A :class:`GraphModel` drawn on a :class:`Canvas`: boxes, arrows, clusters, legend, totals."""
from __future__ import annotations

from collections import Counter

from .canvas import Canvas
from .layout import layered
from .model import GraphModel, human_bytes
from .style import CHAR_W, EDGE, EDGE_CUT, FONT_SIZE, LINE_H, STATES

PAD = 16.0
BOX_PAD = 8.0


def box_size(title: str, lines: list[str]) -> tuple[float, float]:
    chars = max(len(s) for s in [title, *lines])
    return chars * CHAR_W + 2 * BOX_PAD, (1 + len(lines)) * LINE_H + BOX_PAD


def box(c: Canvas, x: float, y: float, w: float, h: float, state: str, title: str,
        lines: list[str], rx: float = 3.0) -> None:
    look = STATES[state]
    c.rect(x, y, w, h, look.fill, look.stroke, look.dash, rx)
    ty = y + BOX_PAD / 2 + LINE_H - 3
    c.text(x + w / 2, ty, title, FONT_SIZE, bold=True)
    for k, line in enumerate(lines):
        c.text(x + w / 2, ty + (k + 1) * LINE_H, line, FONT_SIZE - 1.5, color="#525252")


def legend(states: list[str]) -> Canvas:
    """Swatches in rows of three, each with its words."""
    c = Canvas()
    col = max(len(STATES[s].text) for s in states) * CHAR_W * 0.85 + 34
    for k, s in enumerate(states):
        x, y = (k % 3) * col, (k // 3) * 18.0
        look = STATES[s]
        c.rect(x, y, 20, 12, look.fill, look.stroke, look.dash, 2.0)
        c.text(x + 26, y + 10, look.text, FONT_SIZE - 1.5, anchor="start")
    c.width = min(len(states), 3) * col
    c.height = ((len(states) + 2) // 3) * 18.0
    return c


def graph_canvas(g: GraphModel) -> Canvas:
    """The picture of one graph, without legend: title, clusters, boxes, arrows, totals."""
    c = Canvas()
    sizes = [box_size(n.title, n.lines) for n in g.nodes]
    lay = layered(sizes, [(e.src, e.dst) for e in g.edges], [n.cluster for n in g.nodes])
    top = PAD + (LINE_H + 6 if g.title else 0)
    left = PAD
    if g.title:
        c.text(left, PAD + LINE_H - 2, g.title, FONT_SIZE + 1, anchor="start", bold=True)

    clusters: dict[str, list[int]] = {}
    for i, n in enumerate(g.nodes):
        if n.cluster:
            clusters.setdefault(n.cluster, []).append(i)
    for name in sorted(clusters):
        members = clusters[name]
        x0 = min(lay.x[i] - sizes[i][0] / 2 for i in members) - 8
        x1 = max(lay.x[i] + sizes[i][0] / 2 for i in members) + 8
        y0 = min(lay.y[i] for i in members) - 16
        y1 = max(lay.y[i] + sizes[i][1] for i in members) + 6
        c.rect(left + x0, top + y0, x1 - x0, y1 - y0, "#fafafa", "#bdbdbd", "dashed", 6.0, 0.8)
        c.text(left + x0 + 4, top + y0 + 11, name, FONT_SIZE - 2, anchor="start",
               color="#737373")

    for e, route in zip(g.edges, lay.routes):
        color = EDGE_CUT if e.cut else EDGE
        c.curve([(left + x, top + y) for x, y in route], color, "dashed" if e.cut else "")
        if e.label:
            (xa, ya), (xb, yb) = route[0], route[1]
            c.text(left + (xa + xb) / 2 + 4, top + (ya + yb) / 2 + 3, e.label, FONT_SIZE - 2,
                   anchor="start", color="#737373")
    for i, n in enumerate(g.nodes):
        w, h = sizes[i]
        box(c, left + lay.x[i] - w / 2, top + lay.y[i], w, h, n.state, n.title, n.lines,
            10.0 if n.kind == "op" else 3.0)

    bottom = top + lay.height + 10
    foot = [g.totals(), *g.notes]
    for k, line in enumerate(foot):
        c.text(left, bottom + (k + 1) * LINE_H, line, FONT_SIZE - 1, anchor="start")
    c.width = max(lay.width, max(len(s) for s in foot) * (CHAR_W - 0.4)) + 2 * PAD
    c.height = bottom + len(foot) * LINE_H + PAD
    return c


def summary_canvas(g: GraphModel, limit: int) -> Canvas:
    """What a graph too large to draw readably holds, as text."""
    ops = Counter(n.title for n in g.nodes if n.kind == "op")
    lines = [f"Graph too large to draw readably: {len(g.nodes):,} boxes (limit {limit:,}).",
             g.totals(),
             "Pass max_nodes=... to draw it anyway (the layout takes longer), or use",
             ".to_dot() / .save('graph.dot') and Graphviz.",
             "", "Recorded ops by type:"]
    lines += [f"  {count:>8,}  {name}" for name, count in ops.most_common(12)]
    if len(ops) > 12:
        lines.append(f"  ... and {len(ops) - 12} other types")
    states = Counter(n.state for n in g.nodes if n.kind != "op")
    lines += ["", "Inputs and parameters: " + ", ".join(
        f"{count:,} {state}" for state, count in sorted(states.items()))]
    if g.saved_bytes:
        lines.append(f"Saved for backward: {human_bytes(g.saved_bytes)}")
    c = Canvas()
    if g.title:
        lines.insert(0, g.title)
    for k, line in enumerate(lines):
        c.text(PAD, PAD + (k + 1) * LINE_H, line, FONT_SIZE, anchor="start",
               bold=k == 0 and bool(g.title))
    c.width = max(len(s) for s in lines) * CHAR_W + 2 * PAD
    c.height = (len(lines) + 1) * LINE_H + 2 * PAD
    return c


def side_by_side(parts: list[Canvas], keys: list[str]) -> Canvas:
    """Canvases in a row under one legend of the states ``keys``."""
    key = legend(keys)
    c = Canvas()
    c.place(key, PAD, PAD)
    y = PAD + key.height + 8
    x = 0.0
    for part in parts:
        c.place(part, x, y)
        x += part.width
    c.width = max(x, key.width + 2 * PAD)
    c.height = y + max(p.height for p in parts)
    return c
