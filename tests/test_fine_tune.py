"""train.fine_tune: head first with the body frozen, then discriminative rates; checks."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import data, nn, train


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                  nn.Linear(8, 8), nn.ReLU())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.body(x))


def _data():
    mt.manual_seed(0)
    x = mt.randn(64, 5)
    y = (x[:, 0] - x[:, 2] > 0).long()
    return data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True, seed=0)


def test_fine_tune_trains_the_head_first_then_everything_with_spaced_rates():
    loader = _data()
    model = Net()
    body0 = {k: v.numpy().copy() for k, v in model.body.state_dict().items()}
    seen = []

    class Watch(train.Callback):
        def on_epoch_begin(self, trainer, epoch):
            seen.append([p.requires_grad for p in trainer.model.body.parameters()])
            if epoch == 0:
                seen.append([g["lr"] for g in trainer.optimizer.param_groups])

        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:   # end of the frozen phase: body bit-identical, stats included
                assert all(np.array_equal(v.numpy(), body0[k])
                           for k, v in trainer.model.body.state_dict().items())

    history = train.fine_tune(model, model.body, model.head, nn.CrossEntropyLoss(), loader,
                              epochs=3, freeze_epochs=2, base_lr=1e-2, lr_mult=100,
                              val_loader=loader, callbacks=[Watch()])
    assert len(history["loss"]) == 5 and len(history["val_accuracy"]) == 5
    assert history["unfrozen"] == ["", "", "body", "", ""]
    assert history["trainable_params"] == [18] * 2 + [18 + 48 + 16 + 72] * 3
    lrs = seen[1]
    # layer groups: body.0, body.1, body.3, head; geometric from 1e-4 to 1e-2
    assert lrs == pytest.approx([1e-4, 1e-4 * 100 ** (1 / 3), 1e-4 * 100 ** (2 / 3), 1e-2])
    assert seen[0] == [False] * 6 and seen[3] == [True] * 6
    assert not np.array_equal(model.body[0].weight.detach().numpy(), body0["0.weight"])
    assert history["accuracy"][-1] > 0.7


def test_fine_tune_without_a_frozen_phase_trains_everything_from_the_start():
    model = Net()
    history = train.fine_tune(model, model.body, model.head, nn.CrossEntropyLoss(), _data(),
                              epochs=2, freeze_epochs=0)
    assert history["loss"] and "unfrozen" not in history
    assert all(p.requires_grad for p in model.parameters())


def test_fine_tune_rejects_overlapping_or_incomplete_body_and_head():
    model = Net()
    loss_fn, loader = nn.CrossEntropyLoss(), _data()
    with pytest.raises(ValueError, match=r"overlap: body.0.weight, body.0.bias are in both"):
        train.fine_tune(model, model.body, [model.head, model.body[0]], loss_fn, loader, 1)
    with pytest.raises(ValueError, match=r"body.3.weight, body.3.bias are in neither"):
        train.fine_tune(model, [model.body[0], model.body[1]], model.head, loss_fn, loader, 1)
    with pytest.raises(TypeError, match="body must be a Module or a list of Modules"):
        train.fine_tune(model, 3, model.head, loss_fn, loader, 1)
    assert all(p.requires_grad for p in model.parameters())   # nothing was changed
