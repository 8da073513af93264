"""Optional parity with PyTorch's optimizers and schedulers (float64), and the documented
difference: PyTorch moves a frozen parameter that has a stale gradient, minitorch does not."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, maximize=True)),
]


def gradient_of(p: np.ndarray) -> np.ndarray:
    return np.sin(3 * p) + 0.5 * np.cos(p)


@pytest.mark.parametrize("name, options", CONFIGS)
def test_trajectory_and_state_match_pytorch(name, options, rng):
    start = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [mt.tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt = getattr(optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.02}],
                               **options)
    ref = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.02}],
                                     **options)
    for _ in range(20):
        for a, b in zip(ours, theirs):
            a.grad = mt.tensor(gradient_of(a.detach().numpy()))
            b.grad = torch.tensor(gradient_of(b.detach().numpy()))
        opt.step()
        ref.step()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)
    mine, pytorch = opt.state_dict(), ref.state_dict()
    assert [g["params"] for g in mine["param_groups"]] == [
        g["params"] for g in pytorch["param_groups"]]
    for index, state in pytorch["state"].items():
        arrays = {k: v for k, v in state.items() if v is not None and v.dim() > 0}
        assert set(arrays) <= set(mine["state"][index])
        for key, value in arrays.items():
            np.testing.assert_allclose(mine["state"][index][key].numpy(), value.numpy(),
                                       rtol=1e-12, atol=1e-14)
        if "step" in state:
            assert mine["state"][index]["step"] == int(state["step"])


@pytest.mark.parametrize("name, ours_kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95**e / (1 + e % 3))),
])
def test_schedulers_match_pytorch(name, ours_kwargs):
    ours_opt = optim.SGD([{"params": [mt.zeros(1, requires_grad=True)], "lr": lr}
                          for lr in (0.1, 0.03)], lr=1.0)
    ref_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                               for lr in (0.1, 0.03)], lr=1.0)
    ours = getattr(optim.lr_scheduler, name)(ours_opt, **ours_kwargs)
    ref = getattr(torch.optim.lr_scheduler, name)(ref_opt, **ours_kwargs)
    for _ in range(23):
        ref_opt.step()
        ref.step()
        ours.step()
        np.testing.assert_allclose(ours.get_last_lr(), ref.get_last_lr(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:optimizer.step.. changed nothing")
def test_pytorch_moves_a_frozen_parameter_minitorch_does_not():
    start = np.array([1.0, -2.0, 3.0])
    ours, theirs = (mt.tensor(start.copy(), requires_grad=True),
                    torch.tensor(start.copy(), requires_grad=True))
    opt = optim.SGD([ours], lr=0.1, momentum=0.9, weight_decay=0.1)
    ref = torch.optim.SGD([theirs], lr=0.1, momentum=0.9, weight_decay=0.1)
    for p, o in ((ours, opt), (theirs, ref)):
        (p * p).sum().backward()
        o.step()
        p.requires_grad_(False)  # frozen, with its gradient left stale
    frozen_ours, frozen_theirs = ours.detach().numpy().copy(), theirs.detach().numpy().copy()
    for _ in range(5):
        opt.step()
        ref.step()
    np.testing.assert_array_equal(ours.detach().numpy(), frozen_ours)
    assert not np.allclose(theirs.detach().numpy(), frozen_theirs)
