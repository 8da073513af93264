"""Every differentiable op against float64 central differences (``mt.autograd.gradcheck``).

Inputs are drawn away from the points where an op is not differentiable (ties of max/min,
|x| near 0, clamp bounds), so a failure always means a wrong backward.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minitorch as mt
from minitorch.ops.elementwise import Cast, LeakyReLU
from minitorch.ops.matmul import Linear
from minitorch.tensor import apply

gradcheck = mt.autograd.gradcheck


def leaf(data: np.ndarray) -> mt.Tensor:
    return mt.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


def spaced(rng: np.random.Generator, *shape: int) -> mt.Tensor:
    """Distinct values at least 0.1 apart (no ties for max/min), in random order."""
    n = int(np.prod(shape))
    values = rng.permutation(n) * 0.1 + rng.uniform(0, 0.02, n)
    return leaf(values.reshape(shape) - n * 0.05)


def away_from(rng: np.random.Generator, points: list[float], *shape: int,
              margin: float = 0.1) -> mt.Tensor:
    """Values in [-2, 2) that keep ``margin`` away from each of ``points``."""
    x = rng.uniform(-2, 2, shape)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin) * 2
    return leaf(x)


# --------------------------------------------------------------------- gradcheck itself
def test_gradcheck_catches_a_wrong_backward(make):
    class WrongSquare(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 * x

    x = make(3)
    assert gradcheck(lambda t: WrongSquare.apply(t), [x], raise_exception=False) is False
    with pytest.raises(RuntimeError, match="gradcheck failed for input 0"):
        gradcheck(lambda t: WrongSquare.apply(t), [x])


def test_gradcheck_perturbs_non_contiguous_inputs(make):
    x = make(4, 3).detach().T.requires_grad_()  # a transposed (non-contiguous) leaf
    assert gradcheck(lambda t: (t * t).sum(dim=0), [x])


def test_gradcheck_rejects_float32(make):
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda t: t * 2, [mt.ones(2, requires_grad=True)])


# --------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a.add(b, alpha=2.5),
        lambda a, b: a.sub(b, alpha=0.5),
        lambda a, b: 3.0 - a * b + 2.0,
        lambda a, b: 1.5 / b + a * 0.5,
    ],
    ids=["add", "sub", "mul", "div", "add_alpha", "sub_alpha", "scalars", "rdiv"],
)
def test_binary_arithmetic(fn, make):
    a = make(3, 4)
    b = make(3, 4, low=0.5, high=2.0)  # away from 0 for division
    assert gradcheck(fn, [a, b])


@pytest.mark.parametrize("exponent", [2, 3, -1, 0.5, 2.5, -1.5])
def test_pow_tensor_scalar(exponent, make):
    assert gradcheck(lambda a: a ** exponent, [make(3, 4, low=0.5, high=2.0)])


@pytest.mark.parametrize("base", [0.5, 2.0, np.e])
def test_pow_scalar_tensor(base, make):
    assert gradcheck(lambda a: base ** a, [make(3, 4)])


def test_pow_tensor_tensor(make):
    base, exponent = make(3, 4, low=0.5, high=2.0), make(3, 4)
    assert gradcheck(lambda a, b: a ** b, [base, exponent])
    assert gradcheck(lambda a, b: a.pow(b), [base, exponent])


def test_neg(make):
    assert gradcheck(lambda a: -a, [make(2, 3)])


# --------------------------------------------------------------------- matmul and Linear
@pytest.mark.parametrize(
    "shape_a, shape_b",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3, 4)),
        ((2, 3), (2, 3, 4)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((3,), (2, 3, 4)),
        ((2, 2, 3), (3,)),
    ],
)
def test_matmul(shape_a, shape_b, make):
    assert gradcheck(lambda a, b: a @ b, [make(*shape_a), make(*shape_b)])


def test_matmul_functional_forms(make):
    a, b = make(2, 3), make(3, 2)
    assert gradcheck(lambda x, y: mt.matmul(x, y) + x.mm(y) + mt.mm(x, y), [a, b])


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_with_bias(x_shape, make):
    x, w, b = make(*x_shape), make(4, 3), make(4)
    assert gradcheck(lambda x, w, b: apply(Linear, x, w, b), [x, w, b])


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear_without_bias(x_shape, make):
    x, w = make(*x_shape), make(4, 3)
    assert gradcheck(lambda x, w: apply(Linear, x, w), [x, w])
    assert gradcheck(lambda x, w: apply(Linear, x, w, None), [x, w])


def test_linear_matches_matmul(make):
    x, w, b = make(5, 3), make(4, 3), make(4)
    fused = apply(Linear, x, w, b)
    assert np.allclose(fused.detach().numpy(), (x @ w.T + b).detach().numpy())


# --------------------------------------------------------------------- unary math
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.exp(),
        lambda a: mt.exp(a),
        lambda a: a.sigmoid(),
        lambda a: a.tanh(),
        lambda a: a.sin(),
        lambda a: a.cos(),
        lambda a: mt.sigmoid(a) * mt.tanh(a),
    ],
    ids=["exp", "mt.exp", "sigmoid", "tanh", "sin", "cos", "mixed"],
)
def test_smooth_unary(fn, make):
    assert gradcheck(fn, [make(3, 4)])


@pytest.mark.parametrize(
    "fn", [lambda a: a.log(), lambda a: a.sqrt(), lambda a: mt.log(a) + mt.sqrt(a)],
    ids=["log", "sqrt", "both"],
)
def test_positive_domain_unary(fn, make):
    assert gradcheck(fn, [make(3, 4, low=0.2, high=3.0)])


def test_abs(rng):
    assert gradcheck(lambda a: a.abs() + abs(a) + mt.abs(a), [away_from(rng, [0.0], 3, 4)])


def test_relu(rng):
    assert gradcheck(lambda a: a.relu() + mt.relu(a * 2), [away_from(rng, [0.0], 3, 4)])


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu(slope, rng):
    assert gradcheck(lambda a: apply(LeakyReLU, a, slope), [away_from(rng, [0.0], 3, 4)])


@pytest.mark.parametrize(
    "low, high", [(-0.5, 0.5), (None, 0.3), (-0.3, None)], ids=["both", "max", "min"]
)
def test_clamp(low, high, rng):
    x = away_from(rng, [b for b in (low, high) if b is not None], 4, 5)
    assert gradcheck(lambda a: a.clamp(low, high) * a, [x])
    assert gradcheck(lambda a: mt.clamp(a, min=low, max=high), [x])


# --------------------------------------------------------------------- softmax family
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_softmax_and_log_softmax(dim, make):
    x = make(2, 3, 4)
    assert gradcheck(lambda a: a.softmax(dim), [x])
    assert gradcheck(lambda a: a.log_softmax(dim), [x])
    assert gradcheck(lambda a: mt.softmax(a, dim=dim) * mt.log_softmax(a, dim=dim), [x])


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2), (-1, -2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dim, keepdim, make):
    assert gradcheck(lambda a: a.logsumexp(dim, keepdim=keepdim), [make(2, 3, 4)])


# --------------------------------------------------------------------- reductions
INT_DIMS = [None, 0, 1, 2, -1, -2, -3]
TUPLE_DIMS = [(0, 2), (-1, 0), (1, 2), (0, 1, 2)]


@pytest.mark.parametrize("dim", INT_DIMS + TUPLE_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean(name, dim, keepdim, make):
    x = make(2, 3, 4)
    assert gradcheck(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), [x])
    assert gradcheck(lambda a: getattr(mt, name)(a, dim, keepdim), [x])


@pytest.mark.parametrize("dim", INT_DIMS + [(0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("correction", [1, 0])
def test_var_std(name, dim, keepdim, correction, make):
    x = make(2, 3, 4)
    assert gradcheck(
        lambda a: getattr(a, name)(dim=dim, keepdim=keepdim, correction=correction), [x]
    )


def test_var_unbiased_flag(make):
    x = make(3, 4)
    assert gradcheck(lambda a: a.var(1, unbiased=False)[:, None] * a.std(0, unbiased=True), [x])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_all(name, rng):
    assert gradcheck(lambda a: getattr(a, name)(), [spaced(rng, 2, 3, 4)])


@pytest.mark.parametrize("dim", INT_DIMS[1:])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim(name, dim, keepdim, rng):
    x = spaced(rng, 2, 3, 4)
    assert gradcheck(lambda a: getattr(a, name)(dim, keepdim=keepdim).values, [x])
    assert gradcheck(lambda a: getattr(mt, name)(a, dim=dim, keepdim=keepdim)[0], [x])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, rng):
    a = leaf(rng.standard_normal((3, 4)))
    gap = rng.uniform(0.1, 1.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
    b = leaf(a.detach().numpy() + gap)  # never within 0.1 of a: no ties
    assert gradcheck(lambda x, y: getattr(x, name)(y), [a, b])
    assert gradcheck(lambda x, y: getattr(mt, name)(x, y), [a, b])


# --------------------------------------------------------------------- shape ops
@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.reshape(4, 6),
        lambda a: a.reshape((3, -1)),
        lambda a: a.view(24),
        lambda a: a.view((1, -1)),
        lambda a: a.flatten(),
        lambda a: a.flatten(1),
        lambda a: a.flatten(0, 1),
        lambda a: a.transpose(0, 2),
        lambda a: a.transpose(-1, -2),
        lambda a: a.T,
        lambda a: a.permute(2, 0, 1),
        lambda a: a.permute((1, 2, 0)),
        lambda a: a.unsqueeze(0),
        lambda a: a.unsqueeze(-1),
        lambda a: a.unsqueeze(1).squeeze(1),
        lambda a: a[None, :, None].squeeze(),
        lambda a: a[:, None].squeeze(-3),
        lambda a: a[:, None].expand(2, 5, 3, 4),
        lambda a: a.unsqueeze(0).expand(3, -1, -1, -1),
        lambda a: a.repeat(2, 1, 1),
        lambda a: a.repeat(2, 1, 3, 1),
        lambda a: a.clone() * a,
    ],
    ids=[
        "reshape", "reshape_-1", "view", "view_tuple", "flatten", "flatten_1", "flatten_01",
        "transpose", "transpose_neg", "T", "permute", "permute_tuple", "unsqueeze0",
        "unsqueeze_neg", "unsqueeze_squeeze", "squeeze_all", "squeeze_neg", "expand",
        "expand_-1", "repeat", "repeat_new_dim", "clone",
    ],
)
def test_shape_op(fn, make):
    assert gradcheck(fn, [make(2, 3, 4)])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim, make):
    shapes = {0: [(2, 3), (1, 3), (2, 3)], 1: [(2, 3), (2, 1), (2, 2)]}
    shapes[-1] = shapes[1]
    tensors = [make(*s) for s in shapes[dim]]
    assert gradcheck(lambda *ts: mt.cat(list(ts), dim=dim), tensors)


def test_cat_same_tensor_twice(make):
    x = make(2, 3)
    assert gradcheck(lambda a: mt.cat([a, a * 2, a], dim=1), [x])


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim, make):
    tensors = [make(2, 3) for _ in range(3)]
    assert gradcheck(lambda *ts: mt.stack(ts, dim=dim), tensors)


# --------------------------------------------------------------------- indexing
@pytest.mark.parametrize(
    "index",
    [
        1,
        -1,
        (0, 2),
        (1, 2, 3),
        slice(None, None, -1),
        (slice(None), slice(1, None, 2)),
        (Ellipsis, 1),
        (None, 0, Ellipsis, None),
        (slice(None), None, -2),
        [0, 1, 0],
        ([1, 1, 0], [2, 0, 2]),
        (slice(None), [2, 2, 0, 2]),
        (Ellipsis, [0, 0]),
        np.array([[1, 0], [1, 1]]),
    ],
    ids=[
        "int", "neg_int", "ints", "all_ints", "reverse", "step", "ellipsis", "none",
        "none_neg", "int_array_repeated", "paired_arrays", "slice_and_array",
        "ellipsis_array", "2d_int_array",
    ],
)
def test_getitem(index, make):
    assert gradcheck(lambda a: a[index], [make(2, 3, 4)])


def test_getitem_with_tensor_index(make):
    idx = mt.tensor([2, 0, 2, 2])
    assert gradcheck(lambda a: a[idx] * a[:, idx[:2]].sum(), [make(3, 3)])


def test_getitem_boolean_mask(make):
    x = make(3, 4)
    mask = x.detach() > 0
    row_mask = mt.tensor([True, False, True])
    assert gradcheck(lambda a: a[mask], [x])
    assert gradcheck(lambda a: a[row_mask], [x])
    assert gradcheck(lambda a: a[row_mask, 1:], [x])


def test_iteration_rows(make):
    assert gradcheck(lambda a: mt.stack([row * i for i, row in enumerate(a)]), [make(3, 2)])


# --------------------------------------------------------------------- selection
def test_where(make):
    x, y = make(3, 4), make(4)
    cond = mt.tensor(np.random.default_rng(0).random((3, 4)) > 0.5)
    assert gradcheck(lambda a, b: mt.where(cond, a, b), [x, y])
    assert gradcheck(lambda a: mt.where(cond, a, 0.0), [x])
    assert gradcheck(lambda b: mt.where(cond, 1.0, b), [y])


def test_masked_fill(make):
    x = make(3, 4)
    mask = mt.tensor(np.random.default_rng(1).random((3, 4)) > 0.5)
    assert gradcheck(lambda a: a.masked_fill(mask, -1.0), [x])
    assert gradcheck(lambda a: mt.masked_fill(a, mask[0], 2.0), [x])  # broadcast mask


def test_cast_op(make):
    x = make(3)
    assert gradcheck(lambda a: apply(Cast, a, np.float64) * a, [x])


def test_cast_float32_to_float64_gradient(rng):
    x = mt.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    weights = rng.standard_normal(4)
    y = x.to(mt.float64)
    assert y.dtype == mt.float64 and y.grad_fn is not None
    (y * mt.tensor(weights)).sum().backward()
    assert x.grad.dtype == mt.float32
    assert np.allclose(x.grad.numpy(), weights.astype(np.float32))


# --------------------------------------------------------------------- in-place and setitem
def test_setitem_on_non_leaf(make):
    def fn(a, v):
        y = a * 2
        y[1:, [0, 2]] = v
        return y

    assert gradcheck(fn, [make(3, 4), make(2, 2)])


def test_setitem_mask_and_scalar(make):
    def fn(a, v):
        y = a * 1.0
        y[a.detach() > 0] = v.sum()
        y[0] = 0.0
        return y

    assert gradcheck(fn, [make(3, 4), make(2)])


def test_setitem_plus_equals(make):
    def fn(a, b):
        y = a * 1.0
        y[0] += b
        y[1, 2] += 1.0
        return y * y

    assert gradcheck(fn, [make(3, 4), make(4)])


def test_setitem_into_constant_tensor(make):
    def fn(v):
        y = mt.zeros(3, 4, dtype=mt.float64)
        y[1] = v
        y[2, :2] += v[:2] * v[1:3]
        return y

    assert gradcheck(fn, [make(4)])


def test_inplace_on_non_leaf(make):
    def fn(a, b):
        y = a * 1.0
        y.add_(b)
        y.mul_(b)
        y.sub_(a, alpha=0.5)
        y.div_(2.0)
        y += a
        y *= b
        return y

    assert gradcheck(fn, [make(3, 4), make(3, 4)])


def test_inplace_on_view_of_non_leaf(make):
    def fn(a, b):
        y = a.exp()
        y = y * 1.0
        y[0].mul_(b)
        y[:, 1:].add_(a[:, 1:])
        y.T[2].zero_()
        return y

    assert gradcheck(fn, [make(3, 3), make(3)])


def test_inplace_on_view_of_view_then_transpose(make):
    def fn(a, b):
        y = a * 1.0
        y.view(-1)[1].zero_()
        y.view(-1)[4:6].mul_(b[:2])
        return y.T @ b  # the gradient reaching the in-place nodes is not C-contiguous

    assert gradcheck(fn, [make(3, 3), make(3)])


def test_inplace_clamp_and_pow(make):
    def fn(a):
        y = a * 1.0
        y.pow_(2)
        y.clamp_(max=1.5)
        return y

    x = make(3, 4, low=0.2, high=1.5)
    x = leaf(np.where(np.abs(x.detach().numpy() ** 2 - 1.5) < 0.1, 0.5, x.detach().numpy()))
    assert gradcheck(fn, [x])


# --------------------------------------------------------------------- user Functions
class ScaledCube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x, y, scale):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        return x ** 3 * y * scale

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        return 3 * x * x * y * grad_output * ctx.scale, (x ** 3 * grad_output * ctx.scale), None


def test_user_function(make):
    assert gradcheck(lambda x, y: ScaledCube.apply(x, y, 2.0), [make(3), make(2, 3)])


def test_user_function_in_a_larger_graph(make):
    def fn(x, y):
        return ScaledCube.apply(x.tanh(), y, 0.5).sum(0).exp()

    assert gradcheck(fn, [make(2, 3), make(3)])


# --------------------------------------------------------------------- broadcasting
def _pair(draw_shapes, seed: int, positive_second: bool = False):
    rng = np.random.default_rng(seed)
    (sa, sb) = draw_shapes.input_shapes
    a = leaf(rng.uniform(0.5, 2.0, sa) if positive_second else rng.standard_normal(sa))
    b = leaf(rng.uniform(0.5, 2.0, sb) if positive_second else rng.standard_normal(sb))
    return a, b


BROADCAST = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=25, deadline=None, database=None)
@given(shapes=BROADCAST, seed=SEEDS)
def test_broadcast_add_sub_mul(shapes, seed):
    a, b = _pair(shapes, seed)
    assert gradcheck(lambda x, y: x + y, [a, b])
    assert gradcheck(lambda x, y: x - y, [a, b])
    assert gradcheck(lambda x, y: x * y, [a, b])


@settings(max_examples=25, deadline=None, database=None)
@given(shapes=BROADCAST, seed=SEEDS)
def test_broadcast_div_pow(shapes, seed):
    a, b = _pair(shapes, seed, positive_second=True)
    assert gradcheck(lambda x, y: x / y, [a, b])
    assert gradcheck(lambda x, y: x ** y, [a, b])


@settings(max_examples=25, deadline=None, database=None)
@given(shapes=BROADCAST, seed=SEEDS)
def test_broadcast_maximum_minimum(shapes, seed):
    a, b = _pair(shapes, seed)
    # Keep a and b apart so that no pair is (nearly) tied.
    b = leaf(b.detach().numpy() + np.where(b.detach().numpy() >= 0, 5.0, -5.0))
    assert gradcheck(lambda x, y: x.maximum(y), [a, b])
    assert gradcheck(lambda x, y: x.minimum(y), [a, b])


@settings(max_examples=25, deadline=None, database=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
    seed=SEEDS,
)
def test_broadcast_where(shapes, seed):
    rng = np.random.default_rng(seed)
    sc, sa, sb = shapes.input_shapes
    cond = mt.tensor(rng.random(sc) > 0.5)
    a, b = leaf(rng.standard_normal(sa)), leaf(rng.standard_normal(sb))
    assert gradcheck(lambda x, y: mt.where(cond, x, y), [a, b])


@settings(max_examples=25, deadline=None, database=None)
@given(
    batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
    n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=SEEDS,
)
def test_broadcast_batched_matmul(batch, n, k, m, seed):
    rng = np.random.default_rng(seed)
    ba, bb = batch.input_shapes
    a, b = leaf(rng.standard_normal(ba + (n, k))), leaf(rng.standard_normal(bb + (k, m)))
    assert gradcheck(lambda x, y: x @ y, [a, b])


# --------------------------------------------------------------------- random graphs
def _random_graph(seed: int, leaves: list[mt.Tensor]) -> mt.Tensor:
    """A random DAG of ops that share intermediates (Add returns one array twice)."""
    rng = np.random.default_rng(seed)
    nodes = list(leaves)
    for _ in range(rng.integers(3, 12)):
        x, y = nodes[rng.integers(len(nodes))], nodes[rng.integers(len(nodes))]
        op = rng.integers(6)
        z = [x + y, x - y, x * y, (x * 0.1).exp(), x * 2.0, x + leaves[rng.integers(3)]][op]
        nodes.append(z)
    out = nodes[-1]
    for n in nodes[len(leaves):-1]:
        if rng.random() < 0.5:
            out = out + n
    return out


@pytest.mark.parametrize("chunk", range(4))
def test_random_graphs_with_shared_intermediates(chunk, make):
    for seed in range(chunk * 100, (chunk + 1) * 100):
        leaves = [make(2) for _ in range(3)]
        assert gradcheck(lambda *ts, seed=seed: _random_graph(seed, list(ts)), leaves), seed
