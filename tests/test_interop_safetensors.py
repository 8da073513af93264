"""save_safetensors / load_safetensors: files shared with PyTorch, both ways."""
from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.interop import load_safetensors, save_safetensors

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")


def header_of(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n])


def layers():
    """(minitorch layer, equivalent torch layer, input) for every layer with state."""
    x = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    ids = np.array([[1, 0, 3], [2, 2, 9]])
    return {
        "Linear": (nn.Linear(5, 3), torch.nn.Linear(5, 3), x),
        "Linear-nobias": (nn.Linear(5, 3, bias=False), torch.nn.Linear(5, 3, bias=False), x),
        "BatchNorm1d": (nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5), x),
        "LayerNorm": (nn.LayerNorm(5), torch.nn.LayerNorm(5), x),
        "Embedding": (nn.Embedding(10, 4, padding_idx=0), torch.nn.Embedding(10, 4, padding_idx=0),
                      ids),
        "MLP": (nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1),
                              nn.Linear(8, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 2)),
                torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8),
                                    torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                    torch.nn.Linear(8, 4), torch.nn.LayerNorm(4),
                                    torch.nn.GELU(), torch.nn.Linear(4, 2)),
                x),
    }


def train_a_bit(model, x):
    """Move BatchNorm statistics and parameters away from their initial values."""
    if x.dtype != np.float32:
        return
    model.train()
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        model(mt.tensor(x)).pow(2).mean().backward()
        opt.step()


def run(model, x, framework):
    model.eval()
    if framework == "torch":
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    with mt.no_grad():
        return model(mt.tensor(x)).numpy()


@pytest.mark.parametrize("name", list(layers()))
def test_minitorch_file_loads_into_pytorch_bit_identical(tmp_path, name):
    ours, theirs, x = layers()[name]
    train_a_bit(ours, x)
    path = tmp_path / "m.safetensors"
    save_safetensors(ours, path)
    loaded = safetensors_torch.load_file(path)
    theirs.load_state_dict(loaded)  # strict: same keys as PyTorch's state_dict
    for key, value in ours.state_dict().items():
        assert np.array_equal(value.numpy(), theirs.state_dict()[key].numpy()), key
        assert str(value.numpy().dtype) == str(theirs.state_dict()[key].numpy().dtype)
    np.testing.assert_allclose(run(ours, x, "mt"), run(theirs, x, "torch"), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", list(layers()))
def test_pytorch_file_loads_into_minitorch(tmp_path, name):
    ours, theirs, x = layers()[name]
    if any(isinstance(m, torch.nn.BatchNorm1d) for m in theirs.modules()):
        theirs.train()
        theirs(torch.from_numpy(x))  # running statistics that are not the defaults
    path = tmp_path / "t.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), path)
    result = ours.load_state_dict(load_safetensors(path))
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in theirs.state_dict().items():
        assert np.array_equal(ours.state_dict()[key].numpy(), value.numpy()), key
    np.testing.assert_allclose(run(ours, x, "mt"), run(theirs, x, "torch"), rtol=1e-5,
                               atol=1e-6)


DTYPES = [("float32", torch.float32), ("float64", torch.float64), ("float16", torch.float16),
          ("int64", torch.int64), ("int32", torch.int32), ("bool", torch.bool)]


@pytest.mark.parametrize(("np_name", "torch_dtype"), DTYPES, ids=[d[0] for d in DTYPES])
def test_every_dtype_both_ways(tmp_path, np_name, torch_dtype):
    values = np.random.default_rng(1).standard_normal((3, 4)) * 100
    array = (values > 0) if np_name == "bool" else values.astype(np_name)
    save_safetensors({"t": mt.from_numpy(array), "scalar": mt.from_numpy(np.array(array[0, 0]))},
                     tmp_path / "a.safetensors")
    in_torch = safetensors_torch.load_file(tmp_path / "a.safetensors")
    assert in_torch["t"].dtype == torch_dtype and in_torch["scalar"].shape == ()
    assert np.array_equal(in_torch["t"].numpy(), array)
    safetensors_torch.save_file({"t": torch.from_numpy(array)}, tmp_path / "b.safetensors")
    back = load_safetensors(tmp_path / "b.safetensors")["t"]
    assert back.dtype == getattr(mt, np_name) and np.array_equal(back.numpy(), array)


def test_bfloat16_is_refused_with_how_to_convert_or_upcast_on_request(tmp_path):
    values = torch.randn(3, 5).to(torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": values, "b": torch.ones(2)}, path)
    with pytest.raises(TypeError, match=r"'w'.*bfloat16.*upcast_bfloat16=True.*v\.float\(\)"):
        load_safetensors(path)
    loaded = load_safetensors(path, upcast_bfloat16=True)
    assert loaded["w"].dtype == mt.float32
    assert np.array_equal(loaded["w"].numpy(), values.float().numpy())  # exact
    assert loaded["b"].tolist() == [1.0, 1.0]


class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 10, bias=False)
        self.out.weight = self.embed.weight  # tied

    def forward(self, x):
        return self.out(self.embed(x))


class TorchTiedLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)
        self.out = torch.nn.Linear(4, 10, bias=False)
        self.out.weight = self.embed.weight


def test_tied_parameters_are_stored_once_and_come_back_tied(tmp_path):
    model = TiedLM()
    path = tmp_path / "lm.safetensors"
    save_safetensors(model, path)
    header = header_of(path)
    assert [k for k in header if k != "__metadata__"] == ["embed.weight"]  # stored once
    assert header["__metadata__"]["out.weight"] == "embed.weight"  # save_model's convention
    # The dict holds one tensor under both names.
    loaded = load_safetensors(path)
    assert loaded["out.weight"] is loaded["embed.weight"]
    # A model whose constructor did not tie them gets them tied.
    untied = TiedLM()
    untied.out.weight = nn.Parameter(mt.zeros(10, 4))
    load_safetensors(path, untied)
    assert untied.out.weight is untied.embed.weight
    assert np.array_equal(untied.embed.weight.detach().numpy(),
                          model.embed.weight.detach().numpy())
    # PyTorch reads it with save_model's counterpart, and its file comes back tied here.
    theirs = TorchTiedLM()
    missing, unexpected = safetensors_torch.load_model(theirs, path)
    assert not missing and not unexpected
    assert np.array_equal(theirs.out.weight.detach().numpy(),
                          model.embed.weight.detach().numpy())
    safetensors_torch.save_model(theirs, tmp_path / "torch.safetensors")
    again = load_safetensors(tmp_path / "torch.safetensors")
    assert again["out.weight"] is again["embed.weight"]


def test_frozen_flags_are_kept_and_restored_on_request(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    nn.freeze(model[0])
    path = tmp_path / "m.safetensors"
    save_safetensors(model, path)
    assert json.loads(header_of(path)["__metadata__"]["minitorch.frozen"]) == [
        "0.weight", "0.bias"]
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    load_safetensors(path, fresh)
    assert all(p.requires_grad for p in fresh.parameters())  # not restored unless asked
    fresh[2].requires_grad_(False)
    load_safetensors(path, fresh, restore_frozen=True)
    assert [p.requires_grad for p in fresh.parameters()] == [False, False, True, True]


def test_restore_frozen_needs_a_record_and_a_module(tmp_path):
    path = tmp_path / "t.safetensors"
    safetensors_torch.save_file(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match="no record of frozen parameters"):
        load_safetensors(path, nn.Linear(2, 2), restore_frozen=True)
    save_safetensors(nn.Linear(2, 2), path)
    with pytest.raises(ValueError, match="needs the module"):
        load_safetensors(path, restore_frozen=True)


def test_a_state_dict_records_no_frozen_flags(tmp_path):
    save_safetensors(nn.Linear(2, 2).state_dict(), tmp_path / "sd.safetensors")
    assert "__metadata__" not in header_of(tmp_path / "sd.safetensors")


def test_ddp_checkpoint_loads_with_strip_prefix(tmp_path):
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    path = tmp_path / "ddp.safetensors"
    safetensors_torch.save_file({f"module.{k}": v for k, v in theirs.state_dict().items()},
                                path)
    ours = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    with pytest.raises(RuntimeError, match=r"(?s)Missing key.*Unexpected key.*strip it"):
        load_safetensors(path, ours)
    loaded = load_safetensors(path, ours, strip_prefix="module.")
    assert "0.weight" in loaded
    assert np.array_equal(ours[0].weight.detach().numpy(), theirs[0].weight.detach().numpy())


def test_every_key_mismatch_is_reported_in_one_message_and_nothing_loads(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors({"0.weight": mt.zeros(5, 3), "extra": mt.zeros(1)}, path)
    model = nn.Sequential(nn.Linear(3, 2))
    before = model[0].weight.detach().numpy().copy()
    with pytest.raises(RuntimeError) as info:
        load_safetensors(path, model)
    message = str(info.value)
    for part in [str(path), 'Missing key(s) in state_dict: "0.bias"',
                 'Unexpected key(s) in state_dict: "extra"',
                 "size mismatch for 0.weight", "(5, 3)", "(2, 3)", "unchanged"]:
        assert part in message, message
    assert np.array_equal(model[0].weight.detach().numpy(), before)


def test_writing_refuses_reserved_and_duplicate_names(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(ValueError, match="'__metadata__' is reserved"):
        save_safetensors({"__metadata__": mt.zeros(1)}, path)
    with pytest.raises(ValueError, match="'w' appears twice"):
        save_safetensors([("w", mt.zeros(1)), ("w", mt.ones(1))], path)
    with pytest.raises(TypeError, match="non-empty str"):
        save_safetensors({1: mt.zeros(1)}, path)
    with pytest.raises(ValueError, match="reserved for minitorch"):
        save_safetensors({"w": mt.zeros(1)}, path, metadata={"minitorch.frozen": "[]"})
    with pytest.raises(TypeError, match="str to str"):
        save_safetensors({"w": mt.zeros(1)}, path, metadata={"epochs": 3})
    with pytest.raises(TypeError, match="uint16"):
        save_safetensors({"w": np.zeros(2, np.uint16)}, path)
    assert not path.exists()


def test_user_metadata_round_trips(tmp_path):
    path = tmp_path / "x.safetensors"
    save_safetensors({"w": mt.zeros(1)}, path, metadata={"epochs": "3"})
    assert header_of(path)["__metadata__"] == {"epochs": "3"}
    assert list(load_safetensors(path)) == ["w"]


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    import safetensors.numpy

    path = tmp_path / "m.safetensors"
    save_safetensors({"w": mt.ones(3)}, path)
    before = path.read_bytes()

    def crash(tensors, filename, metadata=None):
        with open(filename, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_safetensors({"w": mt.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temporary file left behind


def test_loaded_tensors_are_writable_and_independent_of_the_file(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors({"w": mt.ones(3)}, path)
    w = load_safetensors(path)["w"]
    w.add_(1)
    assert w.tolist() == [2.0, 2.0, 2.0]
    assert load_safetensors(path)["w"].tolist() == [1.0, 1.0, 1.0]
