"""Issue 10, cases 5 and 6: mt.load checks every declared size before allocating, bounds
nesting, has a max_bytes budget checked from the zip directory before any array is read,
and raises one documented type (LoadError, a RuntimeError) naming the file; mt.save names
the target in its errors and writes through a symlink, keeping the link."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import minitorch as mt
from minitorch.serialization import DEFAULT_MAX_BYTES, LoadError


def _npy(array_or_header, data=b""):
    """The bytes of an .npy entry; a dict is written as a raw (possibly lying) header."""
    if isinstance(array_or_header, np.ndarray):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array_or_header, allow_pickle=False)
        return buffer.getvalue()
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, array_or_header)
    return buffer.getvalue() + data


def _index(root):
    text = json.dumps({"format": "minitorch.save", "version": 1, "root": root})
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _write(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, payload in entries.items():
            z.writestr(name, payload)
    return path


def test_a_huge_declared_shape_is_refused_before_allocating(tmp_path):
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    path = _write(tmp_path / "huge.pt", {"__index__.npy": _npy(_index({"tensor": 0})),
                                         "a0.npy": _npy(header, b"\0" * 64)})
    with pytest.raises(LoadError, match=r"huge\.pt.*declares shape \(1000000000000,\)") as err:
        mt.load(path)
    assert isinstance(err.value, RuntimeError)


def test_a_shape_smaller_than_the_data_is_refused_too(tmp_path):
    header = {"descr": "<f4", "fortran_order": False, "shape": (2,)}
    path = _write(tmp_path / "short.pt", {"__index__.npy": _npy(_index({"tensor": 0})),
                                          "a0.npy": _npy(header, b"\0" * 64)})
    with pytest.raises(LoadError, match="short.pt.*holds 64 bytes"):
        mt.load(path)


def test_deep_nesting_is_bounded(tmp_path):
    deep = "[" * 200_000 + "]" * 200_000
    text = '{"format": "minitorch.save", "version": 1, "root": ' + deep + "}"
    path = _write(tmp_path / "deep.pt",
                  {"__index__.npy": _npy(np.frombuffer(text.encode(), np.uint8))})
    with pytest.raises(LoadError, match="deep.pt.*nests deeper"):
        mt.load(path)
    root = {"tuple": []}
    for _ in range(150):  # deeper than MAX_DEPTH but shallow enough for json
        root = {"tuple": [root]}
    path = _write(tmp_path / "deep2.pt", {"__index__.npy": _npy(_index(root))})
    with pytest.raises(LoadError, match="deep2.pt.*nests deeper than 100"):
        mt.load(path)


def test_a_zip_bomb_is_refused_from_the_directory_before_reading(tmp_path, monkeypatch):
    big = np.zeros(50_000_000, dtype=np.uint8)  # 50 MB of zeros deflate to ~50 KB
    path = _write(tmp_path / "bomb.pt", {"__index__.npy": _npy(_index({"ndarray": 0})),
                                         "a0.npy": _npy(big)}, zipfile.ZIP_DEFLATED)
    assert os.path.getsize(path) < 1_000_000
    from minitorch import safe_npz

    def no_reads(*args, **kwargs):
        raise AssertionError("an array was read before the budget check")

    monkeypatch.setattr(safe_npz.SafeNpz, "read", no_reads)
    with pytest.raises(LoadError, match=r"bomb\.pt.*50,000,.*max_bytes=10,000,000"):
        mt.load(path, max_bytes=10_000_000)
    monkeypatch.undo()
    assert mt.load(path, max_bytes=None).shape == (50_000_000,)  # trusted: no limit
    assert DEFAULT_MAX_BYTES == 2**30


def test_a_lying_directory_size_is_caught_by_the_zip_check(tmp_path):
    path = tmp_path / "ok.pt"
    mt.save({"w": mt.ones(1000)}, path)
    data = bytearray(path.read_bytes())
    # shrink the declared uncompressed size of every entry in the central directory
    at = data.find(b"PK\x01\x02")
    while at != -1:
        size = int.from_bytes(data[at + 24:at + 28], "little")
        data[at + 24:at + 28] = (size // 2).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    bad = tmp_path / "lying.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(LoadError, match="lying.pt"):
        mt.load(bad)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"\x80\x04pickle", b"PK\x03\x04junk"])
def test_every_damaged_file_raises_the_one_type_naming_it(tmp_path, content):
    path = tmp_path / "broken.pt"
    path.write_bytes(content)
    with pytest.raises(LoadError, match="broken.pt"):
        mt.load(path)


def test_truncated_and_object_arrays_raise_load_error(tmp_path):
    path = tmp_path / "t.pt"
    mt.save({"w": mt.ones(100)}, path)
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError, match="cut.pt"):
        mt.load(tmp_path / "cut.pt")
    obj = np.array([{"a": 1}], dtype=object)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, obj, allow_pickle=True)
    path = _write(tmp_path / "obj.pt", {"__index__.npy": _npy(_index({"ndarray": 0})),
                                        "a0.npy": buffer.getvalue()})
    with pytest.raises(LoadError, match="obj.pt.*pickle"):
        mt.load(path)


def test_a_missing_file_raises_file_not_found_like_torch(tmp_path):
    with pytest.raises(FileNotFoundError):
        mt.load(tmp_path / "nope.pt")


def test_normal_round_trip_is_unchanged(tmp_path):
    state = {"w": mt.randn(3, 4), "b": mt.zeros(4, dtype=mt.float64), "step": 7,
             "f": np.asfortranarray(np.arange(6.0).reshape(2, 3))}
    mt.save(state, tmp_path / "ok.pt")
    back = mt.load(tmp_path / "ok.pt")
    assert back["w"].tolist() == state["w"].tolist() and back["step"] == 7
    assert back["b"].dtype == mt.float64
    np.testing.assert_array_equal(back["f"], state["f"])
    assert back["w"]._data.flags.writeable


def test_save_errors_name_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / "missing_dir" / "x.pt"
    with pytest.raises(FileNotFoundError) as err:
        mt.save({"a": 1}, target)
    assert str(target) in str(err.value) and err.value.filename == str(target)
    assert ".tmp" not in str(err.value)


def test_save_through_a_symlink_keeps_the_link_and_replaces_the_target(tmp_path):
    real = tmp_path / "real.pt"
    mt.save({"v": 1}, real)
    link = tmp_path / "link.pt"
    link.symlink_to(real)
    mt.save({"v": 2}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert mt.load(real)["v"] == 2 and mt.load(link)["v"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.pt", "real.pt"]  # no temp left
    torch = pytest.importorskip("torch")
    torch.save({"v": 3}, link)  # PyTorch writes through the link too
    assert link.is_symlink()


def test_save_through_a_dangling_symlink_creates_the_target(tmp_path):
    link = tmp_path / "link.pt"
    link.symlink_to(tmp_path / "new.pt")
    mt.save({"v": 5}, link)
    assert link.is_symlink() and mt.load(tmp_path / "new.pt")["v"] == 5


def test_bad_max_bytes_is_a_value_error(tmp_path):
    mt.save({"v": 1}, tmp_path / "a.pt")
    with pytest.raises(ValueError, match="max_bytes"):
        mt.load(tmp_path / "a.pt", max_bytes=-1)
