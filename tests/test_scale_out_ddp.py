"""examples/scale_out_ddp.py runs (2 processes, gloo on localhost, small settings): the
frozen body is bit-identical after distributed training, DDP synchronised only the
trainable tensors, every process ends with the same head, and the evaluation of the model
brought back with from_torch equals PyTorch's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "scale_out_ddp.py"


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                    reason="this PyTorch build has no gloo backend")
def test_ddp_example_keeps_the_frozen_body_and_agrees_with_pytorch(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quiet", "--world-size", "2", "--pretrain-epochs", "2",
         "--epochs", "2", "--hidden", "32", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "frozen body bit-identical after distributed training: True" in out, out
    assert "every process holds the same trained head: True" in out, out
    assert "evaluations agree: True" in out, out
    # The files on disk say the same: rank reports, and the weights before and after.
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert all(r["frozen_identical"] and r["frozen_have_no_grad"] for r in reports)
    assert all(r["ddp_synchronised_tensors"] in (2, -1) for r in reports)  # head only
    assert reports[0]["logits_allclose"]
    assert reports[0]["torch_accuracy"] == reports[0]["minitorch_accuracy"] > 0.5

    from minitorch.interop import load_safetensors

    start = load_safetensors(tmp_path / "start.safetensors")
    trained = load_safetensors(tmp_path / "trained.safetensors")
    assert start.keys() == trained.keys()
    body = [k for k in start if k.startswith("body.")]
    assert len(body) == 14  # 2 Linear (w, b) + 2 BatchNorm (w, b, mean, var, count)
    for key in body:
        assert np.array_equal(start[key].numpy(), trained[key].numpy()), key
    assert not np.array_equal(start["head.weight"].numpy(), trained["head.weight"].numpy())
