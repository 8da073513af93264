"""Tests for the changes that survived a mutation campaign (issue 10, item 13).

Each test names the mutant it kills: a one-line change to the library that the rest of the
suite let through. scripts/mutation.py reruns such a campaign with mutmut.
"""
from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.data import DataLoader, TensorDataset
from minitorch.nn.freezing import count_parameters, freeze, trainable_parameters, unfreeze
from minitorch.train import fit


def _adam_with_state(seed: int = 0):
    mt.manual_seed(seed)
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.99))
    model(mt.randn(4, 3)).sum().backward()
    opt.step()
    return model, opt


def test_failed_load_state_dict_with_a_state_shape_mismatch_changes_nothing():
    """Mutant: the loaded group options were written before the state was checked."""
    _, opt = _adam_with_state()
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = 123.0
    saved["param_groups"][0]["betas"] = (0.5, 0.5)
    # a moment of the wrong shape for parameter 0 (the weight is (2, 3))
    first = sorted(saved["state"])[0]
    saved["state"][first] = {**saved["state"][first], "exp_avg": mt.zeros(7)}
    options_before = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    state_before = {id(p): {k: (np.array(v.numpy()) if isinstance(v, mt.Tensor) else v)
                            for k, v in s.items()} for p, s in opt.state.items()}
    with pytest.raises((ValueError, RuntimeError), match="shape|size"):
        opt.load_state_dict(saved)
    assert {k: v for k, v in opt.param_groups[0].items() if k != "params"} == options_before
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["betas"] == (0.9, 0.99)
    for p, s in opt.state.items():
        for k, v in s.items():
            expected = state_before[id(p)][k]
            if isinstance(v, mt.Tensor):
                np.testing.assert_array_equal(v.numpy(), expected)
            else:
                assert v == expected


def test_matmul_trainable_at_frozen_keeps_only_the_frozen_operand():
    """Mutant: MatMul saved ``a`` although ``b`` (the only user of ``a`` in backward) is
    frozen. ``trainable @ frozen`` needs only ``b`` for ``a``'s gradient."""
    rng = np.random.default_rng(0)
    a = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = mt.tensor(rng.standard_normal((3, 2)))  # frozen
    out = a @ b
    assert out.grad_fn.needs_input_grad == (True, False)
    saved = [s for s in out.grad_fn.saved if s is not None]
    assert len(saved) == 1 and saved[0] is b._data
    assert not any(s is a._data for s in out.grad_fn.saved)
    # and by memory: an intermediate ``h`` in ``h @ frozen`` is not kept by the graph
    leaf = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    h = leaf * 2.0  # Mul by a constant keeps only the constant
    ref = weakref.ref(h._data)
    out2 = h @ b
    del h
    gc.collect()
    assert ref() is None, "the graph of trainable @ frozen keeps the trainable operand"
    out2.sum().backward()  # still works: the gradient of h needs only b
    np.testing.assert_allclose(leaf.grad.numpy(), 2.0 * np.tile(b.numpy().sum(1), (4, 1)))


def test_frozen_parameter_saved_and_loaded_stays_frozen(tmp_path):
    """Mutant: load dropped ``requires_grad=False`` of a Parameter (it came back trainable)."""
    frozen = nn.Parameter(mt.ones(3), requires_grad=False)
    trainable = nn.Parameter(mt.zeros(2))
    obj = {"frozen": frozen, "trainable": trainable}
    path = tmp_path / "params.pt"
    mt.save(obj, path)
    back = mt.load(path)
    assert isinstance(back["frozen"], nn.Parameter)
    assert back["frozen"].requires_grad is False
    assert back["trainable"].requires_grad is True
    # a partly frozen layer's parameters, saved as they are
    model = nn.Linear(2, 2)
    freeze([model.weight])
    mt.save({"w": model.weight, "b": model.bias}, path)
    back = mt.load(path)
    assert back["w"].requires_grad is False and back["b"].requires_grad is True


def test_fit_puts_a_model_in_eval_mode_back_in_train_mode():
    """Mutant: fit did not call ``model.train()``; every other test started in train mode."""
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.eval()
    seen_modes = []
    x, y = mt.randn(16, 4), mt.randint(0, 2, (16,))
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    original_forward = model.forward

    def spy(inp):
        seen_modes.append(all(m.training for m in model.modules()))
        return original_forward(inp)

    model.forward = spy
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=1,
        verbose=False)
    assert seen_modes and all(seen_modes), "fit trained a model left in eval mode"


def test_count_and_freeze_over_a_list_with_a_tied_weight_count_it_once():
    """Mutant: the de-duplication of parameters over a list of modules was dropped."""
    enc, dec = nn.Linear(4, 4, bias=False), nn.Linear(4, 4)
    dec.weight = enc.weight  # tied
    assert count_parameters([enc, dec]) == (16 + 4, 0)
    assert len(trainable_parameters(nn.Sequential(enc, dec))) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the tie is inside the list: nothing to warn about
        freeze([enc, dec])
    assert count_parameters([enc, dec]) == (0, 20)
    unfreeze([enc, dec])
    assert count_parameters([enc, dec]) == (20, 0)
    # a generator of parameters with the tie listed twice
    freeze(p for m in (enc, dec) for p in m.parameters())
    assert count_parameters([enc, dec]) == (0, 20)


@pytest.mark.parametrize("seed", [0, 5, 2**31 + 7])
def test_epoch_k_order_is_the_permutation_of_seed_and_k(seed):
    """The promise, computed independently: epoch k visits the samples in the order
    ``numpy.random.default_rng((seed, k)).permutation(n)``, whatever happened before."""
    n = 23
    ids = mt.arange(n)
    loader = DataLoader(TensorDataset(ids), batch_size=5, shuffle=True, seed=seed)
    for k in [3, 0, 7, 7, 1]:  # out of order, repeated
        mt.manual_seed(k + 100)  # the global generator must not matter
        np.random.seed(k)
        loader.set_epoch(k)
        order = np.concatenate([b[0].numpy() for b in loader])
        expected = np.random.default_rng((seed, k)).permutation(n)
        np.testing.assert_array_equal(order, expected)
    fresh = DataLoader(TensorDataset(ids), batch_size=5, shuffle=True, seed=seed)
    order = np.concatenate([b[0].numpy() for b in fresh])  # epoch 0
    np.testing.assert_array_equal(order, np.random.default_rng((seed, 0)).permutation(n))


def test_frozen_batchnorm_output_matches_the_formula_with_its_running_statistics():
    """The expected value comes from the BatchNorm formula, not from the same layer."""
    mt.manual_seed(0)
    bn = nn.BatchNorm1d(4)
    for _ in range(3):
        bn(mt.randn(8, 4) * 2 + 1)  # gather statistics
    bn.weight.data = mt.tensor([0.5, 1.0, 2.0, -1.0])
    bn.bias.data = mt.tensor([0.0, 0.1, -0.2, 0.3])
    bn.requires_grad_(False)
    mean, var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    x = (mt.randn(6, 4) * 5 + 2)
    out = bn(x).numpy()  # train mode, frozen: running statistics
    w, b = bn.weight.numpy(), bn.bias.numpy()
    expected = (x.numpy() - mean) / np.sqrt(var + bn.eps) * w + b
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # and not the batch statistics
    xs = x.numpy()
    batch = (xs - xs.mean(0)) / np.sqrt(xs.var(0) + bn.eps) * w + b
    assert not np.allclose(out, batch, atol=1e-3)
