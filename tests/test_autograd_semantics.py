"""The requires_grad tutorial's claims, and PyTorch's autograd semantics, as tests."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import minitorch as mt


# --------------------------------------------------------------------- the flag
def test_requires_grad_defaults_to_false():
    assert mt.tensor([1.0, 2.0]).requires_grad is False
    assert mt.zeros(2).requires_grad is False
    assert mt.randn(2).requires_grad is False
    assert (mt.ones(2) * 3).requires_grad is False


def test_tracking_happens_only_when_set():
    plain, tracked = mt.ones(2), mt.ones(2, requires_grad=True)
    assert (plain * 2).grad_fn is None
    assert (tracked * 2).grad_fn is not None
    assert (plain * tracked).requires_grad  # any input that requires grad is enough


def test_requires_grad_after_creation():
    x = mt.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert (x * 2).requires_grad
    y = (x * 2).detach().requires_grad_(True)
    assert y.is_leaf and y.requires_grad


def test_x_squared_at_two_gives_four():
    x = mt.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    assert x.grad.item() == 4.0


def test_requires_grad_false_never_receives_a_gradient():
    frozen, trained = mt.ones(3), mt.ones(3, requires_grad=True)
    (frozen * trained).sum().backward()
    assert frozen.grad is None
    assert trained.grad is not None


def test_freezing_a_leaf_after_building_the_graph_is_silent():
    a, b = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * b).sum()
    a.requires_grad = False  # allowed on a leaf: a simply gets no gradient
    loss.backward()
    assert a.grad is None
    assert b.grad.tolist() == [1.0, 2.0]


# --------------------------------------------------------------------- no_grad and detach
def test_no_grad_changes_no_flag():
    w = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        y = w * 2
        assert w.requires_grad
        assert not y.requires_grad and y.grad_fn is None
    assert w.requires_grad and not y.requires_grad


def test_leaf_created_inside_no_grad_keeps_requires_grad():
    with mt.no_grad():
        leaf = mt.ones(2, requires_grad=True)
        assert leaf.requires_grad
    assert leaf.requires_grad
    (leaf * 3).sum().backward()
    assert leaf.grad.tolist() == [3.0, 3.0]


def test_detach_shares_data_and_cuts_the_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    d[0] = 100.0
    assert y[0].item() == 100.0  # writes show in both
    x2 = mt.tensor([1.0, 2.0], requires_grad=True)
    d2 = x2.detach()
    d2.add_(1)
    assert x2.tolist() == [2.0, 3.0]
    (d2 * x2).sum().backward()
    assert x2.grad.tolist() == [2.0, 3.0]  # no gradient flows through d2


# --------------------------------------------------------------------- accumulation, 2nd backward
def test_gradients_accumulate_over_two_backward_calls():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]


def test_graph_without_saved_arrays_can_backward_twice():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_graph_with_saved_arrays_raises_on_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_with_gradient_argument():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(mt.tensor([1.0, 0.5, -1.0]))
    assert x.grad.tolist() == [2.0, 2.0, -6.0]
    x.grad = None
    (x * 2).backward(gradient=mt.ones(3))
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_on_a_leaf():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    x.backward(mt.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


# --------------------------------------------------------------------- graph structure
def test_retain_grad_on_non_leaf():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    g = x * 3
    (h * h + g).sum().backward()
    assert h.retains_grad and not g.retains_grad
    assert h.grad.tolist() == [6.0, 12.0]
    assert g.grad is None  # non-leaves keep no grad unless asked
    assert x.grad.tolist() == [18.0 + 3, 36.0 + 3]


def test_retain_grad_survives_an_inplace_op():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.retain_grad()
    h.mul_(2)
    (h * h).sum().backward()
    assert h.grad.tolist() == [4.0, 8.0]


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: x * 2, "MulBackward"),
        (lambda x: x + 1, "AddBackward"),
        (lambda x: x - 1, "SubBackward"),
        (lambda x: x / 2, "DivBackward"),
        (lambda x: x.exp(), "ExpBackward"),
        (lambda x: x.sum(), "SumBackward"),
        (lambda x: x.mean(), "MeanBackward"),
        (lambda x: x @ x, "MatMulBackward"),
        (lambda x: x[0], "GetItemBackward"),
        (lambda x: x.view(2, 1), "ReshapeBackward"),
        (lambda x: x.relu(), "ReLUBackward"),
    ],
)
def test_grad_fn_names(fn, name):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = fn(x)
    assert y.grad_fn.name() == name
    assert name in repr(y)


def test_next_functions_walk_to_accumulate_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    mul = y.grad_fn.next_functions[0][0]
    assert mul.name() == "MulBackward"
    (acc, _), (const, _) = mul.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    assert const is None


def test_is_leaf():
    x = mt.ones(2, requires_grad=True)
    assert x.is_leaf and mt.ones(2).is_leaf
    assert not (x * 2).is_leaf
    assert (mt.ones(2) * 2).is_leaf  # untracked results are leaves
    with mt.no_grad():
        assert (x * 2).is_leaf
    assert x.detach().is_leaf


# --------------------------------------------------------------------- grad modes
def test_grad_mode_context_managers():
    assert mt.is_grad_enabled()
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        with mt.enable_grad():
            assert mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
        with mt.set_grad_enabled(True):
            assert mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_grad_mode_decorators():
    @mt.no_grad()
    def called():
        return mt.is_grad_enabled()

    @mt.no_grad
    def bare():
        return mt.is_grad_enabled()

    @mt.enable_grad()
    def enabled():
        return mt.is_grad_enabled()

    @mt.enable_grad
    def enabled_bare():
        return mt.is_grad_enabled()

    @mt.set_grad_enabled(False)
    def disabled():
        return mt.is_grad_enabled()

    assert mt.is_grad_enabled()  # defining the decorated functions changed nothing
    assert called() is False and bare() is False and disabled() is False
    assert mt.is_grad_enabled()
    with mt.no_grad():
        assert enabled() is True and enabled_bare() is True
        assert not mt.is_grad_enabled()
    assert bare.__name__ == "bare"  # functools.wraps


def test_decorated_function_records_nothing():
    w = mt.ones(2, requires_grad=True)

    @mt.no_grad
    def forward(t):
        return t * 2

    assert forward(w).grad_fn is None


def test_set_grad_enabled_as_a_statement():
    mt.set_grad_enabled(False)
    assert not mt.is_grad_enabled()
    mt.set_grad_enabled(True)
    assert mt.is_grad_enabled()


@pytest.mark.parametrize(
    "make_mode", [mt.no_grad, mt.enable_grad, lambda: mt.set_grad_enabled(False)]
)
@pytest.mark.parametrize("start", [True, False])
def test_modes_restore_previous_mode_on_exception(make_mode, start):
    with mt.set_grad_enabled(start):
        with pytest.raises(KeyError):
            with make_mode():
                raise KeyError("boom")
        assert mt.is_grad_enabled() is start

        @mt.no_grad
        def fails():
            raise KeyError("boom")

        with pytest.raises(KeyError):
            fails()
        assert mt.is_grad_enabled() is start


def test_nested_reuse_of_one_context_object():
    off = mt.no_grad()
    with off:
        with mt.enable_grad():
            with off:
                assert not mt.is_grad_enabled()
            assert mt.is_grad_enabled()
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_grad_mode_is_thread_local():
    turned_off, checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        mt.set_grad_enabled(False)
        seen["worker"] = mt.is_grad_enabled()
        turned_off.set()
        checked.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    turned_off.wait(5)
    seen["main"] = mt.is_grad_enabled()
    x = mt.ones(2, requires_grad=True)
    seen["main_records"] = (x * 2).grad_fn is not None
    checked.set()
    thread.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_new_thread_starts_with_grad_enabled():
    seen = []
    with mt.no_grad():
        thread = threading.Thread(target=lambda: seen.append(mt.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


# --------------------------------------------------------------------- autograd.grad
def test_autograd_grad_returns_gradients_without_touching_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_autograd_grad_multiple_inputs_and_grad_outputs():
    a, b = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([3.0, 4.0], requires_grad=True)
    ga, gb = mt.autograd.grad(a * b, [a, b], grad_outputs=mt.tensor([1.0, 10.0]))
    assert ga.tolist() == [3.0, 40.0] and gb.tolist() == [1.0, 20.0]
    assert a.grad is None and b.grad is None


def test_autograd_grad_results_are_independent_arrays():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    upstream = mt.ones(2)
    ga, gb = mt.autograd.grad(a + b, [a, b], grad_outputs=upstream)
    ga.add_(1)
    assert gb.tolist() == [1.0, 1.0] and upstream.tolist() == [1.0, 1.0]


def test_grad_never_aliases_the_gradient_argument():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    upstream = mt.ones(2)
    (a + b).backward(upstream)
    a.grad.add_(5)
    assert b.grad.tolist() == [1.0, 1.0] and upstream.tolist() == [1.0, 1.0]
    a.backward(upstream)  # a leaf as the root
    upstream.zero_()
    assert a.grad.tolist() == [7.0, 7.0]


def test_autograd_grad_allow_unused():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        mt.autograd.grad((a * 2).sum(), [a, b])
    ga, gb = mt.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert ga.tolist() == [2.0, 2.0] and gb is None


def test_autograd_grad_non_leaf_input():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = mt.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [6.0, 12.0]
    assert x.grad is None and h.grad is None


def test_autograd_grad_frees_the_graph_unless_retained():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mt.autograd.grad(y, x, retain_graph=True)
    mt.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        mt.autograd.grad(y, x)


def test_autograd_grad_create_graph_gives_differentiable_gradients():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad((x * x * x).sum(), x, create_graph=True)
    assert g.requires_grad and g.tolist() == [3.0, 12.0]
    (h,) = mt.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, 12.0]


# --------------------------------------------------------------------- the engine
def test_deep_chain_has_no_recursion_limit():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y * 2.0
    y.backward()
    assert x.grad.item() == 2.0


def test_diamond_graph_sums_both_paths():
    x = mt.tensor(3.0, requires_grad=True)
    h = x * 2
    y = h * h + h.exp() * 0 + h
    y.backward()
    assert x.grad.item() == pytest.approx(2 * (2 * 6.0 + 1))


def test_gradient_reaches_a_node_also_behind_a_fill():
    # zero_() cuts one path: the node behind it still runs for the other path.
    x = mt.ones(2, requires_grad=True)
    h = x * 2
    z = h * 1.0
    z.zero_()
    (z + h).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_same_tensor_used_twice_in_one_op():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, -4.0]


def test_grad_dtype_and_shape_follow_the_leaf():
    w = mt.ones(3, requires_grad=True)  # float32
    b = mt.zeros(1, requires_grad=True)
    (w * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64) + b).sum().backward()
    assert w.grad.dtype == mt.float32 and w.grad.shape == (3,)
    assert b.grad.shape == (1,) and b.grad.item() == 3.0


def test_grad_is_not_shared_between_leaves():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0]


def test_zero_and_none_grad():
    x = mt.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    assert x.grad is None


# --------------------------------------------------------------------- in-place semantics
def test_inplace_on_non_leaf_rebases_its_history():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.mul_(x)
    assert y.grad_fn.name() == "MulBackward" and not y.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_inplace_on_plain_tensor_with_tracked_argument_makes_it_a_non_leaf():
    w = mt.tensor([2.0, 3.0], requires_grad=True)
    acc = mt.zeros(2)
    acc.add_(w * w)
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    assert w.grad.tolist() == [4.0, 6.0]


def test_inplace_on_a_view_writes_the_base_and_its_gradient():
    x = mt.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = x * 2
    y[0].mul_(3)
    assert y.tolist() == [6.0, 2.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 2.0, 2.0]


def test_inplace_on_view_of_plain_tensor_with_tracked_value():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    buf = mt.zeros(2, 2)
    buf[1].add_(w)
    assert buf.requires_grad and buf.tolist() == [[0.0, 0.0], [1.0, 2.0]]
    (buf * buf).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_setitem_tracks_the_assigned_value():
    v = mt.tensor([5.0, 7.0], requires_grad=True)
    y = mt.zeros(3)
    y[1:] = v * 2
    assert y.requires_grad and y.tolist() == [0.0, 10.0, 14.0]
    y.sum().backward()
    assert v.grad.tolist() == [2.0, 2.0]


def test_index_plus_equals_on_non_leaf():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = x * 1.0
    v[1] += 10.0
    assert v.tolist() == [1.0, 12.0, 3.0]
    (v * v).sum().backward()
    assert x.grad.tolist() == [2.0, 24.0, 6.0]


# --------------------------------------------------------------------- user Functions
class Square(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        assert not mt.is_grad_enabled()  # forward records nothing, as in PyTorch
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x * grad_output


def test_user_function_node_and_gradient():
    x = mt.tensor([1.0, 3.0], requires_grad=True)
    y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 6.0]


def test_user_function_without_tracked_input_records_nothing():
    y = Square.apply(mt.tensor([1.0, 3.0]))
    assert y.grad_fn is None and y.tolist() == [1.0, 9.0]


def test_user_function_needs_input_grad():
    seen = []

    class Probe(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Probe.apply(mt.ones(2), mt.ones(2, requires_grad=True))
    assert seen == [(False, True)]


def test_variable_is_the_tensor():
    t = mt.ones(2)
    v = mt.autograd.Variable(t, requires_grad=True)
    assert v is t and v.requires_grad
    assert isinstance(mt.autograd.Variable([1.0, 2.0]), mt.Tensor)


def test_gradient_values_match_numpy_for_a_small_mlp(rng):
    x = rng.standard_normal((5, 3))
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    tw1, tw2 = mt.tensor(w1, requires_grad=True), mt.tensor(w2, requires_grad=True)
    ((mt.tensor(x) @ tw1).tanh() @ tw2).sum().backward()
    h = np.tanh(x @ w1)
    assert np.allclose(tw2.grad.numpy(), h.sum(0, keepdims=True).T)
    assert np.allclose(tw1.grad.numpy(), x.T @ ((1 - h * h) * w2.T))
