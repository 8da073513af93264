"""Make datasets/pretrained_digits_mlp.safetensors: an MLP pretrained in PyTorch.

    python datasets/make_pretrained_digits.py [--epochs 10] [--hidden 128] [--seed 0]
                                              [--out datasets/pretrained_digits_mlp.safetensors]

This is "a model from elsewhere": plain PyTorch code (torch.nn, torch.optim, a manual
loop), trained on the digits source task (digits 0-4) of
``minitorch.data.digits_transfer(seed=0)``, the same split and standardisation as
examples/transfer_learning.py, and saved with ``safetensors.torch.save_file``. The
network is examples/transfer_learning.py's ``Net`` (two Linear + BatchNorm1d + ReLU
blocks as ``body``, a Linear ``head``), with PyTorch's state-dict names.
examples/finetune_pytorch_weights.py fine-tunes it in minitorch, without PyTorch.

Deterministic for one PyTorch version and machine (one thread, fixed seeds); the file's
metadata records the settings, the PyTorch version and the source-task test accuracy,
which tests/test_finetune_pytorch_weights.py checks the weights reproduce in minitorch.
"""
from __future__ import annotations

import argparse
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from minitorch.data import digits_transfer

DEFAULT_OUT = Path(__file__).resolve().parent / "pretrained_digits_mlp.safetensors"


def make_net(num_features: int, num_classes: int, hidden: int) -> torch.nn.Module:
    body = torch.nn.Sequential(
        torch.nn.Linear(num_features, hidden), torch.nn.BatchNorm1d(hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.BatchNorm1d(hidden), torch.nn.ReLU(),
    )
    return torch.nn.Sequential(OrderedDict(body=body,
                                           head=torch.nn.Linear(hidden, num_classes)))


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    source = digits_transfer(seed=args.seed).source
    x_train, y_train = (t.numpy() for t in source.train.tensors)
    x_test, y_test = (t.numpy() for t in source.test.tensors)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)

    model = make_net(source.num_features, source.num_classes, args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    for _ in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x_test)).numpy()
    accuracy = float((logits.argmax(1) == y_test).mean())
    metadata = {
        "description": "MLP pretrained in PyTorch on digits 0-4 (minitorch.data."
                       "digits_transfer source task); made by datasets/make_pretrained_digits.py",
        "classes": ",".join(source.class_names),
        "epochs": str(args.epochs), "hidden": str(args.hidden), "seed": str(args.seed),
        "torch_version": torch.__version__,
        "source_test_accuracy": f"{accuracy:.4f}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), str(args.out), metadata=metadata)
    size = args.out.stat().st_size
    print(f"source task test accuracy {accuracy:.4f}; wrote {args.out} ({size / 1024:.0f} KiB)")
    return {"accuracy": accuracy, "path": str(args.out), "bytes": size,
            "parameters": int(sum(np.prod(p.shape) for p in model.parameters()))}


if __name__ == "__main__":
    main()
