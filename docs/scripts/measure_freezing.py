"""What freezing saves: graph size, memory and time of a training step, frozen vs full.

    python docs/scripts/measure_freezing.py

A network of 6 hidden layers (Linear 512 -> 512, BatchNorm1d, ReLU) on a 784-feature input
and a 10-way head, float32, batch of 256, trained with Adam, four ways:

- full fine-tuning (everything trainable);
- the first half of the body frozen (``freeze_to``), the rest trainable;
- the whole body frozen, only the head trainable;
- the body's features computed under ``no_grad()`` (as when caching them), head trained.

For each: trainable parameters, recorded graph nodes, bytes saved for backward, memory
kept after the forward pass and peak memory during forward + backward (tracemalloc), and
the fastest time of the forward pass, the backward pass and the optimizer step. The
numbers quoted in docs/freezing.md come from this script.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

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
from minitorch import nn, optim  # noqa: E402

BATCH, IN, WIDTH, DEPTH, CLASSES = 256, 784, 512, 6, 10
REPEAT = 21


def build() -> nn.Sequential:
    mt.manual_seed(0)
    blocks: list[nn.Module] = []
    for i in range(DEPTH):
        blocks.append(nn.Sequential(nn.Linear(IN if i == 0 else WIDTH, WIDTH),
                                    nn.BatchNorm1d(WIDTH), nn.ReLU()))
    return nn.Sequential(*blocks, nn.Linear(WIDTH, CLASSES))


def measure(name: str, model: nn.Sequential, forward: Callable[[], mt.Tensor],
            repeat: int) -> list[str]:
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def fresh_forward() -> mt.Tensor:
        model.zero_grad()
        return forward()

    def step() -> None:
        fresh_forward().backward()
        optimizer.step()

    step()  # optimizer state exists before anything is measured
    kept, _, loss = retained_bytes(forward)
    nodes, saved = graph_stats(loss)
    del loss
    _, peak, _ = retained_bytes(lambda: fresh_forward().backward())
    # optimizer.step() alone reuses the gradients of the last backward pass.
    t_forward, t_backward, t_step = fastest(
        forward, (fresh_forward, lambda loss: loss.backward()), optimizer.step, repeat=repeat)
    trainable, frozen = nn.count_parameters(model)
    return [name, f"{trainable:,}", str(nodes), mib(saved), mib(kept), mib(peak),
            ms(t_forward), ms(t_backward), ms(t_step)]


HEADER = ["training step", "trainable params", "graph nodes", "saved by the nodes",
          "kept after forward", "peak during forward + backward", "forward", "backward",
          "optimizer step"]


def rows(repeat: int = REPEAT) -> list[list[str]]:
    """One row per way of training (see the module docstring)."""
    model = build()
    x = mt.randn(BATCH, IN)
    y = mt.randint(0, CLASSES, (BATCH,))
    loss_fn = nn.CrossEntropyLoss()
    body = nn.Sequential(*list(model)[:-1])
    head = model[-1]

    def forward() -> mt.Tensor:
        return loss_fn(model(x), y)

    def forward_cached_features() -> mt.Tensor:
        with mt.no_grad():
            features = body(x)
        return loss_fn(head(features), y)

    result = []
    nn.unfreeze(model)
    result.append(measure("full fine-tuning", model, forward, repeat))
    nn.freeze_to(model, DEPTH // 2)
    result.append(measure(f"first {DEPTH // 2} of {DEPTH} blocks frozen", model, forward,
                          repeat))
    nn.freeze_to(model, -1)
    result.append(measure("body frozen, head trained", model, forward, repeat))
    result.append(measure("body under no_grad(), head trained", model,
                          forward_cached_features, repeat))
    return result


def main() -> None:
    print(f"Measured on: {machine()}; fastest of {REPEAT} runs.\n")
    print(f"{DEPTH} blocks of Linear({WIDTH}) + BatchNorm1d + ReLU on {IN} inputs, head "
          f"Linear({WIDTH}, {CLASSES}); batch {BATCH}, float32, Adam.\n")
    print(table(HEADER, rows()))


if __name__ == "__main__":
    main()
