"""LoRA: exact at wrap time, merge/unmerge/remove without drift, adapter-only state dicts."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim


def _model(dtype=None):
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    return model.double() if dtype == "float64" else model


def _train(model, steps=5, lr=0.05, seed=1):
    mt.manual_seed(seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        dtype = next(model.parameters()).dtype
        x, y = mt.randn(12, 6, dtype=dtype), mt.randint(0, 3, (12,))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def _arrays(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def test_output_bit_identical_at_wrap_time_and_only_adapters_train():
    model = _model().eval()
    x = mt.randn(5, 6)
    before = model(x).detach().numpy().copy()
    wrapped = nn.add_lora(model, rank=4, alpha=8, targets=["0", "3"])
    assert wrapped == ["0", "3"]
    assert isinstance(model[0], nn.LoRALinear) and isinstance(model[5], nn.Linear)
    assert np.array_equal(model(x).detach().numpy(), before)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    # the wrapped layers' base weights are frozen, the rest untouched
    assert trainable == ["0.lora_A", "0.lora_B", "1.weight", "1.bias", "3.lora_A",
                         "3.lora_B", "5.weight", "5.bias"]
    assert model[0].lora_A.shape == (4, 6) and model[0].lora_B.shape == (16, 4)
    assert model[0].scaling == 2.0 and not model[0].lora_B.detach().numpy().any()


def test_targets_glob_and_errors_name_the_layers():
    model = _model()
    assert nn.add_lora(model, targets="*") == ["0", "3", "5"]
    # already-wrapped layers' bases are not wrapped again
    with pytest.raises(ValueError, match=r"match no Linear layer.*\[\]"):
        nn.add_lora(model, targets="*")
    with pytest.raises(ValueError, match=r"\['body\.\*'\].*\['0', '3', '5'\]"):
        nn.add_lora(_model(), targets=["body.*", "0"])
    with pytest.raises(ValueError, match="rank must be a positive int"):
        nn.add_lora(_model(), rank=0)
    with pytest.raises(TypeError, match="wraps the Linear layers inside a model"):
        nn.add_lora(nn.Linear(2, 2))


def test_base_weights_bit_identical_after_training_and_get_no_gradient():
    model = _model()
    nn.add_lora(model, rank=2, targets=["0", "3"])
    base = {n: model[i].base.weight.detach().numpy().copy() for n, i in (("0", 0), ("3", 3))}
    _train(model)
    for n, i in (("0", 0), ("3", 3)):
        assert np.array_equal(model[i].base.weight.detach().numpy(), base[n])
        assert model[i].base.weight.grad is None and model[i].base.bias.grad is None
        assert model[i].lora_B.detach().numpy().any()          # the adapters did train


def test_frozen_base_weight_gradient_matmul_is_skipped(monkeypatch):
    from minitorch.ops import matmul

    model = _model()
    nn.add_lora(model, rank=2, targets="3")
    calls = []
    original = matmul.Linear.backward

    def spy(ctx, grad):
        out = original(ctx, grad)
        calls.append((tuple(ctx.needs_input_grad), out[1] is None))
        return out

    monkeypatch.setattr(matmul.Linear, "backward", staticmethod(spy))
    nn.freeze(model[5])
    nn.functional.cross_entropy(model(mt.randn(4, 6)), mt.tensor([0, 1, 2, 0])).backward()
    # five Linear nodes: the frozen head and the frozen base of layer 3 compute the input
    # gradient only (no weight-gradient matmul); B, A and layer 0 their weight gradients
    frozen_weight_nodes = [c for c in calls if not c[0][1]]
    assert len(calls) == 5 and len(frozen_weight_nodes) == 2
    assert all(skipped for _, skipped in frozen_weight_nodes)
    assert model[3].base.weight.grad is None and model[3].lora_A.grad is not None


@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-5), ("float64", 1e-12)])
def test_merge_keeps_outputs_and_unmerge_restores_the_exact_base(dtype, rtol):
    model = _model(dtype)
    nn.add_lora(model, rank=4, targets="*")
    _train(model)
    model.eval()
    x = mt.randn(9, 6, dtype=model[0].base.weight.dtype)
    out = model(x).detach().numpy().copy()
    base_arrays = [model[i].base.weight.detach().numpy().copy() for i in (0, 3, 5)]
    base_objects = [model[i].base.weight for i in (0, 3, 5)]
    report = nn.merge_lora(model)
    assert sorted(report) == ["0", "3", "5"] and 0 <= report.max_change < 1e-4
    assert not nn.lora.lora_layers(model)
    assert all(type(model[i]) is nn.Linear for i in (0, 3, 5))
    np.testing.assert_allclose(model(x).detach().numpy(), out, rtol=rtol,
                               atol=rtol * np.abs(out).max())
    for _ in range(3):                                # cycles do not drift
        nn.unmerge_lora(model)
        assert all(model[i].base.weight is w for i, w in zip((0, 3, 5), base_objects))
        assert all(np.array_equal(model[i].base.weight.detach().numpy(), a)
                   for i, a in zip((0, 3, 5), base_arrays))
        assert np.array_equal(model(x).detach().numpy(), out)
        nn.merge_lora(model)
    with pytest.raises(ValueError, match="no LoRA layers"):
        nn.merge_lora(model)


def test_merge_refuses_a_non_finite_result_and_changes_nothing():
    model = _model()
    nn.add_lora(model, rank=2, targets="3")
    with mt.no_grad():
        model[3].lora_B.fill_(1e38)
        model[3].lora_A.fill_(1e38)
    with pytest.raises(RuntimeError, match=r"merged weight of '3' has 256 non-finite"):
        nn.merge_lora(model)
    assert isinstance(model[3], nn.LoRALinear)


def test_remove_restores_the_original_layers_and_flags():
    model = _model()
    originals = [model[i] for i in (0, 3, 5)]
    weights = [m.weight.detach().numpy().copy() for m in originals]
    nn.freeze(model[5].bias)                          # a flag set on purpose before add_lora
    nn.add_lora(model, rank=2)
    _train(model)
    assert nn.remove_lora(model) == ["0", "3", "5"]
    assert [model[i] for i in (0, 3, 5)] == originals
    assert all(np.array_equal(m.weight.detach().numpy(), w) for m, w in zip(originals, weights))
    assert [p.requires_grad for p in model[5].parameters()] == [True, False]
    assert model[0].weight.requires_grad


def test_state_dict_holds_only_what_changed_and_round_trips_exactly(tmp_path):
    base = _model()
    model = copy.deepcopy(base)
    model[5] = nn.Linear(16, 3)                       # a new head, trainable
    nn.freeze(model)
    nn.unfreeze(model[5])
    nn.unfreeze(model[1])                             # a BatchNorm that trains
    nn.add_lora(model, rank=2, targets=["0", "3"])
    _train(model)
    sd = nn.lora_state_dict(model)
    assert sorted(sd["state"]) == [
        "0.lora_A", "0.lora_B", "1.bias", "1.num_batches_tracked", "1.running_mean",
        "1.running_var", "1.weight", "3.lora_A", "3.lora_B", "5.bias", "5.weight"]
    path = tmp_path / "task.mt"
    mt.save(sd, path)
    assert path.stat().st_size < 8_000                # a few KB (the base is ~1,800 params)

    fresh = copy.deepcopy(base)
    fresh[5] = nn.Linear(16, 3)                       # random head, overwritten by the load
    nn.load_lora_state_dict(fresh, mt.load(path))     # adds the adapters itself
    model.eval()
    fresh.eval()
    x = mt.randn(7, 6)
    assert np.array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_state_dict_includes_batchnorm_statistics_that_changed_without_trainable_params():
    base = _model()
    model = copy.deepcopy(base)
    model[1].freeze_stats_when_frozen = False         # PyTorch's rule: stats keep moving
    nn.freeze(model)
    nn.add_lora(model, rank=2, targets="3")
    _train(model)
    sd = nn.lora_state_dict(model)
    assert "1.running_mean" in sd["state"] and "1.weight" not in sd["state"]


def test_loading_onto_a_different_base_raises_and_changes_nothing():
    base = _model()
    model = copy.deepcopy(base)
    nn.freeze(model)
    nn.add_lora(model, rank=2, targets="3")
    _train(model)
    sd = nn.lora_state_dict(model)
    assert sorted(sd["state"]) == ["3.lora_A", "3.lora_B"]
    other = copy.deepcopy(base)
    with mt.no_grad():
        other[0].weight[0, 0] += 1e-6
    snapshot = _arrays(other)
    with pytest.raises(ValueError, match="base weights differ.*fingerprint"):
        nn.load_lora_state_dict(other, sd)
    assert not nn.lora.lora_layers(other)             # the adapters it added are removed
    assert _arrays(other).keys() == snapshot.keys()
    with pytest.raises(ValueError, match="expects the dict lora_state_dict"):
        nn.load_lora_state_dict(other, model.state_dict())


def test_gradcheck_of_the_lora_layer():
    mt.manual_seed(0)
    layer = nn.LoRALinear(nn.Linear(5, 4).double(), rank=3, alpha=6)
    with mt.no_grad():
        layer.lora_B.copy_(mt.randn(4, 3, dtype=mt.float64))   # B = 0 would hide A's gradient
    x = mt.randn(2, 3, 5, dtype=mt.float64, requires_grad=True)   # broadcast over 2 dims
    assert mt.autograd.gradcheck(lambda x, a, b: layer(x), [x, layer.lora_A, layer.lora_B])
    layer.zero_grad()
    # against the formula, with torch as the oracle
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    ta = torch.tensor(layer.lora_A.detach().numpy(), requires_grad=True)
    tb = torch.tensor(layer.lora_B.detach().numpy(), requires_grad=True)
    tw, tbias = (torch.tensor(p.detach().numpy()) for p in layer.base.parameters())
    expected = torch.nn.functional.linear(tx, tw, tbias) + (tx @ ta.T @ tb.T) * 2.0
    expected.sum().backward()
    out = layer(x)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(),
                               rtol=1e-12)
    for mine, theirs in ((layer.lora_A.grad, ta.grad), (layer.lora_B.grad, tb.grad),
                         (x.grad, tx.grad)):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10,
                                   atol=1e-12 * np.abs(theirs.numpy()).max())


def test_lora_dropout_is_used_in_training_only():
    mt.manual_seed(0)
    layer = nn.LoRALinear(nn.Linear(8, 8), rank=2, dropout=0.5)
    with mt.no_grad():
        layer.lora_B.copy_(mt.ones(8, 2))
    x = mt.randn(4, 8)
    assert not layer(x).equal(layer(x))                # two dropout masks
    layer.eval()
    assert layer(x).equal(layer(x))
