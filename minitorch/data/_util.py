"""Argument checks shared by the data layer (one wording for every function)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int >= minimum; TypeError for non-integers (bools included)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} should be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} should be an integer >= {minimum}, got {value}")
    return int(value)


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """None or a non-negative int (what numpy's SeedSequence accepts)."""
    return None if seed is None else check_int(seed, name, 0)


def make_rng(seed: int | None, generator: Any = None) -> np.random.Generator:
    """The generator a function should draw from: its own seed, a given one, or the global one.

    The global generator is looked up at call time, so ``minitorch.manual_seed`` governs
    every unseeded draw.
    """
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator, not both")
    if seed is not None:
        return np.random.default_rng(check_seed(seed))
    from ..rng import Generator
    from ..rng import generator as numpy_generator

    if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
        raise TypeError(
            f"generator should be a minitorch.Generator (or a numpy Generator), got "
            f"{type(generator).__name__}; for a reproducible result pass seed=<int> instead"
        )
    return numpy_generator(generator)  # the global generator when None (looked up now)


def dataset_length(dataset: Any, who: str) -> int:
    """len(dataset), with an error that says what a map-style dataset needs."""
    try:
        return len(dataset)
    except TypeError:
        raise TypeError(
            f"{who} needs a map-style dataset (with __len__ and __getitem__), got "
            f"{type(dataset).__name__}; subclass minitorch.data.Dataset and define both"
        ) from None
