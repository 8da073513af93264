"""data.precompute: cached features equal the body's, refusals, and staleness checks."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minitorch as mt
from minitorch import data, nn, optim
from minitorch.train import fit


def _setup():
    mt.manual_seed(0)
    x = mt.randn(60, 6)
    y = (x[:, 0] > x[:, 1]).long()
    body = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 8),
                         nn.ReLU())
    with mt.no_grad():                       # some running statistics, as if pretrained
        body.train()
        body(x * 2 + 1)
    return body, data.TensorDataset(x, y)


def test_training_the_head_on_cached_features_is_the_same_as_with_the_frozen_body():
    body, dataset = _setup()
    nn.freeze(body)
    head = nn.Linear(8, 2)
    model = nn.Sequential(copy.deepcopy(body), copy.deepcopy(head))
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
        data.DataLoader(dataset, batch_size=10, shuffle=True, seed=0), epochs=3, verbose=False)

    cached = data.precompute(body, data.DataLoader(dataset, batch_size=25))
    assert isinstance(cached, data.TensorDataset) and len(cached) == 60
    assert cached.tensors[1].dtype == mt.int64
    fit(head, nn.CrossEntropyLoss(), optim.Adam(head.parameters(), lr=0.01),
        data.DataLoader(cached, batch_size=10, shuffle=True, seed=0), epochs=3, verbose=False)
    assert np.array_equal(head.weight.detach().numpy(), model[1].weight.detach().numpy())
    assert body.training                               # modes restored


def test_refuses_a_trainable_body_or_train_mode_randomness_unless_told():
    body, dataset = _setup()
    loader = data.DataLoader(dataset, batch_size=30)
    with pytest.raises(ValueError, match=r"trainable parameters \(0.weight, 0.bias, 1.weight"):
        data.precompute(body, loader)
    with pytest.raises(ValueError, match="BatchNorm1d using batch statistics"):
        data.precompute(body, loader, allow_trainable=True)   # trainable: stats would move
    cached = data.precompute(body, loader, allow_trainable=True, allow_train_mode=True)
    assert len(cached) == 60
    nn.freeze(body)
    body[1].freeze_stats_when_frozen = False
    with pytest.raises(ValueError, match=r"1 \(BatchNorm1d using batch statistics\)"):
        data.precompute(body, loader)
    body[1].freeze_stats_when_frozen = True
    noisy = nn.Sequential(body, nn.Dropout(0.3))
    with pytest.raises(ValueError, match=r"1 \(Dropout p=0.3\).*allow_train_mode=True"):
        data.precompute(noisy, loader)
    cached = data.precompute(noisy, loader, allow_train_mode=True)
    with mt.no_grad():
        assert np.array_equal(cached.tensors[0].numpy(), body.eval()(dataset.tensors[0]).numpy())


def test_features_raise_after_the_body_is_unfrozen_or_changed():
    body, dataset = _setup()
    nn.freeze(body)
    cached = data.precompute(body, data.DataLoader(dataset, batch_size=30))
    loader = data.DataLoader(cached, batch_size=10, shuffle=True, seed=0)
    assert len(list(loader)) == 6
    cached.check()

    nn.unfreeze(body[3])
    with pytest.raises(data.StaleFeaturesError, match=r"3.weight, 3.bias unfrozen"):
        next(iter(loader))
    with pytest.raises(data.StaleFeaturesError):
        cached[0]
    nn.freeze(body[3])
    cached.check()                                     # the same flags and weights again

    opt = optim.SGD(body.parameters(), lr=0.1)
    nn.unfreeze(body)
    body(dataset.tensors[0]).sum().backward()
    opt.step()
    nn.freeze(body)
    with pytest.raises(data.StaleFeaturesError, match="written to"):
        cached[0]

    fresh = data.precompute(body, data.DataLoader(dataset, batch_size=30))
    with mt.no_grad():
        body[0].weight.data[0, 0] = 5.0                # behind autograd's back
    with pytest.raises(data.StaleFeaturesError, match="weights or buffers differ"):
        len(fresh)                                     # a DataLoader calls it every epoch
