"""Differential fuzzing of training programs: minitorch's layers, losses, freezing and
optimizers against PyTorch's, step by step (issue 10, item 8).

A program draws a stack of layers (Linear, activations, BatchNorm1d, LayerNorm, Dropout(0),
Identity) in float64, a loss (MSE, L1, SmoothL1, CrossEntropy with label smoothing, NLL,
BCE, BCEWithLogits; mean or sum), an optimizer (SGD with momentum/nesterov/weight decay,
Adam/AdamW with amsgrad, RMSprop centered/momentum) and 3-8 steps. Before a step it may
freeze or unfreeze a layer (``requires_grad_``) or switch train/eval. PyTorch gets a copy
of the same weights and the same batches. After every step the loss, every parameter,
every gradient and every BatchNorm buffer must agree to 1e-6 relative (float64; 1e-8
absolute, for the rounding noise that Adam's normalisation lifts from gradients that are
zero in exact arithmetic, such as a bias before BatchNorm), as must each parameter's
``requires_grad``.

Deliberate differences (docs/from_pytorch.md, "Stricter, on purpose") are switched to
PyTorch's behaviour for the comparison rather than skipped: ``clear_state_when_frozen =
False`` on the optimizer (minitorch drops a frozen parameter's momentum by default) and
``freeze_stats_when_frozen=False`` on BatchNorm (minitorch keeps a frozen BatchNorm's
statistics by default). ``zero_grad()`` sets grads to None in both, so a frozen parameter
has no stale gradient for PyTorch's optimizer to apply.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import minitorch as mt
from minitorch import nn as mnn
from minitorch import optim as moptim

RTOL = 1e-6


class Mismatch(AssertionError):  # noqa: N818 - a failed comparison
    pass


def _torch():
    import torch

    return torch


def _layers(data, width: int) -> list[tuple[str, dict]]:
    specs = []
    for _ in range(data.draw(st.integers(1, 4), label="layers")):
        kind = data.draw(st.sampled_from(
            ["Linear", "ReLU", "LeakyReLU", "GELU", "Tanh", "Sigmoid", "BatchNorm1d",
             "LayerNorm", "Dropout", "Identity"]), label="layer")
        if kind == "Linear":
            out = data.draw(st.integers(2, 5), label="width")
            specs.append((kind, {"in_features": width, "out_features": out,
                                 "bias": data.draw(st.booleans(), label="bias")}))
            width = out
        elif kind == "LeakyReLU":
            specs.append((kind, {"negative_slope": data.draw(st.sampled_from([0.01, 0.2]))}))
        elif kind == "GELU":
            specs.append((kind, {"approximate": data.draw(st.sampled_from(["none", "tanh"]))}))
        elif kind == "BatchNorm1d":
            specs.append((kind, {"num_features": width,
                                 "momentum": data.draw(st.sampled_from([0.1, 0.5, None]))}))
        elif kind == "LayerNorm":
            specs.append((kind, {"normalized_shape": width}))
        elif kind == "Dropout":
            specs.append((kind, {"p": 0.0}))  # random masks cannot be compared
        else:
            specs.append((kind, {}))
    return specs, width


def _build(lib, specs):
    nn = lib.nn if lib is not mt else mnn
    layers = []
    for kind, kwargs in specs:
        kwargs = dict(kwargs)
        if kind == "BatchNorm1d" and lib is mt:
            kwargs["freeze_stats_when_frozen"] = False  # PyTorch's behaviour (see docstring)
        layers.append(getattr(nn, kind)(**kwargs))
    return nn.Sequential(*layers)


def _loss(data, n_out: int):
    name = data.draw(st.sampled_from(["MSELoss", "L1Loss", "SmoothL1Loss", "CrossEntropyLoss",
                                      "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]), label="loss")
    kwargs = {"reduction": data.draw(st.sampled_from(["mean", "sum"]), label="reduction")}
    if name == "CrossEntropyLoss":
        kwargs["label_smoothing"] = data.draw(st.sampled_from([0.0, 0.1]), label="smoothing")
    if name == "SmoothL1Loss":
        kwargs["beta"] = data.draw(st.sampled_from([1.0, 0.5]), label="beta")
    return name, kwargs


def _optimizer(data):
    name = data.draw(st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop"]), label="optimizer")
    lr = data.draw(st.sampled_from([0.1, 0.01]), label="lr")
    kw: dict = {"lr": lr}
    if name == "SGD":
        kw["momentum"] = data.draw(st.sampled_from([0.0, 0.9]), label="momentum")
        kw["weight_decay"] = data.draw(st.sampled_from([0.0, 0.01]), label="wd")
        kw["nesterov"] = kw["momentum"] > 0 and data.draw(st.booleans(), label="nesterov")
    elif name in ("Adam", "AdamW"):
        kw["weight_decay"] = data.draw(st.sampled_from([0.0, 0.01]), label="wd")
        kw["amsgrad"] = data.draw(st.booleans(), label="amsgrad")
    else:
        kw["momentum"] = data.draw(st.sampled_from([0.0, 0.5]), label="momentum")
        kw["centered"] = data.draw(st.booleans(), label="centered")
        kw["weight_decay"] = data.draw(st.sampled_from([0.0, 0.01]), label="wd")
    return name, kw


def _targets(rng, name: str, batch: int, n_out: int) -> np.ndarray:
    if name in ("CrossEntropyLoss", "NLLLoss"):
        return rng.integers(0, n_out, batch)
    if name in ("BCELoss", "BCEWithLogitsLoss"):
        return (rng.random((batch, n_out)) < 0.5).astype(np.float64)
    return rng.standard_normal((batch, n_out))


def _close(log, what, expected, actual):
    expected, actual = np.asarray(expected), np.asarray(actual)
    if expected.shape != actual.shape or not np.allclose(actual, expected, rtol=RTOL,
                                                         atol=1e-8, equal_nan=True):
        raise Mismatch(f"{what} differs\n  PyTorch:   {expected.tolist()!r:.300}\n"
                       f"  minitorch: {actual.tolist()!r:.300}\nprogram:\n  " + "\n  ".join(log))


def run_program(data) -> list[str]:
    """Draw one training program and run it in both; raises Mismatch at the first difference."""
    torch = _torch()
    width = data.draw(st.integers(2, 5), label="input width")
    specs, last = _layers(data, width)
    n_out = data.draw(st.integers(2, 4), label="outputs")
    specs.append(("Linear", {"in_features": last, "out_features": n_out, "bias": True}))
    loss_name, loss_kw = _loss(data, n_out)
    if loss_name == "NLLLoss":
        specs.append(("LogSoftmax", {"dim": 1}))
    if loss_name == "BCELoss":
        specs.append(("Sigmoid", {}))
    opt_name, opt_kw = _optimizer(data)
    log = [f"layers {specs}", f"loss {loss_name}{loss_kw}", f"optimizer {opt_name}{opt_kw}"]

    mt.manual_seed(data.draw(st.integers(0, 1000), label="init seed"))
    model = _build(mt, specs).double()
    tmodel = _build(torch, specs).double()
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
            assert name == tname, (name, tname)
            tp.copy_(torch.from_numpy(p.detach().numpy().copy()))
    loss_fn = getattr(mnn, loss_name)(**loss_kw)
    tloss_fn = getattr(torch.nn, loss_name)(**loss_kw)
    opt = getattr(moptim, opt_name)(model.parameters(), **opt_kw)
    opt.clear_state_when_frozen = False  # PyTorch's behaviour (see docstring)
    topt = getattr(torch.optim, opt_name)(tmodel.parameters(), **opt_kw)
    rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="data seed"))
    freezable = [i for i, m in enumerate(model) if list(m.parameters())]
    batch = data.draw(st.integers(2, 6), label="batch")

    for step in range(data.draw(st.integers(3, 8), label="steps")):
        action = data.draw(st.sampled_from(["none", "none", "freeze", "unfreeze", "eval",
                                            "train"]), label="action")
        if action in ("freeze", "unfreeze") and freezable:
            i = data.draw(st.sampled_from(freezable), label="layer to (un)freeze")
            flag = action == "unfreeze"
            model[i].requires_grad_(flag)
            tmodel[i].requires_grad_(flag)
            log.append(f"step {step}: model[{i}].requires_grad_({flag})")
        elif action in ("eval", "train"):
            getattr(model, action)()
            getattr(tmodel, action)()
            log.append(f"step {step}: model.{action}()")
        x = rng.standard_normal((batch, width))
        y = _targets(rng, loss_name, batch, n_out)
        opt.zero_grad()
        topt.zero_grad()
        loss = loss_fn(model(mt.tensor(x)), mt.tensor(y))
        tloss = tloss_fn(tmodel(torch.from_numpy(x)), torch.from_numpy(y))
        _close(log, f"step {step}: loss", tloss.item(), loss.item())
        if not any(p.requires_grad for p in model.parameters()):
            log.append(f"step {step}: everything frozen, no backward")
            continue
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        log.append(f"step {step}: backward, step (loss {tloss.item():.6g})")
        for (name, p), tp in zip(model.named_parameters(), tmodel.parameters()):
            if p.requires_grad != tp.requires_grad:
                raise Mismatch(f"step {step}: {name}.requires_grad {p.requires_grad} vs "
                               f"{tp.requires_grad}\n  " + "\n  ".join(log))
            if (p.grad is None) != (tp.grad is None):
                raise Mismatch(f"step {step}: {name}.grad is {p.grad!r:.80} in minitorch, "
                               f"{tp.grad!r:.80} in PyTorch\n  " + "\n  ".join(log))
            if tp.grad is not None:
                _close(log, f"step {step}: {name}.grad", tp.grad.numpy(), p.grad.numpy())
            _close(log, f"step {step}: {name} after the step", tp.detach().numpy(),
                   p.detach().numpy())
        for (name, b), (_, tb) in zip(model.named_buffers(), tmodel.named_buffers()):
            _close(log, f"step {step}: buffer {name}", tb.numpy(), b.numpy())
    return log
