"""Multi-seed averages of the main example's table (the numbers the README quotes).

    OPENBLAS_NUM_THREADS=1 python docs/scripts/transfer_seeds.py [--seeds 0 1 2 3 4]
                                                                [example flags...]

Runs ``examples/transfer_learning.py`` once per seed (its output hidden) with the given
flags and prints, for each row of its table, the mean test accuracy over the seeds, the
lowest and highest, and how many seeds it beat training from scratch on. Accuracies are
deterministic with one BLAS thread; the script sets ``OPENBLAS_NUM_THREADS=1`` itself when
it is not set. Times are left out: they depend on the machine.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
ROWS = [("from scratch", "scratch"), ("frozen body + new head", "frozen_head"),
        ("+ full fine-tuning", "finetuned"), ("+ LoRA fine-tuning", "lora"),
        ("cached features + head", "cached")]


def _example():
    path = ROOT / "examples" / "transfer_learning.py"
    spec = importlib.util.spec_from_file_location("transfer_learning_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    spec.loader.exec_module(module)
    return module


def run(seeds: list[int], flags: list[str]) -> dict[str, list[float]]:
    """Test accuracy of each row, one value per seed."""
    example = _example()
    accuracies: dict[str, list[float]] = {key: [] for _, key in ROWS}
    for seed in seeds:
        with contextlib.redirect_stdout(io.StringIO()):
            result = example.main(["--quiet", "--seed", str(seed), *flags])
        for _, key in ROWS:
            accuracies[key].append(round(result[key]["accuracy"], 3))
    return accuracies


def table(seeds: list[int], accuracies: dict[str, list[float]]) -> str:
    scratch = accuracies["scratch"]
    lines = ["| method                   | mean accuracy | min   | max   | beats scratch |",
             "|--------------------------|---------------|-------|-------|---------------|"]
    for name, key in ROWS:
        values = accuracies[key]
        wins = sum(v > s for v, s in zip(values, scratch))
        beats = "-" if key == "scratch" else f"{wins} of {len(seeds)}"
        lines.append(f"| {name:<24} | {sum(values) / len(values):>13.3f} | {min(values):.3f} "
                     f"| {max(values):.3f} | {beats:>13} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args, flags = parser.parse_known_args(argv)
    accuracies = run(args.seeds, flags)
    shown = " ".join(flags) or "(defaults)"
    print(f"seeds {', '.join(map(str, args.seeds))}; example flags: {shown}")
    text = table(args.seeds, accuracies)
    print(text)
    return text


if __name__ == "__main__":
    main()
