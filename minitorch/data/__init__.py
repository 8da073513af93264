"""Data loading: datasets, batching, splits, and small bundled data sets.

``minitorch.utils.data`` is another name for this module (PyTorch's spelling).

>>> import numpy as np
>>> from minitorch.data import DataLoader, TensorDataset
>>> x, y = np.random.rand(10, 3).astype(np.float32), np.arange(10)
>>> [xb.shape for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4)]
[(4, 3), (4, 3), (2, 3)]
"""
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .precompute import CachedFeatures, StaleFeaturesError, precompute
from .split import Split
from .synthetic import make_moons, make_spirals
from .tabular import load_breast_cancer, load_digits, load_iris, load_wine
from .transfer import TransferTask, digits_transfer

__all__ = [
    "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "DataLoader",
    "default_collate", "Split", "TransferTask", "load_digits", "load_iris",
    "load_breast_cancer", "load_wine", "make_moons", "make_spirals", "digits_transfer",
    "precompute", "CachedFeatures", "StaleFeaturesError",
]
