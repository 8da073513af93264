"""How long minitorch.viz takes on large graphs, and what viz.record() costs.

    python docs/scripts/measure_viz.py

Times vary with the machine; node counts do not. Graphs are chains of n multiplications
(n op boxes, one leaf, one output), and an MLP's training loss for the recording cost.
"""
from __future__ import annotations

import time

from _measure import fastest, machine, ms

import minitorch as mt
from minitorch import nn, viz


def chain(n: int) -> mt.Tensor:
    t = mt.tensor(1.0, requires_grad=True)
    u = t
    for _ in range(n):
        u = u * 1.0001
    return u


def seconds(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    print(machine())
    print("| recorded ops | build the graph model | built-in SVG | DOT text |")
    print("|---|---|---|---|")
    for n in (100, 1_000, 10_000):
        out = chain(n)
        build = seconds(lambda out=out: viz.graph(out, engine="builtin", max_nodes=20_000))
        g = viz.graph(out, engine="builtin", max_nodes=20_000)
        svg = seconds(g.svg)
        dot = seconds(g.to_dot)
        print(f"| {n:,} | {build:.2f} s | {svg:.2f} s | {dot:.2f} s |")
    g = viz.graph(chain(10_000), engine="builtin")
    print(f"10,000 ops with the default max_nodes={g.max_nodes:,}: summarised, SVG in "
          f"{seconds(g.svg):.2f} s")

    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    x, y = mt.randn(32, 64), mt.randint(0, 10, (32,))
    loss_fn = nn.CrossEntropyLoss()

    def recorded():
        with viz.record(model):
            loss_fn(model(x), y)

    plain, inside = fastest(lambda: loss_fn(model(x), y), recorded, repeat=30)
    print(f"MLP forward, plain: {ms(plain)}; inside viz.record(model): {ms(inside)}")


if __name__ == "__main__":
    main()
