"""Synthetic 2-D classification problems: two moons and interleaved spirals."""
from __future__ import annotations

import numpy as np

from ._util import check_int, check_seed
from .split import Split, make_split

_XY = ("x", "y")


def _check_noise(noise: float) -> float:
    if not noise >= 0:
        raise ValueError(f"noise should be a standard deviation >= 0, got {noise}")
    return float(noise)


def make_moons(n_samples: int = 1000, noise: float = 0.1, test_size: float | int = 0.25,
               seed: int = 0) -> Split:
    """Two interleaving half circles (scikit-learn's ``make_moons``), 2 classes.

    ``noise`` is the std of Gaussian noise added to the points; ``seed`` fixes both the
    points and the split. Features are standardised with train statistics (see :class:`Split`).

    >>> make_moons(200, noise=0.2)
    Split('moons', train=150, test=50, features=2, classes=2)
    """
    from sklearn.datasets import make_moons as sk_make_moons

    n_samples = check_int(n_samples, "n_samples", 4)
    seed = check_seed(seed)
    x, y = sk_make_moons(n_samples, noise=_check_noise(noise), random_state=seed)
    return make_split("moons", x, y, ("0", "1"), _XY, test_size, seed)


def spiral_points(n_per_class: int, n_classes: int, noise: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``n_classes`` spiral arms (float64) and their arm numbers.

    The radius grows from 0 to 1 along each arm while the angle turns 4 radians (the
    CS231n construction); the arms start at evenly spaced angles, and ``noise`` is the std
    of Gaussian noise added to the angle.
    """
    labels = np.repeat(np.arange(n_classes), n_per_class)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    angle = 2 * np.pi * labels / n_classes + 4.0 * radius
    angle += noise * rng.standard_normal(labels.size)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points, labels


def make_spirals(n_per_class: int = 300, n_classes: int = 3, noise: float = 0.2,
                 test_size: float | int = 0.25, seed: int = 0) -> Split:
    """Interleaved spiral arms, one class per arm: not linearly separable, a good MLP test.

    >>> make_spirals(100, n_classes=3)
    Split('spirals', train=225, test=75, features=2, classes=3)
    """
    n_per_class = check_int(n_per_class, "n_per_class", 2)
    n_classes = check_int(n_classes, "n_classes", 2)
    seed = check_seed(seed)
    x, y = spiral_points(n_per_class, n_classes, _check_noise(noise), np.random.default_rng(seed))
    names = tuple(str(c) for c in range(n_classes))
    return make_split("spirals", x, y, names, _XY, test_size, seed)
