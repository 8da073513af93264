"""save/load: exact round trips, no pickle ever, atomic writes, clear errors on bad files."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn
from minitorch.serialization import load, save


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(8, 3))


def assert_same(a, b):
    """Deep equality that also checks types (tuple vs list, int vs float) and dtypes."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, mt.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b) and [type(k) for k in a] == [type(k) for k in b]
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def test_train_save_load_gives_bit_identical_outputs(tmp_path):
    mt.manual_seed(0)
    model = mlp()
    x, y = mt.randn(16, 4), mt.randint(0, 3, (16,))
    for _ in range(3):
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        with mt.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    path = tmp_path / "model.pt"
    save(model.state_dict(), path)
    fresh = mlp()
    fresh.load_state_dict(load(path))
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), fresh(x).detach().numpy())
    assert int(fresh[1].num_batches_tracked) == 3


def test_failed_strict_load_of_a_checkpoint_leaves_model_unchanged(tmp_path):
    model = mlp()
    save(model.state_dict(), tmp_path / "a.pt")
    sd = load(tmp_path / "a.pt")
    sd["4.weight"] = mt.zeros(3, 9)
    sd["4.bais"] = sd.pop("4.bias")
    other = mlp()
    before = {k: v.numpy().copy() for k, v in other.state_dict().items()}
    with pytest.raises(RuntimeError, match="size mismatch for 4.weight"):
        other.load_state_dict(sd)
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_round_trip_of_every_supported_type(tmp_path):
    p = nn.Parameter(mt.ones(2, dtype=mt.float64))
    obj = {
        "tensors": [mt.zeros(2, 3), mt.tensor([1, 2], dtype=mt.int32), mt.tensor([True]),
                    mt.ones(1, dtype=mt.float16), mt.ones(2, requires_grad=True), p],
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "scalars": (np.float32(1.5), np.int64(7), np.bool_(True)),
        "numbers": [0, -3, 2 ** 70, 1.5, float("inf"), float("-inf"), float("nan"), True, None],
        "text": "héllo",
        3: {"nested": ((1, 2), [3, (4,)])},
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "dtype": mt.float64,
        "empty": [(), {}, [], ""],
    }
    save(obj, tmp_path / "x.pt")
    back = load(tmp_path / "x.pt")
    assert_same(obj, back)
    assert isinstance(back["tensors"][5], nn.Parameter)


def test_optimizer_like_state_round_trips_exactly(tmp_path):
    state = {"state": {0: {"step": 3, "exp_avg": mt.randn(2, 2)}, 1: {"step": 3}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1],
                               "amsgrad": False, "weight_decay": 0}]}
    save(state, tmp_path / "opt.pt")
    assert_same(state, load(tmp_path / "opt.pt"))


def test_shared_tensors_stay_shared(tmp_path):
    t = mt.ones(3)
    save({"a": t, "b": t, "c": [t]}, tmp_path / "s.pt")
    back = load(tmp_path / "s.pt")
    assert back["a"] is back["b"] is back["c"][0]


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    save({"w": mt.arange(3)}, buffer)
    buffer.seek(0)
    assert load(buffer)["w"].tolist() == [0, 1, 2]
    path = tmp_path / "f.pt"
    with open(path, "wb") as handle:
        save([1, 2], handle)
    with open(path, "rb") as handle:
        assert load(handle, map_location="cpu") == [1, 2]


def test_unsupported_objects_raise_and_name_where(tmp_path):
    with pytest.raises(TypeError, match=r"type set at obj\['a'\]\[1\]"):
        save({"a": [1, {2, 3}]}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        save(nn.Linear(2, 2), tmp_path / "x.pt")
    with pytest.raises(TypeError, match="keys must be str or int"):
        save({(1, 2): 3}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="pickle"):
        save(np.array([object()]), tmp_path / "x.pt")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="itself"):
        save(loop, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


def test_error_deep_inside_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "ckpt.pt"
    save({"version": 1, "w": mt.ones(2)}, path)
    with pytest.raises(TypeError):
        save({"version": 2, "w": mt.zeros(2), "deep": [[{"bad": object()}]]}, path)
    assert load(path)["version"] == 1
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_failure_while_writing_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save({"version": 1}, path)

    def broken_savez(handle, **entries):
        handle.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save({"version": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        save({"version": 3}, path)
    monkeypatch.undo()
    assert load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]


class _Exploit:
    """Unpickling this creates a directory: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_pickle_files_are_rejected_and_never_executed(tmp_path):
    marker = str(tmp_path / "pwned")
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Exploit(marker)))
    with pytest.raises(RuntimeError, match=r"evil\.pt.*pickle"):
        load(path)
    assert not os.path.exists(marker)
    # The same payload inside a zip (as PyTorch's format) is refused too.
    import zipfile
    zpath = tmp_path / "evil_zip.pt"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_Exploit(marker)))
    with pytest.raises(RuntimeError, match="PyTorch checkpoint"):
        load(zpath)
    assert not os.path.exists(marker)


@pytest.mark.parametrize("content", [b"", b"hello world", b"PK\x03\x04 truncated"])
def test_corrupt_files_raise_runtime_error_naming_the_path(tmp_path, content):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=r"bad\.pt.*not a valid minitorch checkpoint"):
        load(path)


def test_truncated_checkpoint_and_foreign_npz(tmp_path):
    path = tmp_path / "t.pt"
    save({"w": mt.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=r"t\.pt"):
        load(path)
    foreign = tmp_path / "plain.npz"
    np.savez(foreign, x=np.ones(2))
    with pytest.raises(RuntimeError, match="no minitorch index"):
        load(foreign)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")
