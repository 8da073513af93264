"""The freezing rule of every optimizer: a parameter whose requires_grad is False at the
time of a step is never changed, whatever its stale grad, momentum, moments or weight
decay; unfreezing it later with the same optimizer makes it train again."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import optim

HEAVY = [  # momentum / moments and weight decay everywhere: everything that could move it
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    (optim.Adam, dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05, weight_decay=0.5)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
]
IDS = ["sgd-nesterov", "sgd-dampening", "adam-amsgrad", "adamw", "rmsprop-centered"]


def leaf(rng, *shape):
    return mt.tensor(rng.standard_normal(shape), requires_grad=True)


def snapshot(p):
    return p.detach().numpy().copy()


def train_step(opt, params, rng):
    for p in params:
        p.grad = mt.tensor(rng.standard_normal(p.shape))
    opt.step()


@pytest.mark.parametrize("opt_cls, options", HEAVY, ids=IDS)
@pytest.mark.parametrize("how", ["stale-grad", "zero-grad", "fresh-grad"])
def test_frozen_parameter_is_bit_identical_after_100_steps(opt_cls, options, how, rng):
    trained, frozen = leaf(rng, 4, 3), leaf(rng, 5)
    opt = opt_cls([trained, frozen], **options)
    for _ in range(3):  # both get momentum buffers / moments first
        train_step(opt, [trained, frozen], rng)
    frozen.requires_grad_(False)
    stale = frozen.grad
    before, stale_values = snapshot(frozen), stale.numpy().copy()
    for _ in range(100):
        if how == "zero-grad":
            opt.zero_grad(set_to_none=False)  # a zero (not None) grad: decay would act
        elif how == "fresh-grad":
            frozen.grad = mt.tensor(rng.standard_normal(frozen.shape))
        train_step(opt, [trained], rng)
    assert snapshot(frozen).tobytes() == before.tobytes()
    if how == "stale-grad":
        assert frozen.grad is stale
        np.testing.assert_array_equal(stale.numpy(), stale_values)
    assert frozen not in opt.state  # its state was dropped (the default)


@pytest.mark.parametrize("opt_cls, options", HEAVY, ids=IDS)
def test_unfreezing_later_with_the_same_optimizer_trains(opt_cls, options, rng):
    body, head = leaf(rng, 3, 3), leaf(rng, 3)
    body.requires_grad_(False)
    opt = opt_cls([body, head], **options)  # one optimizer over everything
    for _ in range(5):
        train_step(opt, [body, head], rng)
    assert body not in opt.state and head in opt.state  # nothing kept for a frozen backbone
    frozen_values = snapshot(body)
    body.requires_grad_(True)
    train_step(opt, [body, head], rng)
    assert not np.array_equal(snapshot(body), frozen_values)
    assert body in opt.state


def test_weight_decay_acts_on_a_trainable_parameter_with_a_zero_grad(rng):
    # The rule is about requires_grad, not about the gradient's values (as in PyTorch).
    w = leaf(rng, 3)
    opt = optim.SGD([w], lr=0.1, weight_decay=0.5)
    before = snapshot(w)
    w.grad = mt.zeros(3, dtype=mt.float64)
    opt.step()
    np.testing.assert_allclose(snapshot(w), before * (1 - 0.05))


def test_a_parameter_without_grad_keeps_its_state(rng):
    a, b = leaf(rng, 2), leaf(rng, 2)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    train_step(opt, [a, b], rng)
    buffer = opt.state[b]["momentum_buffer"].numpy().copy()
    before = snapshot(b)
    b.grad = None  # unused in this forward: skipped, state kept (PyTorch's behaviour)
    train_step(opt, [a], rng)
    np.testing.assert_array_equal(snapshot(b), before)
    np.testing.assert_array_equal(opt.state[b]["momentum_buffer"].numpy(), buffer)


def test_unfrozen_parameter_restarts_with_fresh_state_by_default(rng):
    w, other = leaf(rng, 3), leaf(rng, 3)
    opt = optim.Adam([w, other], lr=0.1)
    for _ in range(4):
        train_step(opt, [w, other], rng)
    w.requires_grad_(False)
    train_step(opt, [other], rng)  # a step sees w frozen: its moments are dropped
    w.requires_grad_(True)
    train_step(opt, [w, other], rng)
    assert opt.state[w]["step"] == 1  # bias correction starts over
    assert opt.state[other]["step"] == 6


def test_freeze_and_unfreeze_between_two_steps_keeps_state(rng):
    w = leaf(rng, 3)
    opt = optim.Adam([w], lr=0.1)
    train_step(opt, [w], rng)
    w.requires_grad_(False)
    w.requires_grad_(True)  # no step saw it frozen
    train_step(opt, [w], rng)
    assert opt.state[w]["step"] == 2


def test_keeping_state_while_frozen_resumes_it_as_pytorch_does(rng):
    w, other = leaf(rng, 3), leaf(rng, 3)
    opt = optim.SGD([w, other], lr=0.1, momentum=0.9)
    opt.clear_state_when_frozen = False
    train_step(opt, [w, other], rng)
    buffer = opt.state[w]["momentum_buffer"].numpy().copy()
    w.requires_grad_(False)
    before = snapshot(w)
    for _ in range(10):
        train_step(opt, [other], rng)
    np.testing.assert_array_equal(snapshot(w), before)  # still never moved
    np.testing.assert_array_equal(opt.state[w]["momentum_buffer"].numpy(), buffer)
    w.requires_grad_(True)
    w.grad = mt.zeros(3, dtype=mt.float64)
    opt.step()  # the kept buffer resumes: w moves by lr * momentum * buffer
    np.testing.assert_allclose(snapshot(w), before - 0.1 * 0.9 * buffer)


def test_fully_frozen_optimizer_warns_once_and_changes_nothing(rng):
    ps = [leaf(rng, 3), leaf(rng, 2)]
    opt = optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1)
    train_step(opt, ps, rng)
    for p in ps:
        p.requires_grad_(False)
    before = [snapshot(p) for p in ps]
    with pytest.warns(UserWarning, match="every parameter of this optimizer is frozen"):
        opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()  # once per optimizer: a loop is not flooded
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(snapshot(p), b)


def test_step_without_any_gradient_warns_once(rng):
    opt = optim.Adam([leaf(rng, 2)], lr=0.1)
    with pytest.warns(UserWarning, match=r"none of the 1 trainable parameters has a "
                                         r"gradient.*loss.backward\(\)"):
        opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    assert len(opt.state) == 0


def test_freezing_works_through_the_graph(rng):
    # The usual loop: frozen before backward, so it never even gets a gradient.
    w, v = leaf(rng, 3), leaf(rng, 3)
    opt = optim.SGD([w, v], lr=0.1, momentum=0.9)
    w.requires_grad_(False)
    before = snapshot(w)
    for _ in range(3):
        opt.zero_grad()
        (w * v).sum().backward()
        opt.step()
    assert w.grad is None
    np.testing.assert_array_equal(snapshot(w), before)
    np.testing.assert_allclose(v.grad.numpy(), before)
