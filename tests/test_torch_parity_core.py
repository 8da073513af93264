"""Forward values and gradients of composite expressions match PyTorch (float64)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt

torch = pytest.importorskip("torch")


def run(lib, fn, arrays):
    """Evaluate ``fn(lib, *leaves)``, backward of its sum; return (output, grads)."""
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    out.sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in leaves]


def _lse(lib, x, w):
    return (x @ w).logsumexp(dim=-1) - (x * x).mean(dim=0, keepdim=True).sum()


def _softmax_attention(lib, q, k, v):
    scores = (q @ k.transpose(-1, -2)) / 2.0
    return scores.softmax(dim=-1) @ v


def _mlp(lib, x, w1, b1, w2):
    h = (x @ w1.T + b1).relu()
    return (h @ w2).tanh().sigmoid()


def _stats(lib, x):
    centered = x - x.mean(dim=1, keepdim=True)
    return centered / (x.var(dim=1, keepdim=True) + 1e-5).sqrt() + x.std(dim=0)


def _shapes(lib, x, y):
    a = lib.cat([x, y.permute(1, 0)], dim=0).reshape(2, -1)
    b = lib.stack([a, a.flip(0) if lib is torch else a[::-1]], dim=1)
    return b.flatten()[1:7].unsqueeze(0).expand(3, -1) * lib.where(b.flatten()[:6] > 0, 1.0, -2.0)


def _indexing(lib, x):
    idx = lib.tensor([0, 2, 2])
    y = x[idx][:, 1:] * x[1, None, 1:]
    return y.max(dim=1).values + x[x > 0].sum() + x.abs().clamp(0.1, 1.0).log().min()


def _inplace(lib, x, y):
    z = x * 1.0
    z[0] = y[0] * 2
    z.mul_(y)
    z[1:, 0] += x[1:, 1].exp()
    return z.masked_fill(z > 1.5, 0.0) ** 2


def _powers(lib, x, y):
    pos = x.abs() + 0.5
    return pos ** y + 2.0 ** y - pos ** -1.5 + lib.maximum(x, y) * lib.minimum(x, 2 * y)


def _log_softmax_loss(lib, logits, weight):
    return -(logits.log_softmax(dim=1) * weight.softmax(dim=1)).sum(dim=1).mean()


CASES = [
    (_lse, [(4, 3), (3, 5)]),
    (_softmax_attention, [(2, 3, 4), (2, 5, 4), (2, 5, 2)]),
    (_mlp, [(5, 3), (4, 3), (4,), (4, 2)]),
    (_stats, [(3, 4)]),
    (_shapes, [(2, 3), (3, 2)]),
    (_indexing, [(3, 3)]),
    (_inplace, [(3, 2), (3, 2)]),
    (_powers, [(2, 3), (2, 3)]),
    (_log_softmax_loss, [(4, 5), (4, 5)]),
]


@pytest.mark.parametrize("fn, shapes", CASES, ids=[fn.__name__[1:] for fn, _ in CASES])
def test_matches_torch(fn, shapes):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, our_grads = run(mt, fn, arrays)
    theirs, their_grads = run(torch, fn, arrays)
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(our_grads, their_grads):
        assert np.allclose(mine, reference, rtol=1e-10, atol=1e-12)


def test_inplace_on_views_matches_torch():
    def fn(lib, x, b):
        y = x.exp() * 1.0
        y[0].mul_(b)
        y[:, 1:].add_(x[:, 1:])
        y.T[2].zero_()
        return y

    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 3)), rng.standard_normal(3)]
    ours, our_grads = run(mt, fn, arrays)
    theirs, their_grads = run(torch, fn, arrays)
    assert np.allclose(ours, theirs)
    for mine, reference in zip(our_grads, their_grads):
        assert np.allclose(mine, reference)


def test_var_std_default_correction_matches_torch():
    a = np.random.default_rng(0).standard_normal((4, 5))
    for dim in (None, 0, 1):
        kwargs = {} if dim is None else {"dim": dim}
        for name in ("var", "std"):
            ours = getattr(mt.tensor(a), name)(**kwargs).numpy()
            assert np.allclose(ours, getattr(torch.tensor(a), name)(**kwargs).numpy())


def test_max_tie_gradient_matches_torch():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    _, (ours,) = run(mt, lambda lib, x: x.max(), [a])
    _, (theirs,) = run(torch, lambda lib, x: x.max(), [a])
    assert np.allclose(ours, theirs)
    b = np.array([[1.0, 0.0, 3.0], [2.0, 5.0, 0.0]])  # ties with a in four places
    _, ours = run(mt, lambda lib, x, y: lib.maximum(x, y), [a, b])
    _, theirs = run(torch, lambda lib, x, y: lib.maximum(x, y), [a, b])
    assert np.allclose(ours, theirs)


def test_dtype_promotion_matches_torch():
    cases = [
        lambda lib: lib.tensor([1, 2]) / 2,
        lambda lib: lib.tensor([1, 2]) * 1.5,
        lambda lib: lib.tensor([1.0, 2.0]) + 1.5,
        lambda lib: lib.tensor([1.0, 2.0]) * np.float64(2.0),
        lambda lib: lib.tensor([1, 2]).exp(),
        lambda lib: lib.tensor([1, 2]) + 1,
        lambda lib: lib.tensor([True]).sum(),
        lambda lib: lib.tensor(np.ones(2)),
    ]
    for case in cases:
        assert str(case(mt).dtype).split(".")[-1] == str(case(torch).dtype).split(".")[-1]
