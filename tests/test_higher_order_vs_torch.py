"""Second (and third) derivatives against PyTorch 2.13 on random inputs, and
``autograd.functional`` against ``torch.autograd.functional``."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.autograd import functional as AF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(arrays, requires=True):
    ours = [mt.tensor(a, dtype=mt.float64, requires_grad=requires) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=requires) for a in arrays]
    return ours, theirs


def _second(lib, fn, xs, w, v):
    """d/dx [ v . d/dx (w . fn(x)) ] for every x: a Hessian-vector product per input."""
    out = fn(*xs)
    weights = lib.tensor(w, dtype=out.dtype)
    grads = lib.autograd.grad((out * weights).sum(), xs, create_graph=True, allow_unused=True)
    total = sum((g * lib.tensor(vi, dtype=g.dtype)).sum()
                for g, vi in zip(grads, v) if g is not None)
    return lib.autograd.grad(total, xs, allow_unused=True)


def check_second_derivatives(ours_fn, torch_fn, arrays, seed=0, rtol=1e-7, atol=1e-9):
    rng = np.random.default_rng(seed)
    ours, theirs = _pair(arrays)
    out_shape = tuple(torch_fn(*theirs).shape)
    w = rng.standard_normal(out_shape)
    v = [rng.standard_normal(a.shape) for a in arrays]
    got = _second(mt, ours_fn, ours, w, v)
    want = _second(torch, torch_fn, theirs, w, v)
    for i, (g, t) in enumerate(zip(got, want)):
        g = np.zeros(arrays[i].shape) if g is None else g.detach().numpy()
        t = np.zeros(arrays[i].shape) if t is None else t.detach().numpy()
        np.testing.assert_allclose(g, t, rtol=rtol, atol=atol, err_msg=f"input {i}")


MASK = np.array([[True, False, True], [False, False, True]])


def rand(*shape, seed=0, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    return np.abs(a) + 0.5 if positive else a


# (name, minitorch fn, torch fn, input arrays)
CASES = [
    ("exp", lambda x: x.exp(), lambda x: x.exp(), [rand(2, 3)]),
    ("log", lambda x: x.log(), lambda x: x.log(), [rand(2, 3, positive=True)]),
    ("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), [rand(2, 3, positive=True)]),
    ("tanh", lambda x: x.tanh(), lambda x: x.tanh(), [rand(2, 3)]),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), [rand(2, 3)]),
    ("sin", lambda x: x.sin(), lambda x: x.sin(), [rand(2, 3)]),
    ("cos", lambda x: x.cos(), lambda x: x.cos(), [rand(2, 3)]),
    ("abs", lambda x: x.abs() * x, lambda x: x.abs() * x, [rand(2, 3)]),
    ("relu", lambda x: x.relu() ** 2, lambda x: x.relu() ** 2, [rand(2, 3)]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2) ** 2, lambda x: TF.leaky_relu(x, 0.2) ** 2,
     [rand(2, 3)]),
    ("gelu", lambda x: F.gelu(x), lambda x: TF.gelu(x), [rand(2, 3)]),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: TF.gelu(x, approximate="tanh"), [rand(2, 3)]),
    ("pow", lambda a, b: a ** b, lambda a, b: a ** b, [rand(2, 3, positive=True), rand(3)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, [rand(2, 3), rand(3, positive=True)]),
    ("mul", lambda a, b: a * b * a, lambda a, b: a * b * a, [rand(2, 1), rand(3)]),
    ("matmul", lambda a, b: (a @ b) ** 2, lambda a, b: (a @ b) ** 2, [rand(2, 3), rand(3, 4)]),
    ("softmax", lambda x: x.softmax(1), lambda x: x.softmax(1), [rand(2, 4)]),
    ("log_softmax", lambda x: x.log_softmax(1), lambda x: x.log_softmax(1), [rand(2, 4)]),
    ("logsumexp", lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [rand(2, 4)]),
    ("var", lambda x: x.var(0), lambda x: x.var(0), [rand(3, 4)]),
    ("std", lambda x: x.std(), lambda x: x.std(), [rand(3, 4)]),
    ("prod", lambda x: x.prod(1), lambda x: x.prod(1), [rand(2, 4)]),
    ("cumsum", lambda x: x.cumsum(1) ** 2, lambda x: x.cumsum(1) ** 2, [rand(2, 4)]),
    ("getitem", lambda x: x[[0, 1, 1]] ** 3, lambda x: x[[0, 1, 1]] ** 3, [rand(2, 3)]),
    ("getitem_slice", lambda x: x[:, 1:] ** 3, lambda x: x[:, 1:] ** 3, [rand(2, 3)]),
    ("sum_mean", lambda x: x.sum(0) * x.mean(1, keepdim=True),
     lambda x: x.sum(0) * x.mean(1, keepdim=True), [rand(2, 3)]),
    ("sub_neg", lambda a, b: (-(a - b)) ** 3, lambda a, b: (-(a - b)) ** 3, [rand(2, 3), rand(3)]),
    ("transpose", lambda x: x.transpose(0, 1) @ x, lambda x: x.transpose(0, 1) @ x, [rand(2, 3)]),
    ("permute", lambda x: x.permute(2, 0, 1) ** 3, lambda x: x.permute(2, 0, 1) ** 3,
     [rand(2, 3, 2)]),
    ("cat_stack", lambda x: mt.cat([x, x * x]) * mt.stack([x, x]).sum(0).repeat(2, 1),
     lambda x: torch.cat([x, x * x]) * torch.stack([x, x]).sum(0).repeat(2, 1), [rand(2, 3)]),
    ("where", lambda x: mt.where(mt.tensor(MASK), x ** 2, x.exp()),
     lambda x: torch.where(torch.tensor(MASK), x ** 2, x.exp()), [rand(2, 3)]),
    ("masked_fill", lambda x: x.masked_fill(mt.tensor(MASK), 0.5) ** 3,
     lambda x: x.masked_fill(torch.tensor(MASK), 0.5) ** 3, [rand(2, 3)]),
    ("clamp", lambda x: x.clamp(-0.5, 0.5) * x, lambda x: x.clamp(-0.5, 0.5) * x, [rand(2, 3)]),
    ("maximum", lambda a, b: mt.maximum(a, b) ** 3, lambda a, b: torch.maximum(a, b) ** 3,
     [rand(2, 3), rand(2, 3, seed=1)]),
    ("max_dim", lambda x: x.max(1).values ** 3, lambda x: x.max(1).values ** 3, [rand(2, 3)]),
    ("amax", lambda x: x.amax(0) ** 3, lambda x: x.amax(0) ** 3, [rand(2, 3)]),
    ("norm", lambda x: x.norm(), lambda x: x.norm(), [rand(2, 3)]),
    ("sort_topk", lambda x: x.sort(1).values * x.topk(3, 1).values,
     lambda x: x.sort(1).values * x.topk(3, 1).values, [rand(2, 3)]),
    ("gather", lambda x: x.gather(1, mt.tensor([[2, 2], [0, 1]])) ** 3,
     lambda x: x.gather(1, torch.tensor([[2, 2], [0, 1]])) ** 3, [rand(2, 3)]),
    ("index_select_flip", lambda x: x.index_select(1, mt.tensor([2, 0])).flip(0) ** 3,
     lambda x: x.index_select(1, torch.tensor([2, 0])).flip(0) ** 3, [rand(2, 3)]),
    ("tril_expand", lambda x: x.tril() * x[:, :1].expand(2, 3),
     lambda x: x.tril() * x[:, :1].expand(2, 3), [rand(2, 3)]),
    ("embedding", lambda w: F.embedding(mt.tensor([[0, 2], [2, 1]]), w) ** 3,
     lambda w: TF.embedding(torch.tensor([[0, 2], [2, 1]]), w) ** 3, [rand(3, 2)]),
    ("linear", lambda x, w, b: F.linear(x, w, b).tanh(), lambda x, w, b: TF.linear(x, w, b).tanh(),
     [rand(3, 4), rand(2, 4), rand(2)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (4,), w, b),
     lambda x, w, b: TF.layer_norm(x, (4,), w, b), [rand(3, 4), rand(4), rand(4)]),
    ("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
     [rand(5, 3), rand(3), rand(3)]),
    ("mse", lambda x, t: F.mse_loss(x, t), lambda x, t: TF.mse_loss(x, t),
     [rand(3, 2), rand(3, 2)]),
    ("l1", lambda x, t: F.l1_loss(x * x, t), lambda x, t: TF.l1_loss(x * x, t),
     [rand(3, 2), rand(3, 2)]),
    ("smooth_l1", lambda x, t: F.smooth_l1_loss(x * x, t), lambda x, t: TF.smooth_l1_loss(x * x, t),
     [rand(3, 2), rand(3, 2)]),
    ("bce_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid()),
     lambda x, t: TF.binary_cross_entropy_with_logits(x, t.sigmoid()), [rand(3, 2), rand(3, 2)]),
    ("bce", lambda x, t: F.binary_cross_entropy(x.sigmoid(), t.sigmoid()),
     lambda x, t: TF.binary_cross_entropy(x.sigmoid(), t.sigmoid()), [rand(3, 2), rand(3, 2)]),
    ("cross_entropy", lambda x: F.cross_entropy(x, mt.tensor([2, 0, 1]), label_smoothing=0.1),
     lambda x: TF.cross_entropy(x, torch.tensor([2, 0, 1]), label_smoothing=0.1), [rand(3, 4)]),
    ("soft_cross_entropy", lambda x, t: F.cross_entropy(x, t.softmax(1)),
     lambda x, t: TF.cross_entropy(x, t.softmax(1)), [rand(3, 4), rand(3, 4)]),
    ("nll", lambda x: F.nll_loss(x.log_softmax(1), mt.tensor([2, 0, 1])),
     lambda x: TF.nll_loss(x.log_softmax(1), torch.tensor([2, 0, 1])), [rand(3, 4)]),
]


@pytest.mark.parametrize("name,ours,theirs,arrays", CASES, ids=[c[0] for c in CASES])
def test_second_derivatives_match_pytorch(name, ours, theirs, arrays):
    check_second_derivatives(ours, theirs, arrays)


@pytest.mark.parametrize("name,op", [("tanh", "tanh"), ("exp", "exp"), ("pow", "pow")])
def test_third_derivatives_match_pytorch(name, op):
    x = np.array([0.3, -0.7, 1.2])

    def derivatives(lib):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        y = (t ** 3).sum() if op == "pow" else getattr(t, op)().sum()
        results = []
        for _ in range(3):
            (y,) = lib.autograd.grad(y, t, create_graph=True)
            results.append(y.detach().numpy().copy())
            y = y.sum()
        return results

    for got, want in zip(derivatives(mt), derivatives(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _f_vec(lib):
    return lambda x, y: (x.exp() * y.sum(), (x * y[:2]).tanh())


def _to_np(value):
    if isinstance(value, (tuple, list)):
        return [_to_np(v) for v in value]
    return value.detach().numpy()


def _assert_same(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _assert_same(g, w)
        return
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10,
                               atol=1e-12)


X, Y = rand(2, seed=1), rand(3, seed=2)


def _inputs(lib):
    return (lib.tensor(X, dtype=lib.float64), lib.tensor(Y, dtype=lib.float64))


def test_functional_jacobian_matches_pytorch():
    got = AF.jacobian(_f_vec(mt), _inputs(mt))
    want = torch.autograd.functional.jacobian(_f_vec(torch), _inputs(torch))
    _assert_same(got, want)
    single = AF.jacobian(lambda x: x.tanh() * x.sum(), mt.tensor(X))
    assert single.shape == (2, 2)
    _assert_same(single, torch.autograd.functional.jacobian(lambda x: x.tanh() * x.sum(),
                                                            torch.tensor(X)))


def test_functional_hessian_matches_pytorch():
    def scalar(lib):
        return lambda x, y: (x.exp().sum() * (y * y).sum()).tanh()

    _assert_same(AF.hessian(scalar(mt), _inputs(mt)),
                 torch.autograd.functional.hessian(scalar(torch), _inputs(torch)))
    one = lambda x: (x ** 3).sum() * x.sin().sum()  # noqa: E731
    _assert_same(AF.hessian(one, mt.tensor(Y)),
                 torch.autograd.functional.hessian(one, torch.tensor(Y)))


@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_functional_vjp_jvp_match_pytorch(name):
    rng = np.random.default_rng(3)
    if name == "vjp":
        v = (rng.standard_normal(2), rng.standard_normal(2))
    else:
        v = (rng.standard_normal(2), rng.standard_normal(3))
    got = getattr(AF, name)(_f_vec(mt), _inputs(mt), tuple(mt.tensor(a) for a in v))
    want = getattr(torch.autograd.functional, name)(_f_vec(torch), _inputs(torch),
                                                   tuple(torch.tensor(a) for a in v))
    _assert_same(got, want)


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_functional_hessian_products_match_pytorch(name):
    def scalar(lib):
        return lambda x, y: (x.exp().sum() * (y ** 3).sum())

    v = (mt.tensor(rand(2, seed=4)), mt.tensor(rand(3, seed=5)))
    tv = tuple(torch.tensor(t.numpy()) for t in v)
    got = getattr(AF, name)(scalar(mt), _inputs(mt), v)
    want = getattr(torch.autograd.functional, name)(scalar(torch), _inputs(torch), tv)
    _assert_same(got, want)


def test_functional_create_graph_and_strict_follow_pytorch():
    x = mt.tensor(X, requires_grad=True)
    jac = AF.jacobian(lambda t: t ** 3, x, create_graph=True)
    assert jac.requires_grad
    (g,) = mt.autograd.grad(jac.sum(), x)
    np.testing.assert_allclose(g.numpy(), 6 * X)
    assert not AF.jacobian(lambda t: t ** 3, x).requires_grad
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (mt.tensor(X), mt.tensor(Y)), strict=True)
    zeros = AF.jacobian(lambda a, b: a * 2, (mt.tensor(X), mt.tensor(Y)))
    assert zeros[1].shape == (2, 3) and not zeros[1].numpy().any()
    with pytest.raises(RuntimeError, match="single element"):
        AF.vjp(lambda t: t * 2, mt.tensor(X))
