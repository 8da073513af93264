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


# ------------------------------------------------ survivors of scripts/mutation.py's run
# (the first mutmut run, before these tests; the note lists every survivor and why the
# ones without a test are equivalent or message-only)
def test_freeze_of_a_list_warns_about_a_tie_outside_it():
    """Survivor freezing._set_requires_grad 8: the tied-weight warning for a list target."""
    enc, dec = nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False)
    dec.weight = enc.weight
    with pytest.warns(UserWarning, match="tied weights"):
        freeze([enc])  # a list: dec, outside it, holds the same tensor
    assert dec.weight.requires_grad is False


def test_freeze_to_with_a_negative_count_trains_only_the_last_children():
    """Survivor freezing.freeze_to 29: a negative n counts from the end."""
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Linear(3, 1))
    nn.freeze_to(model, -1)
    assert [p.requires_grad for p in model.parameters()] == [False] * 4 + [True] * 2
    nn.freeze_to(model, -2)
    assert [p.requires_grad for p in model.parameters()] == [False] * 2 + [True] * 4


def test_layernorm_without_affine_has_weight_and_bias_none():
    """Survivor normalization.LayerNorm.__init__ 34: the ``weight`` entry's name."""
    ln = nn.LayerNorm(3, elementwise_affine=False)
    assert ln.weight is None and ln.bias is None and list(ln.parameters()) == []
    assert set(ln.state_dict()) == set()
    bn = nn.BatchNorm1d(3, affine=False)
    assert bn.weight is None and bn.bias is None and list(bn.parameters()) == []


def test_cross_entropy_gradients_with_label_smoothing_weights_and_soft_targets():
    """Survivors ops.nn.CrossEntropy.backward 13, 62, 63 and forward 15, 94: gradients
    with label smoothing and with soft targets, large logits, float32 class weights."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)) * 3
    logits[0, 1] = 800.0  # x + max would overflow
    target = np.array([1, 0, 3, 2, 1])
    soft = rng.random((5, 4))
    soft /= soft.sum(1, keepdims=True)
    weight = np.array([1.0, 2.0, 0.5, 1.5], dtype=np.float32)
    cases = [({"label_smoothing": 0.2}, target, None), ({}, soft, None),
             ({"label_smoothing": 0.1}, target, weight), ({"reduction": "none"}, target, None)]
    for kwargs, tgt, w in cases:
        x = mt.tensor(logits, requires_grad=True)
        tx = torch.tensor(logits, requires_grad=True)
        w64 = None if w is None else w.astype(np.float64)
        loss = mt.nn.functional.cross_entropy(
            x, mt.tensor(tgt), weight=None if w is None else mt.tensor(w64), **kwargs)
        tloss = torch.nn.functional.cross_entropy(
            tx, torch.tensor(tgt), weight=None if w is None else torch.tensor(w64), **kwargs)
        np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-10)
        loss.sum().backward()
        tloss.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    x32 = mt.tensor(logits.astype(np.float32))
    loss32 = mt.nn.functional.cross_entropy(x32, mt.tensor(target), weight=mt.tensor(weight))
    assert loss32.dtype == mt.float32


def test_optimizer_repr_lists_options_but_not_parameter_names():
    """Survivors optimizer.__repr__ 10 and 13."""
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and text.endswith("\n)")
    assert "lr: 0.1" in text and "param_names" not in text and "params:" not in text


def test_rmsprop_checks_eps():
    """Survivor rmsprop._check_options 6: eps is range-checked like the other options."""
    with pytest.raises(ValueError, match="eps"):
        optim.RMSprop(nn.Linear(2, 1).parameters(), eps=-1.0)


# --------------------------------------- survivors of the second run (after the tests above)
def test_batchnorm_input_gradient_uses_the_weight():
    """Survivor ops.nn.BatchNormTrain.backward 8: the weight in the input's gradient."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((6, 2))
    bn = nn.BatchNorm1d(2).double()
    bn.weight.data = mt.tensor([2.0, -0.5], dtype=mt.float64)
    tbn = torch.nn.BatchNorm1d(2).double()
    with torch.no_grad():
        tbn.weight.copy_(torch.tensor([2.0, -0.5], dtype=torch.float64))
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.arange(12.0).reshape(6, 2)
    (bn(xm) * mt.tensor(w)).sum().backward()
    (tbn(xt) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_a_frozen_parameter_first_in_its_group_does_not_stop_the_step():
    """Survivor optimizer._active 23 (``continue`` -> ``break``)."""
    frozen = nn.Parameter(mt.ones(2), requires_grad=False)
    trained = nn.Parameter(mt.ones(2))
    opt = optim.SGD([frozen, trained], lr=0.5)
    (trained * 2).sum().backward()
    opt.step()
    assert trained.tolist() == [0.0, 0.0] and frozen.tolist() == [1.0, 1.0]


def test_load_state_dict_keeps_this_optimizers_param_names():
    """Survivor optimizer.load_state_dict 82: param_names are not loaded over."""
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = 0.2
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["lr"] == 0.2


def test_optimizer_defaults_and_checks_as_pytorch():
    """Survivors StepLR.__init__ 1, RMSprop.__init__ 1, Adam._check_options 19."""
    params = list(nn.Linear(2, 1).parameters())
    assert optim.RMSprop(params).defaults["lr"] == 1e-2
    sched = optim.lr_scheduler.StepLR(optim.SGD(params, lr=1.0), step_size=1)
    sched.optimizer.step()
    sched.step()
    assert sched.optimizer.param_groups[0]["lr"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        optim.Adam(params, weight_decay=-1.0)
