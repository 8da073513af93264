"""The runnable examples: their printed numbers are real and their claims hold."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minitorch import nn

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transfer_learning_example_learns_and_keeps_the_frozen_body(capsys, monkeypatch):
    example = _load("transfer_learning")
    # The test checks the frozen body itself rather than trusting the example's own flag:
    # snapshot every parameter and buffer of what the example freezes, when it freezes it
    # and again when it unfreezes it.
    snapshots = {}

    def state(module):
        return {k: v.numpy().copy() for k, v in module.state_dict().items()}

    def spy(name, original):
        def wrapper(target):
            snapshots[name] = (target, state(target))
            return original(target)
        return wrapper

    monkeypatch.setattr(nn, "freeze", spy("freeze", nn.freeze))
    monkeypatch.setattr(nn, "unfreeze", spy("unfreeze", nn.unfreeze))
    result = example.main(["--quiet", "--pretrain-epochs", "4", "--epochs", "10",
                           "--finetune-epochs", "5", "--seed", "1"])
    printed = capsys.readouterr().out
    (frozen_body, at_freeze), (unfrozen_body, at_unfreeze) = (snapshots["freeze"],
                                                               snapshots["unfreeze"])
    assert frozen_body is unfrozen_body and at_freeze.keys() == at_unfreeze.keys()
    assert any("running_mean" in k for k in at_freeze)  # BatchNorm statistics included
    for key in at_freeze:
        np.testing.assert_array_equal(at_freeze[key], at_unfreeze[key], err_msg=key)
    assert not all(np.array_equal(at_unfreeze[k], v)  # fine-tuning did move it afterwards
                   for k, v in state(unfrozen_body).items())
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


# ------------------------------------------------------------ the README's table, rerun
README = EXAMPLES.parent / "README.md"
VOLATILE = ("ms", "time", "second", "/s", "speed")  # columns that depend on the machine


def _table(text: str, first_header: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the first Markdown table whose first header cell is ``first_header``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells and cells[0] == first_header:
            rows = []
            for row in lines[i + 2:]:
                if not row.lstrip().startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return cells, rows
    raise AssertionError(f"no table with a {first_header!r} column")


def _documented_run() -> tuple[dict[str, str], list[str]]:
    """The environment and flags the README says its table comes from.

    The README names them next to the table: "with the default flags (`--seed 0`,
    `OPENBLAS_NUM_THREADS=1`)" or, in a later version, more flags in backquotes.
    """
    text = README.read_text()
    start = text.index("## What the main example shows")
    section = text[start:text.index("```text", start)]
    quoted = re.findall(r"`([^`]+)`", section)
    env = {k: v for q in quoted for k, v in re.findall(r"\b([A-Z_]+)=(\S+)", q)}
    flags = [tok for q in quoted if q.startswith("--") for tok in q.split()]
    return env, flags


def test_readme_table_is_what_the_example_prints():
    """Rerun the main example as the README documents it and compare every row of its
    table with the README's, except the columns that are times (they depend on the
    machine)."""
    env, flags = _documented_run()
    assert env.get("OPENBLAS_NUM_THREADS") == "1", "the README must name its setting"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "transfer_learning.py"), "--quiet", *flags],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, **env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    header, readme_rows = _table(README.read_text(), "method")
    printed_header, printed_rows = _table(done.stdout, "method")
    assert printed_header == header, (printed_header, header)
    keep = [i for i, name in enumerate(header) if not any(v in name for v in VOLATILE)]
    assert len(keep) >= 3 and any("accuracy" in header[i] for i in keep)

    def stable(rows):
        return [[row[i] for i in keep] for row in rows]

    assert stable(printed_rows) == stable(readme_rows), (
        "README.md's table is not what `OPENBLAS_NUM_THREADS=1 python "
        "examples/transfer_learning.py` prints now: paste its table into the README\n"
        + done.stdout[-3000:]
    )
