"""Pitfall #2: a trainable parameter with a gradient in no optimizer warns at step()."""
from __future__ import annotations

import warnings

import pytest

import minitorch as mt
from minitorch import nn, optim


def _step(opt):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt.step()
    return [str(w.message) for w in caught if "in no optimizer" in str(w.message)]


def _classic():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    nn.freeze(model[0])
    opt = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
    return model, opt


def _backward(model):
    model(mt.randn(5, 3)).sum().backward()


def test_unfrozen_layer_missing_from_the_optimizer_warns_once_per_parameter():
    model, opt = _classic()
    _backward(model)
    assert _step(opt) == []                          # body frozen: nothing to say
    nn.unfreeze(model[0])
    opt.zero_grad()
    _backward(model)
    messages = _step(opt)
    assert len(messages) == 2
    assert messages[0].startswith("Linear(in_features=3, out_features=4, bias=True).weight "
                                  "requires grad and received a gradient")
    assert "model.parameters()" in messages[0] and "add_param_group" in messages[0]
    assert messages[1].startswith("Linear(in_features=3, out_features=4, bias=True).bias")
    opt.zero_grad()
    _backward(model)
    assert _step(opt) == []                          # once per parameter


def test_no_warning_when_another_optimizer_holds_it_or_the_gradient_is_stale():
    model, opt = _classic()
    nn.unfreeze(model[0])
    other = optim.SGD(model[0].parameters(), lr=0.1)   # e.g. a second optimizer (GAN style)
    _backward(model)
    assert _step(opt) == [] and _step(other) == []

    stale = nn.Linear(3, 3)                           # another model with an old gradient
    stale(mt.randn(2, 3)).sum().backward()
    fresh = nn.Linear(2, 1)
    opt2 = optim.SGD(fresh.parameters(), lr=0.1)
    fresh(mt.randn(2, 2)).sum().backward()
    assert _step(opt2) == []                          # stale's gradient predates opt2

    head = nn.Linear(2, 2)                            # trained by an optimizer since dropped
    dropped = optim.SGD(head.parameters(), lr=0.1)
    head(mt.randn(2, 2)).sum().backward()
    dropped.step()
    del dropped
    fresh(mt.randn(2, 2)).sum().backward()
    assert _step(opt2) == []


def test_an_optimizer_over_all_parameters_never_warns():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.1)
    nn.freeze(model[0])
    for flag in (False, True):
        model[0].requires_grad_(flag)
        opt.zero_grad()
        _backward(model)
        assert _step(opt) == []


def test_adding_a_parameter_already_in_the_optimizer_raises_naming_it():
    model, opt = _classic()
    with pytest.raises(ValueError, match=r"parameter 0 \(Linear\(in_features=4, out_features=2, "
                                         r"bias=True\)\.weight, shape \(2, 4\)\) is already in "
                                         r"param group 0"):
        opt.add_param_group({"params": [model[2].weight]})
    named = optim.SGD(model.named_parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"parameter '0.weight' is already in param group 0 "
                                         r"\(as '0.weight'\)"):
        named.add_param_group({"params": [("0.weight", model[0].weight)]})


def test_gradients_copied_with_a_model_are_not_reported():
    """A deepcopy of a model carries its .grad; the copy's parameters are in no optimizer,
    but the latest backward pass did not reach them: no warning (it used to give one)."""
    import copy

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    model(mt.randn(5, 3)).sum().backward()
    opt.step()
    best = copy.deepcopy(model)  # the usual "keep the best model" snapshot
    assert best[0].weight.grad is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.zero_grad()
        model(mt.randn(5, 3)).sum().backward()
        opt.step()


def test_a_second_model_trained_by_its_own_optimizer_is_not_reported():
    a, b = nn.Linear(3, 1), nn.Linear(3, 1)
    opt_a, opt_b = optim.SGD(a.parameters(), lr=0.1), optim.SGD(b.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            a(mt.randn(2, 3)).sum().backward()
            b(mt.randn(2, 3)).sum().backward()
            opt_a.step()
            opt_b.step()


def test_no_scan_when_every_leaf_the_pass_wrote_is_the_optimizers(monkeypatch):
    from minitorch.optim import guard

    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def no_scan(_):
        raise AssertionError("the live parameters were scanned")

    monkeypatch.setattr(guard, "_unowned", no_scan)
    model(mt.ones(1, 2)).sum().backward()
    opt.step()  # the pass wrote exactly the optimizer's two leaves: nothing to look for


def test_an_extra_leaf_in_the_pass_still_finds_an_unowned_layer():
    head, extra = nn.Linear(2, 1), nn.Linear(2, 2)
    opt = optim.SGD(head.parameters(), lr=0.1)
    x = mt.ones(1, 2, requires_grad=True)  # a leaf that is no parameter: more leaves written
    head(extra(x)).sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt.step()
    assert len(caught) == 2 and "in no optimizer" in str(caught[0].message)
