"""The BatchNorm freezing rule: a fully frozen affine BatchNorm keeps its statistics."""
import numpy as np

import minitorch as mt
from minitorch import nn


def stats(bn):
    return (bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(),
            int(bn.num_batches_tracked))


def test_frozen_batchnorm_keeps_and_uses_running_stats_even_in_train_mode():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    model(mt.randn(8, 3))  # one normal update
    bn = model[1]
    before = stats(bn)
    bn.requires_grad_(False)
    for _ in range(3):
        model.train()  # cannot undo the rule: decided at each forward
        x = mt.randn(8, 3) * 5 + 2
        h = model[0](x)
        out = bn(h)
        # expected from the formula with the running statistics, not from the layer itself
        expected = ((h.detach().numpy() - before[0]) / np.sqrt(before[1] + bn.eps)
                    * bn.weight.detach().numpy() + bn.bias.detach().numpy())
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    after = stats(bn)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2] == after[2]
    assert bn.training and bn.stats_frozen()
    bn(mt.randn(1, 4))  # frozen: a batch of one is fine (running statistics are used)


def test_unfreezing_resumes_updates():
    bn = nn.BatchNorm1d(2)
    bn.requires_grad_(False)
    bn(mt.randn(6, 2))
    assert int(bn.num_batches_tracked) == 0
    bn.requires_grad_(True)
    bn(mt.randn(6, 2) + 3)
    assert int(bn.num_batches_tracked) == 1
    assert (bn.running_mean.numpy() > 0.1).all()


def test_partially_frozen_or_non_affine_batchnorm_updates_as_pytorch():
    bn = nn.BatchNorm1d(2)
    bn.weight.requires_grad_(False)  # bias still trains: not all frozen
    bn(mt.randn(6, 2))
    assert int(bn.num_batches_tracked) == 1
    plain = nn.BatchNorm1d(2, affine=False)
    plain(mt.randn(6, 2))
    assert int(plain.num_batches_tracked) == 1


def test_switch_restores_pytorch_behaviour():
    bn = nn.BatchNorm1d(2, freeze_stats_when_frozen=False)
    assert "freeze_stats_when_frozen=False" in repr(bn)
    bn.requires_grad_(False)
    x = mt.randn(6, 2) + 3
    out = bn(x)
    assert int(bn.num_batches_tracked) == 1
    assert not bn.stats_frozen()
    xs = x.numpy()
    np.testing.assert_allclose(out.detach().numpy(), (xs - xs.mean(0)) / np.sqrt(xs.var(0) + 1e-5),
                               rtol=1e-4)
    bn.freeze_stats_when_frozen = True  # the attribute can be flipped later
    bn(mt.randn(6, 2))
    assert int(bn.num_batches_tracked) == 1


def test_frozen_batchnorm_still_passes_gradients_to_the_input():
    bn = nn.BatchNorm1d(3).requires_grad_(False)
    x = mt.randn(4, 3, requires_grad=True)
    bn(x).sum().backward()
    assert x.grad is not None and bn.weight.grad is None
