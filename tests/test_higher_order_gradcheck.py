"""Second derivatives of every op, layer and loss: float64 gradgradcheck (central finite
differences of the gradient that ``create_graph=True`` records), with hypothesis over
broadcasting shapes for the binary ops."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.autograd import gradgradcheck


def leaf(shape, seed=0, low=None, positive=False):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    if low is not None:
        data = np.clip(data, low, None)
    return mt.tensor(data, dtype=mt.float64, requires_grad=True)


UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.abs().add(0.5).log(),
    "sqrt": lambda x: (x * x + 1).sqrt(),
    "abs": lambda x: x.abs() * x,
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu() * x,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1) * x,
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "clamp": lambda x: x.clamp(-0.5, 0.5) * x,
    "pow_scalar": lambda x: x ** 3,
    "rpow": lambda x: 2.0 ** x,
    "square": lambda x: x * x,
    "reciprocal": lambda x: 1 / (x * x + 1),
    "softmax": lambda x: x.softmax(-1),
    "log_softmax": lambda x: x.log_softmax(0),
    "logsumexp": lambda x: x.logsumexp(1),
    "sum_dim": lambda x: (x * x).sum(1, keepdim=True),
    "mean": lambda x: (x * x).mean(0),
    "var": lambda x: x.var(1),
    "std": lambda x: x.std(),
    "max_all": lambda x: x.max() * x,
    "max_dim": lambda x: x.max(1).values * x.sum(),
    "cumsum": lambda x: x.cumsum(1) ** 2,
    "reshape": lambda x: x.reshape(3, 2) ** 2,
    "transpose": lambda x: x.t() @ x,
    "permute": lambda x: x.permute(1, 0) ** 3,
    "expand": lambda x: x[:, :1].expand(2, 5) ** 2,
    "getitem_basic": lambda x: x[1, 1:] ** 3,
    "getitem_fancy": lambda x: x[[0, 1, 1], [2, 0, 2]] ** 3,
    "getitem_mask": lambda x: x[x.detach() > 0] ** 3,
    "flip": lambda x: x.flip(1) * x,
    "repeat": lambda x: x.repeat(2, 1) ** 2,
    "gather": lambda x: x.gather(1, mt.tensor([[0, 0], [2, 1]])) ** 3,
    "cat": lambda x: mt.cat([x, x * x], 1) ** 2,
    "stack": lambda x: mt.stack([x, x.exp()], 0) ** 2,
    "where": lambda x: mt.where(x.detach() > 0, x * x, x.exp()),
    "masked_fill": lambda x: x.masked_fill(x.detach() < 0, 0.0) * x,
    "split": lambda x: x.split([1, 2], 1)[1] ** 3,
    "index_select": lambda x: x.index_select(1, mt.tensor([2, 0, 2])) ** 3,
    "tril": lambda x: x.tril() ** 3,
    "norm": lambda x: x.norm(),
    "prod": lambda x: x.prod(1),
    "matmul_self": lambda x: x @ x.t(),
    "setitem": lambda x: _setitem(x),
    "clone_copy": lambda x: x.clone() ** 3,
    "remainder": lambda x: (x * 3) % 1.5 * x,
    "sort": lambda x: x.sort(1).values ** 3,
    "topk": lambda x: x.topk(2, 1).values ** 3,
    "amax": lambda x: x.amax(1) * x.sum(),
    "maximum": lambda x: mt.maximum(x, HALF) * x,
}


HALF = mt.tensor(np.full((2, 3), 0.1), dtype=mt.float64)


def _setitem(x):
    y = x * 1.0
    y[0, 1:] = x[1, :2] ** 2
    return y ** 2


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_and_shape_ops_second_derivatives(name):
    x = leaf((2, 3), seed=1)
    assert gradgradcheck(UNARY[name], [x])


BINARY = {
    "add": lambda a, b: (a + b) ** 2,
    "sub": lambda a, b: (a - b) ** 3,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b,
    "maximum": lambda a, b: mt.maximum(a, b) * a,
    "where": lambda a, b: mt.where(a.detach() > 0, a * b, b * b),
    "add_alpha": lambda a, b: a.add(b, alpha=2.5) ** 2,
    "atan_like": lambda a, b: (a * b).tanh(),
}


broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                  min_side=1, max_side=3)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=8, deadline=None, derandomize=True)
@given(shapes=broadcastable)
def test_binary_ops_second_derivatives_with_broadcasting(name, shapes):
    a, b = leaf(shapes.input_shapes[0], 2), leaf(shapes.input_shapes[1], 3)
    assert gradgradcheck(BINARY[name], [a, b])


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                        ((2, 2, 3), (3, 2)), ((1, 2, 3), (2, 3, 2))]))
def test_matmul_second_derivatives_every_rank(shapes):
    a, b = leaf(shapes[0], 4), leaf(shapes[1], 5)
    assert gradgradcheck(lambda p, q: (p @ q) ** 2 if (p @ q).ndim else (p @ q) ** 3, [a, b])


LOSSES = {
    "mse": lambda x, t: F.mse_loss(x, t),
    "mse_sum": lambda x, t: F.mse_loss(x, t, reduction="sum"),
    "l1": lambda x, t: F.l1_loss(x * x, t),
    "smooth_l1": lambda x, t: F.smooth_l1_loss(x * x, t, beta=0.7),
    "bce_logits": lambda x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid()),
    "bce": lambda x, t: F.binary_cross_entropy(x.sigmoid(), t.sigmoid()),
    "soft_ce": lambda x, t: F.cross_entropy(x, t.softmax(1)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_second_derivatives_in_both_arguments(name):
    assert gradgradcheck(LOSSES[name], [leaf((3, 4), 6), leaf((3, 4), 7)])


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.2},
                                    {"weight": "w"}, {"reduction": "sum"},
                                    {"ignore_index": 1}])
def test_cross_entropy_second_derivatives(kwargs):
    kwargs = dict(kwargs)
    if kwargs.get("weight") == "w":
        kwargs["weight"] = mt.tensor([0.5, 1.0, 2.0, 1.5], dtype=mt.float64)
    target = mt.tensor([0, 3, 1])
    assert gradgradcheck(lambda x: F.cross_entropy(x, target, **kwargs), [leaf((3, 4), 8)])
    assert gradgradcheck(lambda x: F.cross_entropy(x, mt.tensor(2)), [leaf((4,), 9)])


def test_nll_loss_second_derivatives():
    target = mt.tensor([0, 3, 1])
    assert gradgradcheck(lambda x: F.nll_loss(x.log_softmax(1), target), [leaf((3, 4), 10)])


def test_linear_layer_second_derivatives():
    x, w, b = leaf((3, 4), 11), leaf((2, 4), 12), leaf((2,), 13)
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), [x, w, b])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_second_derivatives(training):
    x, w, b = leaf((5, 3), 14), leaf((3,), 15), leaf((3,), 16)
    mean, var = mt.zeros(3, dtype=mt.float64), mt.ones(3, dtype=mt.float64) * 1.5

    def fn(x, w, b):
        out = F.batch_norm(x, mean.clone(), var.clone(), w, b, training=training)
        return out.tanh()

    assert gradgradcheck(fn, [x, w, b])


def test_layer_norm_second_derivatives():
    x, w, b = leaf((3, 4), 17), leaf((4,), 18), leaf((4,), 19)
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b).tanh(), [x, w, b])


def test_embedding_and_dropout_second_derivatives():
    w = leaf((5, 3), 20)
    idx = mt.tensor([[0, 4], [4, 2]])
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 3, [w])
    x = leaf((4, 3), 21)

    def dropped(x):
        mt.manual_seed(0)  # the same mask at every evaluation
        return F.dropout(x, 0.3, training=True) ** 3

    assert gradgradcheck(dropped, [x])
