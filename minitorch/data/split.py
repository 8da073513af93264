"""Split: a train/test pair of TensorDatasets standardised with train-only statistics."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tensor import Tensor, unwrap, wrap
from .dataset import TensorDataset


@dataclass(frozen=True, repr=False, eq=False)
class Split:
    """What every bundled loader returns.

    ``train`` and ``test`` are TensorDatasets of ``(features, label)``: features float32,
    standardised with ``mean`` and ``std`` (numpy float32 arrays) computed on the train
    split only, so no statistic of the test data leaks into training; labels int64 in
    ``0 .. num_classes - 1``, named by ``class_names``. :meth:`transform` applies the same
    standardisation to new raw features.

    >>> from minitorch.data import load_iris
    >>> split = load_iris()
    >>> split
    Split('iris', train=112, test=38, features=4, classes=3)
    >>> x, y = split.train[0]
    >>> x.dtype, y.dtype
    (minitorch.float32, minitorch.int64)
    """

    name: str
    train: TensorDataset
    test: TensorDataset
    mean: np.ndarray
    std: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]

    @property
    def num_features(self) -> int:
        return self.mean.shape[0]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def transform(self, features: Any) -> Tensor:
        """Standardise raw features (an array, tensor or nested list) like the splits."""
        raw = unwrap(features) if isinstance(features, Tensor) else np.asarray(features)
        return wrap(((raw - self.mean) / self.std).astype(np.float32))

    def __repr__(self) -> str:
        return (
            f"Split({self.name!r}, train={len(self.train)}, test={len(self.test)}, "
            f"features={self.num_features}, classes={self.num_classes})"
        )


def fit_standardization(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and std (float32); a constant feature gets std 1, so it maps to 0."""
    mean = features.mean(axis=0)
    std = features.std(axis=0)
    std[std == 0] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def tensor_dataset(features: np.ndarray, labels: np.ndarray, mean: np.ndarray,
                   std: np.ndarray) -> TensorDataset:
    """A TensorDataset of standardised float32 features and int64 labels."""
    x = ((features - mean) / std).astype(np.float32)
    return TensorDataset(np.ascontiguousarray(x), labels.astype(np.int64))


def stratified_split(features: np.ndarray, labels: np.ndarray, test_size: float | int,
                     seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's stratified ``train_test_split``: (x_train, x_test, y_train, y_test)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(features, labels, test_size=test_size, random_state=seed,
                            stratify=labels)


def make_split(name: str, features: np.ndarray, labels: np.ndarray, class_names: Any,
               feature_names: Any, test_size: float | int, seed: int) -> Split:
    """Stratified split, standardisation fitted on the train part, both as TensorDatasets."""
    x_train, x_test, y_train, y_test = stratified_split(features, labels, test_size, seed)
    mean, std = fit_standardization(x_train)
    return Split(
        name=name,
        train=tensor_dataset(x_train, y_train, mean, std),
        test=tensor_dataset(x_test, y_test, mean, std),
        mean=mean,
        std=std,
        class_names=tuple(str(c) for c in class_names),
        feature_names=tuple(str(f) for f in feature_names),
    )
