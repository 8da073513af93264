"""The main example's LoRA and cached-features rows, and the multi-seed script."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str):
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lora_and_cached_rows(capsys):
    example = _load(ROOT / "examples" / "transfer_learning.py", "example_rows")
    result = example.main(["--quiet", "--pretrain-epochs", "3", "--epochs", "6",
                           "--finetune-epochs", "3", "--seed", "2"])
    printed = capsys.readouterr().out
    frozen, cached, lora, full = (result[k] for k in ("frozen_head", "cached", "lora",
                                                      "finetuned"))
    # the head on cached features learns what the head on the frozen body learns
    assert abs(cached["accuracy"] - frozen["accuracy"]) <= 0.005
    assert cached["trainable"] == frozen["trainable"] == 514      # a 256 -> 2 head
    # LoRA: rank-8 adapters on the two body layers (8 * (64 + 256) + 8 * (256 + 256)) + head
    assert lora["trainable"] == 8 * (64 + 256) + 8 * (256 + 256) + 514 < full["trainable"]
    assert lora["accuracy"] > result["chance"] + 0.3
    assert result["cached_speedup"] > 0                            # measured, not asserted
    assert "| + LoRA fine-tuning       |" in printed and "| cached features + head   |" in printed
    assert f"{result['cached_speedup']:.1f}x faster per epoch" in printed


def test_seed_script_averages_what_the_example_prints(capsys):
    script = _load(ROOT / "docs" / "scripts" / "transfer_seeds.py", "transfer_seeds")
    flags = ["--pretrain-epochs", "2", "--epochs", "3", "--finetune-epochs", "2"]
    text = script.main(["--seeds", "3", "4", *flags])
    runs = script.run([3, 4], flags)
    means = {key: sum(v) / 2 for key, v in runs.items()}
    assert f"| from scratch             | {means['scratch']:>13.3f} |" in text
    assert f"| + LoRA fine-tuning       | {means['lora']:>13.3f} |" in text
