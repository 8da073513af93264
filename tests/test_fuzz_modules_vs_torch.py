"""Differential fuzzing: random training programs (layers, losses, freeze/unfreeze,
optimizer steps) give the same parameters after every step in minitorch and PyTorch.

A fixed budget of derandomized programs (``PROGRAMS``) runs in CI; ``python scripts/fuzz.py
modules --seed N --programs M`` runs more. What a program is: tests/fuzz_modules.py.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

# numpy's and PyTorch's warnings for nan/inf cases are part of what the programs exercise
pytestmark = pytest.mark.filterwarnings("ignore")

import fuzz_modules  # noqa: E402, I001 - tests/ is on sys.path (rootdir conftest)

PROGRAMS = 40
CI_SETTINGS = settings(max_examples=PROGRAMS, derandomize=True, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck), print_blob=False)


@given(st.data())
@CI_SETTINGS
def test_random_training_programs_match_pytorch(data):
    fuzz_modules.run_program(data)
