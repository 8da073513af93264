"""Differential fuzzing: random tensor programs give the same results in minitorch and PyTorch.

A fixed budget of derandomized programs (``PROGRAMS``) runs in CI, so a run is repeatable;
``python scripts/fuzz.py ops --seed N --programs M`` runs more with another seed. What a
program is and what is compared: tests/fuzz_ops.py.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

# numpy's and PyTorch's warnings for nan/inf cases are part of what the programs exercise
pytestmark = pytest.mark.filterwarnings("ignore")

import fuzz_ops  # noqa: E402, I001 - tests/ is on sys.path (rootdir conftest)

PROGRAMS = 250
CI_SETTINGS = settings(max_examples=PROGRAMS, derandomize=True, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck), print_blob=False)


def test_op_list_covers_the_public_functions():
    """Every public function and common Tensor method is drawn by the fuzzer (or listed as
    not drawn, with the reason)."""
    import minitorch.functions as F

    drawn = " ".join(fuzz_ops.OP_NAMES)
    not_drawn = {
        "is_tensor": "not a tensor op", "numel": "an int; shape is compared",
        "allclose": "a bool of a comparison; eq/lt/ne are drawn", "equal": "same",
        "bmm": "3-d only; matmul is drawn on batches", "mm": "matmul is drawn",
        "gather": "needs an index tensor of matching shape (tested on its own)",
        "index_select": "needs an index tensor (tested on its own)",
        "concat": "an alias of cat", "clip": "an alias of clamp",
        "min": "min_dim is drawn", "mul": "drawn as *", "div": "drawn as /",
        "sub": "drawn as -", "pow": "drawn as **", "matmul": "drawn as @",
    }
    missing = [n for n in F.__all__ if n not in drawn and n not in not_drawn]
    assert not missing, f"ops the fuzzer never draws: {missing}"


@given(st.data())
@CI_SETTINGS
def check_random_programs(data):
    fuzz_ops.run_program(data)


def test_random_programs_match_pytorch():
    """Run in a fresh process, so that the programs start from minitorch's and PyTorch's
    defaults whatever global state earlier tests of the suite leave behind (seeds, grad
    mode, warnings filters); hypothesis's report of a failing program comes back in the
    assertion message."""
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    code = ("import warnings; warnings.simplefilter('ignore'); "
            "import test_fuzz_ops_vs_torch as t; t.check_random_programs()")
    done = subprocess.run([sys.executable, "-c", code], cwd=here, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-6000:]
