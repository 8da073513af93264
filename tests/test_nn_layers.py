"""Layers: gradcheck (float64) for every layer and option, behaviour, PyTorch parity."""
import math

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn
from minitorch.autograd import gradcheck


def leaf(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return mt.tensor(data, dtype=mt.float64, requires_grad=True)


def check_layer(layer, x):
    """gradcheck with respect to the input and every parameter of the layer."""
    layer.double()
    params = list(layer.parameters())
    assert gradcheck(lambda *args: layer(x), [x, *params])


@pytest.mark.parametrize("layer,shape", [
    (nn.Linear(4, 3), (2, 4)),
    (nn.Linear(4, 3, bias=False), (2, 4)),
    (nn.Linear(4, 3), (4,)),
    (nn.Linear(4, 3), (2, 2, 4)),
    (nn.ReLU(), (3, 4)),
    (nn.LeakyReLU(0.2), (3, 4)),
    (nn.GELU(), (3, 4)),
    (nn.GELU(approximate="tanh"), (3, 4)),
    (nn.Tanh(), (3, 4)),
    (nn.Sigmoid(), (3, 4)),
    (nn.Softmax(dim=1), (3, 4)),
    (nn.LogSoftmax(dim=-1), (3, 4)),
    (nn.Identity(), (3, 4)),
    (nn.Flatten(), (2, 3, 2)),
    (nn.LayerNorm(4), (3, 4)),
    (nn.LayerNorm((2, 3)), (2, 2, 3)),
    (nn.LayerNorm(4, elementwise_affine=False), (3, 4)),
    (nn.LayerNorm(4, bias=False), (3, 4)),
    (nn.BatchNorm1d(3), (4, 3)),
    (nn.BatchNorm1d(3), (4, 3, 2)),
    (nn.BatchNorm1d(3, affine=False), (4, 3)),
    (nn.BatchNorm1d(3, track_running_stats=False), (4, 3)),
    (nn.BatchNorm1d(3).eval(), (4, 3)),
    (nn.BatchNorm1d(3).eval(), (4, 3, 2)),
    (nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.LayerNorm(5), nn.Linear(5, 2)), (4, 3)),
])
def test_layer_gradcheck(layer, shape):
    if isinstance(layer, nn.BatchNorm1d) and not layer.training:
        with mt.no_grad():  # non-trivial running statistics and affine parameters
            layer.running_mean.copy_(mt.tensor([0.5, -0.2, 0.1]))
            layer.running_var.copy_(mt.tensor([2.0, 0.5, 1.5]))
            layer.weight.copy_(mt.tensor([1.5, -0.5, 2.0]))
    check_layer(layer, leaf(*shape))


def test_dropout_gradcheck_with_fixed_seed():
    x = leaf(4, 5)

    def fn(t):
        mt.manual_seed(3)
        return F.dropout(t, 0.3)

    assert gradcheck(fn, [x])


def test_embedding_gradcheck_and_padding():
    idx = mt.tensor([[0, 2, 5], [5, 5, 1]])
    plain = nn.Embedding(6, 3).double()
    assert gradcheck(lambda w: plain(idx), [plain.weight])
    # The padding row gets no gradient by design (it is not the true derivative).
    emb = nn.Embedding(6, 3, padding_idx=2).double()
    assert float(emb.weight[2].abs().sum()) == 0
    emb(idx).sum().backward()
    g = emb.weight.grad.numpy()
    np.testing.assert_array_equal(g[:, 0], [1, 1, 0, 0, 0, 3])  # repeats add up, padding none
    with pytest.raises(IndexError, match="out of range"):
        emb(mt.tensor([6]))
    with pytest.raises(TypeError, match="long"):
        emb(mt.tensor([1.0]))


def test_embedding_from_pretrained_is_frozen():
    table = mt.randn(4, 2)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    assert emb(mt.tensor([3])).tolist() == [table[3].tolist()]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_linear_init_shape_and_repr():
    mt.manual_seed(0)
    layer = nn.Linear(784, 10)
    assert layer.weight.shape == (10, 784) and layer.bias.shape == (10,)
    bound = 1 / math.sqrt(784)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound
    assert repr(layer) == "Linear(in_features=784, out_features=10, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    with pytest.raises(TypeError, match="in_features"):
        nn.Linear(2.5, 3)


def test_linear_matches_manual_formula_and_uses_fused_op():
    layer = nn.Linear(3, 2)
    x = mt.randn(5, 3, requires_grad=True)
    out = layer(x)
    assert out.grad_fn.name() == "LinearBackward"
    expected = x.detach().numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    with pytest.raises(RuntimeError, match="last dim"):
        layer(mt.ones(5, 4))
    with pytest.raises(RuntimeError, match="dtype"):
        layer(mt.ones(5, 3, dtype=mt.float64))


def test_frozen_linear_skips_weight_gradient():
    layer = nn.Linear(3, 2).requires_grad_(False)
    x = mt.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad is None and x.grad is not None


def test_dropout_behaviour():
    mt.manual_seed(0)
    drop = nn.Dropout(0.25)
    y = drop(mt.ones(1000))
    values = set(np.unique(y.numpy()).tolist())
    assert values == {0.0, float(np.float32(1 / 0.75))}
    assert 150 < int((y == 0).sum()) < 350
    mt.manual_seed(0)
    np.testing.assert_array_equal(drop(mt.ones(1000)).numpy(), y.numpy())  # seeded
    x = mt.ones(3)
    assert drop.eval()(x) is x
    assert float(nn.Dropout(1.0)(mt.ones(5)).sum()) == 0
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(bad)
    assert repr(nn.Dropout(0.5)) == "Dropout(p=0.5, inplace=False)"


def test_activations_values_and_reprs():
    x = mt.tensor([-2.0, 0.5])
    assert nn.LeakyReLU(0.1)(x).tolist() == pytest.approx([-0.2, 0.5])
    assert F.leaky_relu(x).tolist() == pytest.approx([-0.02, 0.5])
    assert nn.GELU()(mt.tensor([0.0, 1.0])).tolist() == pytest.approx([0.0, 0.8413447], rel=1e-6)
    assert repr(nn.ReLU()) == "ReLU()" and repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    with pytest.warns(UserWarning, match="dim"):
        nn.Softmax()(mt.zeros(2, 3))


def test_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 2))
    tx = torch.tensor(x)
    ours = nn.BatchNorm1d(3, momentum=0.3).double()
    ref = torch.nn.BatchNorm1d(3, momentum=0.3).double()
    for _ in range(2):
        np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), ref(tx).detach().numpy(),
                                   atol=1e-12)
    np.testing.assert_allclose(ours.running_var.numpy(), ref.running_var.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.running_mean.numpy(), ref.running_mean.numpy(), atol=1e-12)
    ours.eval(), ref.eval()
    np.testing.assert_allclose(ours(mt.tensor(x)).detach().numpy(), ref(tx).detach().numpy(),
                                   atol=1e-12)
    y = rng.standard_normal((2, 5))
    for approximate in ("none", "tanh"):
        np.testing.assert_allclose(
            F.gelu(mt.tensor(y), approximate).numpy(),
            torch.nn.functional.gelu(torch.tensor(y), approximate=approximate).numpy(), atol=1e-12)
    np.testing.assert_allclose(
        F.layer_norm(mt.tensor(y), 5).numpy(),
        torch.nn.functional.layer_norm(torch.tensor(y), (5,)).numpy(), atol=1e-12)


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [mt.randn(5, 2) for _ in range(3)]
    for b in batches:
        bn(b)
    expected = np.mean([b.numpy().mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-5)


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(mt.randn(1, 3))
    assert int(bn.num_batches_tracked) == 0  # the failed forward changed nothing
    bn.eval()(mt.randn(1, 3))  # fine with running statistics
    with pytest.raises(ValueError, match="2D or 3D"):
        bn(mt.randn(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="channels"):
        bn(mt.randn(2, 4))


def test_batchnorm_eval_uses_running_stats():
    bn = nn.BatchNorm1d(2)
    with mt.no_grad():
        bn.running_mean.copy_(mt.tensor([1.0, -1.0]))
        bn.running_var.copy_(mt.tensor([4.0, 0.25]))
    out = bn.eval()(mt.tensor([[3.0, 0.0]]))
    expected = [[2 / math.sqrt(4 + 1e-5), 1 / math.sqrt(0.25 + 1e-5)]]
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)


def test_layernorm_errors_and_repr():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm(4)(mt.zeros(2, 3))
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
