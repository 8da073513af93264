"""Weights files shared with PyTorch: ``save_safetensors`` and ``load_safetensors``.

The files are written by the ``safetensors`` library (its numpy API), with the same
state-dict names as PyTorch (``0.weight``, ``bn.running_mean``, ...), so a file written
here loads with ``safetensors.torch.load_file`` and the other way round. Reading, the
header is parsed and checked by minitorch first (``header.py``: a file from a stranger is
untrusted), then each tensor's validated byte range is read straight into its array.

- Tied (shared) parameters are stored once, as ``safetensors.torch.save_model`` does: the
  alphabetically first name keeps the data and the file's metadata maps every other name
  to it (``{"head.weight": "embed.weight"}``). Loading puts one tensor under all names.
- Which parameters were frozen (``requires_grad=False``) is kept in the metadata under
  ``minitorch.frozen`` (a JSON list of names) when a module is saved.
- The header is read and checked before anything is allocated (see ``header.py``).
- Saving is atomic: a failed save leaves the previous file intact.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Union

import numpy as np

from ..creation import from_numpy
from ..nn.module import Module
from ..nn.parameter import Parameter
from ..serialization import atomic_write
from ..tensor import Tensor
from .header import DTYPES, METADATA, Header, TensorEntry, read_header

__all__ = ["save_safetensors", "load_safetensors", "FROZEN_KEY"]

FROZEN_KEY = "minitorch.frozen"
_RESERVED_PREFIX = "minitorch."
PathLike = Union[str, "os.PathLike[str]"]
_SUPPORTED = {np.dtype(d) for d in DTYPES.values()}


# ---------------------------------------------------------------------------- saving
def _named_values(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, Module):
        return list(obj.state_dict(keep_vars=True).items())
    if isinstance(obj, Mapping):
        return list(obj.items())
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, Tensor, np.ndarray)):
        return list(obj)
    raise TypeError(
        f"save_safetensors expects a Module, a state dict or (name, tensor) pairs, got "
        f"{type(obj).__name__}"
    )


def _as_array(name: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        array = value.detach().numpy()
    elif isinstance(value, np.ndarray):
        array = value
    else:
        raise TypeError(f"save_safetensors: {name!r} is a {type(value).__name__}, expected a "
                        f"Tensor or a numpy array")
    if array.dtype not in _SUPPORTED:
        raise TypeError(f"save_safetensors: {name!r} has dtype {array.dtype}, which "
                        f"safetensors files from minitorch cannot hold (supported: "
                        f"{', '.join(sorted(str(d) for d in _SUPPORTED))})")
    return array


def _storage_key(array: np.ndarray) -> tuple:
    """Two arrays with this same key are the same memory seen the same way: tied."""
    return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)


def save_safetensors(module_or_state_dict: Any, path: PathLike,
                     metadata: Mapping[str, str] | None = None) -> None:
    """Write a module's state (or a state dict) to a ``.safetensors`` file at ``path``.

    Keys are the state-dict names PyTorch uses. A parameter tied to several names is
    stored once, under the alphabetically first one; the metadata maps the others to it,
    as ``safetensors.torch.save_model`` does. When a module (or Parameters) is saved, the
    names of the frozen parameters go into the metadata under ``"minitorch.frozen"``.
    ``metadata`` adds your own string entries. The write is atomic: if it fails, the
    previous file at ``path`` is left intact.

    >>> import os, tempfile
    >>> from minitorch import nn
    >>> from minitorch.interop import save_safetensors, load_safetensors
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    >>> save_safetensors(model, path)
    >>> sorted(load_safetensors(path))  # doctest: +NORMALIZE_WHITESPACE
    ['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean',
     '1.running_var', '1.weight']
    """
    items = _named_values(module_or_state_dict)
    seen: set[str] = set()
    groups: dict[tuple, list[str]] = {}
    arrays: dict[str, np.ndarray] = {}
    frozen: list[str] = []
    has_parameters = False
    for entry in items:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise TypeError(f"save_safetensors: expected (name, tensor) pairs, got {entry!r:.60}")
        name, value = entry
        if not isinstance(name, str) or not name:
            raise TypeError(f"save_safetensors: tensor names must be non-empty str, got "
                            f"{name!r}")
        if name == METADATA:
            raise ValueError(f"save_safetensors: {METADATA!r} is reserved by the safetensors "
                             f"format for the header's metadata; rename that tensor")
        if name in seen:
            raise ValueError(f"save_safetensors: the name {name!r} appears twice; each tensor "
                             f"needs its own name")
        seen.add(name)
        array = _as_array(name, value)
        if isinstance(value, Parameter):
            has_parameters = True
            if not value.requires_grad:
                frozen.append(name)
        groups.setdefault(_storage_key(array), []).append(name)
        arrays[name] = array
    meta = _check_user_metadata(metadata)
    tensors: dict[str, np.ndarray] = {}
    for names in groups.values():
        keep = sorted(names)[0]
        array = arrays[keep]  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        tensors[keep] = array if array.flags.c_contiguous else array.copy(order="C")
        for alias in names:
            if alias == keep:
                continue
            if alias in meta and meta[alias] != keep:
                raise ValueError(f"save_safetensors: metadata key {alias!r} is also the name "
                                 f"of a tied tensor (stored as an alias of {keep!r}); "
                                 f"rename the metadata entry")
            meta[alias] = keep
    if has_parameters:
        meta[FROZEN_KEY] = json.dumps(frozen)
    from safetensors.numpy import save_file

    with atomic_write(path) as tmp:
        save_file(tensors, tmp, metadata=meta or None)


def _check_user_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict of str to str, got "
                        f"{type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata must map str to str; got {key!r}: {value!r} (convert "
                            f"values with str() or json.dumps())")
        if key.startswith(_RESERVED_PREFIX):
            raise ValueError(f"metadata key {key!r}: keys starting with "
                             f"{_RESERVED_PREFIX!r} are reserved for minitorch")
    return dict(metadata)


# ---------------------------------------------------------------------------- loading
def _unsupported(header: Header, entry: TensorEntry, upcast_bfloat16: bool) -> str | None:
    if entry.dtype in DTYPES or (entry.dtype == "BF16" and upcast_bfloat16):
        return None
    if entry.dtype == "BF16":
        return (f"tensor {entry.name!r} in {header.path!r} is bfloat16, which numpy (and so "
                f"minitorch) has no type for. Load it as float32 with "
                f"load_safetensors(path, upcast_bfloat16=True) (exact: every bfloat16 value "
                f"is a float32 value), or convert the file in PyTorch: "
                f"save_file({{k: v.float() for k, v in load_file(path).items()}}, new_path)")
    return (f"tensor {entry.name!r} in {header.path!r} has dtype {entry.dtype}, which "
            f"minitorch has no tensor type for (it reads "
            f"{', '.join(sorted(DTYPES))}, and BF16 with upcast_bfloat16=True); convert it "
            f"in PyTorch, e.g. to float32 or int64, and save it again")


def _read_tensors(path: str, header: Header) -> dict[str, np.ndarray]:
    """Each tensor's bytes, read straight into a new array: one copy in memory, no memory
    map (the header has been checked, so every range lies inside the file). Measured 0.6x
    the time of safetensors' own ``pread`` reader, which copies twice (see
    benchmarks/bench_safetensors.py); tests check both give the same arrays."""
    arrays: dict[str, np.ndarray] = {}
    with open(path, "rb", buffering=0) as handle:
        for name, entry in header.tensors.items():
            little = np.dtype("<u2") if entry.dtype == "BF16" else DTYPES[entry.dtype]
            array = np.empty(entry.shape, dtype=little.newbyteorder("<"))
            handle.seek(header.data_start + entry.begin)
            view = memoryview(array.reshape(-1)).cast("B")
            done = 0
            while done < len(view):
                got = handle.readinto(view[done:])
                if not got:
                    raise RuntimeError(f"load_safetensors: {path!r} ended inside tensor "
                                       f"{name!r} (was it changed while being read?)")
                done += got
            if entry.dtype == "BF16":  # the top half of a float32: widen the bits (exact)
                array = (array.astype(np.uint32) << 16).view(np.float32)
            elif not array.dtype.isnative:
                array = array.astype(array.dtype.newbyteorder("="))
            arrays[name] = array
    return arrays


def _aliases(header: Header) -> dict[str, str]:
    """Metadata entries ``alias -> stored name`` written for tied tensors."""
    return {k: v for k, v in header.metadata.items()
            if not k.startswith(_RESERVED_PREFIX) and k not in header.tensors
            and v in header.tensors}


def load_safetensors(path: PathLike, module: Module | None = None, *, strict: bool = True,
                     strip_prefix: str | None = None, restore_frozen: bool = False,
                     upcast_bfloat16: bool = False) -> dict[str, Tensor]:
    """Read a ``.safetensors`` file into a dict of tensors (names as in the file).

    The header is checked first: a file that lies about its offsets, shapes, dtypes or
    names raises RuntimeError naming the file and the cause, before anything is allocated.
    Tied tensors (saved once, with aliases in the metadata) come back as one tensor under
    every name. ``strip_prefix="module."`` removes the prefix that ``DistributedDataParallel``
    adds to every key. bfloat16 tensors raise unless ``upcast_bfloat16=True`` (exact).

    With ``module``, the tensors are also loaded into it with ``module.load_state_dict``
    (``strict`` as there: missing, unexpected and shape-mismatched keys are reported in one
    error, and a failed load changes nothing); parameters the file holds tied become tied in
    the module if they are not already; ``restore_frozen=True`` sets each parameter's
    ``requires_grad`` as it was saved (the file must come from ``save_safetensors`` of a
    module).
    """
    name = os.fspath(path)
    header = read_header(name)
    problems = [p for e in header.tensors.values()
                if (p := _unsupported(header, e, upcast_bfloat16))]
    if problems:
        raise TypeError(problems[0] + (f" ({len(problems) - 1} more tensors like it)"
                                       if len(problems) > 1 else ""))
    frozen = _frozen_names(header) if restore_frozen else None
    if restore_frozen and module is None:
        raise ValueError("load_safetensors: restore_frozen=True needs the module to restore "
                         "the flags onto: load_safetensors(path, model, restore_frozen=True)")
    arrays = _read_tensors(name, header)
    out: dict[str, Tensor] = {k: from_numpy(a) for k, a in arrays.items()}
    aliases = _aliases(header)
    for alias, stored in aliases.items():
        out[alias] = out[stored]
    if strip_prefix:
        out = _strip(name, out, strip_prefix)
        aliases = {_unprefix(k, strip_prefix): _unprefix(v, strip_prefix)
                   for k, v in aliases.items()}
        if frozen is not None:
            frozen = {_unprefix(k, strip_prefix) for k in frozen}
    if module is not None:
        _load_into(name, module, out, strict, aliases, frozen)
    return out


def _unprefix(key: str, prefix: str) -> str:
    return key[len(prefix):] if key.startswith(prefix) else key


def _strip(path: str, tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for key, value in tensors.items():
        new = _unprefix(key, prefix)
        if new in out:
            raise ValueError(f"load_safetensors: {path!r}: stripping {prefix!r} makes two keys "
                             f"{new!r}; the file mixes prefixed and unprefixed names")
        out[new] = value
    return out


def _frozen_names(header: Header) -> set[str]:
    text = header.metadata.get(FROZEN_KEY)
    if text is None:
        raise ValueError(
            f"load_safetensors: {header.path!r} has no record of frozen parameters (no "
            f"{FROZEN_KEY!r} metadata; it is written by minitorch.interop.save_safetensors "
            f"when given a module); load without restore_frozen=True and freeze by hand"
        )
    try:
        names = json.loads(text)
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RuntimeError(f"load_safetensors: {header.path!r}: metadata {FROZEN_KEY!r} is "
                           f"not a JSON list of names")
    return set(names)


def _load_into(path: str, module: Module, tensors: dict[str, Tensor], strict: bool,
               aliases: dict[str, str], frozen: set[str] | None) -> None:
    try:
        module.load_state_dict(tensors, strict=strict)
    except RuntimeError as err:
        raise RuntimeError(f"load_safetensors: cannot load {path!r} into "
                           f"{type(module).__name__}:\n{err}") from None
    params = dict(module.named_parameters(remove_duplicate=False))
    for alias, stored in aliases.items():
        if alias in params and stored in params and params[alias] is not params[stored]:
            owner_name, _, attr = alias.rpartition(".")
            owner = module.get_submodule(owner_name) if owner_name else module
            setattr(owner, attr, params[stored])  # tie: one Parameter under both names
    if frozen is not None:
        for pname, p in module.named_parameters(remove_duplicate=False):
            p.requires_grad_(pname not in frozen)
