"""Tensor and Module hooks, checked against PyTorch: order, removal, return values,
``with_kwargs``, ``always_call``, full backward hooks with frozen inputs."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn

torch = pytest.importorskip("torch")


def _pair(in_features: int = 3, out_features: int = 2, seed: int = 0):
    """A minitorch Linear and a torch Linear with the same weights."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((out_features, in_features)).astype(np.float32)
    b = rng.standard_normal(out_features).astype(np.float32)
    ours, theirs = nn.Linear(in_features, out_features), torch.nn.Linear(in_features, out_features)
    with mt.no_grad():
        ours.weight.copy_(mt.tensor(w))
        ours.bias.copy_(mt.tensor(b))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
        theirs.bias.copy_(torch.tensor(b))
    return ours, theirs


def _np(t) -> np.ndarray | None:
    if t is None:
        return None
    return t.detach().numpy()


# ----------------------------------------------------------------------- tensor hooks
@pytest.mark.parametrize("lib", ["mt", "torch"])
def test_tensor_hooks_order_replacement_retain_grad_and_removal(lib):
    m = mt if lib == "mt" else torch
    log = []
    w = m.ones(2, requires_grad=True)
    y = w * 2
    y.retain_grad()
    y.register_hook(lambda g: log.append(("y1", g.tolist())) or g * 10)
    y.register_hook(lambda g: log.append(("y2", g.tolist())))
    handle = w.register_hook(lambda g: log.append(("w", g.tolist())) or g + 1)
    y.sum().backward()
    result = {"log": log[:], "y.grad": y.grad.tolist(), "w.grad": w.grad.tolist()}
    handle.remove()
    handle.remove()  # a second remove does nothing
    w.grad = None
    (w * 3).sum().backward()
    result["after remove"] = w.grad.tolist()
    test_tensor_hooks_order_replacement_retain_grad_and_removal.results[lib] = result
    if len(test_tensor_hooks_order_replacement_retain_grad_and_removal.results) == 2:
        ours, theirs = test_tensor_hooks_order_replacement_retain_grad_and_removal.results.values()
        assert ours == theirs


test_tensor_hooks_order_replacement_retain_grad_and_removal.results = {}


def test_tensor_hook_matches_torch_on_a_branching_graph():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    grads = {}
    for name, m in (("mt", mt), ("torch", torch)):
        x = m.tensor(a, requires_grad=True)
        h = x.tanh()
        h.register_hook(lambda g: g * 2)  # sees the sum of both branches' gradients
        out = (h * h).sum() + (h * 3).sum()
        out.backward()
        grads[name] = x.grad.numpy()
    np.testing.assert_allclose(grads["mt"], grads["torch"], rtol=1e-5, atol=1e-6)


def test_tensor_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mt.ones(2).register_hook(lambda g: g)
    w = mt.ones(2, requires_grad=True)
    w.register_hook(lambda g: mt.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        (w * 2).sum().backward()


def test_handle_as_context_manager():
    w = mt.ones(2, requires_grad=True)
    with w.register_hook(lambda g: g * 0):
        (w * 2).sum().backward()
    assert w.grad.tolist() == [0.0, 0.0]
    w.grad = None
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


# ----------------------------------------------------------------------- forward hooks
def _forward_log(lib):
    """Register the same hooks on both libraries; return what ran, in order."""
    m = mt if lib == "mt" else torch
    layer = (nn.Linear if lib == "mt" else torch.nn.Linear)(3, 2)
    log = []
    layer.register_forward_pre_hook(lambda mod, args: log.append("pre1"))
    layer.register_forward_pre_hook(lambda mod, args: log.append("pre0"), prepend=True)
    layer.register_forward_pre_hook(
        lambda mod, args, kwargs: log.append(("pre_kw", sorted(kwargs))), with_kwargs=True)
    h = layer.register_forward_hook(lambda mod, args, out: log.append("post1"))
    layer.register_forward_hook(lambda mod, args, out: log.append("post0"), prepend=True)
    layer.register_forward_hook(
        lambda mod, args, kwargs, out: log.append(("post_kw", tuple(out.shape))),
        with_kwargs=True)
    layer(m.zeros(4, 3))
    h.remove()
    layer(m.zeros(1, 3))
    return log


def test_forward_hook_order_prepend_kwargs_and_removal_match_torch():
    assert _forward_log("mt") == _forward_log("torch")


@pytest.mark.parametrize("lib", ["mt", "torch"])
def test_forward_hooks_replace_args_and_output(lib):
    m = mt if lib == "mt" else torch
    layer = (nn.Identity if lib == "mt" else torch.nn.Identity)()
    layer.register_forward_pre_hook(lambda mod, args: args[0] + 1)  # one value: wrapped
    layer.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] * 10,), kwargs), with_kwargs=True)
    layer.register_forward_hook(lambda mod, args, out: out - 3)
    assert layer(m.tensor([1.0])).tolist() == [17.0]


class _Boom(nn.Module):
    def forward(self, x):
        raise ValueError("boom")


class _TorchBoom(torch.nn.Module):
    def forward(self, x):
        raise ValueError("boom")


@pytest.mark.parametrize("lib", ["mt", "torch"])
def test_always_call_hooks_run_when_forward_raises(lib):
    layer = _Boom() if lib == "mt" else _TorchBoom()
    m = mt if lib == "mt" else torch
    log = []
    layer.register_forward_hook(lambda mod, args, out: log.append(("always", out)),
                                always_call=True)
    layer.register_forward_hook(lambda mod, args, out: log.append("normal"))

    def failing(mod, args, out):
        raise KeyError("hook failed too")

    layer.register_forward_hook(failing, always_call=True)
    with pytest.raises(ValueError, match="boom"), pytest.warns(UserWarning, match="silenced"):
        layer(m.zeros(1))
    assert log == [("always", None)]


def test_pre_hook_with_kwargs_must_return_a_pair():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match="new_kwargs"):
        layer(mt.zeros(1))


def test_no_hooks_keeps_the_plain_call():
    layer = nn.Linear(2, 2)
    assert not layer._hooked
    h = layer.register_forward_hook(lambda *a: None)
    h.remove()
    assert layer(mt.ones(1, 2)).shape == (1, 2)


# ----------------------------------------------------------------------- backward hooks
def _backward_run(lib, x_requires_grad, freeze_layer, replace=False):
    ours, theirs = _pair()
    layer = ours if lib == "mt" else theirs
    m = mt if lib == "mt" else torch
    if freeze_layer:
        for p in layer.parameters():
            p.requires_grad_(False)
    calls = []

    def hook(mod, grad_input, grad_output):
        calls.append(([_np(g) for g in grad_input], [_np(g) for g in grad_output]))
        if replace:
            return (grad_input[0] * 0.5,)
        return None

    layer.register_full_backward_hook(hook)
    x = m.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10,
                 requires_grad=x_requires_grad)
    out = layer(x)
    if not out.requires_grad:
        return calls, None, None
    (out * out).sum().backward()
    return calls, _np(x.grad), _np(layer.weight.grad)


@pytest.mark.parametrize("x_requires_grad,freeze_layer,replace", [
    (True, False, False), (False, False, False), (True, True, False), (False, True, False),
    (True, False, True), (True, True, True),
])
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_full_backward_hook_matches_torch(x_requires_grad, freeze_layer, replace):
    ours = _backward_run("mt", x_requires_grad, freeze_layer, replace)
    theirs = _backward_run("torch", x_requires_grad, freeze_layer, replace)
    assert len(ours[0]) == len(theirs[0])  # called as often (never when nothing needs grad)
    for (gi, go), (tgi, tgo) in zip(ours[0], theirs[0]):
        for a, b in zip(gi + go, tgi + tgo):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[1:], theirs[1:]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_full_backward_hook_with_two_inputs_and_pre_hook_matches_torch():
    rng = np.random.default_rng(3)
    a0, b0 = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(3)

    class Mul:
        def forward(self, a, b, scale=1.0):
            return a * b * scale

    results = {}
    for name, m, base in (("mt", mt, nn.Module), ("torch", torch, torch.nn.Module)):
        cls = type("Mul", (base,), {"forward": Mul.forward})
        mod = cls()
        seen = []
        mod.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        mod.register_full_backward_hook(
            lambda mod, gi, go, seen=seen: seen.append([_np(g) for g in gi + go])
            or (gi[0], gi[1] * 0))
        a = m.tensor(a0, requires_grad=True)
        b = m.tensor(b0, requires_grad=True)
        (mod(a, b, scale=3.0) ** 2).sum().backward()
        results[name] = [*seen[0], _np(a.grad), _np(b.grad)]
        assert len(seen) == 1
    for x, y in zip(*results.values()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


def test_removed_backward_hook_is_not_called():
    layer = nn.Linear(3, 2)
    calls = []
    h = layer.register_full_backward_hook(lambda *a: calls.append(1))
    x = mt.ones(1, 3, requires_grad=True)
    layer(x).sum().backward()
    h.remove()
    layer(x).sum().backward()
    assert calls == [1]


def test_feature_extraction_on_a_frozen_body():
    body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    for p in body.parameters():
        p.requires_grad_(False)
    features = {}
    h = body[1].register_forward_hook(lambda m, args, out: features.update(relu=out))
    out = body(mt.ones(2, 4))
    h.remove()
    assert features["relu"].shape == (2, 8) and not features["relu"].requires_grad
    assert out.shape == (2, 3)


def test_backward_hook_without_input_gradients_warns_as_torch():
    layer = nn.Linear(3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(mt.ones(1, 3)).sum().backward()


# ----------------------------------------------------------------------- keyed containers
def test_module_dict_parameter_list_and_dict_register_like_torch():
    built = {}
    for name, lib, m in (("mt", nn, mt), ("torch", torch.nn, torch)):
        model = lib.Module()
        model.heads = lib.ModuleDict({"cls": lib.Linear(4, 3)})
        model.heads["box"] = lib.Linear(4, 2)
        model.scales = lib.ParameterList([m.ones(2), lib.Parameter(m.zeros(3))])
        model.scales.append(m.ones(1))
        model.extra = lib.ParameterDict({"shift": m.zeros(2)})
        model.extra["gain"] = m.ones(5)
        built[name] = model
        assert isinstance(model.scales[0], lib.Parameter)
        assert isinstance(model.extra["gain"], lib.Parameter)
        assert model.extra["gain"].requires_grad
        assert len(model.scales[1:]) == 2 and isinstance(model.scales[1:], lib.ParameterList)
        assert model.heads.pop("box").out_features == 2 and "box" not in model.heads
    ours, theirs = built["mt"], built["torch"]
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with pytest.raises(TypeError, match="not a Module"):
        ours.heads["x"] = 3
    with pytest.raises(NotImplementedError):
        ours.heads()
    with pytest.raises(IndexError):
        ours.scales[3]
    with pytest.raises(KeyError):
        ours.extra["missing"]


# ----------------------------------------------------------------------- optimizer step hooks
@pytest.mark.parametrize("lib", ["mt", "torch"])
def test_step_hooks_order_and_removal_match_torch(lib):
    m, optim_ = (mt, mt.optim) if lib == "mt" else (torch, torch.optim)
    w = m.ones(2, requires_grad=True)
    opt = optim_.SGD([w], lr=0.5)
    log = []
    opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre1", w.tolist())))
    h = opt.register_step_pre_hook(lambda o, args, kwargs: log.append("pre2"))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", w.tolist())))
    (w * w).sum().backward()
    opt.step()
    h.remove()
    opt.step()
    test_step_hooks_order_and_removal_match_torch.logs[lib] = log
    if len(test_step_hooks_order_and_removal_match_torch.logs) == 2:
        ours, theirs = test_step_hooks_order_and_removal_match_torch.logs.values()
        assert ours == theirs


test_step_hooks_order_and_removal_match_torch.logs = {}


def test_step_pre_hook_can_replace_the_closure_and_must_return_a_pair():
    w = mt.ones(1, requires_grad=True)
    opt = mt.optim.SGD([w], lr=1.0)
    opt.register_step_pre_hook(lambda o, args, kwargs: ((lambda: 7.0,), {}))
    assert opt.step() == 7.0
    bad = mt.optim.SGD([w], lr=1.0)
    bad.register_step_pre_hook(lambda o, args, kwargs: "nope")
    with pytest.raises(RuntimeError, match="new_kwargs"):
        bad.step()


def test_custom_step_obeys_the_freezing_rule_through_the_first_pre_hook():
    class Plain(mt.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 1.0})

        def step(self, closure=None):
            seen.append([p.grad is None for p in self.param_groups[0]["params"]])
            for p in self.param_groups[0]["params"]:
                if p.grad is not None:
                    with mt.no_grad():
                        p -= p.grad
            raise_if[0] and (_ for _ in ()).throw(ValueError("step failed"))

    seen, raise_if = [], [False]
    frozen, trainable = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    opt = Plain([frozen, trainable])
    (frozen * trainable).sum().backward()
    frozen.requires_grad_(False)
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("user pre"))
    opt.step()
    assert seen == ["user pre", [True, False]]  # the guard ran first: frozen grad hidden
    assert frozen.tolist() == [1.0, 1.0] and trainable.tolist() == [0.0, 0.0]
    assert frozen.grad is not None  # restored after step
    raise_if[0] = True
    with pytest.raises(ValueError):
        opt.step()
    assert frozen.grad is not None  # restored also when step raises
