"""DataLoader: coverage of every sample, batch counts, reproducible shuffles, errors."""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitorch as mt
from minitorch.data import DataLoader, Dataset, Subset, TensorDataset


def _ids(n):
    """A dataset whose sample i is (features [i, -i] float32, label i int64)."""
    x = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    return TensorDataset(x, np.arange(n))


def _epoch(loader):
    """The label order of one epoch, checking each batch's features match its labels."""
    order = []
    for x, y in loader:
        assert np.array_equal(x.numpy()[:, 0], y.numpy())
        order.extend(y.tolist())
    return order


class Plain(Dataset):
    """A Python dataset (no batched fetch): the per-sample path and default_collate."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.array([i, -i], dtype=np.float32), i


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans(), plain=st.booleans())
def test_every_sample_once_per_epoch_and_batch_counts(n, batch_size, shuffle, drop_last, plain):
    assume(not (drop_last and n < batch_size))  # no batch, with a warning (test_exceptions_parity)
    dataset = Plain(n) if plain else _ids(n)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                        seed=7)
    for _ in range(2):
        sizes, order = [], []
        for x, y in loader:
            sizes.append(len(y))
            assert np.array_equal(x.numpy()[:, 0], y.numpy())
            order.extend(y.tolist())
        full, rest = divmod(n, batch_size)
        expected = [batch_size] * full + ([rest] if rest and not drop_last else [])
        assert sizes == expected
        assert len(loader) == len(expected)
        if drop_last:
            assert len(set(order)) == len(order) == full * batch_size
        else:
            assert sorted(order) == list(range(n))
        if not shuffle:
            assert order == list(range(len(order)))


def test_batch_counts_with_and_without_drop_last():
    assert len(DataLoader(_ids(10), batch_size=3)) == 4
    assert len(DataLoader(_ids(10), batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(_ids(9), batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(_ids(9), batch_size=3)) == 3
    assert [len(y) for _, y in DataLoader(_ids(10), batch_size=3)] == [3, 3, 3, 1]
    assert [len(y) for _, y in DataLoader(_ids(10), batch_size=3, drop_last=True)] == [3, 3, 3]


def test_seeded_shuffle_is_reproducible_and_changes_every_epoch():
    a = DataLoader(_ids(50), batch_size=8, shuffle=True, seed=123)
    b = DataLoader(_ids(50), batch_size=8, shuffle=True, seed=123)
    epochs_a = [_epoch(a) for _ in range(3)]
    epochs_b = [_epoch(b) for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != list(range(50))
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    other = DataLoader(_ids(50), batch_size=8, shuffle=True, seed=124)
    assert _epoch(other) != epochs_a[0]


def test_epoch_order_depends_only_on_seed_and_epoch():
    reference = DataLoader(_ids(30), batch_size=4, shuffle=True, seed=5)
    orders = [_epoch(reference) for _ in range(4)]
    assert reference.epoch == 4
    jumped = DataLoader(_ids(30), batch_size=4, shuffle=True, seed=5)
    jumped.set_epoch(2)
    assert _epoch(jumped) == orders[2]
    assert jumped.epoch == 3
    # the global generator does not influence a seeded loader
    mt.manual_seed(0)
    jumped.set_epoch(1)
    assert _epoch(jumped) == orders[1]


def test_state_dict_resumes_the_shuffle_sequence():
    uninterrupted = DataLoader(_ids(25), batch_size=4, shuffle=True, seed=9)
    orders = [_epoch(uninterrupted) for _ in range(3)]
    first = DataLoader(_ids(25), batch_size=4, shuffle=True, seed=9)
    _epoch(first), _epoch(first)
    state = first.state_dict()
    assert state == {"epoch": 2, "seed": 9}
    resumed = DataLoader(_ids(25), batch_size=4, shuffle=True)
    resumed.load_state_dict(state)
    assert _epoch(resumed) == orders[2]
    with pytest.raises(ValueError, match="epoch"):
        resumed.load_state_dict({"epoch": 1})
    with pytest.raises(ValueError, match="epoch"):
        resumed.load_state_dict({"epoch": -1, "seed": 9})


def test_state_dict_round_trips_through_save(tmp_path):
    if not hasattr(mt, "save"):
        pytest.skip("minitorch.save not built yet")
    loader = DataLoader(_ids(10), batch_size=3, shuffle=True, seed=1)
    _epoch(loader)
    mt.save(loader.state_dict(), tmp_path / "loader.mt")
    other = DataLoader(_ids(10), batch_size=3, shuffle=True, seed=1)
    other.load_state_dict(mt.load(tmp_path / "loader.mt"))
    assert _epoch(other) == _epoch(loader)


def test_unseeded_shuffle_follows_manual_seed():
    loader = DataLoader(_ids(40), batch_size=5, shuffle=True)
    mt.manual_seed(3)
    first = [_epoch(loader) for _ in range(2)]
    mt.manual_seed(3)
    second = [_epoch(loader) for _ in range(2)]
    assert first == second and first[0] != first[1]
    generator = np.random.default_rng(0)
    own = DataLoader(_ids(40), batch_size=5, shuffle=True, generator=generator)
    assert _epoch(own) == np.random.default_rng(0).permutation(40).tolist()


def test_tensor_dataset_batches_keep_dtypes():
    x = np.random.default_rng(0).random((9, 2, 3)).astype(np.float32)
    ds = TensorDataset(x, x.astype(np.float64), np.arange(9, dtype=np.int32), np.arange(9) > 4)
    for shuffle in (False, True):
        for batch in DataLoader(ds, batch_size=4, shuffle=shuffle, seed=0):
            assert isinstance(batch, tuple) and all(isinstance(t, mt.Tensor) for t in batch)
            assert [t.dtype for t in batch] == [mt.float32, mt.float64, mt.int32, mt.bool]
            assert batch[0].shape[1:] == (2, 3)


def test_unshuffled_batches_are_read_only_views_shuffled_ones_copies():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = TensorDataset(x, np.arange(10))
    xb, _ = next(iter(DataLoader(ds, batch_size=4)))
    assert np.shares_memory(xb.numpy(), x)
    with pytest.raises((RuntimeError, ValueError), match="read-only"):
        xb.add_(1.0)
    assert x[0, 0] == 0 and x.flags.writeable  # the dataset itself stays writable
    xs, _ = next(iter(DataLoader(ds, batch_size=4, shuffle=True, seed=0)))
    assert not np.shares_memory(xs.numpy(), x)
    xs.add_(1.0)  # a copy: changing it is allowed and leaves the dataset alone
    assert np.array_equal(x, np.arange(20, dtype=np.float32).reshape(10, 2))


def test_subset_of_tensor_dataset_is_batched_like_the_dataset():
    ds = _ids(20)
    sub = Subset(ds, [5, 3, 17, 0, 9])
    ys = [y.tolist() for _, y in DataLoader(sub, batch_size=2)]
    assert ys == [[5, 3], [17, 0], [9]]
    nested = Subset(sub, [4, 0])
    (x, y), = list(DataLoader(nested, batch_size=2))
    assert y.tolist() == [9, 5] and x.dtype == mt.float32


def test_generic_dataset_is_collated_into_tuples_of_tensors():
    batches = list(DataLoader(Plain(5), batch_size=2))
    x, y = batches[0]
    assert isinstance(batches[0], tuple)
    assert x.dtype == mt.float32 and x.shape == (2, 2)
    assert y.dtype == mt.int64 and y.tolist() == [0, 1]
    assert batches[-1][1].tolist() == [4]


def test_getitems_is_used_when_present():
    calls = []

    class Batched(Plain):
        def __getitems__(self, indices):
            calls.append(list(indices))
            return [self[i] for i in indices]

    ys = [y.tolist() for _, y in DataLoader(Batched(5), batch_size=3)]
    assert ys == [[0, 1, 2], [3, 4]] and calls == [[0, 1, 2], [3, 4]]


def test_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(_ids(5), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": -3}, ValueError, "batch_size"),
    ({"batch_size": 2.0}, TypeError, "batch_size"),
    ({"batch_size": True}, TypeError, "batch_size"),
    ({"batch_size": None}, TypeError, "batch_size"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"num_workers": -1}, ValueError, "num_workers"),
    ({"generator": 42}, TypeError, "generator"),
    ({"seed": 1, "generator": np.random.default_rng()}, ValueError, "seed or generator"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(_ids(10), **kwargs)


def test_empty_dataset_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(np.zeros((0, 3))))
    with pytest.raises(ValueError, match="empty"):
        DataLoader(Plain(0), batch_size=4)


def test_dataset_without_len_is_a_type_error():
    class NoLen:
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="__len__"):
        DataLoader(NoLen())


def test_num_workers_is_accepted_with_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(_ids(4), num_workers=0, pin_memory=True)
    with pytest.warns(UserWarning, match="num_workers=2"):
        loader = DataLoader(_ids(4), batch_size=2, num_workers=2)
    assert _epoch(loader) == [0, 1, 2, 3]


def test_set_epoch_validates():
    loader = DataLoader(_ids(4))
    with pytest.raises(ValueError):
        loader.set_epoch(-1)
    with pytest.raises(TypeError):
        loader.set_epoch(1.0)


def test_batches_train_a_model_through_autograd():
    # the loader's tensors must be ordinary inputs to the autograd graph
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32)).astype(np.float32)
    w = mt.zeros(3, requires_grad=True)
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=0):
        loss = ((xb @ w - yb) ** 2).mean()
        loss.backward()
    assert w.grad is not None and w.grad.shape == (3,)
