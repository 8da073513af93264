"""A few drawing primitives, written as SVG text (no dependency) or painted as PNG.

The SVG is deterministic: coordinates rounded to 0.1 px, no ids, no dates, so a committed
picture can be compared byte for byte with a regenerated one. PNG goes through matplotlib,
imported only when a PNG is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from .style import FONT

DASH = {"": "", "dashed": "5,3", "dotted": "2,2"}
_HA = {"start": "left", "middle": "center", "end": "right"}


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class Canvas:
    width: float = 0.0
    height: float = 0.0
    items: list[tuple] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str,
             dash: str = "", rx: float = 3.0, width: float = 1.2) -> None:
        self.items.append(("rect", x, y, w, h, fill, stroke, dash, rx, width))

    def text(self, x: float, y: float, s: str, size: float, anchor: str = "middle",
             bold: bool = False, color: str = "#252525") -> None:
        self.items.append(("text", x, y, s, size, anchor, bold, color))

    def curve(self, points: list[tuple[float, float]], stroke: str, dash: str = "") -> None:
        """A smooth line through ``points`` (vertical tangents), with an arrowhead at the end."""
        self.items.append(("curve", list(points), stroke, dash))

    def place(self, other: "Canvas", dx: float, dy: float) -> None:
        """Copy ``other``'s items here, moved by (dx, dy)."""
        for item in other.items:
            kind = item[0]
            if kind == "curve":
                self.items.append((kind, [(x + dx, y + dy) for x, y in item[1]], *item[2:]))
            else:
                self.items.append((kind, item[1] + dx, item[2] + dy, *item[3:]))

    # -- SVG ------------------------------------------------------------------------
    def svg(self) -> str:
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(self.width)}" '
               f'height="{_f(self.height)}" viewBox="0 0 {_f(self.width)} {_f(self.height)}" '
               f'font-family="{FONT}">',
               f'<rect x="0" y="0" width="{_f(self.width)}" height="{_f(self.height)}" '
               f'fill="#ffffff"/>']
        for item in self.items:
            kind = item[0]
            if kind == "rect":
                _, x, y, w, h, fill, stroke, dash, rx, width = item
                d = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
                out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                           f'rx="{_f(rx)}" fill="{fill}" stroke="{stroke}" '
                           f'stroke-width="{_f(width)}"{d}/>')
            elif kind == "text":
                _, x, y, s, size, anchor, bold, color = item
                b = ' font-weight="bold"' if bold else ""
                out.append(f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" '
                           f'text-anchor="{anchor}" fill="{color}"{b}>{escape(s)}</text>')
            else:
                _, points, stroke, dash = item
                d = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
                out.append(f'<path d="{_path(points)}" fill="none" stroke="{stroke}" '
                           f'stroke-width="1.1"{d}/>')
                tip = _arrow(points)
                out.append(f'<path d="M{_f(tip[0][0])},{_f(tip[0][1])} '
                           f'L{_f(tip[1][0])},{_f(tip[1][1])} L{_f(tip[2][0])},{_f(tip[2][1])} '
                           f'Z" fill="{stroke}"/>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    # -- PNG ------------------------------------------------------------------------
    def png(self, path: Any, dpi: int = 110) -> None:
        """Paint with matplotlib (``pip install matplotlib``) into a PNG file."""
        try:
            import matplotlib
            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
            from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
            from matplotlib.path import Path as MPath
        except ImportError as err:
            raise ImportError("a PNG without Graphviz needs matplotlib: pip install matplotlib "
                              "(or save as .svg, which needs nothing)") from err
        fig = plt.figure(figsize=(max(self.width, 1) / 72, max(self.height, 1) / 72), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        styles = {"": "solid", "dashed": (0, (5, 3)), "dotted": (0, (2, 2))}
        for item in self.items:
            kind = item[0]
            if kind == "rect":
                _, x, y, w, h, fill, stroke, dash, rx, width = item
                ax.add_patch(FancyBboxPatch(
                    (x, y), w, h, boxstyle=f"round,pad=0,rounding_size={rx}", facecolor=fill,
                    edgecolor=stroke, linewidth=width * 0.75, linestyle=styles[dash]))
            elif kind == "text":
                _, x, y, s, size, anchor, bold, color = item
                ax.text(x, y, s, fontsize=size * 0.75, ha=_HA[anchor],
                        va="baseline", family="monospace", color=color,
                        weight="bold" if bold else "normal")
            else:
                _, points, stroke, dash = item
                verts, codes = [points[0]], [MPath.MOVETO]
                for (x0, y0), (x1, y1) in zip(points, points[1:]):
                    my = (y0 + y1) / 2
                    verts += [(x0, my), (x1, my), (x1, y1)]
                    codes += [MPath.CURVE4] * 3
                ax.add_patch(PathPatch(MPath(verts, codes), fill=False, edgecolor=stroke,
                                       linewidth=0.8, linestyle=styles[dash]))
                ax.add_patch(Polygon(_arrow(points), closed=True, facecolor=stroke,
                                     edgecolor="none"))
        fig.savefig(path, format="png", dpi=dpi, facecolor="white")
        plt.close(fig)


def _path(points: list[tuple[float, float]]) -> str:
    (x0, y0) = points[0]
    parts = [f"M{_f(x0)},{_f(y0)}"]
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        my = (ya + yb) / 2
        parts.append(f"C{_f(xa)},{_f(my)} {_f(xb)},{_f(my)} {_f(xb)},{_f(yb)}")
    return " ".join(parts)


def _arrow(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The arrowhead at the last point; the curve arrives vertically."""
    x, y = points[-1]
    direction = 1.0 if points[-1][1] >= points[-2][1] else -1.0
    return [(x, y), (x - 3.5, y - 7 * direction), (x + 3.5, y - 7 * direction)]
