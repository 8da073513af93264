"""``minitorch.save`` / ``minitorch.load``: checkpoints that never run code when loaded.

The file is a numpy ``.npz`` archive (a zip): one ``.npy`` entry per array, read back with
``allow_pickle=False``, plus a JSON index that describes the saved object's structure
(dicts with str or int keys, lists, tuples, numbers, bools, None, strings, dtypes, numpy
arrays and scalars, tensors, and the tensor subclasses registered with
:func:`register_tensor_kind`, such as ``nn.Parameter``). Nothing is unpickled, so loading a
file from an untrusted source cannot execute code. Saving writes a temporary file beside
the target and renames it into place, so an error or a crash mid-save leaves the previous
file intact.

>>> import os, tempfile
>>> import minitorch as mt
>>> from minitorch.serialization import save, load
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
>>> save({"step": 3, "w": mt.ones(2), "betas": (0.9, 0.999)}, path)
>>> load(path)
{'step': 3, 'w': tensor([1., 1.]), 'betas': (0.9, 0.999)}
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from collections import OrderedDict
from typing import Any, BinaryIO, Callable, Iterator, TypeVar, Union

import numpy as np

from .device import check_device, device
from .dtype import dtype as _dtype
from .dtype import dtype_from_name, from_numpy_dtype
from .safe_npz import ArchiveError, SafeNpz
from .tensor import Tensor, unwrap, wrap

__all__ = ["save", "load", "LoadError", "DEFAULT_MAX_BYTES", "register_tensor_kind"]

FORMAT = "minitorch.save"
VERSION = 1
_INDEX = "__index__"
_ZIP_MAGIC = b"PK\x03\x04"

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]


# ----------------------------------------------------------------- tensor kinds
_KIND_ATTR = "__minitorch_saved_kind__"
_KINDS: dict[str, type] = {}  # kind -> the class a load rebuilds it as
_TENSOR_KEYS = ("tensor", "requires_grad")  # every other key of a tensor entry is a kind flag
_T = TypeVar("_T", bound=type)


def register_tensor_kind(kind: str) -> Callable[[_T], _T]:
    """Class decorator: save instances of a Tensor subclass as ``kind``, and load them back
    as that class. This is how a subclass defined above this layer (``nn.Parameter``, in
    ``nn/parameter.py``) declares how it is saved, without this module importing it.

    The protocol, in full:

    - saving: a tensor whose class (or a base class of it) was registered is written as
      ``{"tensor": <array>, "requires_grad": <bool>, "<kind>": true}``; the key
      ``"parameter"`` is in every tensor entry (false for the other kinds and for plain
      tensors), exactly as files have always been written;
    - loading: a tensor entry with ``"<kind>": true`` is rebuilt as
      ``cls(tensor, requires_grad=<bool>)``, where ``tensor`` is a plain tensor around the
      loaded array (no copy); a class registered here must accept that call. Like every
      tensor, one saved object loads as one object, wherever it appears in the file;
    - a file naming a kind that nothing registered (a newer minitorch, or a subclass whose
      module was not imported) raises :class:`LoadError` naming the kind.

    The class attribute ``__minitorch_saved_kind__`` records the kind (inherited, so a
    subclass of ``nn.Parameter`` is saved as a parameter, and loads as ``nn.Parameter``).

    >>> from minitorch import nn
    >>> nn.Parameter.__minitorch_saved_kind__, _KINDS["parameter"] is nn.Parameter
    ('parameter', True)
    """
    if not isinstance(kind, str) or kind in _TENSOR_KEYS or not kind.isidentifier():
        raise ValueError(f"register_tensor_kind: the kind must be an identifier other than "
                         f"{' and '.join(map(repr, _TENSOR_KEYS))}, got {kind!r}")

    def register(cls: _T) -> _T:
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"register_tensor_kind({kind!r}): {cls!r} is not a Tensor subclass")
        known = _KINDS.get(kind)
        if known is not None and _qualname(known) != _qualname(cls):
            raise ValueError(f"register_tensor_kind: kind {kind!r} is already "
                             f"{_qualname(known)}")
        setattr(cls, _KIND_ATTR, kind)
        _KINDS[kind] = cls  # a re-registration (a module reloaded) replaces the old class
        return cls

    return register


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# ----------------------------------------------------------------------- encoding
class _Encoder:
    """Turns an object into a JSON-able tree plus a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.memo: dict[int, int] = {}  # id(tensor or array) -> array number (sharing kept)
        self.active: set[int] = set()  # containers being encoded (to catch cycles)

    def array(self, obj: Any, data: np.ndarray, where: str) -> int:
        if id(obj) in self.memo:
            return self.memo[id(obj)]
        if data.dtype.hasobject or data.dtype.fields is not None:
            raise TypeError(
                f"save: cannot save the array at {where}: dtype {data.dtype} would need "
                f"pickle; convert it to a plain numeric dtype"
            )
        self.memo[id(obj)] = len(self.arrays)
        self.arrays.append(data)
        return len(self.arrays) - 1

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, Tensor):
            node = {"tensor": self.array(obj, unwrap(obj), where),
                    "requires_grad": obj.requires_grad, "parameter": False}
            kind = getattr(type(obj), _KIND_ATTR, None)
            if kind is not None:
                node[kind] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(obj, obj, where)}
        if isinstance(obj, np.generic):
            return {"scalar": self.array(obj, np.asarray(obj), where)}
        if isinstance(obj, _dtype):
            return {"dtype": obj.name}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self.active:
                raise ValueError(f"save: {where} contains itself; cannot save a cycle")
            self.active.add(id(obj))
            try:
                return self.container(obj, where)
            finally:
                self.active.discard(id(obj))
        raise TypeError(_unsupported(obj, where))

    def container(self, obj: Any, where: str) -> Any:
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(
                    f"save: dict keys must be str or int, got {type(key).__name__} key "
                    f"{key!r} in {where}"
                )
            items.append([key if isinstance(key, str) else int(key),
                          self.encode(value, f"{where}[{key!r}]")])
        return {"odict" if isinstance(obj, OrderedDict) else "dict": items}


def _unsupported(obj: Any, where: str) -> str:
    name = type(obj).__name__
    hint = ""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        hint = (" To save a model or optimizer, save its state: mt.save(obj.state_dict(), "
                "path), then rebuild it and call load_state_dict(mt.load(path)).")
    return (
        f"save: cannot save an object of type {name} at {where}. Supported: tensors, numpy "
        f"arrays and scalars, int, float, bool, None, str, dtypes, and lists, tuples and "
        f"dicts (str or int keys) of these. Saving arbitrary objects would need pickle, "
        f"which can run code when loaded.{hint}"
    )


def save(obj: Any, f: PathOrFile) -> None:
    """Save ``obj`` (a state dict, a tensor, nested dicts/lists/tuples of them...) to ``f``.

    ``f`` is a path (written atomically: a temporary file in the same directory, renamed
    over the target only once complete) or a binary file object.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    index = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=False)
    entries = {_INDEX: np.frombuffer(index.encode("utf-8"), dtype=np.uint8)}
    entries.update((f"a{i}", a) for i, a in enumerate(encoder.arrays))
    if hasattr(f, "write"):
        np.savez(f, **entries)
        return
    with atomic_write(f) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **entries)


@contextlib.contextmanager
def atomic_write(path: Union[str, "os.PathLike[str]"]) -> Iterator[str]:
    """Yield a temporary path beside ``path``; once the block has written it, flush it to
    disk and rename it over ``path``. If the block raises (or the process dies), ``path``
    keeps its previous content and the temporary file is removed.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "weights.bin")
    >>> with atomic_write(target) as tmp:
    ...     _ = open(tmp, "wb").write(b"new")
    >>> open(target, "rb").read()
    b'new'
    """
    path = os.fspath(path)
    # Through a symlink, as PyTorch's torch.save (which opens the path) writes: the link
    # stays, and what it points to is replaced atomically.
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".",
                                   suffix=".tmp")
    except OSError as err:  # name the file asked for, never the temporary one
        raise type(err)(err.errno, f"{err.strerror} (cannot save to {path!r}: its folder "
                        f"{folder!r} must exist and be writable)", path) from None
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(err, OSError) and tmp in (err.filename, err.filename2):
            raise type(err)(err.errno, f"{err.strerror} (while saving to {path!r})",
                            path) from None
        raise


def _file_mode(path: str) -> int:
    """The permissions a plain ``open(path, 'wb')`` would give (mkstemp's are 0600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ----------------------------------------------------------------------- decoding
class LoadError(RuntimeError):
    """``load`` failed: the file is not a valid minitorch checkpoint, or it asks for more
    than ``max_bytes``. The message names the file and the reason. (A file that cannot be
    opened at all raises the OSError that ``open`` raises, e.g. FileNotFoundError, as
    ``torch.load`` does.)"""


class _CorruptError(Exception):
    """Internal: the file is not a valid checkpoint (turned into LoadError with the path)."""


MAX_DEPTH = 100  # nesting depth of the saved object (state dicts nest a few levels)
DEFAULT_MAX_BYTES = 2**30  # 1 GiB decompressed, unless load(max_bytes=...) says otherwise


class _Decoder:
    def __init__(self, archive: SafeNpz) -> None:
        self.archive = archive
        self.cache: dict[tuple[str, int], Any] = {}

    def array(self, number: Any) -> np.ndarray:
        if isinstance(number, bool) or not isinstance(number, int):
            raise _CorruptError(f"bad array reference {number!r}")
        return self.archive.read(f"a{number}")

    def decode(self, node: Any, depth: int = 0) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if depth >= MAX_DEPTH:
            raise _CorruptError(f"its object nests deeper than {MAX_DEPTH} levels")
        depth += 1
        if isinstance(node, list):
            return [self.decode(v, depth) for v in node]
        if not isinstance(node, dict):
            raise _CorruptError(f"unexpected entry {node!r:.80}")
        if "tensor" in node:
            return self.tensor(node)
        if "ndarray" in node:
            return self.shared(("ndarray", node["ndarray"]), lambda a: a)
        if "scalar" in node:
            return self.array(node["scalar"])[()]
        if "tuple" in node:
            return tuple(self.decode(v, depth) for v in _as_list(node["tuple"]))
        if "dict" in node or "odict" in node:
            out = OrderedDict() if "odict" in node else {}
            for pair in _as_list(node.get("dict", node.get("odict"))):
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _CorruptError(f"bad dict item {pair!r:.80}")
                out[pair[0]] = self.decode(pair[1], depth)
            return out
        if "float" in node:
            if node["float"] not in ("nan", "inf", "-inf"):
                raise _CorruptError(f"bad float {node['float']!r}")
            return float(node["float"])
        if "dtype" in node:
            try:
                return dtype_from_name(node["dtype"])
            except (ValueError, TypeError) as err:
                raise _CorruptError(str(err)) from None
        raise _CorruptError(f"unknown entry {node!r:.80}")

    def shared(self, key: tuple[str, int], build: Any) -> Any:
        if key not in self.cache:  # one object per saved object: sharing survives a load
            self.cache[key] = build(self.array(key[1]))
        return self.cache[key]

    def tensor(self, node: dict) -> Tensor:
        kinds = [k for k, flag in node.items() if k not in _TENSOR_KEYS and flag]
        if len(kinds) > 1:
            raise _CorruptError(f"a tensor entry has several kinds {kinds!r:.80}")
        cls = None
        if kinds:
            cls = _KINDS.get(kinds[0])
            if cls is None:
                raise _CorruptError(
                    f"it holds a tensor of kind {kinds[0]!r:.80}, which this minitorch does "
                    f"not know (known kinds: {', '.join(map(repr, sorted(_KINDS))) or 'none'}"
                    f"; a Tensor subclass declares its kind with "
                    f"minitorch.serialization.register_tensor_kind)")

        def build(array: np.ndarray) -> Tensor:
            from_numpy_dtype(array.dtype)  # unsupported dtypes fail clearly
            t = wrap(array)
            if cls is not None:
                return cls(t, requires_grad=bool(node.get("requires_grad")))
            if node.get("requires_grad"):
                t.requires_grad_(True)
            return t

        return self.shared(("tensor", node["tensor"]), build)


def _as_list(value: Any) -> list:
    if not isinstance(value, list):
        raise _CorruptError(f"expected a list, got {value!r:.80}")
    return value


def _sniff(head: bytes) -> str | None:
    """Why a file that is not a zip cannot be a checkpoint (None if it is a zip)."""
    if head.startswith(_ZIP_MAGIC):
        return None
    if head[:1] == b"\x80":
        return ("it is a Python pickle; minitorch never unpickles, because unpickling a "
                "file can run arbitrary code")
    if not head:
        return "the file is empty"
    return "it is not a zip archive"


def load(f: PathOrFile, map_location: Any = None, weights_only: Any = None, *,
         max_bytes: int | None = DEFAULT_MAX_BYTES) -> Any:
    """Load an object saved with :func:`save`. Never executes code from the file.

    ``map_location`` (``'cpu'`` or None) and ``weights_only`` are accepted for PyTorch code.
    ``max_bytes`` (default 1 GiB, ``DEFAULT_MAX_BYTES``; None for no limit) bounds the
    total decompressed size, checked from the archive's directory before any array is
    read; every array's declared shape is checked against the bytes its entry holds before
    anything is allocated, and the saved object may nest at most ``MAX_DEPTH`` levels.
    Any failure raises :class:`LoadError` (a RuntimeError) naming the file.
    """
    if max_bytes is not None and (isinstance(max_bytes, bool) or
                                  not isinstance(max_bytes, int) or max_bytes < 0):
        raise ValueError(f"load: max_bytes must be a non-negative int or None, got "
                         f"{max_bytes!r}")
    if isinstance(map_location, (str, device)):
        check_device(map_location)
    name = repr(os.fspath(f)) if not hasattr(f, "read") else repr(f)
    try:
        if hasattr(f, "read"):
            data = f.read()
            source: Any = io.BytesIO(data)
        else:
            source = open(f, "rb")  # noqa: SIM115 - closed by the ExitStack below
        with contextlib.ExitStack() as stack:
            stack.callback(source.close)
            reason = _sniff(source.read(4))
            if reason:
                raise _CorruptError(reason)
            source.seek(0)
            archive = stack.enter_context(SafeNpz(source, max_bytes))
            if _INDEX not in archive.names or archive.other_names:
                if any(n.endswith("data.pkl") for n in archive.other_names):
                    raise _CorruptError(
                        "it looks like a PyTorch checkpoint (pickle inside a zip), which "
                        "minitorch will not unpickle; in PyTorch, convert its tensors to "
                        "numpy and save them with numpy.savez, or load them into minitorch "
                        "via minitorch.from_numpy"
                    )
                if archive.other_names:
                    raise _CorruptError(f"it holds {archive.other_names[0]!r}, which is not "
                                        f"an .npy entry")
                raise _CorruptError("it has no minitorch index")
            try:
                header = json.loads(archive.read(_INDEX).tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise _CorruptError(f"its index is not valid JSON ({err})") from None
            except RecursionError:
                raise _CorruptError(
                    f"its index nests deeper than {MAX_DEPTH} levels") from None
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise _CorruptError("its index is not a minitorch index")
            if header.get("version") != VERSION:
                raise _CorruptError(
                    f"it has format version {header.get('version')!r}; this minitorch reads "
                    f"version {VERSION} (upgrade minitorch)"
                )
            return _Decoder(archive).decode(header.get("root"))
    except (_CorruptError, ArchiveError) as err:
        raise LoadError(f"load: {name} is not a valid minitorch checkpoint: {err}") from None
    except MemoryError:
        raise LoadError(f"load: {name}: not enough memory for the arrays it holds") from None
    except OSError as err:
        if not hasattr(f, "read") and err.filename == os.fspath(f):
            raise  # the file cannot be opened: FileNotFoundError etc., as torch.load
        raise LoadError(
            f"load: {name} is not a valid minitorch checkpoint (corrupt or truncated?): "
            f"{type(err).__name__}: {err}") from None
    except Exception as err:  # zipfile, zlib, json and numpy errors on a damaged file
        raise LoadError(
            f"load: {name} is not a valid minitorch checkpoint (corrupt or truncated?): "
            f"{type(err).__name__}: {err}"
        ) from None
