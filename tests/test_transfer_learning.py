"""Transfer learning end to end: pretrain an MLP on digits 0-4, freeze its body, train a new
head on digits 5-9 from ten images per class, then unfreeze and fine-tune at a lower rate,
with a single optimizer throughout."""
from __future__ import annotations

import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.data import digits_transfer
from minitorch.nn.freezing import count_parameters, freeze, summary, unfreeze


def accuracy(model, x, y):
    with mt.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def fit(model, opt, x, y, steps):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


def snapshot(module):
    return [p.detach().numpy().tobytes() for p in module.parameters()]


@pytest.fixture(scope="module")
def task():
    return digits_transfer(labels_per_class=10, seed=0)


def test_pretrain_freeze_new_head_then_fine_tune(task):
    mt.manual_seed(0)
    body = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
    source = nn.Sequential(body, nn.Linear(32, 5))
    fit(source, optim.Adam(source.parameters(), lr=1e-2), *task.source.train.tensors, 60)
    assert accuracy(source, *task.source.test.tensors) > 0.9

    # A new head for the new digits; the pretrained body is frozen.
    model = nn.Sequential(body, nn.Linear(32, 5))
    freeze(body)
    assert count_parameters(model) == (32 * 5 + 5, 64 * 64 + 64 + 64 * 32 + 32)
    rows = [line.split() for line in summary(model).splitlines() if line[:2] in ("0 ", "1 ")]
    assert [row[-2] for row in rows] == ["frozen", "trainable"]
    x, y = task.target.train.tensors
    x_test, y_test = task.target.test.tensors
    chance = accuracy(model, x_test, y_test)
    # One optimizer over everything: lower rate for the body, used once it is unfrozen.
    opt = optim.Adam(optim.discriminative_param_groups([body, model[1]], [1e-3, 1e-2]))
    pretrained = snapshot(body)
    head_loss = fit(model, opt, x, y, 100)
    assert snapshot(body) == pretrained
    assert not any(p in opt.state for p in body.parameters())
    head_accuracy = accuracy(model, x_test, y_test)
    assert head_accuracy > 0.6 and head_accuracy > chance + 0.4  # 5 classes: chance is 0.2

    # Unfreeze and fine-tune everything with lower rates.
    unfreeze(body)
    for group in opt.param_groups:
        group["lr"] /= 10
    tuned_loss = fit(model, opt, x, y, 50)
    assert snapshot(body) != pretrained
    assert tuned_loss < head_loss
    assert accuracy(model, x_test, y_test) > head_accuracy - 0.05
