"""flip, chunk, split, index_select, tril/triu, sort, topk, argsort and prod."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch.autograd import gradcheck


def _leaf(array):
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def _distinct(shape, seed=0):
    """Values without ties, so sort/topk gradients are well defined."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) + rng.uniform(0, 0.5, shape)


@pytest.mark.parametrize("dims", [0, (1,), (0, 2), -1])
def test_flip(dims):
    x = _leaf(np.random.default_rng(1).standard_normal((2, 3, 4)))
    assert np.array_equal(x.flip(dims).detach().numpy(), np.flip(x.detach().numpy(), dims))
    assert gradcheck(lambda t: t.flip(dims) * mt.arange(4.0).double(), [x])


def test_split_and_chunk_values_and_gradients():
    x = _leaf(np.random.default_rng(2).standard_normal((3, 7)))
    data = x.detach().numpy()
    parts = mt.split(x, 3, dim=1)
    assert [p.shape for p in parts] == [(3, 3), (3, 3), (3, 1)]
    pieces = np.split(data, [3, 6], 1)
    assert all(np.array_equal(p.detach().numpy(), q) for p, q in zip(parts, pieces))
    assert [p.shape[1] for p in x.split([2, 0, 5], 1)] == [2, 0, 5]
    assert [p.shape[1] for p in mt.chunk(x, 3, 1)] == [3, 3, 1]
    assert [p.shape[0] for p in x.chunk(5)] == [1, 1, 1]  # fewer chunks than asked, as PyTorch
    assert gradcheck(lambda t: t.split([2, 5], 1)[1] * 2 + t.chunk(2, 1)[0].sum(), [x])


def test_index_select_repeats_add_gradients():
    x = _leaf(np.random.default_rng(3).standard_normal((4, 3)))
    index = mt.tensor([3, 0, 3])
    assert np.array_equal(x.index_select(0, index).detach().numpy(), x.detach().numpy()[[3, 0, 3]])
    assert np.array_equal(mt.index_select(x, 1, mt.tensor([2])).detach().numpy(),
                          x.detach().numpy()[:, [2]])
    x.index_select(0, index).sum().backward()
    assert x.grad.numpy()[:, 0].tolist() == [1.0, 0.0, 0.0, 2.0]
    assert gradcheck(lambda t: t.index_select(1, mt.tensor([1, 1, 0])), [_leaf(x.detach().numpy())])


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tril_triu(diagonal):
    x = _leaf(np.random.default_rng(4).standard_normal((2, 3, 4)))
    data = x.detach().numpy()
    assert np.array_equal(x.tril(diagonal).detach().numpy(), np.tril(data, diagonal))
    assert np.array_equal(mt.triu(x, diagonal).detach().numpy(), np.triu(data, diagonal))
    assert gradcheck(lambda t: t.tril(diagonal) * 3, [x])
    x.triu(diagonal).sum().backward()
    assert np.array_equal(x.grad.numpy(), np.triu(np.ones_like(data), diagonal))


@pytest.mark.parametrize("dim,descending", [(-1, False), (0, True), (1, True)])
def test_sort_and_argsort(dim, descending):
    x = _leaf(_distinct((3, 4), 5))
    data = x.detach().numpy()
    values, indices = x.sort(dim, descending)
    order = np.argsort(-data if descending else data, axis=dim)
    assert indices.dtype == mt.int64 and np.array_equal(indices.numpy(), order)
    assert np.array_equal(values.detach().numpy(), np.take_along_axis(data, order, dim))
    assert np.array_equal(mt.argsort(x, dim, descending).numpy(), order)
    assert not x.argsort().requires_grad
    assert gradcheck(lambda t: t.sort(dim, descending).values * mt.arange(1.0, 5.0).double(), [x])


def test_argsort_is_stable_for_ties():
    x = mt.tensor([2, 1, 2, 1])
    assert x.argsort().tolist() == [1, 3, 0, 2]
    assert x.argsort(descending=True).tolist() == [0, 2, 1, 3]


@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest):
    x = _leaf(_distinct((3, 5), 6))
    data = x.detach().numpy()
    values, indices = mt.topk(x, 2, dim=1, largest=largest)
    order = np.argsort(-data if largest else data, axis=1)[:, :2]
    assert indices.dtype == mt.int64 and np.array_equal(indices.numpy(), order)
    assert np.array_equal(values.detach().numpy(), np.take_along_axis(data, order, 1))
    assert gradcheck(lambda t: t.topk(3, 0, largest).values, [x])


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_prod_values_and_gradients(dim, keepdim):
    x = _leaf(np.random.default_rng(7).uniform(0.5, 1.5, (3, 4)))
    expected = np.prod(x.detach().numpy(), axis=dim, keepdims=keepdim)
    assert np.allclose(x.prod(dim, keepdim).detach().numpy(), expected)
    assert gradcheck(lambda t: mt.prod(t, dim, keepdim), [x])


def test_prod_gradient_with_zeros_is_product_of_others():
    x = _leaf([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]])
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]]
    assert gradcheck(lambda t: t.prod(), [_leaf([1.5, 0.0, 2.0])])


def test_bad_arguments_raise_clear_errors():
    x = mt.ones(2, 3)
    with pytest.raises(RuntimeError, match="k=4 .* size 3"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="chunks must be at least 1"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match=r"sum to 3.*\(2, 3\)"):
        x.split([1, 1], dim=1)
    with pytest.raises(RuntimeError, match="at least 2 dims.*\\(3,\\)"):
        mt.ones(3).tril()
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.flip(2)
    with pytest.raises(IndexError, match="out of range for dim 1 of size 3"):
        x.index_select(1, mt.tensor([3]))
    with pytest.raises(RuntimeError, match="integer tensor"):
        x.index_select(0, mt.tensor([0.0]))


def test_torch_parity():
    torch = pytest.importorskip("torch")
    data = _distinct((3, 4), 8)
    x, t = mt.tensor(data), torch.tensor(data)
    pairs = [
        (x.flip((0, 1)), t.flip((0, 1))),
        (x.tril(-1), t.tril(-1)),
        (x.triu(1), t.triu(1)),
        (x.sort(0, True).values, t.sort(0, True).values),
        (x.sort(1).indices, t.sort(1).indices),
        (x.argsort(0, True), t.argsort(0, True)),
        (x.topk(2, largest=False).indices, t.topk(2, largest=False).indices),
        (x.prod(0), t.prod(0)),
        (x.index_select(1, mt.tensor([3, 1])), t.index_select(1, torch.tensor([3, 1]))),
        *zip(x.chunk(3, 1), t.chunk(3, 1)),
        *zip(x.split([1, 2], 0), t.split([1, 2], 0)),
    ]
    for ours, theirs in pairs:
        assert np.allclose(ours.numpy(), theirs.numpy()) and ours.shape == tuple(theirs.shape)
    z = torch.tensor([[2.0, 0.0, 3.0]], requires_grad=True)
    z.prod().backward()
    y = _leaf([[2.0, 0.0, 3.0]])
    y.prod().backward()
    assert np.allclose(y.grad.numpy(), z.grad.numpy())


def test_flip_returns_a_copy_as_pytorch_does():
    x = mt.tensor([1.0, 2.0, 3.0])
    flipped = x.flip(0)
    flipped[0] = 10.0
    assert x.tolist() == [1.0, 2.0, 3.0] and flipped.tolist() == [10.0, 2.0, 1.0]
