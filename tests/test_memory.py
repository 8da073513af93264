"""requires_grad=False saves memory and time: nothing recorded, nothing kept, no extra work."""
from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import minitorch as mt
from minitorch.ops import elementwise as E
from minitorch.ops import matmul as M
from minitorch.tensor import apply

N = 256  # one float64 (N, N) intermediate is 0.5 MB


def forward(x: mt.Tensor, w: mt.Tensor) -> mt.Tensor:
    """Several large intermediates, each of which a tracked op would save."""
    return ((x @ w).tanh().exp() * 2.0).sin().sigmoid().sum()


@pytest.fixture
def inputs(rng):
    x = mt.tensor(rng.standard_normal((N, N)))
    w = mt.tensor(rng.standard_normal((N, N)) * 0.1)
    return x, w


@pytest.fixture
def new_arrays(monkeypatch):
    """Weak references to every array the ops below return during the test."""
    refs: list[weakref.ref] = []
    for op in (M.MatMul, E.Tanh, E.Exp, E.Mul, E.Sin, E.Sigmoid):
        original = op.forward

        def spy(ctx, *args, _original=original, **kwargs):
            out = _original(ctx, *args, **kwargs)
            refs.append(weakref.ref(out))
            return out

        monkeypatch.setattr(op, "forward", staticmethod(spy))
    return refs


def alive(refs: list[weakref.ref]) -> int:
    gc.collect()
    return sum(r() is not None for r in refs)


def traced(fn) -> tuple[int, object]:
    """(bytes still allocated after ``fn()`` returned, its result); tracemalloc must run."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    result = fn()
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before, result


def test_no_input_requires_grad_records_and_keeps_nothing(inputs, new_arrays):
    x, w = inputs
    out = forward(x, w)
    assert out.grad_fn is None and not out.requires_grad
    assert len(new_arrays) == 6
    assert alive(new_arrays) == 0  # the output comes from sum(): none of these is kept


def test_no_grad_with_trainable_weights_records_and_keeps_nothing(inputs, new_arrays):
    x, w = inputs
    w.requires_grad_()
    with mt.no_grad():
        out = forward(x, w)
    assert out.grad_fn is None and not out.requires_grad
    assert alive(new_arrays) == 0
    assert w.requires_grad


def test_tracking_keeps_saved_arrays_until_backward(inputs, new_arrays):
    x, w = inputs
    w.requires_grad_()
    out = forward(x, w)
    assert out.grad_fn is not None
    # Saved: the outputs of tanh, exp and sigmoid, and sin's input; matmul's output and
    # sin's output are not needed by any backward and are gone already.
    assert alive(new_arrays) == 4
    out.backward()
    assert alive(new_arrays) == 0  # freed by backward (no retain_graph)
    assert w.grad is not None


def test_retain_graph_keeps_saved_arrays(inputs, new_arrays):
    x, w = inputs
    w.requires_grad_()
    out = forward(x, w)
    kept = alive(new_arrays)
    out.backward(retain_graph=True)
    assert alive(new_arrays) == kept
    out.backward()
    assert alive(new_arrays) == 0


def test_tracemalloc_memory_returns_to_baseline_without_tracking(inputs):
    x, w = inputs
    intermediate = N * N * 8

    def under_no_grad():
        with mt.no_grad():
            return forward(x, w)

    tracemalloc.start()
    try:
        untracked, out = traced(lambda: forward(x, w))
        assert out.grad_fn is None
        assert untracked < intermediate / 4
        w.requires_grad_()
        no_grad_growth, out = traced(under_no_grad)
        assert out.grad_fn is None
        assert no_grad_growth < intermediate / 4
        tracked, out = traced(lambda: forward(x, w))
        assert tracked > 3 * intermediate  # the graph holds several intermediates
        after_backward, _ = traced(out.backward)
        # They are released again; only w.grad (one intermediate's size) is new.
        assert after_backward < -(tracked - 2 * intermediate)
    finally:
        tracemalloc.stop()


def test_tracked_graph_is_freed_with_its_output(inputs, new_arrays):
    x, w = inputs
    w.requires_grad_()
    out = forward(x, w)
    node = weakref.ref(out.grad_fn)
    del out
    gc.collect()
    assert node() is None
    assert alive(new_arrays) == 0


def test_view_taken_under_no_grad_does_not_keep_the_graph(inputs):
    x, w = inputs
    w.requires_grad_()
    hidden = (x @ w).tanh()
    node = weakref.ref(hidden.grad_fn)
    with mt.no_grad():
        first_row = hidden[0]  # e.g. cached features
    del hidden
    gc.collect()
    assert node() is None
    assert first_row.shape == (N,)


# --------------------------------------------------------------------- no wasted gradients
def test_linear_with_frozen_weight_computes_and_saves_no_weight_gradient(rng):
    h = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)  # a trainable upstream
    weight = mt.tensor(rng.standard_normal((2, 3)))  # frozen
    bias = mt.tensor(rng.standard_normal(2))  # frozen
    out = apply(M.Linear, h, weight, bias)
    ctx = out.grad_fn
    assert ctx.needs_input_grad == (True, False, False)
    saved_weight, saved_x = ctx.saved
    assert saved_x is None  # x is not kept when the weight is frozen
    assert saved_weight is weight._data  # needed for h's gradient, not copied
    grads = M.Linear.backward(ctx, np.ones((4, 2)))
    assert grads[1] is None and grads[2] is None
    out.sum().backward()
    assert weight.grad is None and bias.grad is None
    assert np.allclose(h.grad.numpy(), np.ones((4, 2)) @ weight.numpy())


def test_linear_on_input_batch_computes_no_input_gradient(rng):
    x = mt.tensor(rng.standard_normal((4, 3)))  # data: no gradient wanted
    weight = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    out = apply(M.Linear, x, weight)
    ctx = out.grad_fn
    assert ctx.needs_input_grad == (False, True)
    saved_weight, saved_x = ctx.saved
    assert saved_weight is None and saved_x is x._data
    gx, gw, _ = M.Linear.backward(ctx, np.ones((4, 2)))
    assert gx is None and gw.shape == (2, 3)


def test_matmul_with_frozen_operand_counts_one_product(rng, monkeypatch):
    calls = []
    original = M.MatMul.backward

    def spy(ctx, grad):
        result = original(ctx, grad)
        calls.append(tuple(g is not None for g in result))
        return result

    monkeypatch.setattr(M.MatMul, "backward", staticmethod(spy))
    x = mt.tensor(rng.standard_normal((4, 3)))
    w = mt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    out = x @ w
    assert out.grad_fn.needs_input_grad == (False, True)
    saved_b, saved_a = out.grad_fn.saved
    assert saved_b is None and saved_a is x._data
    out.sum().backward()
    assert calls == [(False, True)]


def test_frozen_prefix_records_no_node(rng):
    x = mt.tensor(rng.standard_normal((4, 3)))
    frozen = mt.tensor(rng.standard_normal((3, 3)))
    head = mt.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    features = (x @ frozen).relu()
    assert features.grad_fn is None  # the frozen part costs forward only
    out = (features @ head).sum()
    out.backward()
    assert frozen.grad is None and head.grad is not None


def test_mul_by_frozen_factor_saves_only_what_is_needed(rng):
    a = mt.tensor(rng.standard_normal(5), requires_grad=True)
    b = mt.tensor(rng.standard_normal(5))
    saved_b, saved_a = (a * b).grad_fn.saved
    assert saved_b is b._data and saved_a is None
