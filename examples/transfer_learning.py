"""Transfer learning with frozen layers: pretrain on digits 0-4, fine-tune on 5-9 with few labels.

    python examples/transfer_learning.py [--pretrain-epochs 10] [--epochs 30]
                                         [--finetune-epochs 20] [--labels-per-class 10]
                                         [--seed 0] [--quiet]

1. Pretrain a network (a body and a 5-way head) on the source digits 0-4.
2. Put a new head on the pretrained body for the target digits 5-9, of which only
   ``--labels-per-class`` labelled images per class are available; freeze the body
   (``summary()`` is printed before and after) and train the head alone.
3. Unfreeze the body and fine-tune everything with discriminative learning rates (low for
   the pretrained layers, high for the head), with the SAME optimizer: minitorch's
   optimizers skip frozen parameters, so one optimizer serves the whole run.
4. For comparison, train the same network from scratch on the small target set.
A table compares the three on the target test set.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import minitorch as mt
from minitorch import data, nn, optim
from minitorch.train import evaluate, fit


class Net(nn.Module):
    """A body that learns features and a head that maps them to classes."""

    def __init__(self, num_features: int, num_classes: int, hidden: int = 256) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(num_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
        )
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.head(self.body(x))


def snapshot(module: nn.Module) -> dict[str, np.ndarray]:
    """Copies of every parameter and buffer, to check later that nothing moved."""
    return {name: value.numpy().copy() for name, value in module.state_dict().items()}


def unchanged(before: dict[str, np.ndarray], module: nn.Module) -> bool:
    return all(np.array_equal(before[k], v) for k, v in snapshot(module).items())


def train_phase(name: str, model: nn.Module, optimizer: optim.Optimizer,
                loader: data.DataLoader, test_loader: data.DataLoader, epochs: int,
                verbose: bool) -> dict[str, float]:
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs,
                  verbose=verbose)
    accuracy = evaluate(model, nn.CrossEntropyLoss(), test_loader)["accuracy"]
    trainable, frozen = nn.count_parameters(model)
    seconds = float(np.median(history["seconds"])) if epochs else 0.0
    print(f"{name}: test accuracy {accuracy:.3f} after {epochs} epochs "
          f"({seconds * 1000:.1f} ms/epoch, {trainable:,} trainable / {frozen:,} frozen)")
    return {"accuracy": accuracy, "epochs": epochs, "ms_per_epoch": seconds * 1000,
            "trainable": trainable, "frozen": frozen}


def fine_tune_and_compare(body_state: dict, target: data.Split, args: argparse.Namespace,
                           hidden: int = 256) -> dict[str, object]:
    """Steps 2-4 on the target task from a pretrained body's state dict, and the table.

    Also used by examples/finetune_pytorch_weights.py (a body pretrained in PyTorch).
    """
    target_test = data.DataLoader(target.test, batch_size=512)

    # 2. A new head on the pretrained body; the body frozen.
    model = Net(target.num_features, target.num_classes, hidden)
    model.body.load_state_dict(body_state)
    print("Before freezing:")
    print(nn.summary(model, input_shape=(2, target.num_features)))
    nn.freeze(model.body)
    print("\nAfter nn.freeze(model.body):")
    print(nn.summary(model, input_shape=(2, target.num_features)), "\n")

    # One optimizer for the whole run: a param group per layer, learning rates spaced
    # geometrically from 1e-4 (first pretrained layer) to 1e-2 (the new head).
    layers = [*model.body, model.head]
    optimizer = optim.Adam(optim.discriminative_param_groups(layers, lr=slice(1e-4, 1e-2)))
    loader = data.DataLoader(target.train, batch_size=10, shuffle=True, seed=args.seed)
    body_before = snapshot(model.body)
    frozen_head = train_phase("frozen body + new head", model, optimizer, loader, target_test,
                              args.epochs, verbose=False)
    body_unchanged = unchanged(body_before, model.body)
    print(f"  body unchanged while frozen (weights and batch-norm statistics): {body_unchanged}")

    # 3. Unfreeze and fine-tune everything, same optimizer, discriminative learning rates.
    nn.unfreeze(model.body)
    finetuned = train_phase("full fine-tuning", model, optimizer, loader, target_test,
                            args.finetune_epochs, verbose=False)

    # 4. Baseline: the same network from scratch on the small target set, same budget.
    mt.manual_seed(args.seed)
    scratch_model = Net(target.num_features, target.num_classes, hidden)
    scratch = train_phase("from scratch", scratch_model,
                          optim.Adam(scratch_model.parameters(), lr=1e-3), loader, target_test,
                          args.epochs + args.finetune_epochs, verbose=False)

    rows = [("from scratch", scratch), ("frozen body + new head", frozen_head),
            ("+ full fine-tuning", finetuned)]
    print(f"\nTarget task (digits {', '.join(target.class_names)}), "
          f"{args.labels_per_class} labels per class, test set of {len(target.test)} images:")
    print(f"| {'method':<24} | {'epochs':>6} | {'trainable params':>16} | "
          f"{'ms/epoch':>8} | {'test accuracy':>13} |")
    print(f"|{'-' * 26}|{'-' * 8}|{'-' * 18}|{'-' * 10}|{'-' * 15}|")
    for name, r in rows:
        print(f"| {name:<24} | {r['epochs']:>6} | {r['trainable']:>16,} | "
              f"{r['ms_per_epoch']:>8.1f} | {r['accuracy']:>13.3f} |")
    return {"scratch": scratch, "frozen_head": frozen_head, "finetuned": finetuned,
            "body_unchanged_while_frozen": body_unchanged}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30, help="epochs of head training")
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    began = time.perf_counter()

    mt.manual_seed(args.seed)
    task = data.digits_transfer(labels_per_class=args.labels_per_class, seed=args.seed)
    source, target = task.source, task.target
    print(f"source task: digits {', '.join(source.class_names)}, {len(source.train)} training "
          f"images; target task: digits {', '.join(target.class_names)}, "
          f"{len(target.train)} labelled images ({args.labels_per_class} per class)")

    # 1. Pretrain body + head on the source task.
    pretrained = Net(source.num_features, source.num_classes)
    fit(pretrained, nn.CrossEntropyLoss(), optim.Adam(pretrained.parameters(), lr=1e-3),
        data.DataLoader(source.train, batch_size=32, shuffle=True, seed=args.seed),
        epochs=args.pretrain_epochs, verbose=not args.quiet)
    source_accuracy = evaluate(pretrained, nn.CrossEntropyLoss(),
                               data.DataLoader(source.test, batch_size=512))["accuracy"]
    print(f"pretrained on the source task: test accuracy {source_accuracy:.3f}\n")

    results = fine_tune_and_compare(pretrained.body.state_dict(), target, args)
    print(f"\ntotal time {time.perf_counter() - began:.1f} s")
    return {"source_accuracy": source_accuracy, **results, "chance": 1 / target.num_classes}


if __name__ == "__main__":
    main()
