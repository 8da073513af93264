"""Update rules of SGD, Adam, AdamW and RMSprop: values worked out by hand for the first
steps, and float64 trajectories against the textbook formulas written out in plain numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import optim

# ------------------------------------------------------------------ by hand, f(w) = w**2


def quadratic_steps(opt_cls, steps: int, w0: float = 1.0, **options) -> list[float]:
    """Minimise w**2 (gradient 2w) from w0; return w after each step."""
    w = mt.tensor([w0], dtype=mt.float64, requires_grad=True)
    opt = opt_cls([w], **options)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        out.append(w.item())
    return out


@pytest.mark.parametrize("options, expected", [
    (dict(lr=0.1), [0.8, 0.64]),
    (dict(lr=0.1, weight_decay=0.1), [1 - 0.1 * 2.1, 0.79 - 0.1 * (1.58 + 0.079)]),
    # buf = g at the first step (dampening not applied), then 0.9 * 2 + 0.5 * 1.6 = 2.6
    (dict(lr=0.1, momentum=0.9, dampening=0.5), [0.8, 0.8 - 0.26]),
    # g + 0.9 * buf: 2 + 1.8 = 3.8; then buf = 1.8 + 1.24 = 3.04, 1.24 + 2.736 = 3.976
    (dict(lr=0.1, momentum=0.9, nesterov=True), [0.62, 0.62 - 0.3976]),
    (dict(lr=0.1, maximize=True), [1.2, 1.44]),
])
def test_sgd_by_hand(options, expected):
    got = quadratic_steps(optim.SGD, len(expected), **options)
    assert got == pytest.approx(expected, abs=1e-12)


def test_adam_by_hand():
    lr, eps = 0.1, 1e-8
    # step 1: m = 0.1 g, v = 0.001 g^2, both bias-corrected back to g and g^2
    w1 = 1 - lr * 2 / (2 + eps)
    g2 = 2 * w1
    m = 0.9 * 0.1 * 2 + 0.1 * g2
    v = 0.999 * 0.001 * 4 + 0.001 * g2**2
    w2 = w1 - lr * (m / (1 - 0.9**2)) / (math.sqrt(v / (1 - 0.999**2)) + eps)
    assert quadratic_steps(optim.Adam, 2, lr=lr) == pytest.approx([w1, w2], abs=1e-12)


def test_adam_weight_decay_is_l2_and_adamw_decoupled():
    # Adam adds weight_decay * w to the gradient: g = 2 + 0.5; Adam then normalises it away.
    assert quadratic_steps(optim.Adam, 1, lr=0.1, weight_decay=0.5) == pytest.approx([0.9])
    # AdamW shrinks w first: 1 * (1 - 0.1 * 0.5) = 0.95, then the Adam step of about lr.
    expected = 0.95 - 0.1 * 2 / (2 + 1e-8)
    assert quadratic_steps(optim.AdamW, 1, lr=0.1, weight_decay=0.5) == pytest.approx([expected])


def test_adam_amsgrad_uses_the_largest_second_moment():
    # Gradients 10 then 1 with beta2 = 0.5: v drops from 50 to 25.5, v_max stays at 50.
    ams = mt.tensor([0.0], dtype=mt.float64, requires_grad=True)
    plain = mt.tensor([0.0], dtype=mt.float64, requires_grad=True)
    options = dict(lr=0.1, betas=(0.9, 0.5))
    opts = [optim.Adam([ams], amsgrad=True, **options), optim.Adam([plain], **options)]
    for g in (10.0, 1.0):
        for p, opt in zip((ams, plain), opts):
            p.grad = mt.tensor([g], dtype=mt.float64)
            opt.step()
    assert opts[0].state[ams]["exp_avg_sq"].item() == pytest.approx(25.5)
    assert opts[0].state[ams]["max_exp_avg_sq"].item() == pytest.approx(50.0)
    step1 = 0.1 * 10 / (10 + 1e-8)
    m_hat = (0.9 * 1 + 0.1 * 1) / (1 - 0.81)
    bc2 = 1 - 0.25
    assert ams.item() == pytest.approx(-step1 - 0.1 * m_hat / (math.sqrt(50 / bc2) + 1e-8))
    assert plain.item() == pytest.approx(-step1 - 0.1 * m_hat / (math.sqrt(25.5 / bc2) + 1e-8))


def test_rmsprop_by_hand():
    # alpha 0.5: s = 0.5 * 4 = 2, w = 1 - 0.1 * 2 / sqrt(2)
    w1 = 1 - 0.1 * 2 / (math.sqrt(2) + 1e-8)
    s2 = 0.5 * 2 + 0.5 * (2 * w1) ** 2
    w2 = w1 - 0.1 * 2 * w1 / (math.sqrt(s2) + 1e-8)
    assert quadratic_steps(optim.RMSprop, 2, lr=0.1, alpha=0.5) == pytest.approx([w1, w2])


def test_rmsprop_centered_with_momentum_by_hand():
    # centered: a = 0.5 * 2 = 1, r = sqrt(2 - 1) = 1; momentum buffer = g / r = 2
    w1 = 1 - 0.1 * 2 / (1 + 1e-8)
    g2 = 2 * w1
    s2, a2 = 0.5 * 2 + 0.5 * g2**2, 0.5 * 1 + 0.5 * g2
    buf2 = 0.9 * 2 / (1 + 1e-8) + g2 / (math.sqrt(s2 - a2**2) + 1e-8)
    got = quadratic_steps(optim.RMSprop, 2, lr=0.1, alpha=0.5, centered=True, momentum=0.9)
    assert got == pytest.approx([w1, w1 - 0.1 * buf2])


# ------------------------------------------------------------------ textbook formulas


def sgd_reference(p, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                  nesterov=False, maximize=False):
    g = (-g if maximize else g) + weight_decay * p
    if momentum:
        buf = g if "buf" not in state else momentum * state["buf"] + (1 - dampening) * g
        state["buf"] = buf
        g = g + momentum * buf if nesterov else buf
    return p - lr * g


def adam_reference(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                   amsgrad=False, maximize=False, decoupled=False):
    b1, b2 = betas
    t = state["t"] = state.get("t", 0) + 1
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    m = state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
    v = state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
    if amsgrad:
        v = state["vmax"] = np.maximum(state.get("vmax", 0.0), v)
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_reference(p, g, state, lr, weight_decay=1e-2, **options):
    """AdamW: decoupled decay, and PyTorch's default weight_decay of 1e-2."""
    return adam_reference(p, g, state, lr, weight_decay=weight_decay, decoupled=True, **options)


def rmsprop_reference(p, g, state, lr, alpha=0.99, eps=1e-8, weight_decay=0.0,
                      momentum=0.0, centered=False, maximize=False):
    g = (-g if maximize else g) + weight_decay * p
    s = state["s"] = alpha * state.get("s", 0.0) + (1 - alpha) * g * g
    if centered:
        a = state["a"] = alpha * state.get("a", 0.0) + (1 - alpha) * g
        s = s - a * a
    update = g / (np.sqrt(s) + eps)
    if momentum:
        update = state["buf"] = momentum * state.get("buf", 0.0) + update
    return p - lr * update


def gradient_of(p: np.ndarray) -> np.ndarray:
    """A bounded, parameter-dependent gradient, the same for every implementation."""
    return np.sin(3 * p) + 0.5 * np.cos(p)


CASES = [
    (optim.SGD, sgd_reference, dict(lr=0.1)),
    (optim.SGD, sgd_reference, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.5, maximize=True, weight_decay=0.2)),
    (optim.Adam, adam_reference, dict(lr=0.01)),
    (optim.Adam, adam_reference, dict(lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    (optim.Adam, adam_reference, dict(lr=0.01, amsgrad=True, maximize=True)),
    (optim.AdamW, adamw_reference, dict(lr=0.01)),
    (optim.AdamW, adamw_reference, dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, momentum=0.9, centered=True)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, momentum=0.5, centered=True,
                                            weight_decay=0.05, maximize=True, eps=1e-4)),
]


@pytest.mark.parametrize("opt_cls, reference, options", CASES)
def test_float64_trajectory_matches_formula(opt_cls, reference, options, rng):
    start = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    params = [mt.tensor(a.copy(), requires_grad=True) for a in start]
    opt = opt_cls(params, **options)
    expected = [a.copy() for a in start]
    states = [{}, {}]
    for _ in range(12):
        for p in params:
            p.grad = mt.tensor(gradient_of(p.detach().numpy()))
        opt.step()
        expected = [reference(e, gradient_of(e), s, **options) for e, s in zip(expected, states)]
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p.detach().numpy(), e, rtol=1e-12, atol=1e-13)
    assert all(p.dtype == mt.float64 for p in params)


@pytest.mark.parametrize("opt_cls, reference, options", CASES[::3])
def test_float32_parameters_stay_float32(opt_cls, reference, options, rng):
    start = rng.standard_normal((4, 3))
    p = mt.tensor(start.astype(np.float32), requires_grad=True)
    opt = opt_cls([p], **options)
    expected, state = start, {}
    for _ in range(5):
        p.grad = mt.tensor(gradient_of(p.detach().numpy()))
        opt.step()
        expected = reference(expected, gradient_of(expected), state, **options)
    assert p.dtype == mt.float32
    assert all(v.dtype == mt.float32 for v in opt.state[p].values() if isinstance(v, mt.Tensor))
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("opt_cls, reference, options", CASES)
def test_step_never_changes_gradients(opt_cls, reference, options, make):
    p = make(6)
    opt = opt_cls([p], **options)
    for _ in range(3):
        p.grad = grad = make(6, requires_grad=False)
        before = grad.detach().numpy().copy()
        opt.step()
        assert p.grad is grad
        np.testing.assert_array_equal(grad.numpy(), before)


def test_per_group_options_are_used(make):
    a, b = make(3), make(3)
    a0, b0 = a.detach().numpy().copy(), b.detach().numpy().copy()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    a.grad = mt.ones(3, dtype=mt.float64)
    b.grad = mt.ones(3, dtype=mt.float64)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), a0 - 0.1)
    np.testing.assert_allclose(b.detach().numpy(), b0 - 0.5)
    assert "momentum_buffer" in opt.state[b] and a not in opt.state


def test_step_bumps_the_version_so_autograd_sees_the_change(make):
    w = make(3)
    opt = optim.SGD([w], lr=0.1)
    y = (w * w).sum()  # saves w for backward
    w.grad = mt.ones(3, dtype=mt.float64)
    opt.step()
    with pytest.raises(RuntimeError, match=r"optimizer\.step\(\) \(SGD\)"):
        y.backward()


def test_closure_is_evaluated_with_grad_enabled(make):
    w = make(2)
    opt = optim.Adam([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(float((w.detach().numpy() ** 2).sum()), rel=0.5)
    assert opt.state[w]["step"] == 1
