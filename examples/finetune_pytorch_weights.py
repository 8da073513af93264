"""Fine-tune weights pretrained in PyTorch, in minitorch, without PyTorch installed.

    python examples/finetune_pytorch_weights.py [--weights FILE] [--epochs 30]
                                                [--finetune-epochs 20] [--labels-per-class 10]
                                                [--seed 0] [--quiet]

(``--weights`` defaults to datasets/pretrained_digits_mlp.safetensors.)

The weights file was made by PyTorch code (datasets/make_pretrained_digits.py: an MLP
pretrained on the digits 0-4 and saved with ``safetensors.torch.save_file``). Here it is
read with ``minitorch.interop.load_safetensors`` (no torch import: this script runs on a
machine without PyTorch), loaded into examples/transfer_learning.py's ``Net`` (the keys
are PyTorch's state-dict names, the same in both), checked on the source task, and then
fine-tuned exactly like the main example: new head on the frozen body, then full
fine-tuning with discriminative learning rates, against training from scratch; the same
table is printed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from minitorch import data, nn
from minitorch.interop import load_safetensors
from minitorch.interop.header import read_header
from minitorch.train import evaluate

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
from transfer_learning import Net, fine_tune_and_compare  # noqa: E402

DEFAULT_WEIGHTS = HERE.parent / "datasets" / "pretrained_digits_mlp.safetensors"


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--epochs", type=int, default=30, help="epochs of head training")
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="(no progress bars are shown)")
    args = parser.parse_args(argv)
    began = time.perf_counter()

    task = data.digits_transfer(labels_per_class=args.labels_per_class, seed=args.seed)
    source, target = task.source, task.target
    print(f"source task: digits {', '.join(source.class_names)}; target task: digits "
          f"{', '.join(target.class_names)}, {len(target.train)} labelled images "
          f"({args.labels_per_class} per class)")

    # 1. The network pretrained in PyTorch, read without PyTorch.
    weights = load_safetensors(args.weights)
    about = read_header(args.weights).metadata
    hidden = weights["body.0.weight"].shape[0]
    pretrained = Net(source.num_features, source.num_classes, hidden)
    pretrained.load_state_dict(weights)  # strict: every PyTorch name matches
    source_accuracy = evaluate(pretrained, nn.CrossEntropyLoss(),
                               data.DataLoader(source.test, batch_size=512))["accuracy"]
    print(f"loaded {args.weights.name} ({about.get('description', 'no description')}; "
          f"PyTorch {about.get('torch_version', '?')})")
    print(f"pretrained in PyTorch, evaluated in minitorch on the source task: test accuracy "
          f"{source_accuracy:.4f} (PyTorch measured {about.get('source_test_accuracy', '?')})"
          f"\n")

    # 2.-4. As in examples/transfer_learning.py: frozen body + new head, full fine-tuning,
    # from scratch; the same table.
    results = fine_tune_and_compare(pretrained.body.state_dict(), target, args, hidden=hidden)
    print(f"\ntotal time {time.perf_counter() - began:.1f} s")
    return {"source_accuracy": source_accuracy,
            "recorded_source_accuracy": about.get("source_test_accuracy"), **results,
            "chance": 1 / target.num_classes}


if __name__ == "__main__":
    main()
