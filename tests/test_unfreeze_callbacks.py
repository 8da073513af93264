"""train.UnfreezeAt / train.GradualUnfreezing: schedule, rates, history, bit-identical resume."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import data, nn, optim, train


def _setup(seed=0):
    mt.manual_seed(seed)
    x = mt.randn(48, 5)
    y = (x[:, 0] + x[:, 1] > 0).long()
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=12, shuffle=True, seed=seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    return model, loader


def _flags(model):
    return [p.requires_grad for p in model.parameters()]


class Spy(train.Callback):
    def __init__(self):
        self.seen = []

    def on_epoch_begin(self, trainer, epoch):
        self.seen.append((epoch, _flags(trainer.model)))


def test_unfreeze_at_freezes_targets_first_and_unfreezes_each_at_its_epoch():
    model, loader = _setup()
    spy = Spy()
    opt = optim.SGD(model.parameters(), lr=0.1)
    body0 = model[0].weight.detach().clone()
    history = train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, verbose=False,
                        callbacks=[train.UnfreezeAt({1: "3.*", 3: [model[0], model[1]]}), spy])
    assert spy.seen[0][1] == [False] * 6 + [True, True]
    assert spy.seen[1][1] == [False] * 4 + [True] * 4
    assert spy.seen[3][1] == [True] * 8
    assert history["unfrozen"] == ["", "3.*", "", "0, 1"]
    assert history["trainable_params"] == [18, 90, 90, 90 + 48 + 16]
    assert not model[0].weight.equal(body0)           # trained in the last epoch


def test_gradual_unfreezing_goes_from_the_top_with_one_optimizer():
    model, loader = _setup()
    opt = optim.Adam(model.parameters(), lr=0.01)
    history = train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, verbose=False,
                        callbacks=[train.GradualUnfreezing([[model[0], model[1]], model[3]],
                                                           every=2)])
    assert history["unfrozen"] == ["", "", "3", "", "0, 1"]
    assert history["trainable_params"] == [18, 18, 90, 90, 154]
    assert len(opt.param_groups) == 1                 # no ratio: groups untouched


def test_lr_ratio_scales_whole_groups_and_splits_mixed_ones():
    model, loader = _setup()
    groups = optim.discriminative_param_groups([model[0], model[1], model[3], model[5]],
                                               lr=[0.01, 0.01, 0.02, 0.05])
    opt = optim.SGD(groups)
    train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, verbose=False,
              callbacks=[train.UnfreezeAt({1: model[3], 2: ["0.weight"]}, lr_ratio=0.1)])
    lrs = [g["lr"] for g in opt.param_groups]
    assert lrs == [0.01, 0.01, pytest.approx(0.002), 0.05, pytest.approx(0.001)]
    assert opt.param_groups[0]["params"] == [model[0].bias]      # split: weight moved out
    assert opt.param_groups[4]["params"] == [model[0].weight]


def test_bad_schedules_raise():
    with pytest.raises(TypeError, match=r"dict \{epoch: module_or_names\}"):
        train.UnfreezeAt([1, 2])
    with pytest.raises(ValueError, match="ints >= 0"):
        train.UnfreezeAt({-1: "x"})
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        train.GradualUnfreezing(["a"], every=0)
    model, loader = _setup()
    with pytest.raises(ValueError, match="'body.*' matched no parameter"):
        train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  loader, epochs=1, verbose=False, callbacks=[train.UnfreezeAt({1: "body.*"})])


def _run(tmp_path, epochs, resume=False):
    model, loader = _setup()
    groups = optim.discriminative_param_groups([model[0], model[1], model[3], model[5]],
                                               lr=slice(1e-3, 1e-2))
    opt = optim.Adam(groups)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    callbacks = [train.GradualUnfreezing([[model[0], model[1]], "3.weight"], every=2,
                                         lr_ratio=0.5),
                 train.Checkpoint(str(tmp_path / "ckpt.mt"))]
    history = train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=epochs,
                        verbose=False, scheduler=scheduler, callbacks=callbacks,
                        resume_from=str(tmp_path / "ckpt.mt") if resume else None)
    return model, opt, history


def test_resume_with_scheduled_unfreezing_is_bit_identical(tmp_path):
    whole_dir = tmp_path / "whole"
    part_dir = tmp_path / "part"
    whole_dir.mkdir()
    part_dir.mkdir()
    model_a, opt_a, hist_a = _run(whole_dir, epochs=6)
    _run(part_dir, epochs=3)                          # stopped after epoch 2 (one unfreeze)
    model_b, opt_b, hist_b = _run(part_dir, epochs=6, resume=True)
    for (k, a), (_, b) in zip(model_a.state_dict().items(), model_b.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k
    assert _flags(model_a) == _flags(model_b) == [True] * 8
    assert [g["lr"] for g in opt_a.param_groups] == [g["lr"] for g in opt_b.param_groups]
    assert len(opt_a.param_groups) == 5               # "3.weight" split from 3.bias
    for key in ("loss", "trainable_params", "unfrozen"):
        assert hist_a[key] == hist_b[key], key
    assert hist_a["unfrozen"] == ["", "", "3.weight", "", "0, 1", ""]
