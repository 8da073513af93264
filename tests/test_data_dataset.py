"""TensorDataset, Subset, ConcatDataset, random_split, default_collate and the utils alias."""
import subprocess
import sys

import numpy as np
import pytest

import minitorch as mt
from minitorch.data import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def test_tensor_dataset_keeps_dtypes_and_shares_numpy_memory():
    x = np.zeros((4, 3), dtype=np.float64)
    y = np.arange(4, dtype=np.int64)
    ds = TensorDataset(x, y, mt.ones(4, 2))
    assert len(ds) == 4
    assert [t.dtype for t in ds.tensors] == [mt.float64, mt.int64, mt.float32]
    x[2, 1] = 5.0
    xi, yi, oi = ds[2]
    assert xi.shape == (3,) and xi.tolist() == [0.0, 5.0, 0.0]
    assert yi.shape == () and yi.item() == 2 and yi.dtype == mt.int64
    assert oi.shape == (2,)
    assert ds[-1][1].item() == 3
    with pytest.raises(IndexError):
        ds[4]


def test_tensor_dataset_iterates_like_a_sequence():
    ds = TensorDataset(np.arange(3))
    assert [sample[0].item() for sample in ds] == [0, 1, 2]


def test_tensor_dataset_errors_name_the_problem():
    with pytest.raises(ValueError, match="Size mismatch.*tensor 0 has 3, tensor 1 has 4"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match="argument 1 is a list"):
        TensorDataset(np.zeros(2), [1, 2])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(mt.tensor(1.0))
    with pytest.raises(TypeError, match="not supported"):
        TensorDataset(np.array(["a", "b"]))


def test_subset_and_its_errors():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, np.array([3, 1]))
    assert len(sub) == 2 and sub[1][0].item() == 10
    assert Subset(ds, mt.tensor([9]))[0][0].item() == 90
    with pytest.raises(IndexError, match="length 10"):
        Subset(ds, [0, 10])
    assert len(Subset(ds, [])) == 0


def test_concat_dataset_and_add():
    a, b = TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 12))
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [both[i][0].item() for i in range(5)] == [0, 1, 2, 10, 11]
    assert both[-1][0].item() == 11
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(ValueError):
        ConcatDataset([])


def test_dataset_base_requires_getitem():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("lengths, sizes", [
    ([7, 3], [7, 3]),
    ([0.7, 0.3], [7, 3]),
    ([0.33, 0.33, 0.34], [4, 3, 3]),  # floors 3,3,3; the remainder goes to the first split
    ([1.0], [10]),
    ([10, 0], [10, 0]),
])
def test_random_split_sizes_and_disjointness(lengths, sizes):
    parts = random_split(range(10), lengths, seed=0)
    assert [len(p) for p in parts] == sizes
    seen = [i for p in parts for i in p]
    assert sorted(seen) == list(range(10))


def test_random_split_is_reproducible_and_random():
    ds = TensorDataset(np.arange(100))
    a = [p.indices.tolist() for p in random_split(ds, [50, 50], seed=1)]
    b = [p.indices.tolist() for p in random_split(ds, [50, 50], seed=1)]
    c = [p.indices.tolist() for p in random_split(ds, [50, 50], seed=2)]
    assert a == b and a != c and a[0] != list(range(50))
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert [p.indices.tolist() for p in random_split(ds, [50, 50], generator=g1)] == \
        [p.indices.tolist() for p in random_split(ds, [50, 50], generator=g2)]
    mt.manual_seed(4)
    d = [p.indices.tolist() for p in random_split(ds, [0.5, 0.5])]
    mt.manual_seed(4)
    assert d == [p.indices.tolist() for p in random_split(ds, [0.5, 0.5])]


@pytest.mark.parametrize("lengths, error", [
    ([3, 3], ValueError),
    ([6, 5], ValueError),
    ([0.5, 0.6], ValueError),
    ([0.5, 0.4], ValueError),
    ([8, 0.2], ValueError),
    ([12, -2], ValueError),
    ([], ValueError),
    (["5", "5"], TypeError),
])
def test_random_split_rejects_wrong_lengths(lengths, error):
    with pytest.raises(error, match="random_split"):
        random_split(range(10), lengths, seed=0)


def test_random_split_warns_about_an_empty_fraction():
    with pytest.warns(UserWarning, match="empty"):
        random_split(range(2), [0.1, 0.1, 0.8], seed=0)


def test_random_split_sizes_match_pytorch():
    torch = pytest.importorskip("torch")
    for n, fractions in [(10, [0.33, 0.33, 0.34]), (17, [0.5, 0.25, 0.25]), (101, [0.8, 0.2])]:
        ours = [len(p) for p in random_split(range(n), fractions, seed=0)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


def test_default_collate_numbers_arrays_and_structures():
    batch = default_collate([
        (np.float64(1.5), 1.5, 2, True, "a", {"k": np.zeros(2, dtype=np.int32)}),
        (np.float64(2.5), 2.5, 3, False, "b", {"k": np.ones(2, dtype=np.int32)}),
    ])
    assert isinstance(batch, tuple)
    f64, f32, ints, bools, strings, mapping = batch
    assert f64.dtype == mt.float64 and f64.tolist() == [1.5, 2.5]
    assert f32.dtype == mt.float32  # Python floats follow minitorch.tensor, not torch's float64
    assert ints.dtype == mt.int64 and bools.dtype == mt.bool
    assert strings == ["a", "b"]
    assert mapping["k"].shape == (2, 2) and mapping["k"].dtype == mt.int32


def test_default_collate_keeps_named_tuples_and_gradients():
    from collections import namedtuple

    Pair = namedtuple("Pair", "x y")
    out = default_collate([Pair(mt.zeros(2), 0), Pair(mt.ones(2), 1)])
    assert isinstance(out, Pair) and out.x.shape == (2, 2)
    w = mt.ones(2, requires_grad=True)
    stacked = default_collate([w * 2, w * 3])
    stacked.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"equal size.*\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="number of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="can't batch samples of type object"):
        default_collate([object(), object()])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])


def test_utils_data_is_another_name_for_data():
    import minitorch.data
    import minitorch.utils.data
    from minitorch.utils.data import DataLoader, TensorDataset

    assert TensorDataset is minitorch.data.TensorDataset
    assert DataLoader is minitorch.data.DataLoader
    assert set(minitorch.utils.data.__all__) == set(minitorch.data.__all__)
    assert all(hasattr(minitorch.utils.data, name) for name in minitorch.data.__all__)


def test_importing_the_data_layer_does_not_import_scikit_learn():
    code = (
        "import sys, minitorch, minitorch.data, minitorch.utils.data; "
        "print(any(m.split('.')[0] in ('sklearn', 'scipy') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
