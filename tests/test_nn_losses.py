"""Losses: gradcheck for every loss, reduction and option; stability; PyTorch parity; errors."""
import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn
from minitorch.autograd import gradcheck

REDUCTIONS = ["mean", "sum", "none"]


def leaf(*shape, low=None, high=None, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return mt.tensor(data, dtype=mt.float64, requires_grad=True)


def labels(n, classes, seed=1):
    return mt.tensor(np.random.default_rng(seed).integers(0, classes, n))


# ----------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss_fn", [F.mse_loss, F.l1_loss, F.smooth_l1_loss])
def test_pointwise_losses_gradcheck(loss_fn, reduction):
    x, y = leaf(3, 4), leaf(3, 4, seed=1)
    assert gradcheck(lambda a, b: loss_fn(a, b, reduction=reduction), [x, y])


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_beta_gradcheck(beta):
    x, y = leaf(2, 5), leaf(2, 5, seed=1)
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, beta=beta), [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [
    {}, {"label_smoothing": 0.2}, {"ignore_index": 1},
    {"weight": [0.5, 2.0, 1.0, 3.0]},
    {"weight": [0.5, 2.0, 1.0, 3.0], "label_smoothing": 0.1, "ignore_index": 2},
])
def test_cross_entropy_gradcheck(reduction, options):
    options = dict(options)
    if "weight" in options:
        options["weight"] = mt.tensor(options["weight"], dtype=mt.float64)
    x, t = leaf(5, 4), labels(5, 4)
    assert gradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction, **options), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,target_shape",
                         [((4,), ()), ((2, 3, 4), (2, 4)), ((2, 3, 2, 2), (2, 2, 2))])
def test_cross_entropy_other_shapes_gradcheck(shape, target_shape, reduction):
    x = leaf(*shape)
    classes = shape[0] if len(shape) == 1 else shape[1]
    t = mt.tensor(np.random.default_rng(3).integers(0, classes, target_shape))
    assert gradcheck(lambda a: F.cross_entropy(a, t, reduction=reduction, label_smoothing=0.1),
                     [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_gradcheck(reduction):
    x = leaf(3, 4)
    p = mt.tensor(np.random.default_rng(2).dirichlet(np.ones(4), 3), requires_grad=True)
    w = mt.tensor([1.0, 2.0, 0.5, 1.0], dtype=mt.float64)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, weight=w, reduction=reduction,
                                                  label_smoothing=0.1), [x, p])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"ignore_index": 0}, {"weight": [1.0, 0.2, 3.0]}])
def test_nll_loss_gradcheck(reduction, options):
    options = dict(options)
    if "weight" in options:
        options["weight"] = mt.tensor(options["weight"], dtype=mt.float64)
    x, t = leaf(6, 3), labels(6, 3)
    assert gradcheck(lambda a: F.nll_loss(a, t, reduction=reduction, **options), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_gradcheck(reduction, weighted):
    x, y = leaf(3, 2, low=0.05, high=0.95), leaf(3, 2, low=0, high=1, seed=1)
    w = leaf(3, 2, low=0.5, high=2, seed=2).detach() if weighted else None
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, w, reduction=reduction), [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits_gradcheck(reduction, weighted, pos):
    x, y = leaf(3, 2), leaf(3, 2, low=0, high=1, seed=1)
    w = leaf(3, 2, low=0.5, high=2, seed=2) if weighted else None
    pw = leaf(2, low=0.5, high=3, seed=3) if pos else None
    inputs = [x, y] + [t for t in (w, pw) if t is not None]

    def fn(a, b, *rest):
        return F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pw)

    assert gradcheck(fn, inputs)


def test_loss_modules_match_functional():
    x, t = leaf(4, 3), labels(4, 3)
    y = leaf(4, 3, seed=5).detach()
    pairs = [
        (nn.CrossEntropyLoss(label_smoothing=0.1)(x, t),
         F.cross_entropy(x, t, label_smoothing=0.1)),
        (nn.NLLLoss(reduction="sum")(x, t), F.nll_loss(x, t, reduction="sum")),
        (nn.MSELoss()(x, y), F.mse_loss(x, y)),
        (nn.L1Loss(reduction="none")(x, y), F.l1_loss(x, y, reduction="none")),
        (nn.SmoothL1Loss(beta=0.5)(x, y), F.smooth_l1_loss(x, y, beta=0.5)),
        (nn.BCEWithLogitsLoss()(x, y.sigmoid()),
         F.binary_cross_entropy_with_logits(x, y.sigmoid())),
        (nn.BCELoss()(x.sigmoid(), y.sigmoid()), F.binary_cross_entropy(x.sigmoid(), y.sigmoid())),
    ]
    for a, b in pairs:
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# ----------------------------------------------------------------------- stability
def test_cross_entropy_extreme_logits_are_finite_and_correct():
    x = mt.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    t = mt.tensor([1, 2])
    loss = F.cross_entropy(x, t, reduction="none")
    expected = [2000.0, 1 + np.log1p(np.exp(-1.0))]
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-6)
    loss.sum().backward()
    g = x.grad.numpy()
    assert np.isfinite(g).all()
    softmax = np.exp(x.detach().numpy() - x.detach().numpy().max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    softmax[[0, 1], [1, 2]] -= 1
    np.testing.assert_allclose(g, softmax, atol=1e-6)


def test_bce_with_logits_extreme_logits_are_finite_and_correct():
    x = mt.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    y = mt.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0, 0, 1000, 1000])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, 1, -1])
    pw = mt.tensor([3.0])
    loss = F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0, 0, 1000, 3000])


def test_cross_entropy_is_one_node():
    x = mt.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([0, 1, 2, 0]))
    assert loss.grad_fn.name() == "CrossEntropyBackward"
    assert loss.grad_fn.next_functions[0][0].name() == "AccumulateGrad"


def test_all_targets_ignored_gives_nan_like_pytorch():
    x = mt.randn(2, 3)
    assert np.isnan(F.cross_entropy(x, mt.tensor([-100, -100])).item())


# ----------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_matches_pytorch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    t = np.array([0, 3, 1, -100, 2, 3])
    w = np.array([0.3, 1.0, 2.0, 0.7])
    for kwargs in [{}, {"label_smoothing": 0.25}]:
        ours = mt.tensor(x, requires_grad=True)
        out = F.cross_entropy(ours, mt.tensor(t), weight=mt.tensor(w), reduction=reduction,
                              **kwargs)
        theirs = torch.tensor(x, requires_grad=True)
        ref = torch.nn.functional.cross_entropy(theirs, torch.tensor(t), weight=torch.tensor(w),
                                                reduction=reduction, **kwargs)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_probability_targets_and_bce_match_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5))
    p = rng.dirichlet(np.ones(5), 3)
    w = rng.uniform(0.5, 2, 5)
    ours = F.cross_entropy(mt.tensor(x), mt.tensor(p), weight=mt.tensor(w), label_smoothing=0.1)
    ref = tf.cross_entropy(torch.tensor(x), torch.tensor(p), weight=torch.tensor(w),
                           label_smoothing=0.1)
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-10)
    y = rng.uniform(0, 1, (3, 5))
    pw = rng.uniform(0.5, 3, 5)
    ours = F.binary_cross_entropy_with_logits(mt.tensor(x), mt.tensor(y), mt.tensor(w),
                                              pos_weight=mt.tensor(pw), reduction="none")
    ref = tf.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), torch.tensor(w),
                                              pos_weight=torch.tensor(pw), reduction="none")
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10)
    probs = 1 / (1 + np.exp(-x))
    ours = F.binary_cross_entropy(mt.tensor(probs), mt.tensor(y), mt.tensor(w))
    ref = tf.binary_cross_entropy(torch.tensor(probs), torch.tensor(y), torch.tensor(w))
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-10)
    ours = F.smooth_l1_loss(mt.tensor(x), mt.tensor(y), beta=0.3, reduction="sum")
    ref = tf.smooth_l1_loss(torch.tensor(x), torch.tensor(y), beta=0.3, reduction="sum")
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-10)


def test_nll_with_log_softmax_equals_cross_entropy():
    x, t = mt.randn(5, 4), mt.tensor([0, 1, 2, 3, 1])
    w = mt.tensor([1.0, 2.0, 3.0, 4.0])
    a = F.nll_loss(F.log_softmax(x, dim=1), t, weight=w, ignore_index=2)
    b = F.cross_entropy(x, t, weight=w, ignore_index=2)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)


# ----------------------------------------------------------------------- errors
def test_bad_reduction_and_smoothing_raise_value_error():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


def test_cross_entropy_target_errors_explain_the_fix():
    x = mt.randn(4, 3)
    with pytest.raises(RuntimeError, match=r"target\.long\(\)"):  # PyTorch: RuntimeError
        F.cross_entropy(x, mt.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(x, mt.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="squeeze"):
        F.cross_entropy(x, mt.tensor([[0], [1], [2], [0]]))
    with pytest.raises(RuntimeError, match="one-hot"):
        F.cross_entropy(x, mt.tensor(np.eye(3, dtype=np.int64)[[0, 1, 2, 0]]))
    with pytest.raises(IndexError, match="start at 1"):
        F.cross_entropy(x, mt.tensor([1, 2, 3, 3]))
    with pytest.raises(RuntimeError, match="one entry per class"):
        F.cross_entropy(x, mt.tensor([0, 1, 2, 0]), weight=mt.ones(4))


def test_regression_loss_refuses_silent_broadcast_and_dtype_mixups():
    with pytest.raises(RuntimeError, match=r"\(4, 4\)"):
        F.mse_loss(mt.zeros(4, 1), mt.zeros(4))
    with pytest.raises(RuntimeError, match="float64"):
        F.mse_loss(mt.zeros(4), mt.zeros(4, dtype=mt.float64))
    with pytest.warns(UserWarning, match="broadcast"):
        F.mse_loss(mt.zeros(4), mt.zeros(1))


def test_bce_errors():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([2.0]), mt.tensor([1.0]))
    with pytest.raises(ValueError, match="same as input size"):
        F.binary_cross_entropy_with_logits(mt.zeros(3, 1), mt.zeros(3))
    with pytest.raises(RuntimeError, match=r"float\(\)"):
        F.binary_cross_entropy_with_logits(mt.zeros(3), mt.tensor([0, 1, 1]))
