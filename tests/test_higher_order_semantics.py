"""create_graph semantics: PyTorch's rules, freezing at every order, custom Functions,
no leaks, and the MAML example."""
from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.autograd.function import once_differentiable

ROOT = Path(__file__).resolve().parents[1]


def test_default_backward_records_nothing_extra():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    (g,) = mt.autograd.grad((x * x).sum(), x)
    assert g.grad_fn is None and not g.requires_grad


def test_backward_create_graph_leaves_differentiable_grad_and_keeps_the_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    y.backward(create_graph=True)  # retain_graph defaults to create_graph, as in PyTorch
    assert x.grad.requires_grad and x.grad.tolist() == [3.0, 12.0]
    grad = x.grad
    x.grad = None
    grad.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    y.backward()  # the first graph was kept
    assert x.grad.tolist() == [9.0, 24.0]


def test_create_graph_accumulates_out_of_place_like_pytorch():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    first = x.grad
    (x * x).sum().backward(create_graph=True)
    assert first.tolist() == [2.0, 4.0]  # not modified in place
    assert x.grad.tolist() == [4.0, 8.0] and x.grad.grad_fn is not None


def test_frozen_parameter_gets_no_gradient_and_no_graph_at_any_order():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    nn.freeze(model[0])
    x = mt.randn(5, 3)
    loss = model(x).pow(2).mean()
    trainable = [p for p in model.parameters() if p.requires_grad]
    grads = mt.autograd.grad(loss, trainable, create_graph=True)
    second = mt.autograd.grad(sum(g.sum() for g in grads), trainable, allow_unused=True)
    assert any(g is not None for g in second)
    assert model[0].weight.grad is None and model[0].bias.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        mt.autograd.grad(loss, [model[0].weight], create_graph=True)


def test_no_grad_and_detach_cut_higher_order_graphs():
    x = mt.tensor([0.5, -1.0], requires_grad=True)
    with mt.no_grad():
        scale = x * 3
    (g,) = mt.autograd.grad((scale * x * x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 2 * scale.numpy())  # scale is a constant
    (g,) = mt.autograd.grad((x.detach() * x).sum(), x, create_graph=True)
    assert not g.requires_grad  # d/dx of c x is c: nothing left to record


def test_tensor_hooks_see_and_change_recorded_gradients():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.requires_grad) or g * 2)
    (x ** 2).sum().backward(create_graph=True)
    assert seen == [True] and x.grad.tolist() == [4.0, 8.0]
    grad = x.grad
    x.grad = None
    grad.sum().backward()
    assert x.grad.tolist() == [8.0, 8.0]  # d/dx of 2 * 2x, through the hook's doubling


class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


class NumpyCube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mt.tensor(3 * x.detach().numpy() ** 2 * grad.detach().numpy())


class DecoratedCube(Cube):
    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


def test_custom_function_with_tensor_backward_is_twice_differentiable():
    x = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda t: Cube.apply(t), [x])
    (g,) = mt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, -12.0]


@pytest.mark.parametrize("fn", [NumpyCube, DecoratedCube])
def test_custom_function_computed_outside_the_graph_raises_on_double_backward(fn):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad(fn.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0]  # the first derivative is right
    with pytest.raises(RuntimeError, match=rf"backward of {fn.__name__} is not differentiable"):
        mt.autograd.grad(g.sum(), x)


def test_custom_function_returning_numpy_under_create_graph_is_a_clear_error():
    class Bad(Cube):
        @staticmethod
        def backward(ctx, grad):
            return grad.detach().numpy() * 3

    x = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward returned a ndarray"):
        mt.autograd.grad(Bad.apply(x).sum(), x, create_graph=True)


def test_second_backward_through_a_freed_graph_still_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    mt.autograd.grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        mt.autograd.grad(y, x, create_graph=True)


def test_in_place_change_of_a_saved_tensor_is_caught_in_the_recorded_pass():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.sin().sum()  # sin saves its input
    with mt.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        mt.autograd.grad(z, x, create_graph=True)


def _maml_step(params, opt, tasks):
    from examples.maml_sinusoid import adapt, per_task, task_losses

    xs, ys, xq, yq = tasks.batch(2, 5, 5)
    opt.zero_grad()
    weights = adapt(per_task(params, 2), xs, ys, [True] * 6, second_order=True)
    task_losses(weights, xq, yq).mean().backward()
    opt.step()


def test_maml_meta_iterations_leave_no_graph_behind():
    sys.path.insert(0, str(ROOT))
    from examples.maml_sinusoid import SinusoidTasks, make_model

    model = make_model(0)
    params = list(model.parameters())
    opt = mt.optim.Adam(params, lr=1e-3)
    tasks = SinusoidTasks(0)
    for _ in range(50):
        _maml_step(params, opt, tasks)
    gc.collect()
    before = len(gc.get_objects())
    gc.disable()
    try:
        for _ in range(1000):
            _maml_step(params, opt, tasks)
        unreachable = gc.collect()  # reference cycles the steps left behind
    finally:
        gc.enable()
    after = len(gc.get_objects())
    assert unreachable == 0
    assert after - before < 50  # flat: nothing accumulates per meta-iteration


def test_maml_beats_joint_pretraining_after_one_step():
    sys.path.insert(0, str(ROOT))
    from examples.maml_sinusoid import evaluate, meta_train

    maml = meta_train("maml", 400, 25, seed=0)
    pretrained = meta_train("pretrained", 400, 25, seed=0)
    got = evaluate(maml, 10, (1,), 200, seed=7)[1][0]
    base = evaluate(pretrained, 10, (1,), 200, seed=7)[1][0]
    assert got < base


def test_docs_maml_table_is_what_the_script_prints():
    """docs/autograd.md quotes the table of the documented run; rerun it."""
    text = (ROOT / "docs" / "autograd.md").read_text()
    block = re.search(r"<!-- maml-table -->\n```text\n(.*?)```\n<!-- /maml-table -->", text,
                      re.S)
    assert block, "docs/autograd.md lost its MAML table"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "maml_sinusoid.py")],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    printed = [line for line in out.splitlines() if line.startswith(("MAML on", "|"))]
    quoted = [line for line in block.group(1).splitlines() if line.startswith(("MAML on", "|"))]
    assert printed == quoted


def test_maml_inner_step_leaves_frozen_layers_fixed_without_allow_unused():
    """ANIL: the inner step differentiates only the adapted weights; the others stay
    exactly as they were, and the outer step still trains the whole network."""
    sys.path.insert(0, str(ROOT))
    from examples.maml_sinusoid import SinusoidTasks, adapt, make_model, meta_train, per_task

    model = make_model(0)
    weights = per_task(list(model.parameters()), 3)
    xs, ys, _, _ = SinusoidTasks(0).batch(3, 5, 5)
    adapted = adapt(weights, xs, ys, [False] * 4 + [True] * 2, second_order=True)
    assert all(a is w for a, w in zip(adapted[:4], weights[:4]))
    assert not np.array_equal(adapted[4].detach().numpy(), weights[4].detach().numpy())
    before = model[0].weight.detach().clone()
    trained = meta_train("maml", 3, 4, seed=0, anil=True)
    assert not trained[0].weight.detach().equal(before)  # the body is meta-trained
