"""Draw the pictures of docs/requires_grad.md into docs/img/ with minitorch.viz.

    python docs/scripts/make_graph_svgs.py           # (re)write docs/img/*.svg
    python docs/scripts/make_graph_svgs.py --check   # exit 1 if a committed picture is stale

Deterministic: fixed seeds, the built-in layout (no Graphviz, whose output differs between
versions), and SVG text without dates or ids. tests/test_viz.py regenerates the pictures
and compares them with the committed files.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import minitorch as mt
from minitorch import nn, viz

IMG = Path(__file__).resolve().parents[1] / "img"


def tracking() -> viz.Graph:
    """Section 2: what is recorded when one input requires grad and the other does not."""
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mt.tensor([0.5, -1.0, 2.0])
    with viz.record():
        y = (x * w + x.exp()).sum()
    return viz.graph(y, params={"x": x, "w": w}, show_saved=True, engine="builtin")


def cuts() -> viz.Graph:
    """Section 7: where detach() and no_grad() cut the graph."""
    mt.manual_seed(0)
    w = mt.randn(3, requires_grad=True)
    v = mt.randn(3, requires_grad=True)
    with viz.record():
        h = w * 3
        with mt.no_grad():
            scale = v * 2               # recorded nowhere: computed under no_grad
        loss = (h.detach() * v + h * scale).sum()
    names = {"w": w, "v": v, "scale (no_grad)": scale}
    return viz.graph(loss, params=names, engine="builtin")


class MLP(nn.Module):
    """A body (two hidden layers) and a head, as in a transfer-learning model."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
        self.head = nn.Linear(128, 10)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.head(self.body(x))


def mlp() -> tuple[MLP, mt.Tensor, mt.Tensor]:
    mt.manual_seed(0)
    return MLP(), mt.randn(32, 64), mt.randint(0, 10, (32,))


def freezing() -> viz.Graph:
    """Section 6: the same MLP, all trainable and with its body frozen, totals under each."""
    model, x, y = mlp()
    loss_fn = nn.CrossEntropyLoss()
    options = dict(params=model, show_saved=True, collapse_frozen=True, engine="builtin")
    before = viz.graph(loss_fn(model(x), y), titles=("every parameter trainable",), **options)
    nn.freeze(model.body)
    with viz.record(model):  # remembers that the body made the head's input
        loss = loss_fn(model(x), y)
    after = viz.graph(loss, titles=("body frozen",), **options)
    return viz.Graph(before.models + after.models, engine="builtin")


def layers() -> viz.Graph:
    """Section 6: the layer stack of that MLP with the body frozen."""
    model, _, _ = mlp()
    nn.freeze(model.body)
    return viz.layers(model, (32, 64), engine="builtin")


PICTURES = {"graph_tracking.svg": tracking, "graph_cuts.svg": cuts,
            "graph_freezing.svg": freezing, "layers_frozen_body.svg": layers}


def render() -> dict[str, str]:
    """File name -> SVG text of every picture."""
    return {name: make().svg() for name, make in PICTURES.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    stale = []
    IMG.mkdir(exist_ok=True)
    for name, svg in render().items():
        path = IMG / name
        if args.check:
            if not path.exists() or path.read_text() != svg:
                stale.append(name)
        else:
            path.write_text(svg)
            print(f"wrote {path}")
    if stale:
        print("stale: " + ", ".join(stale) + " (run python docs/scripts/make_graph_svgs.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
