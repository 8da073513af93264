"""The engine's shortcuts keep its promises: one .grad write per leaf, no shared .grad
memory, and the saved-array check still fires when it must (but skips when it can)."""
import numpy as np
import pytest

import minitorch as mt
from minitorch.core.version import VersionCounter
from minitorch.tensor import Tensor


def _count_accumulations(monkeypatch) -> dict:
    calls: dict = {}
    original = Tensor._accumulate_grad

    def counting(self, grad, private=False):
        calls[id(self)] = calls.get(id(self), 0) + 1
        original(self, grad, private)

    monkeypatch.setattr(Tensor, "_accumulate_grad", counting)
    return calls


def test_a_leaf_used_many_times_gets_one_summed_write(monkeypatch):
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    y = w
    for _ in range(50):
        y = y * w
    calls = _count_accumulations(monkeypatch)
    y.sum().backward()
    assert calls == {id(w): 1}
    expected = 51 * np.array([1.0, 2.0]) ** 50
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-5)


def test_a_root_leaf_also_reached_through_the_graph_is_written_once(monkeypatch):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    g_y, g_x = mt.tensor([1.0, 1.0]), mt.tensor([10.0, 20.0])
    calls = _count_accumulations(monkeypatch)
    mt.autograd.backward([y, x], [g_y, g_x])
    assert calls == {id(x): 1}
    assert x.grad.tolist() == [13.0, 23.0]
    assert g_x.tolist() == [10.0, 20.0]


def _disjoint(*tensors):
    arrays = [t._data for t in tensors]
    return not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])


def test_grad_never_shares_memory_with_the_callers_gradient_or_its_views():
    x = mt.ones(2, 3, requires_grad=True)
    given = mt.ones(6)
    x.reshape(6).backward(given)  # reshape's backward returns a view of `given`
    assert not np.shares_memory(x.grad._data, given._data)
    x.reshape(6).backward(given)  # the second backward adds in place into x.grad
    assert given.tolist() == [1.0] * 6 and x.grad.tolist() == [[2.0] * 3] * 2


def test_one_array_sent_to_several_leaves_becomes_separate_grads():
    a = mt.ones(2, 3, requires_grad=True)
    b = mt.ones(2, 3, requires_grad=True)
    c = mt.ones(6, requires_grad=True)
    w = mt.arange(6).float()
    # Add returns its gradient twice: through two views and straight to a leaf.
    ((a.reshape(6) + b.reshape(6)) * w + c * 0).sum().backward()
    ((a.reshape(6) + c) * w).sum().backward()
    assert _disjoint(a.grad, b.grad, c.grad)
    a.grad.add_(100.0)
    assert b.grad.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_a_leaf_used_twice_by_one_op():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0]


def test_a_retained_grad_and_a_leaf_grad_do_not_share_memory():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    y = h + x  # Add passes h's gradient on to x unchanged
    y.sum().backward()
    assert _disjoint(h.grad, x.grad)
    assert h.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [3.0, 3.0]


def test_a_leaf_frozen_after_the_forward_pass_gets_nothing():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.requires_grad_(False)
    y.backward()
    assert x.grad is None


def test_in_place_writes_are_counted_over_all_storages():
    before = VersionCounter.writes
    t = mt.zeros(2)
    with mt.no_grad():
        t.add_(1.0)
    t[0] = 5.0
    assert VersionCounter.writes == before + 2
    assert t._version_value == 2


def test_a_write_after_saving_is_caught_through_an_alias_made_later():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    h = a * 2
    s = h.sin()  # saves h, which had no version counter yet
    alias = h.detach()  # made after the save, shares h's counter
    with mt.no_grad():
        alias.mul_(10)
    with pytest.raises(RuntimeError, match="is at version 1, expected version 0; it was "
                                           "changed by mul_"):
        s.sum().backward()


def test_an_unrelated_write_does_not_trip_the_check():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    s = (a * 2).sin()
    other = mt.zeros(2)
    other.add_(1.0)  # bumps the global count, so the check runs, and passes
    s.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos([1.0, 2.0]), rtol=1e-6)


def test_a_saved_output_written_in_place_is_caught():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    out = a.tanh()  # tanh saves its output
    y = out * 1.0
    with mt.no_grad():
        out.add_(1.0)
    with pytest.raises(RuntimeError, match=r"\(the output of Tanh\) saved by TanhBackward"):
        y.sum().backward()


def test_the_expected_version_is_the_one_at_save_time_not_zero():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    h = a * 2
    with mt.no_grad():
        h.mul_(1.0)
        h.mul_(1.0)  # h is at version 2 when sin saves it
    s = h.sin()
    with mt.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="is at version 3, expected version 2; it was "
                                           "changed by add_"):
        s.sum().backward()


def test_a_saved_output_written_through_a_view_after_the_output_is_gone():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    e = a.exp()  # saves its output
    view = e[:1]
    total = e.sum()
    del e
    with mt.no_grad():
        view.mul_(3)
    with pytest.raises(RuntimeError, match="the output of Exp"):
        total.backward()


def test_many_writes_after_a_save_still_name_a_bound_for_the_version():
    a = mt.tensor([0.5, 1.0], requires_grad=True)
    h = a * 2
    s = h.sin()
    with mt.no_grad():
        for _ in range(12):
            h.add_(0.0)
    with pytest.raises(RuntimeError, match="is at version 12, expected version 4 or earlier"):
        s.sum().backward()


def test_a_node_keeps_only_the_inputs_whose_arrays_it_saved():
    import gc
    import weakref

    a = mt.tensor([0.5, 1.0], requires_grad=True)
    h = a * 2
    kept = weakref.ref(h)
    s = h.exp()  # saves its output, not h
    del h
    gc.collect()
    assert kept() is None
    s.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_an_inplace_op_on_a_non_leaf_leaves_no_reference_cycle():
    import gc
    import weakref

    a = mt.tensor([0.5, 1.0], requires_grad=True)
    h = a * 2
    h.mul_(a)  # Mul saves h's values for a's gradient: a private copy, never h itself
    ref = weakref.ref(h)
    gc.disable()
    try:
        del h
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()
