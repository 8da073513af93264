"""The shipped PyTorch-pretrained weights, and the example that fine-tunes them without
PyTorch (run with ``import torch`` made impossible)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from minitorch import data, nn
from minitorch.interop import load_safetensors
from minitorch.interop.header import read_header
from minitorch.train import evaluate

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "datasets" / "pretrained_digits_mlp.safetensors"
EXAMPLE = ROOT / "examples" / "finetune_pytorch_weights.py"

# Runs the example as __main__ with every import of torch refused.
NO_TORCH = textwrap.dedent("""
    import importlib.abc, runpy, sys

    class NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ImportError("PyTorch is blocked in this test: " + name)
            return None

    sys.meta_path.insert(0, NoTorch())
    sys.argv = [{script!r}, *{argv!r}]
    runpy.run_path({script!r}, run_name="__main__")
    assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules)
    print("NO TORCH IMPORTED")
""")


def test_the_weights_file_is_small_and_has_pytorch_names():
    assert WEIGHTS.stat().st_size < 300_000
    header = read_header(WEIGHTS)
    assert "body.1.num_batches_tracked" in header.tensors and "head.weight" in header.tensors
    assert header.metadata["classes"] == "0,1,2,3,4"


def test_the_weights_reproduce_the_accuracy_pytorch_recorded():
    weights = load_safetensors(WEIGHTS)
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from transfer_learning import Net
    finally:
        sys.path.remove(str(ROOT / "examples"))
    source = data.digits_transfer(seed=0).source
    model = Net(source.num_features, source.num_classes, weights["body.0.weight"].shape[0])
    model.load_state_dict(weights)
    accuracy = evaluate(model, nn.CrossEntropyLoss(),
                        data.DataLoader(source.test, batch_size=512))["accuracy"]
    assert f"{accuracy:.4f}" == read_header(WEIGHTS).metadata["source_test_accuracy"]
    assert accuracy > 0.95


def test_the_example_runs_without_pytorch():
    code = NO_TORCH.format(script=str(EXAMPLE),
                           argv=["--epochs", "3", "--finetune-epochs", "2"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "NO TORCH IMPORTED" in out
    assert "| frozen body + new head" in out and "| from scratch" in out
    assert "body unchanged while frozen (weights and batch-norm statistics): True" in out


def test_the_torch_blocker_really_blocks():
    code = NO_TORCH.format(script="-", argv=[]).split("sys.argv")[0] + "import torch\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "PyTorch is blocked" in done.stderr


def test_the_maker_script_trains_and_writes_a_loadable_file(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "w.safetensors"
    done = subprocess.run([sys.executable, str(ROOT / "datasets" / "make_pretrained_digits.py"),
                           "--epochs", "1", "--hidden", "16", "--out", str(out)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    made = load_safetensors(out)
    assert made.keys() == load_safetensors(WEIGHTS).keys()
    assert made["body.0.weight"].shape == (16, 64)
    assert float(read_header(out).metadata["source_test_accuracy"]) > 0.5
    assert not np.array_equal(made["head.bias"].numpy(), np.zeros(5, np.float32))
