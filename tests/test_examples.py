"""The runnable examples: their printed numbers are real and their claims hold."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transfer_learning_example_learns_and_keeps_the_frozen_body(capsys):
    example = _load("transfer_learning")
    result = example.main(["--quiet", "--pretrain-epochs", "4", "--epochs", "10",
                           "--finetune-epochs", "5", "--seed", "1"])
    printed = capsys.readouterr().out
    assert result["body_unchanged_while_frozen"] is True
    assert result["source_accuracy"] > 0.9
    # chance is 0.2 on five classes: the frozen-body head must beat it by a wide margin
    assert result["frozen_head"]["accuracy"] > result["chance"] + 0.4
    assert result["finetuned"]["accuracy"] > result["chance"] + 0.4
    assert result["frozen_head"]["trainable"] < result["finetuned"]["trainable"]
    frozen_head, finetuned = result["frozen_head"], result["finetuned"]
    assert frozen_head["frozen"] == finetuned["trainable"] - frozen_head["trainable"]
    # the table shows the measured numbers, not made-up ones
    assert f"{result['frozen_head']['accuracy']:.3f}" in printed
    assert f"{result['scratch']['accuracy']:.3f}" in printed
    assert "After nn.freeze(model.body)" in printed and "Frozen params" in printed


def test_train_mlp_example_reaches_a_good_accuracy(capsys):
    result = _load("train_mlp").main(["--quiet", "--epochs", "5"])
    assert result["test_accuracy"] > 0.85
    assert f"{result['test_accuracy']:.3f}" in capsys.readouterr().out


def test_transfer_learning_runs_as_a_script():
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "transfer_learning.py"), "--quiet",
         "--pretrain-epochs", "1", "--epochs", "1", "--finetune-epochs", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "| frozen body + new head" in done.stdout


@pytest.mark.parametrize("flag", ["--labels-per-class", "--seed"])
def test_transfer_learning_rejects_bad_flags(flag):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "transfer_learning.py"), flag, "not-a-number"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "invalid int value" in done.stderr
