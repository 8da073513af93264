"""``minitorch.onnx.export``: a model to an ONNX file that ONNX Runtime serves.

The exporter traces one forward pass in eval mode (see ``_trace``), converts each op
(``_ops``), checks the model with ``onnx.checker`` and, when onnxruntime is installed,
runs it on several batch sizes against minitorch's own outputs before writing the file.
``onnx`` and ``onnxruntime`` are imported only here, when ``export`` is called.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import IO, Any, Mapping, Sequence

import numpy as np

from ..core.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from ._trace import Trace

DEFAULT_OPSET = 17
MIN_OPSET = 13
CHECK_BATCH_SIZES = (1, 3, 17, 64)
TOLERANCE = 1e-5

# torch.onnx.export's other keyword arguments: accepted so PyTorch scripts run unchanged.
# These change nothing here (the exporter always traces, folds nothing, and checks itself).
_IGNORED = {
    "dynamo": True, "external_data": True, "report": False, "optimize": True,
    "verify": False, "profile": False, "dump_exported_program": False, "artifacts_dir": ".",
    "do_constant_folding": True, "autograd_inlining": True, "operator_export_type": None,
}
# These have no equivalent: any value but the default raises NotImplementedError.
_UNSUPPORTED = {
    "dynamic_shapes": None, "custom_translation_table": None, "custom_opsets": None,
    "export_modules_as_functions": False,
}
_HANDLED = {"kwargs", "verbose", "export_params", "keep_initializers_as_inputs", "training"}


def export(model: Module, args: Any, f: str | os.PathLike | IO[bytes] | None,
           input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None,
           dynamic_axes: Mapping[str, Any] | None = None, opset_version: int | None = None,
           dynamic_batch: bool = True, **torch_options: Any) -> Any:
    """Write ``model`` as an ONNX model to ``f`` (a path or a binary file); return the
    ``onnx.ModelProto``. The call of ``torch.onnx.export``.

    ``args``: the example input (a tensor, or a tuple of the forward's arguments, with an
    optional trailing dict of keyword arguments). ``dynamic_batch`` makes the first axis
    of every input a free ``batch`` dimension (``dynamic_axes``, PyTorch's way to say the
    same, takes precedence when given). The export checks itself: ``onnx.checker``, then,
    with onnxruntime installed, outputs equal to minitorch's (to 1e-5) for batch sizes
    1, 3, 17 and 64, or an error before anything is written. Parameter names go into the
    model's metadata (``trainable_parameters``, ``frozen_parameters``) as JSON lists.

    >>> import minitorch as mt
    >>> from minitorch import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> proto = mt.onnx.export(model, mt.randn(5, 4), None)  # doctest: +SKIP
    """
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "minitorch.onnx.export needs the onnx package: pip install 'minitorch[onnx]' "
            "(onnx, plus onnxruntime to check the export and to serve the model)"
        ) from None
    from . import _build

    options = _check_options(torch_options)
    opset = _check_opset(opset_version, onnx)
    positional, keywords = _split_args(args, options.get("kwargs"))
    inputs = _Inputs(positional, keywords, input_names, dynamic_axes, dynamic_batch)
    modes = [(m, m.training) for m in model.modules()]
    buffers = [(b.detach().numpy(), b.detach().numpy().copy()) for b in model.buffers()]
    model.eval()
    try:
        first = _run_traced(model, inputs, inputs.example())
        try:
            second = _run_traced(model, inputs, inputs.variant())
        except Exception as err:
            if inputs.batch is None:
                raise
            raise RuntimeError(
                f"minitorch.onnx.export: the model fails on inputs with {inputs.batch + 1} "
                f"rows instead of {inputs.batch} ({type(err).__name__}: {err}). If the "
                f"first axis of the inputs is not a batch axis, export with "
                f"dynamic_batch=False (or list the dynamic inputs in dynamic_axes)"
            ) from err
        graph = _build.build(model, inputs, first, second, opset, output_names,
                             keep_initializers_as_inputs=options["keep_initializers_as_inputs"])
        proto = _build.make_model(graph, opset, _parameter_metadata(model, graph))
        onnx.checker.check_model(proto, full_check=True)
        checked = _verify(proto, model, inputs)
    finally:
        for module, mode in modes:
            module.training = mode
        for array, saved in buffers:  # a forward that updates statistics in eval mode
            np.copyto(array, saved)
    if checked:
        proto.metadata_props.add(key="checked_with_onnxruntime", value=checked)
    if options["verbose"]:
        print(onnx.printer.to_text(proto.graph))
    if f is not None:
        _write(proto.SerializeToString(), f)
    return proto


# ------------------------------------------------------------------------------ options
def _check_options(options: dict) -> dict:
    known = set(_IGNORED) | set(_UNSUPPORTED) | _HANDLED
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"export() got an unexpected keyword argument {unknown[0]!r}")
    for name, default in _UNSUPPORTED.items():
        if options.get(name, default) != default:
            raise NotImplementedError(
                f"minitorch.onnx.export does not support {name}={options[name]!r}; "
                f"leave it out (dynamic_axes or dynamic_batch make the batch dynamic)"
            )
    if options.get("export_params", True) is not True:
        raise NotImplementedError(
            "minitorch.onnx.export always stores the parameters in the model "
            "(export_params=True)"
        )
    training = options.get("training")
    if training is not None and getattr(training, "name", str(training)) in ("TRAINING", "2"):
        raise NotImplementedError(
            "minitorch.onnx.export exports the model in eval mode (for serving); "
            "training=TrainingMode.TRAINING is not supported"
        )
    return {"kwargs": options.get("kwargs"), "verbose": bool(options.get("verbose")),
            "keep_initializers_as_inputs": bool(options.get("keep_initializers_as_inputs"))}


def _check_opset(opset_version: int | None, onnx: Any) -> int:
    newest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise ValueError(
            f"opset_version must be an int from {MIN_OPSET} to {newest} (the installed onnx "
            f"{onnx.__version__} knows up to {newest}), got {opset_version!r}; "
            f"leave it out for {DEFAULT_OPSET}"
        )
    return opset


def _split_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[list, dict]:
    if isinstance(args, Tensor):
        positional, keywords = [args], {}
    elif isinstance(args, (tuple, list)):
        positional = list(args)
        keywords = {}
        if positional and isinstance(positional[-1], dict):
            keywords = dict(positional.pop())
    else:
        raise TypeError(
            f"args must be a Tensor or a tuple of the forward's arguments, got "
            f"{type(args).__name__}"
        )
    keywords.update(kwargs or {})
    return positional, keywords


class _Inputs:
    """The example inputs, their ONNX names, which are batched, and inputs made from them."""

    def __init__(self, positional: list, keywords: dict, names: Sequence[str] | None,
                 dynamic_axes: Mapping[str, Any] | None, dynamic_batch: bool) -> None:
        self.positional, self.keywords = positional, keywords
        slots = [("arg", i) for i, a in enumerate(positional) if isinstance(a, Tensor)]
        slots += [("kw", k) for k, v in keywords.items() if isinstance(v, Tensor)]
        if not slots:
            raise ValueError("args holds no Tensor: the model needs at least one input tensor")
        self.slots = slots
        self.tensors = [self._get(s) for s in slots]
        names = list(names or [])
        if len(names) > len(slots) or len(set(names)) != len(names):
            raise ValueError(
                f"input_names {names} must be distinct, at most one per input tensor "
                f"({len(slots)})"
            )
        default = ["input"] if len(slots) == 1 else [f"input_{i}" for i in range(len(slots))]
        self.names = names + [s[1] if s[0] == "kw" else default[i]
                              for i, s in enumerate(slots[len(names):], len(names))]
        self.batch_symbol = "batch"
        self.dynamic = self._dynamic(dynamic_axes, dynamic_batch)
        sizes = {t.shape[0] for t, d in zip(self.tensors, self.dynamic) if d}
        if len(sizes) > 1:
            raise ValueError(
                f"the inputs with a dynamic first axis have different first dims {sorted(sizes)}"
                f": give example inputs with the same batch size"
            )
        self.batch = sizes.pop() if sizes else None
        self.arrays = [t.detach().numpy() for t in self.tensors]

    def _get(self, slot: tuple) -> Any:
        return self.get_from(self.positional, self.keywords, slot)

    @staticmethod
    def get_from(positional: list, keywords: dict, slot: tuple) -> Any:
        return positional[slot[1]] if slot[0] == "arg" else keywords[slot[1]]

    def _dynamic(self, dynamic_axes: Mapping[str, Any] | None, dynamic_batch: bool) -> list:
        if dynamic_axes is None:
            return [bool(dynamic_batch) and t.ndim > 0 for t in self.tensors]
        flags = [False] * len(self.tensors)
        for name, axes in dynamic_axes.items():
            axes_map = dict(axes) if isinstance(axes, Mapping) else {a: None for a in axes}
            if any(int(a) != 0 for a in axes_map):
                raise NotImplementedError(
                    f"dynamic_axes[{name!r}] = {axes!r}: minitorch's exporter can make only "
                    f"the first (batch) axis dynamic; export with fixed sizes for the others"
                )
            if axes_map.get(0):
                self.batch_symbol = axes_map[0]
            if name in self.names:
                flags[self.names.index(name)] = self.tensors[self.names.index(name)].ndim > 0
        return flags

    # -------------------------------------------------------------- inputs to run
    def example(self) -> list[np.ndarray]:
        return list(self.arrays)

    def variant(self) -> list[np.ndarray]:
        """Other values (and, when batched, one more row) than the example: what the
        exporter compares the trace with, to find what follows the batch and the data."""
        return self.sized(None if self.batch is None else self.batch + 1, seed=1)

    def sized(self, n: int | None, seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        rows = None if n is None else rng.integers(0, self.batch, n)
        out = []
        for array, dynamic in zip(self.arrays, self.dynamic):
            x = array[rows] if dynamic and rows is not None else array.copy()
            if x.dtype.kind == "f":  # same signs and scale, other values
                x = (x * rng.uniform(0.5, 1.5, x.shape)).astype(x.dtype)
            out.append(x)
        return out

    def call_args(self, arrays: list[np.ndarray]) -> tuple[list, dict]:
        from ..creation import from_numpy

        positional, keywords = list(self.positional), dict(self.keywords)
        for slot, array in zip(self.slots, arrays):
            tensor = from_numpy(np.ascontiguousarray(array))
            if slot[0] == "arg":
                positional[slot[1]] = tensor
            else:
                keywords[slot[1]] = tensor
        return positional, keywords


def _outputs(result: Any) -> list[Tensor]:
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    if not items or not all(isinstance(t, Tensor) for t in items):
        raise TypeError(
            f"the model's forward must return a Tensor or a tuple/list of Tensors to be "
            f"exported, got {type(result).__name__}"
        )
    return items


def _run_traced(model: Module, inputs: _Inputs, arrays: list[np.ndarray]) -> Any:
    positional, keywords = inputs.call_args(arrays)
    feeds = [inputs.get_from(positional, keywords, s) for s in inputs.slots]
    with no_grad(), Trace(model) as trace:
        result = model(*positional, **keywords)
    trace.inputs = [t.detach().numpy() for t in feeds]
    trace.outputs = [t.detach().numpy() for t in _outputs(result)]
    return trace


# ------------------------------------------------------------------------------ metadata
def _parameter_metadata(model: Module, graph: Any) -> dict[str, str]:
    used = {init.name for init in graph.initializer}
    trainable, frozen = [], []
    for name, p in model.named_parameters():
        if name in used:
            (trainable if p.requires_grad else frozen).append(name)
    return {"trainable_parameters": json.dumps(trainable),
            "frozen_parameters": json.dumps(frozen)}


# ------------------------------------------------------------------------------ checking
def _verify(proto: Any, model: Module, inputs: _Inputs) -> str:
    """Run the model in onnxruntime and minitorch on the example and on other batch sizes;
    raise if any output differs by more than 1e-5. Returns what was checked ('' if
    onnxruntime is not installed)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return ""
    try:
        session = ort.InferenceSession(proto.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types
        raise RuntimeError(
            f"minitorch.onnx.export: onnxruntime {ort.__version__} cannot load the exported "
            f"model (opset {proto.opset_import[0].version}): {err}"
        ) from None
    cases = [("the example input", inputs.example())]
    if inputs.batch is not None:
        cases += [(f"batch size {n}", inputs.sized(n, seed=n)) for n in CHECK_BATCH_SIZES]
    else:
        cases.append(("other input values", inputs.sized(None, seed=2)))
    output_names = [o.name for o in proto.graph.output]
    checked = []
    for i, (label, arrays) in enumerate(cases):
        positional, keywords = inputs.call_args(arrays)
        try:
            with no_grad():
                result = model(*positional, **keywords)
        except (ValueError, RuntimeError, IndexError):
            if i == 0:
                raise
            continue  # a size the model itself refuses (batch statistics of one row)
        expected = [t.detach().numpy() for t in _outputs(result)]
        try:
            got = session.run(output_names, dict(zip(inputs.names, arrays)))
        except Exception as err:  # onnxruntime raises its own exception types
            raise RuntimeError(
                f"minitorch.onnx.export: onnxruntime fails on {label} where minitorch runs: "
                f"{str(err).strip()[:400]}. {_CAUSES}"
            ) from None
        for name, e, r in zip(output_names, expected, got):
            _compare(label, name, e, np.asarray(r))
        if label.startswith("batch size "):
            checked.append(label[len("batch size "):])
    return f"onnxruntime {ort.__version__}" + (f"; batch sizes {', '.join(checked)}"
                                               if checked else "")


def _compare(label: str, name: str, expected: np.ndarray, got: np.ndarray) -> None:
    problem = None
    if got.shape != expected.shape:
        problem = f"shape {got.shape} instead of {expected.shape}"
    elif got.dtype != expected.dtype:
        problem = f"dtype {got.dtype} instead of {expected.dtype}"
    elif not np.allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True):
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        problem = f"values differ by up to {np.nanmax(diff):.3g} (tolerance {TOLERANCE})"
    if problem:
        raise RuntimeError(
            f"minitorch.onnx.export: onnxruntime's output {name!r} for {label} does not "
            f"match minitorch's: {problem}. {_CAUSES}"
        )


_CAUSES = ("The forward computes something the trace did not see as an op of the input (a "
           "Python number or numpy array made from a tensor, a size taken from the input); "
           "nothing was written.")


# ------------------------------------------------------------------------------ writing
def _write(data: bytes, f: Any) -> None:
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".onnx-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)  # atomic: a failed write leaves an older file intact
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
