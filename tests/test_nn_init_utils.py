"""nn.init (in place, seeded, right statistics) and nn.utils gradient clipping."""
import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


def test_init_functions_fill_in_place_and_return_the_tensor():
    w = nn.Parameter(mt.empty(200, 100))
    data = w._data
    for fn in (nn.init.xavier_uniform_, nn.init.kaiming_uniform_, nn.init.kaiming_normal_,
               nn.init.xavier_normal_, nn.init.zeros_):
        assert fn(w) is w
        assert w._data is data and w.requires_grad and w.grad_fn is None
    assert float(w.abs().sum()) == 0
    nn.init.constant_(w, 0.25)
    assert set(np.unique(w.detach().numpy()).tolist()) == {0.25}
    nn.init.ones_(w)
    assert float(w.sum()) == 200 * 100


def test_init_statistics():
    w = mt.empty(400, 300)
    bound = math.sqrt(6 / 700)
    v = nn.init.xavier_uniform_(w).numpy()
    assert v.min() >= -bound and v.max() <= bound and v.max() > 0.95 * bound
    v = nn.init.kaiming_normal_(w, nonlinearity="relu").numpy()
    assert abs(v.std() - math.sqrt(2 / 300)) < 0.01 * math.sqrt(2 / 300) * 5
    v = nn.init.normal_(w, 2.0, 0.5).numpy()
    assert abs(v.mean() - 2.0) < 0.01 and abs(v.std() - 0.5) < 0.01
    v = nn.init.trunc_normal_(w, std=1.0, a=-1.0, b=1.0).numpy()
    assert v.min() >= -1 and v.max() <= 1
    v = nn.init.uniform_(w, -3, -2).numpy()
    assert v.min() >= -3 and v.max() <= -2
    assert nn.init.eye_(mt.empty(2, 2)).tolist() == [[1, 0], [0, 1]]
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="fewer than 2"):
        nn.init.xavier_uniform_(mt.empty(3))


def test_init_is_reproducible_with_manual_seed():
    mt.manual_seed(7)
    a = nn.Linear(5, 5)
    mt.manual_seed(7)
    b = nn.Linear(5, 5)
    assert a.weight.equal(b.weight) and a.bias.equal(b.bias)


def test_clip_grad_norm():
    a, b = nn.Parameter(mt.zeros(2)), nn.Parameter(mt.zeros(1))
    a.grad, b.grad = mt.tensor([3.0, 0.0]), mt.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    norm = math.sqrt(float((a.grad ** 2).sum() + (b.grad ** 2).sum()))
    assert norm == pytest.approx(1.0, rel=1e-5)
    assert nn.utils.clip_grad_norm_([a, b], max_norm=10.0).item() == pytest.approx(1.0, rel=1e-5)
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5)  # under the limit: untouched
    a.grad = mt.tensor([3.0, -4.0])
    assert nn.utils.clip_grad_norm_(a, 1.0, norm_type="inf").item() == 4.0
    a.grad = mt.tensor([float("inf"), 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_ignores_frozen_parameters():
    live, frozen = nn.Parameter(mt.zeros(1)), nn.Parameter(mt.zeros(1))
    live.grad, frozen.grad = mt.tensor([3.0]), mt.tensor([400.0])
    frozen.requires_grad_(False)  # stale gradient of a frozen parameter
    assert nn.utils.clip_grad_norm_([live, frozen], 5.0).item() == pytest.approx(3.0)
    assert live.grad.tolist() == [3.0] and frozen.grad.tolist() == [400.0]


def test_clip_grad_value():
    p = nn.Parameter(mt.zeros(3))
    p.grad = mt.tensor([-5.0, 0.5, 5.0])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
