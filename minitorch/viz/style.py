"""Colours and words of the pictures: one entry per node state, shared by every writer."""
from __future__ import annotations

from typing import NamedTuple


class Look(NamedTuple):
    fill: str
    stroke: str
    dash: str  # "" (solid), "dashed" or "dotted"
    text: str  # the legend's words


STATES: dict[str, Look] = {
    "trainable": Look("#c7e9c0", "#238b45", "", "trainable parameter (gets .grad)"),
    "adapter": Look("#fdd0a2", "#d94801", "", "LoRA adapter (trainable)"),
    "frozen": Look("#e0e0e0", "#737373", "dashed", "frozen (requires_grad=False): no node"),
    "untracked": Look("#ffffff", "#969696", "dotted",
                      "untracked input: data, detach(), no_grad"),
    "op": Look("#deebf7", "#3182bd", "", "recorded op (backward node)"),
    "double_backward": Look("#e5d8f0", "#6a51a3", "", "op recorded by a backward pass"),
    "output": Look("#9ecae1", "#08519c", "", "output"),
    "no_params": Look("#f7f7f7", "#bdbdbd", "", "layer without parameters"),
}

# Always in the legend, so that a picture without frozen parts still says what they look like.
ALWAYS_IN_LEGEND = ("trainable", "frozen", "untracked", "op")

EDGE_CUT = "#969696"  # edges into or out of an untracked input
EDGE = "#4d4d4d"

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
FONT_SIZE = 11.0
CHAR_W = 6.7  # width of one character of FONT at FONT_SIZE (monospace), in px
LINE_H = 14.0


def legend_states(present: set[str]) -> list[str]:
    """The states to explain, in a fixed order: the usual four and whatever else is drawn."""
    return [s for s in STATES if s in present or s in ALWAYS_IN_LEGEND]
