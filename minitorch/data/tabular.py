"""Classic small tables bundled with scikit-learn: digits, iris, breast cancer, wine.

Nothing is downloaded: scikit-learn ships these files. scikit-learn is imported inside the
functions, so ``import minitorch`` stays fast. See datasets/README.md for sources and licenses.
"""
from __future__ import annotations

from ._util import check_seed
from .split import Split, make_split


def _load(name: str, test_size: float | int, seed: int) -> Split:
    from sklearn import datasets as sk_datasets

    bunch = getattr(sk_datasets, f"load_{name}")()
    return make_split(name, bunch.data, bunch.target, bunch.target_names,
                      bunch.feature_names, test_size, check_seed(seed))


def load_digits(test_size: float | int = 0.25, seed: int = 0) -> Split:
    """Handwritten digits: 1,797 grey 8x8 images (64 features, 0..16), 10 classes.

    Stratified train/test split (``test_size`` a fraction or a count, ``seed`` fixes it);
    features standardised with train statistics; see :class:`Split`.

    >>> split = load_digits()
    >>> split, split.class_names[:3]
    (Split('digits', train=1347, test=450, features=64, classes=10), ('0', '1', '2'))
    """
    return _load("digits", test_size, seed)


def load_iris(test_size: float | int = 0.25, seed: int = 0) -> Split:
    """Iris flowers: 150 samples, 4 measurements (cm), 3 species of 50.

    >>> load_iris().class_names
    ('setosa', 'versicolor', 'virginica')
    """
    return _load("iris", test_size, seed)


def load_breast_cancer(test_size: float | int = 0.25, seed: int = 0) -> Split:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 features, malignant (0) / benign (1).

    >>> load_breast_cancer()
    Split('breast_cancer', train=426, test=143, features=30, classes=2)
    """
    return _load("breast_cancer", test_size, seed)


def load_wine(test_size: float | int = 0.25, seed: int = 0) -> Split:
    """Wines from three cultivars: 178 samples, 13 chemical measurements.

    >>> load_wine()
    Split('wine', train=133, test=45, features=13, classes=3)
    """
    return _load("wine", test_size, seed)
