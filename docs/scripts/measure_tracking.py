"""What tracking gradients costs: graph nodes, saved bytes, memory and time of a forward pass.

    python docs/scripts/measure_tracking.py

1. An MLP (784 -> 512 -> 512 -> 10, ReLU, cross-entropy) on a float32 batch of 256: the
   forward pass with the parameters requiring grad (a training step), the same model under
   ``no_grad()`` (evaluation), and the model with every parameter frozen.
2. A chain of 2,000 small ops on a 16-element tensor, where the per-op bookkeeping of
   recording a graph node dominates.

The numbers quoted in docs/requires_grad.md come from this script.
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import (  # noqa: E402
    fastest,
    graph_stats,
    machine,
    mib,
    ms,
    retained_bytes,
    table,
)

import minitorch as mt  # noqa: E402
from minitorch import nn  # noqa: E402

BATCH, SIZES = 256, (784, 512, 512, 10)
REPEAT = 41


def build_mlp() -> tuple[nn.Module, mt.Tensor, mt.Tensor]:
    mt.manual_seed(0)
    layers: list[nn.Module] = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    return model, mt.randn(BATCH, SIZES[0]), mt.randint(0, SIZES[-1], (BATCH,))


def mlp_rows(repeat: int = REPEAT) -> tuple[list[list[str]], float]:
    """The MLP table's rows, and the backward time of the training case."""
    model, x, y = build_mlp()
    loss_fn = nn.CrossEntropyLoss()

    def forward() -> mt.Tensor:
        return loss_fn(model(x), y)

    def case(mode: Callable[[], Any], trainable: bool) -> Callable[[], mt.Tensor]:
        def run() -> mt.Tensor:
            model.requires_grad_(trainable)
            with mode():
                return forward()
        return run

    def training_forward() -> mt.Tensor:
        model.requires_grad_(True)
        model.zero_grad()
        return forward()

    cases = [
        ("parameters require grad (training)", case(contextlib.nullcontext, True)),
        ("same model under `no_grad()`", case(mt.no_grad, True)),
        ("every parameter `requires_grad=False`", case(contextlib.nullcontext, False)),
    ]
    *times, backward = fastest(*(run for _, run in cases),
                               (training_forward, lambda loss: loss.backward()), repeat=repeat)
    rows = []
    for (name, run), seconds in zip(cases, times):
        kept, peak, loss = retained_bytes(run)
        nodes, saved = graph_stats(loss)
        rows.append([name, str(nodes), mib(saved), mib(kept), mib(peak), ms(seconds)])
        del loss
    return rows, backward


MLP_HEADER = ["forward pass", "graph nodes", "saved by the nodes", "kept after forward",
              "peak during forward", "forward time"]
CHAIN_HEADER = ["2,000 ops on 16 numbers", "graph nodes", "forward time"]


def chain_rows(repeat: int = REPEAT, length: int = 1000) -> list[list[str]]:
    x = mt.randn(16)
    tracked = x.detach().requires_grad_()

    def chain(t: mt.Tensor) -> mt.Tensor:
        for _ in range(length):
            t = (t * 0.999).tanh()
        return t.sum()

    def chain_no_grad() -> mt.Tensor:
        with mt.no_grad():
            return chain(tracked)

    nodes, _ = graph_stats(chain(tracked))
    times = fastest(lambda: chain(x), lambda: chain(tracked), chain_no_grad, repeat=repeat)
    names = ["input does not require grad", "input requires grad",
             "input requires grad, under `no_grad()`"]
    return [[name, str(n), ms(t)] for name, n, t in zip(names, [0, nodes, 0], times)]


def main() -> None:
    print(f"Measured on: {machine()}; fastest of {REPEAT} runs.\n")
    print(f"MLP {' -> '.join(map(str, SIZES))}, batch {BATCH}, float32:\n")
    rows, backward = mlp_rows()
    print(table(MLP_HEADER, rows))
    print(f"\nBackward of the training case: {ms(backward)} more (none is possible in the "
          "other two cases).\n")
    print(table(CHAIN_HEADER, chain_rows()))


if __name__ == "__main__":
    main()
