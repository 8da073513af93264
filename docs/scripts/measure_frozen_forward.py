"""Why a frozen body's forward pass is faster: not recording, or BatchNorm's stored statistics?

    python docs/scripts/measure_frozen_forward.py

The network of measure_freezing.py (6 blocks of Linear 512 -> 512, BatchNorm1d, ReLU on a
784-feature float32 batch of 256, a 10-way head), forward pass plus loss, four ways:

1. everything trainable: the graph is recorded and BatchNorm uses the batch's statistics;
2. body frozen, but its BatchNorm layers built with ``freeze_stats_when_frozen=False``:
   nothing recorded in the body, BatchNorm still computes (and tracks) batch statistics;
3. body frozen (the default): nothing recorded, BatchNorm normalises with its stored
   statistics;
4. everything trainable, forward under ``no_grad()`` in eval mode: nothing recorded,
   stored statistics (a reference).

It prints the fastest time of each and splits the difference between 1 and 3 into the
part that 1 -> 2 removes (recording the graph) and the part that 2 -> 3 removes (batch
statistics). docs/freezing.md quotes the split. One BLAS thread (set before numpy loads).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import fastest, machine, ms  # noqa: E402

import minitorch as mt  # noqa: E402
from minitorch import nn  # noqa: E402

BATCH, IN, WIDTH, DEPTH, CLASSES = 256, 784, 512, 6, 10


def build(freeze_stats: bool = True) -> nn.Sequential:
    mt.manual_seed(0)
    blocks: list[nn.Module] = []
    for i in range(DEPTH):
        blocks.append(nn.Sequential(
            nn.Linear(IN if i == 0 else WIDTH, WIDTH),
            nn.BatchNorm1d(WIDTH, freeze_stats_when_frozen=freeze_stats), nn.ReLU()))
    return nn.Sequential(*blocks, nn.Linear(WIDTH, CLASSES))


def rows(repeat: int = 31) -> list[tuple[str, float, int]]:
    """(case, fastest forward seconds, graph nodes recorded in the body)."""
    mt.manual_seed(1)
    x = mt.randn(BATCH, IN)
    y = mt.randint(0, CLASSES, (BATCH,))
    loss_fn = nn.CrossEntropyLoss()
    cases = []
    full = build()
    frozen_batch_stats = build(freeze_stats=False)
    nn.freeze(frozen_batch_stats[:DEPTH])
    frozen = build()
    nn.freeze(frozen[:DEPTH])
    reference = build().eval()

    def no_grad_forward():
        with mt.no_grad():
            return loss_fn(reference(x), y)

    plan = [
        ("everything trainable", lambda: loss_fn(full(x), y), full),
        ("body frozen, BatchNorm batch statistics", lambda: loss_fn(frozen_batch_stats(x), y),
         frozen_batch_stats),
        ("body frozen (stored statistics)", lambda: loss_fn(frozen(x), y), frozen),
        ("no_grad() + eval(), reference", no_grad_forward, reference),
    ]
    # timed in turns (round-robin), so that load from other processes slows all alike
    times = fastest(*(forward for _, forward, _ in plan), repeat=repeat)
    for (name, _, model), seconds in zip(plan, times):
        with mt.no_grad() if model is reference else _nothing():
            nodes = _count_nodes(model[:DEPTH](x))
        cases.append((name, seconds, nodes))
    return cases


class _nothing:  # noqa: N801 - a do-nothing context manager
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _count_nodes(t: mt.Tensor) -> int:
    seen, stack = set(), [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node is None or node in seen or not hasattr(node, "next_functions"):
            continue
        seen.add(node)
        stack.extend(edge for edge, _ in node.next_functions)
    return len(seen)


def main() -> None:
    cases = rows()
    print(machine())
    print("| forward pass + loss | nodes recorded in the body | fastest |")
    print("|---|---|---|")
    for name, seconds, nodes in cases:
        print(f"| {name} | {nodes} | {ms(seconds)} |")
    full, batch_stats, frozen = (seconds for _, seconds, _ in cases[:3])
    total = full - frozen
    recording, statistics = full - batch_stats, batch_stats - frozen
    print(f"\nfrozen body saves {ms(total)} per forward: not recording the graph "
          f"{ms(recording)} ({recording / total:.0%}), stored BatchNorm statistics "
          f"{ms(statistics)} ({statistics / total:.0%})")


if __name__ == "__main__":
    main()
