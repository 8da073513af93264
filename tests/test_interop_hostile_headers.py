"""A safetensors file whose header lies raises a clear error naming the file and the cause,
before anything is allocated for the tensors it claims."""
from __future__ import annotations

import json
import struct
import tracemalloc

import numpy as np
import pytest

from minitorch.interop import SafetensorsFileError, load_safetensors
from minitorch.interop.header import read_header


def write(path, header, data=b"", length=None):
    """A file with ``header`` (a dict, or raw JSON text) and ``data`` after it."""
    text = header if isinstance(header, str) else json.dumps(header)
    raw = text.encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path


def entry(dtype="F32", shape=(2,), begin=0, end=8):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


def load_fails(path, *patterns, error=SafetensorsFileError):
    with pytest.raises(error) as info:
        load_safetensors(path)
    message = str(info.value)
    assert str(path) in message, message
    for pattern in patterns:
        assert pattern in message, message
    return message


def test_a_valid_handmade_file_loads(tmp_path):
    data = np.arange(2, dtype=np.float32).tobytes() + np.arange(3, dtype=np.int64).tobytes()
    path = write(tmp_path / "ok.safetensors",
                 {"a": entry(), "b": entry("I64", (3,), 8, 32)}, data)
    out = load_safetensors(path)
    assert out["a"].tolist() == [0.0, 1.0] and out["b"].tolist() == [0, 1, 2]


def test_reads_what_the_safetensors_library_reads(tmp_path):
    from safetensors.numpy import load_file, save_file

    rng = np.random.default_rng(0)
    tensors = {name: (rng.standard_normal((3, 5)) * 50).astype(name)
               for name in ["float32", "float64", "float16", "int64", "int32", "int16",
                            "int8", "uint8"]}
    tensors["bool"] = rng.standard_normal(7) > 0
    tensors["scalar"] = np.array(2.5, np.float32)
    tensors["empty"] = np.zeros((0, 4), np.float32)
    tensors["big"] = rng.standard_normal((300, 1000)).astype(np.float32)
    save_file(tensors, str(tmp_path / "all.safetensors"))
    ours = load_safetensors(tmp_path / "all.safetensors")
    theirs = load_file(str(tmp_path / "all.safetensors"))
    assert ours.keys() == theirs.keys() == tensors.keys()
    for name, array in theirs.items():
        mine = ours[name].numpy()
        assert mine.dtype == array.dtype and mine.shape == array.shape, name
        assert np.array_equal(mine, array), name


def test_offsets_beyond_the_file(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(end=8), "b": entry(begin=8, end=16)},
                 b"\0" * 8)
    load_fails(path, "'b'", "beyond the end of the file")


def test_a_gap_between_tensors(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(), "b": entry(begin=12, end=20)},
                 b"\0" * 20)
    load_fails(path, "gap of 4 bytes before tensor 'b'")


def test_overlapping_tensors(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(), "b": entry(begin=4, end=12)},
                 b"\0" * 12)
    load_fails(path, "overlap", "'a'", "'b'")


def test_bytes_after_the_last_tensor(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry()}, b"\0" * 9)
    load_fails(path, "1 bytes after the last tensor")


def test_unknown_dtype(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(dtype="F128")}, b"\0" * 8)
    load_fails(path, "unknown dtype 'F128'")


def test_a_dtype_minitorch_lacks_says_how_to_convert(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(dtype="U32")}, b"\0" * 8)
    message = load_fails(path, "U32", "convert it", error=TypeError)
    assert "'a'" in message


def test_huge_declared_shape_fails_before_allocating(tmp_path):
    # 2**40 float32s would need 4 TiB: the offsets are consistent with it, the file is not.
    huge = 2 ** 40
    path = write(tmp_path / "f.safetensors", {"a": entry(shape=(huge,), end=4 * huge)},
                 b"\0" * 8)
    tracemalloc.start()
    try:
        load_fails(path, "beyond the end of the file")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_shape_that_disagrees_with_the_offsets(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry(shape=(1000, 1000))}, b"\0" * 8)
    load_fails(path, "shape (1000, 1000)", "needs 4,000,000 bytes", "hold 8")


def test_duplicate_name(tmp_path):
    text = ('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
            '"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}')
    path = write(tmp_path / "f.safetensors", text, b"\0" * 8)
    load_fails(path, "names tensor 'a' twice")


def test_header_length_beyond_the_file(tmp_path):
    path = write(tmp_path / "f.safetensors", {"a": entry()}, b"\0" * 8, length=10_000)
    load_fails(path, "claims 10,000 bytes", "truncated")


def test_header_length_over_the_limit_is_refused_before_reading(tmp_path):
    path = write(tmp_path / "f.safetensors", {}, length=2 ** 62)
    load_fails(path, "more than the limit")
    with pytest.raises(SafetensorsFileError, match="more than the limit of 10"):
        read_header(write(tmp_path / "g.safetensors", {"a": entry()}, b"\0" * 8),
                    max_header_bytes=10)


@pytest.mark.parametrize(("content", "cause"), [
    (b"", "fewer than the 8-byte header length"),
    (b"\x01\x02", "fewer than the 8-byte header length"),
    (struct.pack("<Q", 3) + b"[1]", "does not start with '{'"),
    (struct.pack("<Q", 5) + b"{nope", "not valid UTF-8 JSON"),
    (struct.pack("<Q", 2) + b"\xff\xfe", "not valid UTF-8 JSON"),
])
def test_not_a_header_at_all(tmp_path, content, cause):
    path = tmp_path / "f.safetensors"
    path.write_bytes(content)
    load_fails(path, cause)


def test_a_pickle_is_refused_with_the_conversion_hint(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"\x80\x02}q\x00." + b"\0" * 64)
    load_fails(path, "never unpickles")


@pytest.mark.parametrize(("bad", "cause"), [
    ({"dtype": "F32", "shape": [2]}, "exactly dtype, shape and data_offsets"),
    (entry(shape=(-2,)), "non-negative ints"),
    (entry(shape=(2.0,)), "non-negative ints"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}, "0 <= begin <= end"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, True]}, "0 <= begin <= end"),
    ("not a dict", "exactly dtype"),
])
def test_malformed_entries(tmp_path, bad, cause):
    path = write(tmp_path / "f.safetensors", {"a": bad}, b"\0" * 8)
    load_fails(path, cause)


def test_metadata_must_map_strings_to_strings(tmp_path):
    path = write(tmp_path / "f.safetensors", {"__metadata__": {"n": 1}, "a": entry()},
                 b"\0" * 8)
    load_fails(path, "__metadata__ must map strings to strings")
