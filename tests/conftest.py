"""Shared fixtures for the tests: seeded random data, and grad mode reset between tests."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

import minitorch as mt


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    """A test that fails inside no_grad() must not leave grad mode off for the next one."""
    yield
    mt.set_grad_enabled(True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def make(rng: np.random.Generator) -> Callable[..., mt.Tensor]:
    """``make(*shape, low=None, high=None)``: a float64 leaf that requires grad.

    Standard normal values by default, uniform in [low, high) when ``low`` is given.
    """

    def make(*shape: int, low: float | None = None, high: float = 1.0,
             requires_grad: bool = True) -> mt.Tensor:
        data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
        return mt.tensor(data, dtype=mt.float64, requires_grad=requires_grad)

    return make
