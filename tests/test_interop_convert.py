"""to_torch / from_torch: every built-in layer, container and loss, both ways, with outputs
compared to PyTorch's and weights, buffers, requires_grad flags and modes compared."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.interop import from_torch, register_converter, registry, to_torch

torch = pytest.importorskip("torch")



@pytest.fixture(autouse=True)
def _restore_registry():
    """Converters registered by a test do not leak into the others."""
    registry._load_builtins()
    saved = dict(registry._TO_TORCH), dict(registry._FROM_TORCH)
    yield
    registry._TO_TORCH.clear()
    registry._TO_TORCH.update(saved[0])
    registry._FROM_TORCH.clear()
    registry._FROM_TORCH.update(saved[1])


RNG = np.random.default_rng(0)
X = RNG.standard_normal((7, 6)).astype(np.float32)
X3 = RNG.standard_normal((7, 6, 3)).astype(np.float32)
IDS = RNG.integers(0, 10, (4, 5))


def layer_cases():
    """name -> (minitorch layer factory, input)."""
    return {
        "Linear": (lambda: nn.Linear(6, 4), X),
        "Linear-nobias": (lambda: nn.Linear(6, 4, bias=False), X),
        "Identity": (lambda: nn.Identity(), X),
        "ReLU": (lambda: nn.ReLU(), X),
        "LeakyReLU": (lambda: nn.LeakyReLU(0.2), X),
        "GELU": (lambda: nn.GELU(), X),
        "GELU-tanh": (lambda: nn.GELU(approximate="tanh"), X),
        "Tanh": (lambda: nn.Tanh(), X),
        "Sigmoid": (lambda: nn.Sigmoid(), X),
        "Softmax": (lambda: nn.Softmax(dim=1), X),
        "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), X),
        "Flatten": (lambda: nn.Flatten(), X3),
        "Dropout": (lambda: nn.Dropout(0.3), X),
        "BatchNorm1d": (lambda: nn.BatchNorm1d(6), X),
        "BatchNorm1d-3d": (lambda: nn.BatchNorm1d(6, momentum=None), X3),
        "BatchNorm1d-noaffine": (lambda: nn.BatchNorm1d(6, affine=False), X),
        "BatchNorm1d-nostats": (lambda: nn.BatchNorm1d(6, track_running_stats=False), X),
        "LayerNorm": (lambda: nn.LayerNorm(6, eps=1e-3), X),
        "LayerNorm-nobias": (lambda: nn.LayerNorm(6, bias=False), X),
        "LayerNorm-2d": (lambda: nn.LayerNorm((6, 3)), X3),
        "Embedding": (lambda: nn.Embedding(10, 3, padding_idx=2), IDS),
        "Sequential": (lambda: nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(),
                                             nn.Sequential(nn.Linear(5, 3), nn.Tanh())), X),
    }


def stir(model, x):
    """Random weights and moved BatchNorm statistics, so nothing compares as a default."""
    with mt.no_grad():
        for p in model.parameters():
            p.copy_(mt.randn(*p.shape))
    if x.dtype == np.float32 and any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
        model.train()
        model(mt.tensor(x))


def mt_out(model, x):
    with mt.no_grad():
        return model(mt.from_numpy(x)).numpy()


def torch_out(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def assert_same_state(ours, theirs):
    mine = ours.state_dict()
    other = theirs.state_dict()
    assert list(mine) == list(other)
    for key in mine:
        a, b = mine[key].numpy(), other[key].numpy()
        assert a.dtype == b.dtype and np.array_equal(a, b), key
    flags = [(n, p.requires_grad) for n, p in ours.named_parameters()]
    assert flags == [(n, p.requires_grad) for n, p in theirs.named_parameters()]
    modes = [(n, m.training) for n, m in ours.named_modules()]
    assert modes == [(n, m.training) for n, m in theirs.named_modules()]


@pytest.mark.parametrize("name", list(layer_cases()))
def test_to_torch_then_from_torch(name):
    make, x = layer_cases()[name]
    ours = make()
    stir(ours, x)
    ours.eval()
    theirs = to_torch(ours)
    assert isinstance(theirs, torch.nn.Module)
    assert_same_state(ours, theirs)
    np.testing.assert_allclose(mt_out(ours, x), torch_out(theirs, x), rtol=1e-5, atol=1e-6)
    back = from_torch(theirs)
    assert type(back) is type(ours) and back is not ours
    assert_same_state(back, theirs)
    assert np.array_equal(mt_out(back, x), mt_out(ours, x))


@pytest.mark.parametrize("name", list(layer_cases()))
def test_from_torch_of_a_pytorch_built_model(name):
    make, x = layer_cases()[name]
    theirs = to_torch(make())  # the torch equivalent; now give it torch-made state
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p))
    if x.dtype == np.float32:
        theirs.train()
        theirs(torch.from_numpy(x))
    theirs.eval()
    ours = from_torch(theirs)
    assert_same_state(ours, theirs)
    np.testing.assert_allclose(mt_out(ours, x), torch_out(theirs, x), rtol=1e-5, atol=1e-6)


def test_flags_and_modes_are_carried_per_parameter_and_per_module():
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.Dropout(0.5), nn.Linear(5, 2))
    model[0].weight.requires_grad_(False)
    nn.freeze(model[1])
    model[1].eval()
    model[2].eval()
    theirs = to_torch(model)
    assert [p.requires_grad for p in theirs.parameters()] == [False, True, False, False,
                                                                True, True]
    assert [m.training for m in theirs.modules()] == [True, True, False, False, True]
    assert_same_state(from_torch(theirs), theirs)


def test_training_mode_outputs_agree_where_deterministic():
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU())
    theirs = to_torch(model)
    np.testing.assert_allclose(mt_out(model, X), torch_out(theirs, X), rtol=1e-5, atol=1e-6)
    # both updated their running statistics the same way
    np.testing.assert_allclose(model[1].running_mean.numpy(),
                               theirs[1].running_mean.numpy(), rtol=1e-5, atol=1e-7)
    assert int(model[1].num_batches_tracked.item()) == int(theirs[1].num_batches_tracked) == 1


def test_float64_models_stay_float64():
    model = nn.Sequential(nn.Linear(6, 3), nn.LayerNorm(3)).double()
    theirs = to_torch(model)
    assert all(p.dtype == torch.float64 for p in theirs.parameters())
    x = X.astype(np.float64)
    np.testing.assert_allclose(mt_out(model, x), torch_out(theirs, x), rtol=1e-12)
    assert all(p.dtype == mt.float64 for p in from_torch(theirs).parameters())


LOSSES = {
    "MSELoss": (lambda: nn.MSELoss(reduction="sum"), "regression"),
    "L1Loss": (lambda: nn.L1Loss(), "regression"),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.5), "regression"),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(weight=mt.tensor([1.0, 2.0, 0.5]),
                                                     label_smoothing=0.1), "classes"),
    "NLLLoss": (lambda: nn.NLLLoss(reduction="none"), "logprobs"),
    "BCELoss": (lambda: nn.BCELoss(), "probabilities"),
    "BCEWithLogitsLoss": (lambda: nn.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0, 1.0, 1.0])),
                          "binary"),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_convert_with_their_options_and_weights(name):
    make, kind = LOSSES[name]
    scores = RNG.standard_normal((5, 3)).astype(np.float32)
    if kind in ("regression", "binary"):
        target = RNG.random((5, 3)).astype(np.float32)
    elif kind == "probabilities":
        scores, target = 1 / (1 + np.exp(-scores)), RNG.integers(0, 2, (5, 3)).astype(np.float32)
    else:
        target = RNG.integers(0, 3, 5)
        if kind == "logprobs":
            scores = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    ours = make()
    theirs = to_torch(ours)
    assert type(theirs).__name__ == name
    ours_loss = ours(mt.from_numpy(scores), mt.from_numpy(target)).numpy()
    theirs_loss = theirs(torch.from_numpy(scores), torch.from_numpy(target)).numpy()
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-5)
    back = from_torch(theirs)
    np.testing.assert_allclose(back(mt.from_numpy(scores), mt.from_numpy(target)).numpy(),
                               ours_loss, rtol=1e-6)


def test_module_list_and_tied_parameters():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
            self.blocks[1].weight = self.blocks[0].weight

    register_converter(Net, "torch.nn.Module")
    theirs = to_torch(Net())
    assert isinstance(theirs.blocks, torch.nn.ModuleList)
    assert theirs.blocks[0].weight is theirs.blocks[1].weight
    assert len(list(theirs.parameters())) == 3
    back = from_torch(theirs)
    assert isinstance(back, torch.nn.Module) is False
    assert back.blocks[0].weight is back.blocks[1].weight


def test_containers_added_later_convert_when_present():
    for name in ["ModuleDict", "ParameterList", "ParameterDict"]:
        if not hasattr(nn, name):
            continue
        cls = getattr(nn, name)
        if name == "ModuleDict":
            ours = cls({"a": nn.Linear(2, 3), "b": nn.ReLU()})
        elif name == "ParameterList":
            ours = cls([nn.Parameter(mt.randn(2)), nn.Parameter(mt.randn(3, 2))])
        else:
            ours = cls({"x": nn.Parameter(mt.randn(2)), "y": nn.Parameter(mt.randn(1))})
        theirs = to_torch(ours)
        assert type(theirs).__name__ == name
        assert_same_state(ours, theirs)
        assert_same_state(from_torch(theirs), theirs)


class Scale(nn.Module):
    def __init__(self, factor=2.0):
        super().__init__()
        self.factor = factor
        self.gain = nn.Parameter(mt.ones(3))

    def forward(self, x):
        return x * self.gain * self.factor


def test_a_layer_without_converter_names_its_path_and_how_to_register():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Scale()))
    with pytest.raises(TypeError) as info:
        to_torch(model)
    message = str(info.value)
    assert "Scale at '1.1'" in message and "register_converter(Scale" in message

    class TorchScale(torch.nn.Module):
        def __init__(self, factor=2.0):
            super().__init__()
            self.factor = factor
            self.gain = torch.nn.Parameter(torch.ones(3))

        def forward(self, x):
            return x * self.gain * self.factor

    with pytest.raises(TypeError, match=r"TorchScale at the top level"):
        from_torch(TorchScale())
    register_converter(Scale, TorchScale, to_torch=lambda m: TorchScale(m.factor),
                       from_torch=lambda t: Scale(t.factor))
    model[1][1].factor = 3.0
    with mt.no_grad():
        model[1][1].gain.copy_(mt.tensor([1.0, -2.0, 0.5]))
    theirs = to_torch(model)
    assert theirs[1][1].factor == 3.0
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(mt_out(model, x), torch_out(theirs, x), rtol=1e-6)
    assert np.array_equal(mt_out(from_torch(theirs), x), mt_out(model, x))


def test_a_subclass_of_a_builtin_layer_needs_its_own_converter():
    class MyLinear(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="exact class"):
        to_torch(MyLinear(2, 2))


def test_a_wrong_converter_is_caught_by_the_state_check():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", mt.tensor(3))

    register_converter(Pair, "torch.nn.Module")
    with pytest.raises(RuntimeError, match="count"):
        from_torch(torch.nn.Module())  # the torch shell lacks the buffer: from_torch's check
    theirs = to_torch(Pair())
    assert int(theirs.count) == 3


def test_bad_arguments():
    with pytest.raises(TypeError, match="minitorch nn.Module"):
        to_torch(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="minitorch nn.Module subclass"):
        register_converter(int, "torch.nn.Linear")


def test_torch_is_imported_only_when_converting():
    code = ("import sys, minitorch.interop as i, minitorch as mt\n"
            "from minitorch import nn\n"
            "i.save_safetensors(nn.Linear(2, 2), 'unused.safetensors') if False else None\n"
            "assert 'torch' not in sys.modules, 'torch imported at import time'\n"
            "i.to_torch(nn.Linear(2, 2))\n"
            "assert 'torch' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", list(layer_cases()))
def test_files_both_ways_for_every_layer(name, tmp_path):
    """minitorch file -> PyTorch model, and PyTorch file -> minitorch model, per layer."""
    from safetensors.torch import load_file, save_file

    from minitorch.interop import load_safetensors, save_safetensors

    make, x = layer_cases()[name]
    ours = make()
    stir(ours, x)
    ours.eval()
    save_safetensors(ours, tmp_path / "ours.safetensors")
    theirs = to_torch(make()).eval()  # same architecture, other weights
    theirs.load_state_dict(load_file(tmp_path / "ours.safetensors"))
    assert_same_state(ours, theirs)
    np.testing.assert_allclose(mt_out(ours, x), torch_out(theirs, x), rtol=1e-5, atol=1e-6)

    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p))
    save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    fresh = make().eval()
    fresh.load_state_dict(load_safetensors(tmp_path / "theirs.safetensors"))
    assert_same_state(fresh, theirs)
    np.testing.assert_allclose(mt_out(fresh, x), torch_out(theirs, x), rtol=1e-5, atol=1e-6)
