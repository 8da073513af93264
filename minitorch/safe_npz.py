"""Reading an ``.npz`` archive without trusting what it declares.

``numpy.load`` allocates whatever shape an ``.npy`` header declares before reading a byte
(a header saying ``(10**12,)`` is a MemoryError) and decompresses without limit. This
reader checks first, from the zip's central directory and each array's header:

- the total decompressed size of all entries is within ``max_bytes`` (checked before any
  array is read: a small deflated file that would expand to gigabytes is refused);
- every array's declared shape and dtype add up to exactly the bytes its entry holds (so
  no allocation is larger than the file can fill);
- no dtype needs pickle (object arrays are refused), and the header itself is bounded.

Every problem raises :class:`ArchiveError` with a reason; the caller names the file.
"""
from __future__ import annotations

import math
import zipfile
from typing import Any

import numpy as np

_MAX_HEADER = 10_000  # bytes of an .npy header (numpy's own default limit)


class ArchiveError(Exception):
    """The archive is not what it claims to be (the message says why)."""


class SafeNpz:
    """The ``.npy`` entries of a zip archive, read one at a time with checks.

    ``names``: the entry names without ``.npy``. ``read(name)``: the array.
    """

    def __init__(self, source: Any, max_bytes: int | None) -> None:
        self.zip = zipfile.ZipFile(source)
        infos = self.zip.infolist()
        self.infos: dict[str, zipfile.ZipInfo] = {}
        self.other_names = [i.filename for i in infos if not i.filename.endswith(".npy")]
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            if name in self.infos:
                raise ArchiveError(f"the entry {info.filename!r} appears twice")
            self.infos[name] = info
        total = sum(info.file_size for info in infos)
        if max_bytes is not None and total > max_bytes:
            raise ArchiveError(
                f"its entries decompress to {total:,} bytes, more than max_bytes="
                f"{max_bytes:,}; if you trust the file, load it with a larger max_bytes= "
                f"(or max_bytes=None for no limit)"
            )

    @property
    def names(self) -> list[str]:
        return list(self.infos)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "SafeNpz":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, name: str) -> np.ndarray:
        """The array of entry ``name``, after checking its header against its size."""
        info = self.infos.get(name)
        if info is None:
            raise ArchiveError(f"the array entry {name!r} is missing")
        with self.zip.open(info) as fp:
            try:
                version = np.lib.format.read_magic(fp)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(
                        fp, max_header_size=_MAX_HEADER)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(
                        fp, max_header_size=_MAX_HEADER)
                else:
                    raise ArchiveError(f"entry {name!r} has .npy version {version}")
            except ValueError as err:
                raise ArchiveError(f"entry {name!r} has a bad .npy header ({err})") from None
            if dtype.hasobject or dtype.fields is not None:
                raise ArchiveError(f"entry {name!r} has dtype {dtype}, which would need pickle")
            if not all(isinstance(n, int) and n >= 0 for n in shape):
                raise ArchiveError(f"entry {name!r} declares an invalid shape {shape!r}")
            count = math.prod(shape)
            declared = count * dtype.itemsize
            header = fp.tell()
            if header + declared != info.file_size:
                raise ArchiveError(
                    f"entry {name!r} declares shape {shape} of {dtype} ({declared:,} bytes) "
                    f"but holds {max(info.file_size - header, 0):,} bytes of data"
                )
            array = np.empty(count, dtype=dtype)  # no larger than the entry holds
            if count:
                view = memoryview(array.view(np.uint8))
                got = 0
                while got < declared:
                    n = fp.readinto(view[got:])
                    if not n:
                        raise ArchiveError(f"entry {name!r} is truncated")
                    got += n
        return array.reshape(shape, order="F" if fortran else "C")
