"""Discriminative learning rates: layer_rates and discriminative_param_groups."""
from __future__ import annotations

import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.nn.freezing import freeze_to
from minitorch.optim import discriminative_param_groups, layer_rates


@pytest.mark.parametrize("lr, n, expected", [
    (0.01, 3, [0.01] * 3),
    ([1e-4, 1e-3], 2, [1e-4, 1e-3]),
    (slice(1e-5, 1e-3), 3, [1e-5, 1e-4, 1e-3]),
    (slice(1e-6, 1e-2), 5, [1e-6, 1e-5, 1e-4, 1e-3, 1e-2]),
    (slice(1e-3), 4, [1e-4, 1e-4, 1e-4, 1e-3]),
    (slice(1e-5, 1e-3), 1, [1e-3]),
])
def test_layer_rates(lr, n, expected):
    assert layer_rates(lr, n) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("lr, n, error, message", [
    ([0.1, 0.2], 3, ValueError, "2 learning rates for 3 layer groups"),
    (slice(0, 1e-3), 3, ValueError, "cannot start at 0"),
    (slice(1e-5, 1e-3, 2), 3, ValueError, "no step"),
    (-0.1, 2, ValueError, "Invalid learning rate"),
    ("0.1", 2, TypeError, "lr must be a number"),
    (0.1, 0, ValueError, "at least one layer group"),
])
def test_layer_rates_errors(lr, n, error, message):
    with pytest.raises(error, match=message):
        layer_rates(lr, n)


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))


def test_groups_skip_layers_without_parameters_and_keep_frozen_ones():
    model = freeze_to(mlp(), -1)
    groups = discriminative_param_groups(list(model.children()), slice(1e-4, 1e-2),
                                         weight_decay=0.01)
    assert [g["lr"] for g in groups] == pytest.approx([1e-4, 1e-3, 1e-2])
    assert [g["params"] for g in groups][0][0] is model[0].weight
    assert sum(len(g["params"]) for g in groups) == 6  # frozen layers included
    assert all(g["weight_decay"] == 0.01 for g in groups)
    opt = optim.AdamW(groups)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-4, 1e-3, 1e-2])


def test_groups_from_parameter_lists_and_shared_parameters():
    model = mlp()
    groups = discriminative_param_groups(
        [[model[0].weight, model[0].bias], model[4].parameters()], [0.1, 0.2])
    assert [len(g["params"]) for g in groups] == [2, 2]
    tied = nn.Linear(8, 8)
    tied.weight = model[2].weight
    with pytest.raises(ValueError, match=r"layers\[1\] and layers\[0\] share a parameter"):
        discriminative_param_groups([model[2], tied], 0.1)
    with pytest.raises(TypeError, match=r"layers\[0\] is a int"):
        discriminative_param_groups([3], 0.1)
    with pytest.raises(ValueError, match="none of the given layers has parameters"):
        discriminative_param_groups([nn.ReLU()], 0.1)


def test_gradual_unfreezing_with_one_optimizer():
    mt.manual_seed(0)
    model = mlp()
    opt = optim.SGD(discriminative_param_groups(list(model.children()), slice(1e-3, 1e-1)),
                    momentum=0.9)
    x, y = mt.randn(16, 4), mt.randint(0, 2, (16,))
    loss_fn = nn.CrossEntropyLoss()
    for stage, n in enumerate((-1, -3, 0)):  # head, then the middle layer, then everything
        freeze_to(model, n)
        before = [p.detach().numpy().copy() for p in model.parameters()]
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        moved = [not (p.detach().numpy() == b).all() for p, b in zip(model.parameters(), before)]
        assert moved == [stage == 2] * 2 + [stage >= 1] * 2 + [True] * 2
