"""Optimizer API: construction, param groups, zero_grad, lazy state, state_dict round trips
and the readable errors when a checkpoint does not fit."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import optim

ALL = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.01, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
]


def leaves(rng, *shapes):
    return [mt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def fill_grads(params, rng):
    for p in params:
        p.grad = mt.tensor(rng.standard_normal(p.shape))


# ------------------------------------------------------------------ construction


@pytest.mark.parametrize("make_opt, message", [
    (lambda ps: optim.SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda ps: optim.SGD(ps, momentum=-1), "Invalid momentum value"),
    (lambda ps: optim.SGD(ps, weight_decay=-1), "Invalid weight_decay value"),
    (lambda ps: optim.SGD(ps, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda ps: optim.SGD(ps, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "beta parameter at index 0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), "beta parameter at index 1"),
    (lambda ps: optim.Adam(ps, betas=(0.9,)), "betas must be a pair"),
    (lambda ps: optim.Adam(ps, eps=-1e-8), "Invalid eps value"),
    (lambda ps: optim.AdamW(ps, lr=float("nan")), "Invalid learning rate: nan"),
    (lambda ps: optim.RMSprop(ps, alpha=1.5), "Invalid alpha value"),
    (lambda ps: optim.RMSprop(ps, momentum=-0.5), "Invalid momentum value"),
    (lambda ps: optim.SGD([{"params": ps, "lr": -1.0}], lr=0.1), "param group 0"),
])
def test_invalid_options_raise_value_error(make_opt, message, rng):
    with pytest.raises(ValueError, match=message):
        make_opt(leaves(rng, 2))


def test_options_must_be_numbers(rng):
    with pytest.raises(TypeError, match="lr must be a number"):
        optim.SGD(leaves(rng, 2), lr="0.1")


@pytest.mark.parametrize("params, error, message", [
    (lambda ps: ps[0], TypeError, "iterable of Tensors or dicts, but got a single Tensor"),
    (lambda ps: set(ps), TypeError, "got set"),
    (lambda ps: [], ValueError, "empty parameter list"),
    (lambda ps: [ps[0], 3.0], TypeError, "optimizer can only optimize Tensors"),
    (lambda ps: [ps[0] * 2], ValueError, "can't optimize a non-leaf Tensor.*MulBackward"),
    (lambda ps: [mt.zeros(2, dtype=mt.int64)], TypeError, "only floating tensors"),
    (lambda ps: [ps[0], ps[0]], ValueError, "twice"),
    (lambda ps: [{"params": ps[0]}, {"params": set(ps[1:])}], TypeError, "not a set"),
    (lambda ps: [{"lr": 0.1}], ValueError, "needs a 'params' entry"),
])
def test_bad_params_raise_clear_errors(params, error, message, rng):
    with pytest.raises(error, match=message):
        optim.SGD(params(leaves(rng, 2, 3)), lr=0.1)


def test_params_from_a_generator_and_groups_filled_from_defaults(rng):
    ps = leaves(rng, 2, 3, 4)
    opt = optim.SGD((p for p in ps), lr=0.1)
    group = opt.param_groups[0]["params"]
    assert len(group) == 3 and all(a is b for a, b in zip(group, ps))
    opt = optim.Adam([{"params": ps[:2]}, {"params": ps[2], "lr": 0.5}], lr=0.01)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.5]
    assert opt.param_groups[1]["params"][0] is ps[2]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert set(opt.defaults) <= set(opt.param_groups[1])


def test_named_parameters_are_accepted_and_named_in_errors(rng):
    a, b = leaves(rng, 2, 3)
    opt = optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    with pytest.raises(ValueError, match=r"parameter 'b2' is already in param group 0 \(as 'b'\)"):
        opt.add_param_group({"params": [("b2", b)]})
    with pytest.raises(ValueError, match="either named .* or unnamed"):
        opt.add_param_group({"params": leaves(rng, 1)})


def test_add_param_group_rejects_a_parameter_already_in_a_group(rng):
    ps = leaves(rng, 2, 3)
    opt = optim.SGD(ps[:1], lr=0.1)
    with pytest.raises(ValueError, match=r"already in param group 0.*all of\s+model.parameters"):
        opt.add_param_group({"params": ps})
    assert len(opt.param_groups) == 1  # the failed call added nothing
    opt.add_param_group({"params": ps[1:], "lr": 0.01, "momentum": 0.5})
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["lr"] == 0.01


def test_add_param_group_copies_the_given_dict(rng):
    group = {"params": leaves(rng, 2), "lr": 0.3}
    opt = optim.SGD(leaves(rng, 2), lr=0.1)
    opt.add_param_group(group)
    opt.param_groups[1]["lr"] = 0.0
    assert group["lr"] == 0.3 and "momentum" not in group


def test_repr_lists_groups(rng):
    text = repr(optim.SGD([{"params": leaves(rng, 2)}, {"params": leaves(rng, 2), "lr": 1.0}],
                          lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 1" in text and "lr: 1.0" in text


# ------------------------------------------------------------------ gradients and state


def test_zero_grad_to_none_and_in_place(rng):
    ps = leaves(rng, 2, 3)
    opt = optim.SGD(ps, lr=0.1)
    fill_grads(ps, rng)
    grad = ps[0].grad
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is grad and not grad.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_zero_grad_replaces_a_read_only_gradient(rng):
    (p,) = leaves(rng, 3)
    opt = optim.SGD([p], lr=0.1)
    array = np.ones(3)
    array.flags.writeable = False
    p.grad = mt.from_numpy(array)
    opt.zero_grad(set_to_none=False)
    assert not p.grad.numpy().any() and array.all()


def test_state_is_created_at_the_first_real_update(rng):
    a, b, c = leaves(rng, 2, 2, 2)
    opt = optim.Adam([a, b, c], lr=0.1)
    assert len(opt.state) == 0
    c.requires_grad_(False)
    fill_grads([a, b, c], rng)
    b.grad = None
    opt.step()
    assert a in opt.state and b not in opt.state and c not in opt.state
    assert opt.state[a]["step"] == 1
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"} - {
        "max_exp_avg_sq"}


def test_plain_sgd_keeps_no_state(rng):
    ps = leaves(rng, 2)
    opt = optim.SGD(ps, lr=0.1)
    fill_grads(ps, rng)
    opt.step()
    assert opt.state_dict()["state"] == {}


# ------------------------------------------------------------------ checkpoints


def run(opt, params, rng, steps):
    for _ in range(steps):
        fill_grads(params, rng)
        opt.step()


@pytest.mark.parametrize("opt_cls, options", ALL)
def test_resuming_from_state_dict_gives_the_same_trajectory(opt_cls, options, tmp_path):
    shapes = [(3, 4), (4,), (2,)]

    def fresh():
        rng = np.random.default_rng(7)
        ps = leaves(rng, *shapes)
        groups = [{"params": ps[:2]}, {"params": ps[2:], "lr": options["lr"] / 2}]
        return ps, opt_cls(groups, **options)

    ps, opt = fresh()
    run(opt, ps, np.random.default_rng(1), 10)
    expected = [p.detach().numpy().copy() for p in ps]

    ps, opt = fresh()
    grads = np.random.default_rng(1)
    run(opt, ps, grads, 5)
    opt.param_groups[1]["lr"] = options["lr"] / 2  # options travel with the groups too
    mt.save({"opt": opt.state_dict(), "params": [p.detach() for p in ps]}, tmp_path / "c.pt")

    checkpoint = mt.load(tmp_path / "c.pt")
    ps2, opt2 = fresh()
    with mt.no_grad():
        for p, saved in zip(ps2, checkpoint["params"]):
            p.copy_(saved)
    opt2.load_state_dict(checkpoint["opt"])
    run(opt2, ps2, grads, 5)
    for p, e in zip(ps2, expected):
        np.testing.assert_array_equal(p.detach().numpy(), e)


def test_state_dict_layout_and_copies(rng):
    a, b, c = leaves(rng, 2, 3, 4)
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    fill_grads([a, c], rng)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["momentum"] == 0.9
    assert sorted(sd["state"]) == [0, 2]
    saved = sd["state"][0]["momentum_buffer"].numpy().copy()
    run(opt, [a, c], rng, 2)
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"].numpy(), saved)


def checkpointed(rng, opt_cls=optim.SGD, groups=((2, 3), (4,)), **options):
    options = {"lr": 0.1, "momentum": 0.9, **options} if opt_cls is optim.SGD else options
    params = [leaves(rng, *shapes) for shapes in groups]
    opt = opt_cls([{"params": ps} for ps in params], **options)
    flat = [p for ps in params for p in ps]
    run(opt, flat, rng, 1)
    return opt, flat


@pytest.mark.parametrize("groups, message", [
    (((2, 3), (4,), (5,)), r"has 2 param groups, this optimizer has 3.*loaded \[2, 1\]"),
    (((2, 3, 5), (4,)), r"param group 0 has 3 parameters in this optimizer but 2 in the loaded"),
])
def test_load_state_dict_names_what_differs(groups, message, rng):
    saved, _ = checkpointed(rng)
    opt, _ = checkpointed(rng, groups=groups)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(saved.state_dict())
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"] and len(after["state"]) == len(
        before["state"])


def test_load_state_dict_from_another_optimizer_or_other_shapes(rng):
    sgd, _ = checkpointed(rng)
    adam, _ = checkpointed(rng, optim.Adam)
    with pytest.raises(ValueError, match=r"no \['amsgrad', 'betas'.*different optimizer"):
        adam.load_state_dict(sgd.state_dict())
    other_shapes, _ = checkpointed(rng, groups=((2, 5), (4,)))
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 1 \(group 0\) has "
                                         r"shape \(5,\), but the parameter has shape \(3,\)"):
        sgd.load_state_dict(other_shapes.state_dict())
    rms, _ = checkpointed(rng, optim.RMSprop, momentum=0.5)
    sd = rms.state_dict()
    sd["param_groups"] = adam.state_dict()["param_groups"]
    with pytest.raises(ValueError, match=r"'square_avg'\], which Adam does not use"):
        adam.load_state_dict(sd)
    with pytest.raises(ValueError, match="whole checkpoint"):
        adam.load_state_dict({"optimizer": sd})


def test_load_state_dict_with_named_groups_lists_the_names(rng):
    a, b, c = leaves(rng, 2, 2, 2)
    saved = optim.SGD([("body.w", a), ("head.w", b)], lr=0.1)
    opt = optim.SGD([("body.w", a), ("neck.w", c)], lr=0.1)
    with pytest.raises(ValueError, match=r"only in this optimizer \['neck.w'\], only in the "
                                         r"loaded state \['head.w'\]"):
        opt.load_state_dict(saved.state_dict())


def test_loaded_state_is_independent_and_cast_to_the_parameter_dtype(rng):
    opt, params = checkpointed(rng)
    sd = opt.state_dict()
    target = [mt.tensor(rng.standard_normal(p.shape).astype(np.float32), requires_grad=True)
              for p in params]
    opt32 = optim.SGD([{"params": target[:2]}, {"params": target[2:]}], lr=0.1, momentum=0.9)
    opt32.load_state_dict(sd)
    buf = opt32.state[target[0]]["momentum_buffer"]
    assert buf.dtype == mt.float32
    sd["state"][0]["momentum_buffer"].numpy()[...] = 123.0
    assert not (buf.numpy() == 123.0).any()


def test_a_subclass_with_its_own_step_obeys_the_freezing_rule(rng):
    class ManualSGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):  # PyTorch-style: skips only grad None
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p._data -= group["lr"] * p.grad._data

    trained, frozen = leaves(rng, 3, 3)
    opt = ManualSGD([trained, frozen], lr=0.1)
    fill_grads([trained, frozen], rng)
    frozen.requires_grad_(False)
    stale = frozen.grad
    before = frozen.detach().numpy().copy(), trained.detach().numpy().copy()
    opt.step()
    np.testing.assert_array_equal(frozen.detach().numpy(), before[0])
    assert not np.array_equal(trained.detach().numpy(), before[1])
    assert frozen.grad is stale  # hidden during the step only
