"""Learning-rate schedulers: values per epoch and per group, checkpoints, and param groups
added after the scheduler was built."""
from __future__ import annotations

import math

import pytest

import minitorch as mt
from minitorch import optim
from minitorch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, StepLR


def optimizer(*lrs):
    return optim.SGD([{"params": [mt.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs],
                     lr=1.0)


def lrs_over(opt, scheduler, epochs):
    out = []
    for _ in range(epochs):
        out.append([g["lr"] for g in opt.param_groups])
        assert scheduler.get_last_lr() == out[-1]
        scheduler.step()
    return out


def test_step_lr_per_group():
    opt = optimizer(0.1, 1.0)
    got = lrs_over(opt, StepLR(opt, step_size=3, gamma=0.5), 10)
    expected = [[base * 0.5 ** (e // 3) for base in (0.1, 1.0)] for e in range(10)]
    assert got == [pytest.approx(e) for e in expected]


def test_cosine_follows_the_half_cosine_and_rises_after_t_max():
    opt = optimizer(0.1, 1.0)
    got = lrs_over(opt, CosineAnnealingLR(opt, T_max=5, eta_min=0.01), 16)

    def closed(base, e):
        return 0.01 + (base - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2

    expected = [[closed(base, e) for base in (0.1, 1.0)] for e in range(16)]
    assert got == [pytest.approx(e, abs=1e-12) for e in expected]
    assert got[5] == pytest.approx([0.01, 0.01]) and got[10] == pytest.approx([0.1, 1.0])


def test_lambda_lr_with_one_function_per_group():
    opt = optimizer(0.1, 1.0)
    sched = LambdaLR(opt, [lambda e: 0.9**e, lambda e: 1 / (1 + e)])
    got = lrs_over(opt, sched, 5)
    assert got == [pytest.approx([0.1 * 0.9**e, 1.0 / (1 + e)]) for e in range(5)]
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        LambdaLR(opt, [lambda e: 1.0])


def test_scheduler_state_dict_resumes_the_schedule(tmp_path):
    opt = optimizer(0.1)
    sched = CosineAnnealingLR(opt, T_max=10)
    uninterrupted = lrs_over(opt, sched, 8)

    opt = optimizer(0.1)
    sched = CosineAnnealingLR(opt, T_max=10)
    first = lrs_over(opt, sched, 4)
    mt.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "s.pt")
    checkpoint = mt.load(tmp_path / "s.pt")
    opt2 = optimizer(0.1)
    opt2.load_state_dict(checkpoint["opt"])
    sched2 = CosineAnnealingLR(opt2, T_max=3)  # options come back from the checkpoint too
    sched2.load_state_dict(checkpoint["sched"])
    assert sched2.T_max == 10 and sched2.last_epoch == 4
    assert first + lrs_over(opt2, sched2, 4) == uninterrupted


def test_scheduler_state_dict_rejects_another_scheduler():
    opt = optimizer(0.1)
    with pytest.raises(ValueError, match=r"not a StepLR state dict.*T_max"):
        StepLR(opt, 2).load_state_dict(CosineAnnealingLR(optimizer(0.1), 3).state_dict())


def test_step_lr_keeps_working_after_add_param_group():
    opt = optimizer(1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        sched.step()  # epoch 3: lr 0.1
    opt.add_param_group({"params": [mt.zeros(1, requires_grad=True)], "lr": 0.5})
    got = lrs_over(opt, sched, 4)  # epochs 3..6: the new group keeps 0.5, then decays
    assert got == [pytest.approx(v) for v in ([0.1, 0.5], [0.01, 0.05], [0.01, 0.05],
                                              [0.001, 0.005])]


def test_cosine_keeps_working_after_add_param_group():
    opt = optimizer(1.0)
    sched = CosineAnnealingLR(opt, T_max=6)
    for _ in range(2):
        sched.step()
    opt.add_param_group({"params": [mt.zeros(1, requires_grad=True)], "lr": 0.2})
    got = lrs_over(opt, sched, 5)  # epochs 2..6
    assert got[0][1] == 0.2
    assert got[-1] == pytest.approx([0.0, 0.0], abs=1e-12)  # both reach eta_min at T_max
    new = [g[1] for g in got]
    assert all(a > b for a, b in zip(new, new[1:]))


def test_lambda_lr_keeps_working_after_add_param_group():
    opt = optimizer(1.0)
    sched = LambdaLR(opt, lambda e: 0.5**e)
    for _ in range(2):
        sched.step()
    opt.add_param_group({"params": [mt.zeros(1, requires_grad=True)], "lr": 0.8})
    got = lrs_over(opt, sched, 3)
    assert got == [pytest.approx(v) for v in ([0.25, 0.8], [0.125, 0.4], [0.0625, 0.2])]

    opt = optimizer(1.0)
    sched = LambdaLR(opt, [lambda e: 1.0])
    opt.add_param_group({"params": [mt.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError, match=r"lr_lambdas.append"):
        sched.step()
    sched.lr_lambdas.append(lambda e: 0.5**e)
    sched.step()
    assert sched.get_last_lr() == [1.0, 0.5]
    assert sched.last_epoch == 1 and sched._step_count == 2  # the failed step() counted nothing


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(optimizer(0.1), step_size=2, last_epoch=3)
    opt = optimizer(0.1)
    StepLR(opt, step_size=2)  # sets initial_lr
    sched = StepLR(opt, step_size=2, last_epoch=3)  # resumes at epoch 4 (closed form)
    assert sched.last_epoch == 4


@pytest.mark.parametrize("make", [
    lambda opt: StepLR(opt, step_size=0),
    lambda opt: StepLR(opt, step_size=1.5),
    lambda opt: CosineAnnealingLR(opt, T_max=0),
])
def test_invalid_options(make):
    with pytest.raises(ValueError):
        make(optimizer(0.1))


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="needs a minitorch optimizer"):
        StepLR([mt.zeros(1)], step_size=1)


def test_step_with_an_epoch_uses_the_closed_form():
    opt = optimizer(1.0)
    sched = StepLR(opt, step_size=2, gamma=0.1)
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr() == pytest.approx([0.01])
