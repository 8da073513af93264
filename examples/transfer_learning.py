"""Transfer learning with frozen layers: pretrain on the digits, then a new task with few labels.

    python examples/transfer_learning.py [--pretrain-epochs 10] [--epochs 30]
                                         [--finetune-epochs 20] [--labels-per-class 5]
                                         [--task parity|digits5-9] [--lora-rank 8]
                                         [--seed 0] [--quiet]

1. Pretrain a network (a body and a head) on the source task: the ten digits (``--task
   parity``, the default) or the digits 0-4 (``--task digits5-9``).
2. Put a new head on the pretrained body for the target task: is a digit even or odd
   (or: which of 5-9 is it), with only ``--labels-per-class`` labelled images per digit,
   none of which the body saw; freeze the body (``summary()`` is printed before and
   after) and train the head alone.
3. Unfreeze the body and fine-tune everything with discriminative learning rates (low for
   the pretrained layers, high for the head), with the SAME optimizer: minitorch's
   optimizers skip frozen parameters, so one optimizer serves the whole run.
4. Instead of 3., fine-tune with low-rank adapters (LoRA): the body stays frozen and
   rank-``--lora-rank`` updates of its Linear layers train, with the head.
5. Cached features: run the frozen body once (``data.precompute``) and train the same new
   head on the stored features: what step 2 learns, without running the body every epoch.
6. For comparison, train the same network from scratch on the small target set.
A table compares them on the target test set.
"""
from __future__ import annotations

import argparse
import copy
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
    fastest = float(np.min(history["seconds"])) if epochs else 0.0
    return {"accuracy": accuracy, "epochs": epochs, "ms_per_epoch": seconds * 1000,
            "fastest_ms": fastest * 1000, "trainable": trainable, "frozen": frozen}


def parity_task(labels_per_class: int, seed: int) -> tuple[data.Split, data.Split]:
    """Source: the ten digits (to pretrain on); target: is a digit even or odd, from
    ``labels_per_class`` labelled images of each digit. The target's training images are
    taken out of the source, so the body never saw them; the test images are held out of
    both. Telling even from odd is hard from pixels and few labels (a 0 and an 8 look more
    alike than a 0 and a 2), and easy once you know which digit it is."""
    task = data.digits_transfer(source_classes=range(10), target_classes=range(10),
                                labels_per_class=labels_per_class, seed=seed)
    (xs, ys), (xt, yt) = task.source.train[:], task.target.train[:]
    xs_np, xt_np = xs.numpy(), xt.numpy()
    taken = (xs_np[:, None, :] == xt_np[None, :, :]).all(axis=2).any(axis=1)
    source = data.Split(name="digits[0-9]", train=data.TensorDataset(xs_np[~taken],
                                                                       ys.numpy()[~taken]),
                        test=task.source.test, mean=task.source.mean, std=task.source.std,
                        class_names=task.source.class_names,
                        feature_names=task.source.feature_names)
    x_test, y_test = task.target.test[:]
    target = data.Split(name="parity", train=data.TensorDataset(xt_np, yt.numpy() % 2),
                        test=data.TensorDataset(x_test.numpy(), y_test.numpy() % 2),
                        mean=task.target.mean, std=task.target.std, class_names=("even", "odd"),
                        feature_names=task.target.feature_names)
    return source, target


def lora_phase(model: nn.Module, rank: int, loader: data.DataLoader,
               test_loader: data.DataLoader, epochs: int) -> dict[str, float]:
    """Fine-tune ``model`` (frozen body, trained head) through LoRA adapters on its body."""
    nn.add_lora(model, rank=rank, alpha=2 * rank, targets="body.*")
    adapters = [p for n, p in model.named_parameters() if "lora_" in n]
    optimizer = optim.Adam([{"params": adapters, "lr": 1e-3},
                            {"params": list(model.head.parameters()), "lr": 1e-2}])
    return train_phase("LoRA fine-tuning", model, optimizer, loader, test_loader, epochs,
                       verbose=False)


def cached_phase(body: nn.Module, head: nn.Module, target: data.Split, epochs: int,
                 seed: int) -> dict[str, float]:
    """Train ``head`` on features that the frozen ``body`` computes once."""
    began = time.perf_counter()
    cached = data.precompute(body, data.DataLoader(target.train, batch_size=512))
    precompute_ms = (time.perf_counter() - began) * 1000
    test_features = data.precompute(body, data.DataLoader(target.test, batch_size=512))
    result = train_phase("cached features + new head", head,
                         optim.Adam(head.parameters(), lr=1e-2),
                         data.DataLoader(cached, batch_size=10, shuffle=True, seed=seed),
                         data.DataLoader(test_features, batch_size=512), epochs,
                         verbose=False)
    result["frozen"] = sum(nn.count_parameters(body))
    result["precompute_ms"] = precompute_ms
    print(f"  body features computed once, in {precompute_ms:.1f} ms")
    return result


def fine_tune_and_compare(body_state: dict, target: data.Split, args: argparse.Namespace,
                           hidden: int = 256) -> dict[str, object]:
    """Steps 2-4 on the target task from a pretrained body's state dict, and the table.

    Also used by examples/finetune_pytorch_weights.py (a body pretrained in PyTorch).
    """
    target_test = data.DataLoader(target.test, batch_size=512)

    # 2. A new head on the pretrained body; the body frozen.
    model = Net(target.num_features, target.num_classes, hidden)
    model.body.load_state_dict(body_state)
    initial_head = copy.deepcopy(model.head)   # the cached-features row starts from it
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
    after_head = copy.deepcopy(model)          # frozen body, trained head: LoRA starts here
    cached = cached_phase(model.body, initial_head, target, args.epochs, args.seed)

    # 3. Unfreeze and fine-tune everything, same optimizer, discriminative learning rates.
    nn.unfreeze(model.body)
    finetuned = train_phase("full fine-tuning", model, optimizer, loader, target_test,
                            args.finetune_epochs, verbose=False)
    # 4. Or LoRA: the body stays frozen, low-rank adapters of its Linear layers train.
    lora = lora_phase(after_head, getattr(args, "lora_rank", 8), loader, target_test,
                      args.finetune_epochs)

    # 4. Baseline: the same network from scratch on the small target set, same budget.
    mt.manual_seed(args.seed)
    scratch_model = Net(target.num_features, target.num_classes, hidden)
    scratch = train_phase("from scratch", scratch_model,
                          optim.Adam(scratch_model.parameters(), lr=1e-3), loader, target_test,
                          args.epochs + args.finetune_epochs, verbose=False)

    rows = [("from scratch", scratch), ("frozen body + new head", frozen_head),
            ("+ full fine-tuning", finetuned), ("+ LoRA fine-tuning", lora),
            ("cached features + head", cached)]
    print(f"\nTarget task ({', '.join(target.class_names)}), "
          f"{args.labels_per_class} labels per digit, test set of {len(target.test)} images:")
    print(f"| {'method':<24} | {'epochs':>6} | {'trainable params':>16} | "
          f"{'ms/epoch':>8} | {'test accuracy':>13} |")
    print(f"|{'-' * 26}|{'-' * 8}|{'-' * 18}|{'-' * 10}|{'-' * 15}|")
    for name, r in rows:
        print(f"| {name:<24} | {r['epochs']:>6} | {r['trainable']:>16,} | "
              f"{r['ms_per_epoch']:>8.1f} | {r['accuracy']:>13.3f} |")
    speedup = frozen_head["fastest_ms"] / max(cached["fastest_ms"], 1e-9)
    print(f"\nCached features: the head trains {speedup:.1f}x faster per epoch than with the "
          f"frozen body in the loop (fastest epochs: {cached['fastest_ms']:.2f} vs "
          f"{frozen_head['fastest_ms']:.2f} ms), after computing them once in "
          f"{cached['precompute_ms']:.1f} ms.")
    return {"scratch": scratch, "frozen_head": frozen_head, "finetuned": finetuned,
            "lora": lora, "cached": cached, "cached_speedup": speedup,
            "body_unchanged_while_frozen": body_unchanged}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30, help="epochs of head training")
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--labels-per-class", type=int, default=5)
    parser.add_argument("--lora-rank", type=int, default=8)
    parser.add_argument("--task", choices=("parity", "digits5-9"), default="parity",
                        help="parity: pretrain on the ten digits, then tell even from odd "
                             "(transfer helps); digits5-9: pretrain on 0-4, classify 5-9")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    began = time.perf_counter()

    mt.manual_seed(args.seed)
    if args.task == "parity":
        source, target = parity_task(args.labels_per_class, args.seed)
    else:
        task = data.digits_transfer(labels_per_class=args.labels_per_class, seed=args.seed)
        source, target = task.source, task.target
    print(f"source task: digits {', '.join(source.class_names)}, {len(source.train)} training "
          f"images; target task: {', '.join(target.class_names)}, "
          f"{len(target.train)} labelled images ({args.labels_per_class} per digit)")

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
