"""Train a small MLP on scikit-learn's handwritten digits (8x8) and print test accuracy.

    python examples/train_mlp.py [--epochs 20] [--seed 0] [--quiet]
"""
from __future__ import annotations

import argparse
import time

import minitorch as mt
from minitorch import data, nn, optim
from minitorch.train import evaluate, fit


def build_mlp(num_features: int, num_classes: int, hidden: int = 128) -> nn.Module:
    return nn.Sequential(
        nn.Linear(num_features, hidden), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, num_classes),
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    mt.manual_seed(args.seed)
    digits = data.load_digits(seed=args.seed)
    train_loader = data.DataLoader(digits.train, batch_size=32, shuffle=True, seed=args.seed)
    test_loader = data.DataLoader(digits.test, batch_size=256)
    model = build_mlp(digits.num_features, digits.num_classes)
    print(model)

    began = time.perf_counter()
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                  train_loader, epochs=args.epochs, val_loader=test_loader,
                  verbose=not args.quiet)
    seconds = time.perf_counter() - began
    scores = evaluate(model, nn.CrossEntropyLoss(), test_loader)
    print(f"trained {args.epochs} epochs in {seconds:.1f} s; final train loss "
          f"{history['loss'][-1]:.4f}; test accuracy {scores['accuracy']:.3f}")
    return {"test_accuracy": scores["accuracy"], "seconds": seconds}


if __name__ == "__main__":
    main()
