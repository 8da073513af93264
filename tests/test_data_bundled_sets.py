"""Bundled data sets: sizes, dtypes, train-only standardisation, the digits transfer pair."""
import numpy as np
import pytest

import minitorch as mt
from minitorch.data import (
    DataLoader,
    Split,
    TensorDataset,
    digits_transfer,
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_moons,
    make_spirals,
)

TABLES = [
    # loader, samples, features, classes
    (load_digits, 1797, 64, 10),
    (load_iris, 150, 4, 3),
    (load_breast_cancer, 569, 30, 2),
    (load_wine, 178, 13, 3),
]


def _arrays(dataset):
    x, y = dataset.tensors
    return x.numpy(), y.numpy()


def _check_split(split, n, features, classes):
    assert isinstance(split, Split)
    assert isinstance(split.train, TensorDataset) and isinstance(split.test, TensorDataset)
    assert len(split.train) + len(split.test) == n
    assert split.num_features == features and split.num_classes == classes
    x_train, y_train = _arrays(split.train)
    x_test, y_test = _arrays(split.test)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert x_train.shape == (len(split.train), features)
    assert set(np.unique(y_train)) == set(range(classes)) == set(np.unique(y_test))
    # standardised with train statistics: train columns have mean 0 and std 1 (or are
    # constant and map to 0); test columns are close but not forced to exactly that
    varying = x_train.std(axis=0) > 0
    assert np.allclose(x_train.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(x_train.std(axis=0)[varying], 1, atol=1e-3)
    assert np.all(x_train[:, ~varying] == 0)
    assert not np.allclose(x_test.mean(axis=0)[varying], 0, atol=1e-4)
    return x_train, y_train, x_test, y_test


@pytest.mark.parametrize("loader, n, features, classes", TABLES)
def test_tabular_loaders(loader, n, features, classes):
    split = loader()
    x_train, y_train, x_test, y_test = _check_split(split, n, features, classes)
    assert len(split.test) == int(np.ceil(0.25 * n))
    # stratified: each class has about the same share in train and test
    share_train = np.bincount(y_train) / len(y_train)
    share_test = np.bincount(y_test) / len(y_test)
    assert np.abs(share_train - share_test).max() < 0.05
    assert len(split.class_names) == classes and len(split.feature_names) == features
    # reproducible for a seed, different for another
    again_x, _ = _arrays(loader().train)
    other_x, _ = _arrays(loader(seed=1).train)
    assert np.array_equal(x_train, again_x) and not np.array_equal(x_train, other_x)


def test_statistics_come_from_the_train_split_only():
    from sklearn.datasets import load_wine as sk_load_wine
    from sklearn.model_selection import train_test_split

    split = load_wine(test_size=0.5, seed=3)
    raw = sk_load_wine()
    raw_train, raw_test = train_test_split(raw.data, test_size=0.5, random_state=3,
                                           stratify=raw.target)[:2]
    assert np.allclose(split.mean, raw_train.mean(axis=0), rtol=1e-6)
    assert np.allclose(split.std, raw_train.std(axis=0), rtol=1e-6)
    assert not np.allclose(split.mean, raw.data.mean(axis=0), rtol=1e-3)
    x_test, _ = _arrays(split.test)
    assert np.allclose(x_test, (raw_test - split.mean) / split.std, atol=1e-5)


def test_transform_standardises_new_raw_features():
    from sklearn.datasets import load_iris as sk_load_iris

    split = load_iris(seed=0)
    raw = sk_load_iris().data
    out = split.transform(raw)
    assert isinstance(out, mt.Tensor) and out.dtype == mt.float32 and out.shape == (150, 4)
    assert np.allclose(out.numpy(), (raw - split.mean) / split.std, atol=1e-5)
    assert np.allclose(split.transform(mt.tensor(raw)).numpy(), out.numpy())


def test_test_size_as_a_count():
    split = load_iris(test_size=30)
    assert len(split.test) == 30 and len(split.train) == 120


def test_moons_and_spirals():
    moons = make_moons(200, noise=0.1, seed=0)
    _check_split(moons, 200, 2, 2)
    spirals = make_spirals(50, n_classes=4, noise=0.1, seed=0)
    _check_split(spirals, 200, 2, 4)
    again = make_spirals(50, n_classes=4, noise=0.1, seed=0)
    assert np.array_equal(_arrays(spirals.train)[0], _arrays(again.train)[0])
    noisy = make_spirals(50, n_classes=4, noise=0.5, seed=0)
    assert not np.array_equal(_arrays(spirals.train)[0], _arrays(noisy.train)[0])


@pytest.mark.parametrize("call, error", [
    (lambda: make_spirals(1), ValueError),
    (lambda: make_spirals(10, n_classes=1), ValueError),
    (lambda: make_spirals(10, noise=-0.1), ValueError),
    (lambda: make_moons(2.5), TypeError),
    (lambda: load_iris(seed=-1), ValueError),
])
def test_synthetic_argument_errors(call, error):
    with pytest.raises(error):
        call()


def test_digits_transfer_tasks():
    task = digits_transfer(labels_per_class=10, seed=0)
    source, target = task.source, task.target
    src_x, src_y = _arrays(source.train)
    tgt_x, tgt_y = _arrays(target.train)
    _, src_test_y = _arrays(source.test)
    _, tgt_test_y = _arrays(target.test)
    assert source.class_names == ("0", "1", "2", "3", "4")
    assert target.class_names == ("5", "6", "7", "8", "9")
    assert np.bincount(tgt_y).tolist() == [10] * 5  # labels_per_class, renumbered 0..4
    assert set(src_y) == set(src_test_y) == set(tgt_test_y) == set(range(5))
    # one global split: the test sets of both tasks together are the full digits test split
    full = load_digits(seed=0)
    assert len(source.test) + len(target.test) == len(full.test)
    assert len(source.train) + sum(np.bincount(_arrays(full.train)[1])[5:]) == len(full.train)
    # the shared standardisation is fitted on the source training images
    assert source.mean is target.mean and source.std is target.std
    varying = src_x.std(axis=0) > 0
    assert np.allclose(src_x.mean(axis=0), 0, atol=1e-4)
    assert not np.allclose(tgt_x.mean(axis=0)[varying], 0, atol=0.05)
    # batches feed a DataLoader directly
    xb, yb = next(iter(DataLoader(target.train, batch_size=16, shuffle=True, seed=0)))
    assert xb.shape == (16, 64) and yb.dtype == mt.int64


def test_digits_transfer_options():
    task = digits_transfer((3, 8), (1, 7, 9), labels_per_class=None, seed=2)
    assert task.source.num_classes == 2 and task.target.num_classes == 3
    _, y = _arrays(task.target.train)
    assert np.bincount(y).min() > 100  # None: every training image of the target digits
    a = digits_transfer(labels_per_class=3, seed=1)
    b = digits_transfer(labels_per_class=3, seed=1)
    c = digits_transfer(labels_per_class=3, seed=2)
    assert np.array_equal(_arrays(a.target.train)[0], _arrays(b.target.train)[0])
    assert not np.array_equal(_arrays(a.target.train)[0], _arrays(c.target.train)[0])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"source_classes": (0,)}, ValueError, "source_classes"),
    ({"target_classes": (5, 5, 6)}, ValueError, "target_classes"),
    ({"target_classes": (5, 10)}, ValueError, "target_classes"),
    ({"labels_per_class": 0}, ValueError, "labels_per_class"),
    ({"labels_per_class": 1000}, ValueError, "only .* images of digit"),
])
def test_digits_transfer_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        digits_transfer(**kwargs)
