"""Ops added for PyTorch habits: %, //, norm, cumsum, gather, bmm, rounding and NaN checks."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch.autograd import gradcheck


def _leaf(array):
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def test_remainder_values_and_gradients():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.1, 0.9, (3, 4)) + rng.integers(-3, 3, (3, 4))  # away from jumps
    b = np.full((4,), 1.0) + rng.uniform(0.0, 0.05, 4)
    assert np.allclose((mt.tensor(a) % 1.5).numpy(), np.remainder(a, 1.5))
    assert np.allclose((mt.tensor([-7.0]) % 3).numpy(), [2.0])  # the divisor's sign
    assert gradcheck(lambda x, y: x % y, [_leaf(a), _leaf(b)])


def test_floor_divide_and_rounding_have_no_gradient():
    x = _leaf([[-1.5, 0.5], [2.5, 3.7]])
    for result in (x // 2, x.floor(), x.ceil(), x.round(), x.sign()):
        assert not result.requires_grad and result.grad_fn is None
    assert (x // 2).tolist() == [[-1.0, 0.0], [1.0, 1.0]]
    assert x.round().tolist() == [[-2.0, 0.0], [2.0, 4.0]]  # half to even, as PyTorch
    assert (7 // mt.tensor([2, 3])).tolist() == [3, 2]


@pytest.mark.parametrize("p", [1, 2, "fro", 3, float("inf")])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_norm_gradcheck(p, dim):
    rng = np.random.default_rng(1)
    x = _leaf(rng.uniform(0.5, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4)))
    if p == float("inf") and dim is None:
        x = _leaf(np.arange(1, 13, dtype=np.float64).reshape(3, 4))  # a unique maximum
    assert gradcheck(lambda t: t.norm(p=p, dim=dim), [x])
    expected = np.linalg.norm(x.detach().numpy().reshape(-1) if dim is None else x.detach().numpy(),
                              ord=2 if p == "fro" else p, axis=dim)
    assert np.allclose(x.norm(p=p, dim=dim).detach().numpy(), expected)


def test_norm_rejects_bad_p():
    with pytest.raises(ValueError, match="positive number"):
        mt.ones(3).norm(p=-1)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    x = _leaf(np.random.default_rng(2).standard_normal((3, 4)))
    assert np.allclose(x.cumsum(dim).detach().numpy(), np.cumsum(x.detach().numpy(), axis=dim))
    assert gradcheck(lambda t: t.cumsum(dim), [x])


def test_gather_values_gradients_and_repeated_indices():
    x = _leaf(np.random.default_rng(3).standard_normal((3, 4)))
    index = mt.tensor([[0, 0, 3], [1, 2, 1]])  # smaller than x in dim 0, repeats in dim 1
    picked = x.gather(1, index)
    assert picked.shape == (2, 3)
    assert picked.tolist() == [[x[0, 0].item(), x[0, 0].item(), x[0, 3].item()],
                               [x[1, 1].item(), x[1, 2].item(), x[1, 1].item()]]
    assert gradcheck(lambda t: t.gather(1, index), [x])
    assert gradcheck(lambda t: mt.gather(t, 0, mt.tensor([[2, 0, 1, 2]])), [x])


def test_gather_errors():
    with pytest.raises(RuntimeError, match="integer"):
        mt.ones(2, 2).gather(0, mt.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="same number"):
        mt.ones(2, 2).gather(0, mt.tensor([0]))


def test_bmm_checks_shapes():
    a, b = mt.randn(2, 3, 4), mt.randn(2, 4, 5)
    assert mt.bmm(a, b).shape == (2, 3, 5)
    with pytest.raises(RuntimeError, match="3-D"):
        mt.bmm(mt.randn(3, 4), b)
    with pytest.raises(RuntimeError, match="batch sizes differ"):
        mt.bmm(mt.randn(3, 3, 4), b)


def test_nan_checks():
    x = mt.tensor([1.0, float("nan"), float("inf")])
    assert x.isnan().tolist() == [False, True, False]
    assert x.isinf().tolist() == [False, False, True]
    assert x.isfinite().tolist() == [True, False, False]


def test_parity_with_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((3, 4))
    index = np.array([[0, 2], [1, 1]])
    x, t = mt.tensor(a), torch.tensor(a)
    assert np.allclose((x % 0.7).numpy(), (t % 0.7).numpy())
    assert np.allclose((x // 0.7).numpy(), (t // 0.7).numpy())
    assert np.allclose(x.gather(1, mt.tensor(index)).numpy(),
                       t.gather(1, torch.tensor(index)).numpy())
    assert np.allclose(x.norm(p=3, dim=0).numpy(), t.norm(p=3, dim=0).numpy())
