"""A transfer-learning task pair from the digits: pretrain on some digits, fine-tune on others."""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._util import check_int, check_seed
from .split import Split, fit_standardization, stratified_split, tensor_dataset


@dataclass(frozen=True, repr=False, eq=False)
class TransferTask:
    """A source task to pretrain on and a target task with few labels to fine-tune on.

    Both are :class:`Split` objects sharing one standardisation (``mean``/``std``).
    """

    source: Split
    target: Split

    def __repr__(self) -> str:
        return f"TransferTask(source={self.source!r}, target={self.target!r})"


def _check_classes(classes: Sequence[int], name: str) -> tuple[int, ...]:
    classes = tuple(classes)
    if len(classes) < 2 or len(set(classes)) != len(classes) or not all(
        isinstance(c, numbers.Integral) and not isinstance(c, bool) and 0 <= c <= 9
        for c in classes
    ):
        raise ValueError(f"{name} should be at least two distinct digits 0..9, got {classes}")
    return tuple(int(c) for c in classes)


def _task(name: str, classes: tuple[int, ...], x_train: np.ndarray, y_train: np.ndarray,
          x_test: np.ndarray, y_test: np.ndarray, mean: np.ndarray, std: np.ndarray,
          feature_names: tuple[str, ...]) -> Split:
    """The rows of ``classes``, labels renumbered 0..len(classes)-1 in the given order."""
    relabel = np.full(10, -1)
    relabel[list(classes)] = np.arange(len(classes))
    keep_train, keep_test = np.isin(y_train, classes), np.isin(y_test, classes)
    return Split(
        name=name,
        train=tensor_dataset(x_train[keep_train], relabel[y_train[keep_train]], mean, std),
        test=tensor_dataset(x_test[keep_test], relabel[y_test[keep_test]], mean, std),
        mean=mean,
        std=std,
        class_names=tuple(str(c) for c in classes),
        feature_names=feature_names,
    )


def _few_per_class(labels: np.ndarray, classes: tuple[int, ...], k: int | None,
                   rng: np.random.Generator) -> np.ndarray:
    """Indices of ``k`` random rows of each class (all rows when ``k`` is None), sorted."""
    picked = []
    for c in classes:
        rows = np.flatnonzero(labels == c)
        if k is not None and k > rows.size:
            raise ValueError(
                f"labels_per_class={k} but the training split has only {rows.size} images of "
                f"digit {c}; lower labels_per_class or test_size"
            )
        picked.append(rows if k is None else rng.choice(rows, k, replace=False))
    return np.sort(np.concatenate(picked))


def digits_transfer(
    source_classes: Sequence[int] = (0, 1, 2, 3, 4),
    target_classes: Sequence[int] = (5, 6, 7, 8, 9),
    labels_per_class: int | None = 10,
    test_size: float | int = 0.25,
    seed: int = 0,
) -> TransferTask:
    """Pretrain on ``source_classes`` of the digits, fine-tune on ``target_classes``.

    All 1,797 images are first split once into train and test (stratified, ``test_size``,
    ``seed``), so no test image of either task is ever a training image of either task.
    ``source`` holds every train / test image of the source digits. ``target.train`` holds
    only ``labels_per_class`` random training images per target digit (None: all of them),
    ``target.test`` every test image of the target digits. Labels are renumbered
    ``0..len(classes)-1`` in the order given (``class_names`` keeps the digits), so a
    pretrained network's output layer can be replaced by a same-sized head.

    Both tasks are standardised with the mean and std of the *source* training images: the
    pretrained network's inputs keep the scale it learned on (as ImageNet statistics are
    kept when fine-tuning), and a few dozen target images would give noisy statistics.

    >>> task = digits_transfer(labels_per_class=5)
    >>> task.source
    Split('digits[0, 1, 2, 3, 4]', train=675, test=226, features=64, classes=5)
    >>> len(task.target.train), task.target.class_names
    (25, ('5', '6', '7', '8', '9'))
    """
    from sklearn.datasets import load_digits

    source_classes = _check_classes(source_classes, "source_classes")
    target_classes = _check_classes(target_classes, "target_classes")
    if labels_per_class is not None:
        labels_per_class = check_int(labels_per_class, "labels_per_class", 1)
    seed = check_seed(seed)

    bunch = load_digits()
    x_train, x_test, y_train, y_test = stratified_split(bunch.data, bunch.target, test_size, seed)
    mean, std = fit_standardization(x_train[np.isin(y_train, source_classes)])
    names = tuple(bunch.feature_names)
    source = _task(f"digits{list(source_classes)}", source_classes, x_train, y_train, x_test,
                   y_test, mean, std, names)
    few = _few_per_class(y_train, target_classes, labels_per_class, np.random.default_rng(seed))
    target = _task(f"digits{list(target_classes)}", target_classes, x_train[few], y_train[few],
                   x_test, y_test, mean, std, names)
    return TransferTask(source=source, target=target)
