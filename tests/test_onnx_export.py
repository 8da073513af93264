"""minitorch.onnx.export: every built-in layer and the main example's model run in ONNX
Runtime with minitorch's outputs, on a dynamic batch; errors name the op and the layer.

Each test checks the exported file itself (onnx.checker, then onnxruntime against a
minitorch forward on fresh inputs), independently of the check the export runs on itself.
"""
from __future__ import annotations

import importlib.util
import inspect
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 3, 17, 64)


def load(path: Path):
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    return proto, ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def load_proto(proto, path: Path):
    """The returned proto is the file's content; also load it in onnxruntime."""
    assert path.read_bytes() == proto.SerializeToString()
    return load(path)


def rows(example: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = example[rng.integers(0, len(example), n)]
    if x.dtype.kind == "f":
        x = x + rng.standard_normal(x.shape).astype(x.dtype)
    return x


def assert_serves_like_minitorch(model, example, tmp_path, batches=BATCHES, **kwargs):
    """Export, reload, and compare onnxruntime with minitorch on new inputs."""
    path = tmp_path / "model.onnx"
    training = model.training
    mt.onnx.export(model, example, path, **kwargs)
    assert model.training == training
    proto, session = load(path)
    model.eval()
    arrays = example.numpy() if isinstance(example, mt.Tensor) else example
    for n in batches:
        x = rows(arrays, n, seed=n)
        with mt.no_grad():
            expected = model(mt.from_numpy(x)).numpy()
        (got,) = session.run(None, {session.get_inputs()[0].name: x})
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    model.train(training)
    return proto, session


def trained_batchnorm(bn: nn.BatchNorm1d, shape: tuple) -> nn.BatchNorm1d:
    """Running statistics away from 0 and 1, and an affine map away from the identity."""
    bn.train()
    for _ in range(3):
        bn(mt.randn(*shape) * 3 + 2)
    if bn.weight is not None:
        with mt.no_grad():
            bn.weight.copy_(mt.rand(bn.num_features) + 0.5)
            bn.bias.copy_(mt.randn(bn.num_features))
    return bn


class Stack(nn.Module):
    """A custom module driven by a ModuleList, with a residual connection."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(3)])
        self.norm = nn.LayerNorm(6)

    def forward(self, x):
        for block in self.blocks:
            x = x + block(x).relu()
        return self.norm(x)


LAYERS = {
    "Linear": lambda: (nn.Linear(5, 3), (4, 5)),
    "Linear-no-bias": lambda: (nn.Linear(5, 3, bias=False), (4, 5)),
    "Linear-3d": lambda: (nn.Linear(5, 3), (4, 7, 5)),
    "Sequential": lambda: (nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)), (4, 5)),
    "ModuleList": lambda: (Stack(), (4, 6)),
    "ReLU": lambda: (nn.ReLU(), (4, 5)),
    "LeakyReLU": lambda: (nn.LeakyReLU(0.2), (4, 5)),
    "GELU": lambda: (nn.GELU(), (4, 5)),
    "GELU-tanh": lambda: (nn.GELU(approximate="tanh"), (4, 5)),
    "Tanh": lambda: (nn.Tanh(), (4, 5)),
    "Sigmoid": lambda: (nn.Sigmoid(), (4, 5)),
    "Softmax": lambda: (nn.Softmax(dim=1), (4, 5)),
    "LogSoftmax": lambda: (nn.LogSoftmax(dim=-1), (4, 5)),
    "Identity": lambda: (nn.Identity(), (4, 5)),
    "Flatten": lambda: (nn.Flatten(), (4, 2, 3, 5)),
    "Flatten-middle": lambda: (nn.Flatten(1, 2), (4, 2, 3, 5)),
    "Dropout": lambda: (nn.Sequential(nn.Linear(5, 5), nn.Dropout(0.5)), (4, 5)),
    "BatchNorm1d": lambda: (trained_batchnorm(nn.BatchNorm1d(5), (8, 5)), (4, 5)),
    "BatchNorm1d-3d": lambda: (trained_batchnorm(nn.BatchNorm1d(3), (8, 3, 6)), (4, 3, 6)),
    "BatchNorm1d-no-affine": lambda: (trained_batchnorm(nn.BatchNorm1d(5, affine=False),
                                                        (8, 5)), (4, 5)),
    "BatchNorm1d-batch-stats": lambda: (nn.BatchNorm1d(5, track_running_stats=False), (4, 5)),
    "LayerNorm": lambda: (nn.LayerNorm(5), (4, 5)),
    "LayerNorm-2d-no-affine": lambda: (nn.LayerNorm((3, 5), elementwise_affine=False),
                                       (4, 3, 5)),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_builtin_layer_exports_and_matches_on_every_batch_size(layer, tmp_path):
    mt.manual_seed(0)
    model, shape = LAYERS[layer]()
    with mt.no_grad():  # parameters away from their initial values (LayerNorm's 1 and 0)
        for p in model.parameters():
            p.add_(mt.randn(*p.shape) * 0.1)
    if layer == "BatchNorm1d-batch-stats":  # batch statistics need more than one row
        assert_serves_like_minitorch(model, mt.randn(*shape), tmp_path, batches=(3, 17, 64))
        return
    proto, _ = assert_serves_like_minitorch(model, mt.randn(*shape), tmp_path)
    (dim0, *_rest) = proto.graph.input[0].type.tensor_type.shape.dim
    assert dim0.dim_param == "batch"


def test_embedding_exports_with_integer_indices(tmp_path):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten(), nn.Linear(12, 2))
    example = mt.randint(0, 10, (5, 3))
    path = tmp_path / "emb.onnx"
    mt.onnx.export(model, example, path)
    _, session = load(path)
    for n in BATCHES:
        x = np.random.default_rng(n).integers(0, 10, (n, 3))
        with mt.no_grad():
            expected = model(mt.from_numpy(x)).numpy()
        np.testing.assert_allclose(session.run(None, {"input": x})[0], expected,
                                   rtol=1e-5, atol=1e-5)


class TensorOps(nn.Module):
    """Tensor ops in a custom forward, the way a user writes them."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.scale = nn.Parameter(mt.rand(6) + 0.5)
        self.register_buffer("shift", mt.randn(6))

    def forward(self, x):
        h = self.fc(x) * self.scale - self.shift / 2 + 1.5
        h = (h @ self.fc.weight.T).reshape(x.shape[0], 2, 3).transpose(1, 2)
        h = h.permute(0, 2, 1).flatten(1).unsqueeze(1).squeeze(1)
        h = mt.cat([h.exp().clamp(max=4.0), (h.abs() + 1).log(), h.abs().sqrt()], dim=1)
        h = h - h.mean(dim=1, keepdim=True) + h.var(dim=1, keepdim=True) ** 0.5
        h = mt.stack([h[:, :6], h[:, 6:12].sin(), -h[:, 12:].cos()], dim=2).sum(dim=2)
        h = h + h.max() + h.softmax(dim=1) + h.log_softmax(dim=1) + h.sigmoid().tanh()
        return h[:, ::2] - h[:, 1::2] + h[..., None][:, :3, 0].repeat(1, 1)


def test_tensor_ops_of_a_custom_forward_export(tmp_path):
    mt.manual_seed(1)
    assert_serves_like_minitorch(TensorOps(), mt.randn(8, 6), tmp_path)


class MoreOps(nn.Module):
    """Comparisons, masks, integer paths, index arrays, casts and the rarer reductions."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.register_buffer("idx", mt.tensor([2, 0, 1]))

    def forward(self, x):
        h = self.fc(x)
        a = mt.where(h > 0, h, h * 0.1)
        b = h.masked_fill(h < -0.5, 0.25)
        c = mt.maximum(a, b) + mt.minimum(a, b)
        d = (c.cumsum(dim=1) + c.logsumexp(dim=1, keepdim=True)
             + (c.abs() + 0.5).prod(dim=1, keepdim=True))
        g = d.gather(1, mt.tensor([[0, 2, 1]]).expand(x.shape[0], 3))
        e = d[:, self.idx] + g + d[:, None][..., -3:].squeeze(1)
        f = (e % 0.7).add(e, alpha=0.5).double().float() + e.std(dim=1, keepdim=True)
        f = f - e.amax(dim=1, keepdim=True)
        mask = ((e >= 0.1).float() * (e != 0).float()).repeat(1, 2)
        return (f + e.min()).repeat(1, 2) + (h.long() // 2).float()[:, :1] - mask


def test_more_tensor_ops_export(tmp_path):
    mt.manual_seed(0)
    assert_serves_like_minitorch(MoreOps(), mt.randn(8, 6), tmp_path)


class Classifier(nn.Module):
    """Serving-style outputs: logits, the predicted class, and max(dim)'s values and indices."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 4))

    def forward(self, x):
        logits = self.net(x)
        best = logits.max(dim=1)
        return logits, logits.argmax(dim=1), best.values, best.indices, logits.argmin()


def test_predicted_classes_and_max_dim_export(tmp_path):
    mt.manual_seed(0)
    model = Classifier()
    path = tmp_path / "classes.onnx"
    mt.onnx.export(model, mt.randn(6, 5), path)
    _, session = load(path)
    x = np.random.default_rng(3).standard_normal((11, 5)).astype(np.float32)
    with mt.no_grad():
        expected = [t.numpy() for t in model(mt.from_numpy(x))]
    got = session.run(None, {"input": x})
    for e, r in zip(expected, got):
        assert r.dtype == e.dtype and r.shape == e.shape
        np.testing.assert_allclose(r, e, rtol=1e-5, atol=1e-5)
    assert got[1].dtype == np.int64 and got[1].shape == (11,)


class TwoInTwoOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 4), nn.Linear(2, 4)

    def forward(self, x, y, scale=1.0):
        h = self.a(x) + self.b(y) * scale
        return h, h.relu().sum(dim=1)


def test_several_inputs_outputs_and_keyword_arguments(tmp_path):
    mt.manual_seed(0)
    model = TwoInTwoOut()
    x, y = mt.randn(5, 3), mt.randn(5, 2)
    path = tmp_path / "two.onnx"
    mt.onnx.export(model, (x, y, {"scale": 2.0}), path, input_names=["x", "y"],
                   output_names=["h", "total"])
    proto, session = load(path)
    assert [i.name for i in proto.graph.input] == ["x", "y"]
    assert [o.name for o in proto.graph.output] == ["h", "total"]
    xs, ys = np.random.default_rng(0).standard_normal((2, 9, 3)).astype(np.float32), \
        np.random.default_rng(1).standard_normal((9, 2)).astype(np.float32)
    h, total = session.run(None, {"x": xs[0], "y": ys})
    with mt.no_grad():
        eh, etotal = model(mt.from_numpy(xs[0]), mt.from_numpy(ys), scale=2.0)
    np.testing.assert_allclose(h, eh.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(total, etotal.numpy(), rtol=1e-5, atol=1e-5)
    assert total.shape == (9,)


# ------------------------------------------------------------------ the main example
def _example_module():
    spec = importlib.util.spec_from_file_location(
        "example_transfer_learning_onnx", ROOT / "examples" / "transfer_learning.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_main_examples_model_exports_with_frozen_and_trainable_names(tmp_path):
    example = _example_module()
    mt.manual_seed(0)
    model = example.Net(64, 5)
    model.train()
    for _ in range(3):  # batch-norm statistics away from their initial values
        model(mt.randn(16, 64) * 2 + 1)
    nn.freeze(model.body)
    proto, _ = assert_serves_like_minitorch(model, mt.randn(4, 64), tmp_path)
    meta = {p.key: p.value for p in proto.metadata_props}
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert frozen and trainable
    assert json.loads(meta["frozen_parameters"]) == frozen
    assert json.loads(meta["trainable_parameters"]) == trainable == ["head.weight", "head.bias"]
    initializers = {t.name for t in proto.graph.initializer}
    assert set(frozen + trainable) <= initializers
    assert {"body.1.running_mean", "body.1.running_var"} <= initializers
    assert model.training and all(not p.requires_grad for p in model.body.parameters())


# ------------------------------------------------------------------ dynamic batch
def test_dynamic_batch_is_on_by_default_and_can_be_turned_off(tmp_path):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Flatten())
    dynamic = mt.onnx.export(model, mt.randn(2, 4), tmp_path / "d.onnx")
    assert dynamic.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert dynamic.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    fixed = mt.onnx.export(model, mt.randn(2, 4), tmp_path / "f.onnx", dynamic_batch=False)
    assert [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim] == [2, 4]
    session = ort.InferenceSession(str(tmp_path / "f.onnx"), providers=["CPUExecutionProvider"])
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        session.run(None, {"input": np.zeros((3, 4), np.float32)})


def test_sizes_that_follow_the_batch_are_computed_at_run_time(tmp_path):
    class Reshaping(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)

        def forward(self, x):
            n = x.shape[0]
            h = self.fc(x).view(n, 2, 3).reshape(n * 2, 3)  # rows that follow the batch
            return h.expand(2, n * 2, 3).sum(dim=0).reshape(n, 6)

    mt.manual_seed(0)
    assert_serves_like_minitorch(Reshaping(), mt.randn(5, 4), tmp_path)


def test_a_broken_dynamic_batch_is_caught_at_export_and_nothing_is_written(tmp_path, monkeypatch):
    from minitorch.onnx import _ops

    # A wrong conversion stands for any bug that only shows at another batch size.
    def bad_reshape(cx):
        cx.dynamic.pop(1, None)  # ignore that the size follows the batch: keep the traced one
        return cx.g.op("Reshape", [cx.name(0), cx.g.ints(cx.args[1])])

    monkeypatch.setitem(_ops.CONVERTERS, "Reshape", bad_reshape)
    model = nn.Sequential(nn.Linear(4, 6), nn.Flatten())
    path = tmp_path / "broken.onnx"
    with pytest.raises(RuntimeError, match="(does not match|fails on).*nothing was written"):
        mt.onnx.export(model, mt.randn(5, 3, 4), path)
    assert not path.exists()


def test_an_input_without_a_batch_axis_needs_dynamic_batch_false(tmp_path):
    model = nn.Linear(4, 2)  # a 1-D input: its only axis is the features
    with pytest.raises(RuntimeError, match="fails on inputs with 5 rows instead of 4.*"
                                           "dynamic_batch=False"):
        mt.onnx.export(model, mt.randn(4), None)
    proto, _ = load_proto(mt.onnx.export(model, mt.randn(4), tmp_path / "v.onnx",
                                         dynamic_batch=False), tmp_path / "v.onnx")
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == [2]


def test_dynamic_axes_as_pytorch_writes_them(tmp_path):
    model = nn.Linear(4, 2)
    proto = mt.onnx.export(model, mt.randn(3, 4), tmp_path / "m.onnx",
                           input_names=["features"], output_names=["logits"],
                           dynamic_axes={"features": {0: "batch_size"},
                                         "logits": {0: "batch_size"}},
                           dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch_size"
    with pytest.raises(NotImplementedError, match="first .batch. axis"):
        mt.onnx.export(model, mt.randn(3, 4), None, dynamic_axes={"input": {1: "features"}})


# ------------------------------------------------------------------ errors
class Square(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return grad


class WithCustomOp(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 3), Lossy())

    def forward(self, x):
        return self.body(x)


class Lossy(nn.Module):
    def forward(self, x):
        return F.mse_loss(x, x.detach() * 0, reduction="none") + Square.apply(x)


def test_an_unsupported_op_names_the_op_and_the_layer(tmp_path):
    path = tmp_path / "x.onnx"
    with pytest.raises(RuntimeError, match=r"op MSELoss in layer 'body\.1' \(Lossy\)"):
        mt.onnx.export(WithCustomOp(), mt.randn(2, 3), path)
    assert not path.exists()

    class OnlyCustom(nn.Module):
        def forward(self, x):
            return Square.apply(x)

    with pytest.raises(RuntimeError, match=r"custom autograd.Function Square in the model's "
                                           r"forward \(OnlyCustom\)"):
        mt.onnx.export(OnlyCustom(), mt.randn(2, 3), None)


def test_dropout_left_on_in_eval_mode_gets_a_hint():
    class AlwaysDrop(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.5, training=True)

    with pytest.raises(RuntimeError, match="op Dropout .*training=self.training"):
        mt.onnx.export(AlwaysDrop(), mt.randn(2, 3), None)


def test_a_value_made_outside_the_ops_is_refused_not_baked_in():
    class NumpyMask(nn.Module):
        def forward(self, x):
            return x * mt.tensor(x.numpy() > 0)  # a constant of this input's values

    with pytest.raises(RuntimeError, match="made from the input outside minitorch's ops"):
        mt.onnx.export(NumpyMask(), mt.randn(4, 3), None)

    class SizedSlice(nn.Module):
        def forward(self, x):
            return x[: x.shape[0] - 1]

    with pytest.raises(RuntimeError, match="GetItem .*changes with the input"):
        mt.onnx.export(SizedSlice(), mt.randn(4, 3), None)


def test_bad_arguments_raise_clear_errors():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="opset_version must be an int from 13"):
        mt.onnx.export(model, mt.randn(2, 3), None, opset_version=9)
    with pytest.raises(TypeError, match="unexpected keyword argument 'dynamic_batchs'"):
        mt.onnx.export(model, mt.randn(2, 3), None, dynamic_batchs=True)
    with pytest.raises(TypeError, match="args must be a Tensor or a tuple"):
        mt.onnx.export(model, np.zeros((2, 3), np.float32), None)
    with pytest.raises(NotImplementedError, match="export_params"):
        mt.onnx.export(model, mt.randn(2, 3), None, export_params=False)


# ------------------------------------------------------------------ PyTorch scripts
def test_a_pytorch_export_call_runs_unchanged(tmp_path):
    model = nn.Sequential(nn.Linear(10, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 4))
    model.eval()
    dummy_input = mt.randn(1, 10)
    mt.onnx.export(
        model, (dummy_input,), str(tmp_path / "model.onnx"), export_params=True,
        opset_version=17, do_constant_folding=True, input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
        dynamo=False, verbose=False,
    )
    _, session = load(tmp_path / "model.onnx")
    x = np.random.default_rng(0).standard_normal((7, 10)).astype(np.float32)
    with mt.no_grad():
        expected = model(mt.from_numpy(x)).numpy()
    np.testing.assert_allclose(session.run(["output"], {"input": x})[0], expected,
                               rtol=1e-5, atol=1e-5)


def test_every_keyword_of_torch_onnx_export_is_accepted():
    torch = pytest.importorskip("torch")
    ours = inspect.signature(mt.onnx.export).parameters
    theirs = inspect.signature(torch.onnx.export).parameters
    assert list(theirs)[:3] == list(ours)[:3] == ["model", "args", "f"]
    model = nn.Linear(3, 2)
    for name, param in list(theirs.items())[3:]:
        value = param.default
        if name == "training":
            value = torch.onnx.TrainingMode.EVAL
        if name == "operator_export_type":
            value = torch.onnx.OperatorExportTypes.ONNX
        mt.onnx.export(model, (mt.randn(2, 3),), None, **{name: value})


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_opsets_before_and_after_layernorm_and_reduce_axes_inputs(opset, tmp_path):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.GELU(), nn.Linear(6, 3),
                          nn.Softmax(dim=1))
    proto, _ = assert_serves_like_minitorch(model, mt.randn(5, 4), tmp_path,
                                            opset_version=opset)
    assert proto.opset_import[0].version == opset
    assert any(n.op_type == "LayerNormalization" for n in proto.graph.node) == (opset >= 17)


def test_file_objects_and_return_value(tmp_path):
    model = nn.Linear(3, 2)
    buffer = io.BytesIO()
    proto = mt.onnx.export(model, mt.randn(2, 3), buffer)
    assert buffer.getvalue() == proto.SerializeToString()
    assert proto.producer_name == "minitorch"
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["checked_with_onnxruntime"].endswith("batch sizes 1, 3, 17, 64")


def test_export_leaves_modes_flags_and_statistics_as_they_were():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=True),
                          nn.Dropout(0.2))
    model.train()
    model[2].eval()
    model[0].weight.requires_grad_(False)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    mt.onnx.export(model, mt.randn(4, 3), None)
    assert [m.training for m in model.modules()] == [True, True, True, False]
    assert [p.requires_grad for p in model.parameters()] == [False, True, True, True]
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k].numpy()) for k in before)


def test_the_onnx_benchmark_runs_and_every_framework_agrees_with_numpy():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_onnx.py"), "--quick",
                           "--frameworks", "minitorch"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if "agree" not in line and "1.0000" in line]
    assert len(rows) == 2  # W4 batched and one-row requests
    assert all("minitorch 1.0000 / onnxruntime 1.0000" in row for row in rows)



def test_without_onnxruntime_the_export_still_writes_a_checked_model(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime fails
    proto = mt.onnx.export(nn.Linear(3, 2), mt.randn(2, 3), tmp_path / "m.onnx")
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    assert "checked_with_onnxruntime" not in {p.key for p in proto.metadata_props}


def test_without_onnx_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'minitorch\[onnx\]'"):
        mt.onnx.export(nn.Linear(3, 2), mt.randn(2, 3), None)
