"""Read and check a safetensors header before any tensor is allocated.

A safetensors file is an 8-byte little-endian header length ``N``, ``N`` bytes of JSON
(``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}``), then
the tensor bytes. A hostile or corrupt header can declare offsets beyond the file, ranges
that overlap or leave gaps, unknown dtypes, shapes of astronomical size or the same name
twice. :func:`read_header` reads only the header (bounded by :data:`MAX_HEADER_BYTES`) and
checks every claim against the file's real size, so that nothing is allocated for a lie.
"""
from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MAX_HEADER_BYTES", "DTYPES", "TensorEntry", "Header", "read_header",
           "SafetensorsFileError"]

# safetensors' own limit on the header's size.
MAX_HEADER_BYTES = 100_000_000
METADATA = "__metadata__"

# safetensors dtype names that minitorch reads, with their numpy dtypes.
DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype(np.float64), "F32": np.dtype(np.float32), "F16": np.dtype(np.float16),
    "I64": np.dtype(np.int64), "I32": np.dtype(np.int32), "I16": np.dtype(np.int16),
    "I8": np.dtype(np.int8), "U8": np.dtype(np.uint8), "BOOL": np.dtype(np.bool_),
}
# Dtypes safetensors knows but minitorch (or numpy) has no tensor type for: item sizes.
_FOREIGN = {"BF16": 2, "U16": 2, "U32": 4, "U64": 8, "C64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
            "F8_E8M0": 1, "F4": 1, "F6_E2M3": 1, "F6_E3M2": 1}


class SafetensorsFileError(RuntimeError):
    """A file that is not a valid safetensors file (the message names the file and why)."""


@dataclass(frozen=True)
class TensorEntry:
    """One tensor as the header declares it (checked against the file)."""

    name: str
    dtype: str  # the safetensors name, e.g. "F32"
    shape: tuple[int, ...]
    begin: int  # offsets into the data section (after the header)
    end: int


@dataclass(frozen=True)
class Header:
    """The checked header of a safetensors file."""

    path: str
    data_start: int  # byte offset of the data section in the file
    tensors: dict[str, TensorEntry]  # in file order
    metadata: dict[str, str]


def _fail(path: str, cause: str) -> SafetensorsFileError:
    return SafetensorsFileError(f"{path!r} is not a valid safetensors file: {cause}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateError(key)
        out[key] = value
    return out


class _DuplicateError(Exception):
    pass


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_header(path: str | os.PathLike[str],
                max_header_bytes: int = MAX_HEADER_BYTES) -> Header:
    """Read and validate the header of the safetensors file at ``path``.

    Raises :class:`SafetensorsFileError` (a RuntimeError) naming the file and the cause for
    any lie in the header; reads at most ``8 + max_header_bytes`` bytes and allocates
    nothing for the tensors.
    """
    name = os.fspath(path)
    size = os.path.getsize(name)
    with open(name, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise _fail(name, f"the file has {size} bytes, fewer than the 8-byte header length")
        (length,) = struct.unpack("<Q", prefix)
        if length > min(max_header_bytes, size - 8) and (
                prefix[:1] == b"\x80" or prefix[:4] == b"PK\x03\x04"):
            # (a valid header's length may start with these bytes too: only when it is
            # impossible is the file taken for a pickle or a zip)
            raise _fail(name, "it looks like a pickle or a PyTorch .pt file; minitorch never "
                              "unpickles (convert it to safetensors in PyTorch: see "
                              "docs/interop.md)")
        if length > max_header_bytes:
            raise _fail(name, f"the header claims {length:,} bytes, more than the limit of "
                              f"{max_header_bytes:,}")
        if length > size - 8:
            raise _fail(name, f"the header claims {length:,} bytes but the file has only "
                              f"{size - 8:,} after the length (truncated?)")
        raw = handle.read(length)
    try:
        text = raw.decode("utf-8")
        if not text.startswith("{"):
            raise ValueError("the header does not start with '{'")
        header = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateError as dup:
        raise _fail(name, f"the header names tensor {dup.args[0]!r} twice") from None
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _fail(name, f"the header is not valid UTF-8 JSON ({err})") from None
    if not isinstance(header, dict):
        raise _fail(name, "the header is not a JSON object")
    metadata = header.pop(METADATA, None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise _fail(name, "__metadata__ must map strings to strings")
    data_size = size - 8 - length
    entries = [_entry(name, key, info) for key, info in header.items()]
    _check_layout(name, entries, data_size)
    return Header(name, 8 + length, {e.name: e for e in entries}, dict(metadata))


def _entry(path: str, key: str, info: Any) -> TensorEntry:
    where = f"tensor {key!r}"
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise _fail(path, f"{where} must have exactly dtype, shape and data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES and dtype not in _FOREIGN:
        raise _fail(path, f"{where} has unknown dtype {dtype!r} (known: "
                          f"{', '.join(sorted([*DTYPES, *_FOREIGN]))})")
    if not isinstance(shape, list) or not all(_is_int(n) and n >= 0 for n in shape):
        raise _fail(path, f"{where} has shape {shape!r}; expected a list of non-negative ints")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(_is_int(n) and n >= 0 for n in offsets) or offsets[0] > offsets[1]):
        raise _fail(path, f"{where} has data_offsets {offsets!r}; expected [begin, end] "
                          f"with 0 <= begin <= end")
    itemsize = DTYPES[dtype].itemsize if dtype in DTYPES else _FOREIGN[dtype]
    numel = 1
    for n in shape:
        numel *= n  # Python ints: a huge shape cannot overflow
    begin, end = offsets
    if numel * itemsize != end - begin:
        raise _fail(path, f"{where}: shape {tuple(shape)} of {dtype} needs "
                          f"{numel * itemsize:,} bytes but data_offsets {offsets} hold "
                          f"{end - begin:,}")
    return TensorEntry(key, dtype, tuple(shape), begin, end)


def _check_layout(path: str, entries: list[TensorEntry], data_size: int) -> None:
    """The tensors tile the data section exactly: no byte outside the file, no gap, no
    overlap, and the file ends where the last tensor does."""
    position, previous = 0, None
    for e in sorted(entries, key=lambda e: (e.begin, e.end)):
        if e.end > data_size:
            raise _fail(path, f"tensor {e.name!r} ends at byte {e.end:,} of the data, beyond "
                              f"the end of the file (the data section has {data_size:,} "
                              f"bytes)")
        if e.begin < position:
            raise _fail(path, f"tensors {previous!r} and {e.name!r} overlap (bytes "
                              f"{e.begin:,}..{position:,} of the data)")
        if e.begin > position:
            raise _fail(path, f"gap of {e.begin - position:,} bytes before tensor {e.name!r} "
                              f"(data bytes {position:,}..{e.begin:,} belong to no tensor)")
        position, previous = e.end, e.name
    if position != data_size:
        raise _fail(path, f"the file has {data_size - position:,} bytes after the last "
                          f"tensor (it should end where the last tensor does)")
