"""Cost of a LoRA training step next to a full and a frozen-body step (minitorch and PyTorch).

    python benchmarks/lora_step.py [--rounds 15] [--threads 1] [--rank 8] [--no-torch]

The network of docs/scripts/measure_freezing.py: 6 blocks (Linear 512 -> 512, BatchNorm1d,
ReLU) on a 784-feature input and a 10-way head, float32, batch of 256, Adam. Three ways:

- full fine-tuning: every parameter trainable;
- frozen body: only the head trains;
- LoRA: the body frozen, rank-``--rank`` adapters on its 6 Linear layers, head trainable.

One step is zero_grad, forward, loss, backward, optimizer step. Each value is the median
over ``--rounds`` timed steps after 3 warm-up steps; the ratio column divides by the full
step of the same framework. PyTorch (if installed) runs the same three models in the same
process, with a hand-written LoRA layer of the same shape, interleaved step by step.
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--no-torch", action="store_true")
    return parser.parse_args(argv)


BLOCKS, IN, WIDTH, CLASSES = 6, 784, 512, 10


def _minitorch_models(rank: int) -> dict:
    import minitorch as mt
    from minitorch import nn, optim

    def build():
        mt.manual_seed(0)
        layers = []
        for i in range(BLOCKS):
            layers += [nn.Linear(IN if i == 0 else WIDTH, WIDTH), nn.BatchNorm1d(WIDTH),
                       nn.ReLU()]
        return nn.Sequential(nn.Sequential(*layers), nn.Linear(WIDTH, CLASSES))

    full = build()
    frozen = build()
    nn.freeze(frozen[0])
    lora = build()
    nn.freeze(lora[0])
    nn.add_lora(lora, rank=rank, alpha=2 * rank, targets="0.*")
    models = {}
    for name, model in (("full", full), ("frozen body", frozen), ("LoRA", lora)):
        opt = optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y, model=model, opt=opt, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()

        models[name] = (step, nn.count_parameters(model)[0])
    return models


def _torch_models(rank: int) -> dict:
    import torch
    from torch import nn

    class LoRA(nn.Module):
        def __init__(self, base: nn.Linear) -> None:
            super().__init__()
            self.base = base
            base.requires_grad_(False)
            self.A = nn.Parameter(torch.empty(rank, base.in_features))
            nn.init.kaiming_uniform_(self.A, a=5 ** 0.5)
            self.B = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + (x @ self.A.T @ self.B.T) * 2.0

    def build():
        torch.manual_seed(0)
        layers = []
        for i in range(BLOCKS):
            layers += [nn.Linear(IN if i == 0 else WIDTH, WIDTH), nn.BatchNorm1d(WIDTH),
                       nn.ReLU()]
        return nn.Sequential(nn.Sequential(*layers), nn.Linear(WIDTH, CLASSES))

    full = build()
    frozen = build()
    frozen[0].requires_grad_(False)
    lora = build()
    lora[0].requires_grad_(False)
    for i in range(0, 3 * BLOCKS, 3):
        lora[0][i] = LoRA(lora[0][i])
    models = {}
    for name, model in (("full", full), ("frozen body", frozen), ("LoRA", lora)):
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y, model=model, opt=opt, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()

        models[name] = (step, sum(p.numel() for p in params))
    return models


def main(argv: list[str] | None = None) -> dict:
    args = _args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, IN)).astype(np.float32)
    y = rng.integers(0, CLASSES, args.batch)
    frameworks = {"minitorch": _minitorch_models(args.rank)}
    inputs = {}
    import minitorch as mt

    inputs["minitorch"] = (mt.tensor(x), mt.tensor(y))
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(args.threads)
            frameworks["torch"] = _torch_models(args.rank)
            inputs["torch"] = (torch.tensor(x), torch.tensor(y))
        except ImportError:
            print("PyTorch not installed: minitorch only", file=sys.stderr)
    times: dict = {fw: {name: [] for name in models} for fw, models in frameworks.items()}
    for r in range(3 + args.rounds):
        for fw, models in frameworks.items():
            for name, (step, _) in models.items():
                began = time.perf_counter()
                step(*inputs[fw])
                if r >= 3:
                    times[fw][name].append(time.perf_counter() - began)
    result: dict = {}
    print(f"one training step, batch {args.batch}, {BLOCKS} blocks of {WIDTH}, Adam, "
          f"LoRA rank {args.rank}, {args.threads} thread(s), median of {args.rounds}")
    header = "| model | trainable params |" + "".join(
        f" {fw} ms | {fw} / full |" for fw in frameworks)
    print(header)
    print("|" + "---|" * (2 + 2 * len(frameworks)))
    for name in frameworks["minitorch"]:
        cells = [name, f"{frameworks['minitorch'][name][1]:,}"]
        for fw in frameworks:
            value = float(np.median(times[fw][name])) * 1000
            full = float(np.median(times[fw]["full"])) * 1000
            result[(fw, name)] = value
            cells += [f"{value:.2f}", f"{value / full:.2f}x"]
        print("| " + " | ".join(cells) + " |")
    return result


if __name__ == "__main__":
    main()
