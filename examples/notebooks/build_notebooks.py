"""Build the example notebooks from the cell sources below, run them, and save them with
their outputs (plots included), so that they display on a code host.

    python examples/notebooks/build_notebooks.py              # build and run all
    python examples/notebooks/build_notebooks.py 02_train_mlp  # only some
    python examples/notebooks/build_notebooks.py --no-execute  # sources only, no outputs

Edit the notebooks here, not in Jupyter: tests/test_notebooks.py checks that the committed
notebooks have exactly these cells, runs them, and compares the numbers they print with the
stored ones. Needs the ``notebooks`` extra (``pip install -e ".[notebooks]"``).

The kernel always runs in one deterministic setting (``DETERMINISTIC_ENV``: one BLAS
thread, a fixed hash seed; the cells seed minitorch themselves), so that a rebuild, and
the test's rerun, print the numbers that are stored. Times are the only exception.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from textwrap import dedent

HERE = Path(__file__).resolve().parent
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
TIMEOUT = 120  # seconds per cell
# One BLAS thread: with several, matrix products add in a varying order and the printed
# accuracies move from run to run. Set for the kernel process before numpy loads BLAS.
DETERMINISTIC_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                     "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}

Cell = tuple[str, str]  # ("md" or "code", source)


def md(text: str) -> Cell:
    return ("md", dedent(text).strip("\n"))


def code(text: str) -> Cell:
    return ("code", dedent(text).strip("\n"))


SETUP = code("""
    %matplotlib inline
    import matplotlib.pyplot as plt
    import numpy as np

    import minitorch as mt
    from minitorch import data, nn, optim

    mt.manual_seed(0)
    plt.rcParams["figure.dpi"] = 90
""")

# --------------------------------------------------------------------------- notebook 1
REQUIRES_GRAD = [
    md("""
        # `requires_grad`, interactively

        This notebook shows what the `requires_grad` flag does in minitorch (and in PyTorch,
        which behaves the same way): which computations get recorded, what the recorded
        graph looks like, how gradients come out of it, and what recording costs. The
        written version, with every pitfall, is
        [docs/requires_grad.md](../../docs/requires_grad.md).
    """),
    SETUP,
    md("""
        ## 1. The flag, and the gradient it makes possible

        A tensor that requires grad has its operations recorded. Each result remembers the
        operation that made it (`grad_fn`), and `backward()` walks those records in reverse
        to compute gradients. For `y = x * x` at `x = 2`, `dy/dx = 2x = 4`.
    """),
    code("""
        x = mt.tensor(2.0, requires_grad=True)
        y = x * x
        print("y =", y, "| made by", y.grad_fn)
        y.backward()
        print("dy/dx =", x.grad)
    """),
    md("""
        Without the flag, nothing is recorded, so there is nothing to walk back through:
    """),
    code("""
        plain = mt.tensor(2.0)
        z = plain * plain
        print("grad_fn:", z.grad_fn, "| requires_grad:", z.requires_grad)
        try:
            z.backward()
        except RuntimeError as err:
            print("RuntimeError:", str(err)[:100], "...")
    """),
    md("""
        ## 2. The graph

        Every recorded operation is a node; `grad_fn.next_functions` lists the nodes of its
        inputs. Leaves (tensors you created) end in an `AccumulateGrad` node, which is where
        their `.grad` gets filled in. The function below draws the graph behind a tensor,
        with the loss at the top; `backward()` walks it from top to bottom.
    """),
    code('''
        def graph_layers(root):
            """The graph behind ``root`` in rows: each node one row below its lowest
            consumer, leaves (AccumulateGrad) on the bottom row."""
            depth, stack = {root: 0}, [root]
            while stack:
                node = stack.pop()
                for child, _ in node.next_functions:
                    if child is not None and depth.get(child, -1) < depth[node] + 1:
                        depth[child] = depth[node] + 1
                        stack.append(child)
            bottom = max(depth.values())
            rows = [[] for _ in range(bottom + 1)]
            for node, d in depth.items():
                rows[bottom if hasattr(node, "variable") else d].append(node)
            return [row for row in rows if row]


        def draw_graph(tensor, names=None, ax=None):
            """Draw the graph behind ``tensor``; ``names`` maps labels to leaf tensors."""
            label_of = {id(t): n for n, t in (names or {}).items()}
            rows = graph_layers(tensor.grad_fn)
            x, placed = {}, []
            for row in rows:
                # Put each node under the mean position of its consumers (fewer crossing
                # edges), at least one unit apart, the row centred on those wishes.
                want = {}
                for n in row:
                    above = [x[p] for p in placed for c, _ in p.next_functions if c is n]
                    want[n] = sum(above) / len(above) if above else 0.0
                row.sort(key=want.get)
                spots = []
                for n in row:
                    spots.append(want[n] if not spots else max(want[n], spots[-1] + 1.0))
                shift = (sum(want.values()) - sum(spots)) / len(row)
                for n, spot in zip(row, spots):
                    x[n] = spot + shift
                placed += row
            y = {node: -r for r, row in enumerate(rows) for node in row}
            ax = ax or plt.subplots(figsize=(6.5, 1.2 * len(rows)))[1]
            for node in x:
                for child, _ in node.next_functions:
                    if child is not None:
                        ax.annotate("", xy=(x[child], y[child]), xytext=(x[node], y[node]),
                                    arrowprops=dict(arrowstyle="->", color="grey",
                                                    shrinkA=13, shrinkB=13))
            for node in x:
                leaf = getattr(node, "variable", None)
                label = node.name() if leaf is None else (
                    f"{label_of.get(id(leaf), 'leaf')}.grad\\n(AccumulateGrad)")
                ax.text(x[node], y[node], label, ha="center", va="center", fontsize=9,
                        bbox=dict(boxstyle="round", fc="#dbe9f6" if leaf is None else "#fde2c8"))
            ax.set_xlim(min(x.values()) - 0.9, max(x.values()) + 0.9)
            ax.set_ylim(-len(rows) + 0.5, 0.5)
            ax.axis("off")
            return ax
    '''),
    code("""
        a = mt.tensor(2.0, requires_grad=True)
        b = mt.tensor(3.0, requires_grad=True)
        c = mt.tensor(4.0)                      # a constant: no flag, no node
        loss = a * b + (a * c).relu()
        print("the same graph as text:", loss.grad_fn, "->",
              [child for child, _ in loss.grad_fn.next_functions])
        draw_graph(loss, {"a": a, "b": b})
        plt.title("loss = a*b + relu(a*c); backward walks from the top down")
        plt.show()
    """),
    md("""
        `minitorch.viz` draws the recorded graph for you, the other way up (data flows down
        to the output), with each box coloured by what it is: green leaves get `.grad`,
        blue boxes are recorded operations, and `c`, which requires no grad, enters as a
        dotted input without history. `show_saved=True` lists what each node keeps for
        backward. The picture shows inline, with nothing to install beyond minitorch.
    """),
    code("""
        from minitorch import viz

        viz.graph(loss, params={"a": a, "b": b, "c": c}, show_saved=True)
    """),
    md("""
        `a` feeds two operations, so two edges lead to its `AccumulateGrad`, and backward
        adds the two contributions: `d loss/da = b + c = 7` (the ReLU passes the gradient
        through, since `a*c > 0`), `d loss/db = a = 2`. `c` does not
        require grad, so it is not in the graph at all and gets no gradient.
    """),
    code("""
        loss.backward()
        print("a.grad =", a.grad, " b.grad =", b.grad, " c.grad =", c.grad)
    """),
    md("""
        ## 3. Gradients of a whole curve

        With a tensor of many points that requires grad, one `backward()` gives the
        derivative at every point at once (each output depends only on its own input, so
        the gradient of the sum is the pointwise derivative). Here is `f(x) = x sin(x)`
        with its autograd derivative, against the formula `sin(x) + x cos(x)`.
    """),
    code("""
        xs = mt.linspace(-8, 8, 400, requires_grad=True)
        f = xs * xs.sin()
        f.sum().backward()

        grid = xs.detach().numpy()
        fig, ax = plt.subplots(figsize=(7, 3.2))
        ax.plot(grid, f.detach().numpy(), label="f(x) = x sin(x)")
        ax.plot(grid, xs.grad.numpy(), label="xs.grad (autograd)", lw=3, alpha=0.6)
        ax.plot(grid, np.sin(grid) + grid * np.cos(grid), "k--", lw=1, label="sin x + x cos x")
        ax.axhline(0, color="grey", lw=0.5)
        ax.legend(loc="upper center", ncol=3, fontsize=8)
        plt.show()
        print("largest difference from the formula:",
              float(np.abs(xs.grad.numpy() - (np.sin(grid) + grid * np.cos(grid))).max()))
    """),
    md("""
        ## 4. Changing the flag after creation

        On a leaf the flag can change at any time. If it is switched off after the graph
        was built, no error is raised: backward simply does not deliver a gradient to it.
        On a computed tensor (a non-leaf) it cannot be switched off; `detach()` is the way
        to stop gradients there.
    """),
    code("""
        w = mt.tensor([1.0, 2.0], requires_grad=True)
        out = (w * w).sum()
        w.requires_grad_(False)            # after the graph was built
        out.backward()                     # no error...
        print("w.grad after backward:", w.grad)   # ...and no gradient

        w.requires_grad_(True)
        h = w * 3
        try:
            h.requires_grad = False
        except RuntimeError as err:
            print("non-leaf:", str(err)[:75], "...")
        print("h.detach():", h.detach(), "requires_grad =", h.detach().requires_grad)
    """),
    md("""
        ## 5. `no_grad`, `enable_grad`, `set_grad_enabled`

        Grad mode switches recording off for a block of code without touching any flag.
        Evaluation code runs under `no_grad()`: no graph, nothing kept.
    """),
    code("""
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        batch = mt.randn(16, 4)

        with mt.no_grad():
            out = model(batch)
        print("under no_grad: grad_fn =", out.grad_fn,
              "| parameters still require grad:", all(p.requires_grad for p in model.parameters()))

        with mt.no_grad():
            with mt.enable_grad():
                print("enable_grad inside no_grad: grad_fn =", model(batch).grad_fn)

        for training in (True, False):
            with mt.set_grad_enabled(training):
                print(f"set_grad_enabled({training}): grad_fn = {model(batch).grad_fn}")
    """),
    md("""
        In a picture of the graph, `detach()` and `no_grad()` both show up as inputs without
        history (dotted boxes): that is where the graph, and every gradient, stops. Inside
        `viz.record()` the nodes also remember their inputs, so the picture can say where a
        detached value came from (the dashed `detach()` arrow), and group the nodes by layer
        (`depth=1`). Here the second layer sees a detached copy of the first layer's output,
        and a third layer runs under `no_grad()`:
    """),
    code("""
        class Three(nn.Module):
            def __init__(self):
                super().__init__()
                self.first, self.second, self.third = (nn.Linear(4, 8), nn.Linear(8, 2),
                                                       nn.Linear(4, 2))

        net = Three()
        with viz.record(net):
            h = net.first(batch).relu()
            with mt.no_grad():
                guide = net.third(batch)
            out = (net.second(h.detach()) - guide).pow(2).mean() + h.mean()
        viz.graph(out, params=net, depth=1)
    """),
    md("""
        ## 6. What recording costs

        A recorded operation keeps the arrays its backward will need, until backward runs.
        Below, the memory a forward pass leaves behind (measured with `tracemalloc`, which
        sees numpy's allocations) as the network gets deeper, with and without recording.
        The full measurement is `docs/scripts/measure_tracking.py`.
    """),
    code("""
        import gc
        import tracemalloc


        def kept_after_forward(model, batch, grad):
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            with mt.set_grad_enabled(grad):
                out = model(batch).sum()
            kept = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            return kept / 2**20, out


        depths = [1, 2, 4, 8]
        batch = mt.randn(256, 256)
        kept = {True: [], False: []}
        for depth in depths:
            layers = []
            for _ in range(depth):
                layers += [nn.Linear(256, 256), nn.ReLU()]
            deep = nn.Sequential(*layers)
            for grad in (True, False):
                kept[grad].append(kept_after_forward(deep, batch, grad)[0])

        fig, ax = plt.subplots(figsize=(6, 3))
        width = 0.38
        ax.bar(np.arange(4) - width / 2, kept[True], width, label="recording (training)")
        ax.bar(np.arange(4) + width / 2, kept[False], width, label="no_grad() (evaluation)")
        ax.set_xticks(range(4), [f"{d} layer{'s' if d > 1 else ''}" for d in depths])
        ax.set_ylabel("MiB kept after forward")
        ax.legend()
        plt.show()
        print("MiB kept with recording:", [round(k, 2) for k in kept[True]])
        print("MiB kept under no_grad: ", [round(k, 2) for k in kept[False]])
    """),
    md("""
        With recording, each layer keeps its input (for the weight gradient) and a ReLU
        mask: memory grows with depth. Under `no_grad()` the bars are at zero: each
        activation is freed as soon as the next layer has used it.

        ## 7. `detach()` shares memory

        `detach()` cuts the graph but not the memory: the detached tensor and the original
        are the same numbers. Changing one in place changes the other, and if the original
        was saved for backward, the version counter notices:
    """),
    code("""
        x = mt.tensor([0.0, 1.0], requires_grad=True)
        y = x.exp()            # exp saves its output y for backward
        d = y.detach()
        d[0] = 5.0             # writes into y's memory too
        print("y after editing d:", y)
        try:
            y.sum().backward()
        except RuntimeError as err:
            print("backward:", str(err)[:160], "...")
        print("an independent copy is y.detach().clone()")
    """),
    md("""
        ## 8. Leaves and `.grad`: gradients accumulate

        `backward()` adds to `.grad`; it does not overwrite it. That is why training loops
        clear gradients before each backward pass.
    """),
    code("""
        w = mt.tensor(1.0, requires_grad=True)
        for step in range(3):
            (w * 2).backward()
            print(f"after backward #{step + 1}: w.grad = {w.grad}")
        w.grad = None   # what optimizer.zero_grad() does
        h = w * 3
        h.retain_grad()  # non-leaves keep a .grad only when asked
        (h * h).backward()
        print("w.grad =", w.grad, "| h.grad =", h.grad, "| h.is_leaf =", h.is_leaf)
    """),
    md("""
        ## Where next

        - [docs/requires_grad.md](../../docs/requires_grad.md): the misconceptions, each
          with code and what really happens.
        - [docs/autograd.md](../../docs/autograd.md): how the graph is recorded and walked.
        - [02_train_mlp.ipynb](02_train_mlp.ipynb) and
          [03_transfer_learning.ipynb](03_transfer_learning.ipynb): the flag at work.
    """),
]

# --------------------------------------------------------------------------- notebook 2
TRAIN_MLP = [
    md("""
        # Training an MLP on handwritten digits

        A small multi-layer perceptron learns scikit-learn's 8×8 digits (1,797 images, 10
        classes; bundled, nothing is downloaded). The loop is `minitorch.train.fit`; we plot
        its history, then look at the predictions.
    """),
    SETUP,
    code("""
        digits = data.load_digits(seed=0)
        print(digits)
        train_loader = data.DataLoader(digits.train, batch_size=32, shuffle=True, seed=0)
        test_loader = data.DataLoader(digits.test, batch_size=256)

        model = nn.Sequential(
            nn.Linear(digits.num_features, 64), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, digits.num_classes),
        )
        print(nn.summary(model, input_shape=(1, digits.num_features)))
    """),
    md("""
        `fit` runs, for each epoch, the classic loop: `model.train()`, then for each batch
        `optimizer.zero_grad()`, forward, loss, `loss.backward()`, `optimizer.step()`; then
        it evaluates on `val_loader` in `eval()` mode under `no_grad()`.
    """),
    code("""
        from minitorch.train import evaluate, fit

        history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                      train_loader, epochs=25, val_loader=test_loader, verbose=False)
        print(f"final test accuracy {history['val_accuracy'][-1]:.3f}, "
              f"{1000 * np.median(history['seconds']):.0f} ms per epoch")
    """),
    code("""
        epochs = np.arange(1, len(history["loss"]) + 1)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
        left.plot(epochs, history["loss"], label="train")
        left.plot(epochs, history["val_loss"], label="test")
        left.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
        right.plot(epochs, history["accuracy"], label="train")
        right.plot(epochs, history["val_accuracy"], label="test")
        right.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0.5, 1.01))
        for ax in (left, right):
            ax.legend()
            ax.grid(alpha=0.3)
        plt.tight_layout()
        plt.show()
    """),
    md("""
        The training curves are measured with dropout on and while the weights change
        during the epoch; the test curves with the model in `eval()` mode at the end of
        each epoch, which is why test accuracy can be above training accuracy early on.

        ## Predictions

        For predictions: `eval()` (dropout off) and `no_grad()` (no graph). The features
        were standardised; `digits.mean` and `digits.std` undo that for display.
    """),
    code("""
        images, labels = digits.test[:12]
        model.eval()
        with mt.no_grad():
            predicted = model(images).argmax(dim=1)

        fig, axes = plt.subplots(1, 12, figsize=(12, 1.6))
        raw = images.numpy() * digits.std + digits.mean
        for ax, image, label, guess in zip(axes, raw, labels.tolist(), predicted.tolist()):
            ax.imshow(image.reshape(8, 8), cmap="gray_r")
            ax.set_title(f"{guess}", color="green" if guess == label else "red")
            ax.axis("off")
        plt.suptitle("predicted digit (red: wrong)", y=1.05)
        plt.show()
    """),
    code("""
        with mt.no_grad():
            images, labels = digits.test[:]
            predicted = model(images).argmax(dim=1).numpy()
        confusion = np.zeros((10, 10), dtype=int)
        np.add.at(confusion, (labels.numpy(), predicted), 1)

        fig, ax = plt.subplots(figsize=(4.5, 4))
        ax.imshow(confusion, cmap="Blues")
        for i in range(10):
            for j in range(10):
                if confusion[i, j]:
                    ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=7,
                            color="white" if confusion[i, j] > 20 else "black")
        ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test set)",
               xticks=range(10), yticks=range(10))
        plt.show()
        scores = evaluate(model, nn.CrossEntropyLoss(), test_loader)
        print(f"test accuracy {scores['accuracy']:.3f}, test loss {scores['loss']:.3f}")
    """),
    md("""
        ## Where next

        [03_transfer_learning.ipynb](03_transfer_learning.ipynb) reuses a trained network
        on new classes by freezing its layers. `examples/train_mlp.py` is this notebook as a
        script.
    """),
]

# --------------------------------------------------------------------------- notebook 3
TRANSFER = [
    md("""
        # Transfer learning with frozen layers

        A network trained on one task is reused for another task with few labels: its
        pretrained layers (the **body**) are kept, a new output layer (the **head**) is put
        on top. Three ways to train on the new task are compared, always on the same few
        labelled images:

        1. **frozen body + new head**: the pretrained layers are frozen, only the head trains;
        2. **full fine-tuning**: everything trainable, with lower learning rates for the
           pretrained layers than for the head (discriminative learning rates);
        3. **from scratch**: the same architecture from random weights, as a baseline.

        Two experiments show when reusing pretrained layers pays off and when it does not.
        The how-to, with every rule, is [docs/freezing.md](../../docs/freezing.md).
    """),
    SETUP,
    code("""
        import copy

        from minitorch.train import evaluate, fit

        loss_fn = nn.CrossEntropyLoss()
        EPOCHS = 30


        def block(n_in, n_out):
            return nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU())


        def make_net(num_classes):
            return nn.Sequential(block(64, 128), block(128, 128), nn.Linear(128, num_classes))


        def pretrain(train_set, num_classes, epochs=8):
            mt.manual_seed(0)
            model = make_net(num_classes)
            fit(model, loss_fn, optim.Adam(model.parameters(), lr=1e-3),
                data.DataLoader(train_set, batch_size=32, shuffle=True, seed=0),
                epochs=epochs, verbose=False)
            return model


        def compare(pretrained, train_set, test_set, num_classes, epochs=EPOCHS):
            \"\"\"Train the three ways on train_set; return their histories and models.\"\"\"
            loader = data.DataLoader(train_set, batch_size=10, shuffle=True, seed=0)
            test_loader = data.DataLoader(test_set, batch_size=512)
            runs, models = {}, {}
            for name in ("frozen body + new head", "full fine-tuning", "from scratch"):
                mt.manual_seed(1)
                if name == "from scratch":
                    model = make_net(num_classes)
                    optimizer = optim.Adam(model.parameters(), lr=1e-2)
                else:
                    model = copy.deepcopy(pretrained)
                    model[2] = nn.Linear(128, num_classes)       # the new head
                    if name == "frozen body + new head":
                        nn.freeze_to(model, -1)                  # only the head trains
                        optimizer = optim.Adam(model.parameters(), lr=1e-2)
                    else:
                        groups = optim.discriminative_param_groups(list(model.children()),
                                                                   lr=slice(1e-4, 1e-2))
                        optimizer = optim.Adam(groups)
                runs[name] = fit(model, loss_fn, optimizer, loader, epochs=epochs,
                                 val_loader=test_loader, verbose=False)
                models[name] = model
            return runs, models


        def plot_runs(runs, title, chance):
            epochs = np.arange(1, len(next(iter(runs.values()))["loss"]) + 1)
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
            for name, history in runs.items():
                left.plot(epochs, history["val_accuracy"], label=name)
                right.plot(epochs, history["loss"], label=name)
            left.axhline(chance, color="grey", ls=":", label="chance")
            left.set(xlabel="epoch", ylabel="test accuracy", title=title, ylim=(0, 1))
            right.set(xlabel="epoch", ylabel="training loss", yscale="log",
                      title="Training loss on the few labelled images")
            for ax in (left, right):
                ax.grid(alpha=0.3)
                ax.legend(fontsize=8)
            plt.tight_layout()
            plt.show()
            for name, history in runs.items():
                print(f"{name:>24}: final test accuracy {history['val_accuracy'][-1]:.3f}")
    """),
    md("""
        ## Experiment 1: new digits

        `data.digits_transfer` splits scikit-learn's 8×8 digits in two tasks: a **source**
        task, the digits 0-4 with every training image, and a **target** task, the digits
        5-9 with only 10 labelled images per digit. No image is in both.
    """),
    code("""
        task = data.digits_transfer(labels_per_class=10, seed=0)
        source, target = task.source, task.target
        print("source:", source)
        print("target:", target, "| labelled training images:", len(target.train))

        pretrained = pretrain(source.train, source.num_classes)
        accuracy = evaluate(pretrained, loss_fn, data.DataLoader(source.test, batch_size=512))
        print(f"pretrained network, test accuracy on digits 0-4: {accuracy['accuracy']:.3f}")
    """),
    md("""
        Freezing the body leaves only the head's 645 parameters to train; `summary` shows it:
    """),
    code("""
        frozen_view = nn.freeze_to(copy.deepcopy(pretrained), -1)
        print(nn.summary(frozen_view))
    """),
    md("""
        The same as pictures, with `minitorch.viz`: the layer stack with each layer's state,
        then the graph one training step records, with every parameter trainable (left) and
        with the body frozen (right). The frozen body has no node in the graph: it is one
        grey box, and the head's input is an input without history. The totals under each
        graph count the nodes and the arrays kept for backward.
    """),
    code("""
        from minitorch import viz

        images, labels = next(iter(data.DataLoader(source.train, batch_size=32)))
        display(viz.layers(frozen_view, (32, 64), collapse_frozen=True))
        full_loss = loss_fn(pretrained(images), labels)
        with viz.record(frozen_view):
            frozen_loss = loss_fn(frozen_view(images), labels)
        options = dict(show_saved=True, collapse_frozen=True)
        frozen_graph = viz.graph(frozen_loss, params=frozen_view, **options)
        viz.graph(full_loss, params=pretrained, compare=frozen_graph, **options,
                  titles=("every parameter trainable", "body frozen"))
    """),
    code("""
        runs, models = compare(pretrained, target.train, target.test, target.num_classes)
        plot_runs(runs, "Digits 5-9, body pretrained on digits 0-4", 1 / target.num_classes)
        final_1 = {name: history["val_accuracy"][-1] for name, history in runs.items()}
        assert abs(final_1["full fine-tuning"] - final_1["from scratch"]) < 0.01
    """),
    md("""
        Here the pretrained body does **not** beat training from scratch, and the frozen
        body does worst. That is a real outcome of transfer learning, not a bug: the body
        learned features that tell 0-4 apart, which need not be the ones that tell 5-9
        apart, and the 64 raw pixels of these tiny images are already good features, so a
        network trained from scratch on 50 images does well. Freezing locks in the source
        task's features; fine-tuning adapts them and ends close to from scratch, within a
        hundredth in this run (the accuracies printed above; the cell checks it), without a
        clear lead either way. The lesson: always compare with a from-scratch baseline.

        ## Experiment 2: a new question about the same digits

        Transfer pays off when the new task needs what the body has learned. Pretrain on
        all ten digits; then the new task asks whether a digit is **even or odd**, with
        only a few labelled images of each. Telling even from odd is hard from pixels and
        few labels (a 0 and an 8 look more alike than a 0 and a 2), and easy once you know
        which digit it is, which is what the body has learned. The test images are the held
        out test split: the body never saw them.
    """),
    code("""
        digits = data.load_digits(seed=0)
        pretrained_10 = pretrain(digits.train, digits.num_classes)

        x_train, y_train = digits.train[:]
        x_test, y_test = digits.test[:]
        parity_test = data.TensorDataset(x_test, y_test.numpy() % 2)


        def parity_train_set(per_class, seed=0):
            \"\"\"``per_class`` random even and as many odd training images, labelled 0/1.\"\"\"
            rng = np.random.default_rng(seed)
            parity = y_train.numpy() % 2
            rows = np.concatenate([rng.choice(np.flatnonzero(parity == c), per_class,
                                              replace=False) for c in (0, 1)])
            return data.TensorDataset(x_train.numpy()[rows], parity[rows])


        runs_parity, models_parity = compare(pretrained_10, parity_train_set(10), parity_test, 2)
        plot_runs(runs_parity, "Even or odd, 10 labels per class", 0.5)
    """),
    md("""
        Now the frozen pretrained body comes out ahead of both others: the head only has to
        map "which digit" to "even or odd". Fine-tuning, with 20 labelled images, drifts
        towards what training from scratch finds. With other numbers of labels per class,
        the frozen body stays ahead of from scratch at every size tried here, by far the
        most with only 2 labelled images per class; beyond that its lead does not shrink
        steadily as labels are added (one seed, one run; the cell prints and checks it):
    """),
    code("""
        sizes = [2, 5, 10, 25]
        final = {"frozen body + new head": [], "from scratch": []}
        for k in sizes:
            runs_k, _ = compare(pretrained_10, parity_train_set(k), parity_test, 2, epochs=20)
            for name in final:
                final[name].append(runs_k[name]["val_accuracy"][-1])

        fig, ax = plt.subplots(figsize=(6, 3.4))
        for name, accuracies in final.items():
            ax.plot(sizes, accuracies, "o-", label=name)
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(k) for k in sizes])
        ax.minorticks_off()
        ax.set(xlabel="labelled images per class", ylabel="test accuracy",
               title="Even or odd, after 20 epochs", ylim=(0.4, 1))
        ax.grid(alpha=0.3)
        ax.legend()
        plt.show()
        for name, accuracies in final.items():
            print(f"{name:>24}:", [round(a, 3) for a in accuracies])
        lead = [f - s for f, s in zip(final["frozen body + new head"], final["from scratch"])]
        print(f"{'lead of the frozen body':>24}:", [round(d, 3) for d in lead])
        assert min(lead) > 0 and max(lead) == lead[0]
    """),
    md("""
        ## Frozen means frozen

        While the body was frozen, nothing in it changed: not its weights (minitorch's
        optimizers skip frozen parameters, even with momentum or weight decay) and not the
        running statistics of its BatchNorm layers (a BatchNorm layer whose parameters are
        all frozen keeps them, even in training mode; in PyTorch they would drift).
    """),
    code("""
        frozen_model = models_parity["frozen body + new head"]
        same = all(np.array_equal(a.numpy(), b.numpy())
                   for a, b in zip(frozen_model[:2].state_dict().values(),
                                   pretrained_10[:2].state_dict().values()))
        print("body identical to the pretrained one (weights and running statistics):", same)
        print("BatchNorm layers keeping their statistics:",
              [m.stats_frozen() for m in frozen_model.modules() if isinstance(m, nn.BatchNorm1d)])
    """),
    md("""
        ## LoRA and gradual unfreezing

        Two other ways to adapt the pretrained body on the parity task, compared with the
        frozen body above, with learning curves:

        - **LoRA** (`nn.add_lora`): the body's weights stay frozen, and a trainable
          low-rank update `B @ A` (rank 4 here) is added to each of its Linear layers; the
          output is unchanged at the start, since `B` starts at zero;
        - **gradual unfreezing** (`train.GradualUnfreezing`, ULMFiT): the head trains alone
          first, then the top block joins, then the first one, every 5 epochs, at a tenth
          of their group's learning rate (`lr_ratio=0.1`), with one optimizer throughout.
    """),
    code("""
        from minitorch import train

        loader = data.DataLoader(parity_train_set(10), batch_size=10, shuffle=True, seed=0)
        test_loader = data.DataLoader(parity_test, batch_size=512)
        more = {"frozen body + new head": runs_parity["frozen body + new head"]}

        mt.manual_seed(1)
        lora_model = copy.deepcopy(pretrained_10)
        lora_model[2] = nn.Linear(128, 2)
        nn.freeze(lora_model, names=["0.*", "1.*"])
        print("LoRA on:", nn.add_lora(lora_model, rank=4, alpha=8, targets=["0.0", "1.0"]))
        more["LoRA (rank 4) + new head"] = fit(
            lora_model, loss_fn, optim.Adam(lora_model.parameters(), lr=1e-2), loader,
            epochs=EPOCHS, val_loader=test_loader, verbose=False)

        mt.manual_seed(1)
        gradual = copy.deepcopy(pretrained_10)
        gradual[2] = nn.Linear(128, 2)
        groups = optim.discriminative_param_groups(list(gradual.children()), lr=1e-2)
        history = fit(gradual, loss_fn, optim.Adam(groups), loader, epochs=EPOCHS,
                      val_loader=test_loader, verbose=False,
                      callbacks=[train.GradualUnfreezing([gradual[0], gradual[1]], every=5,
                                                         lr_ratio=0.1)])
        more["gradual unfreezing"] = history
        print("unfrozen at each epoch:", history["unfrozen"])
        print("trainable parameters:", history["trainable_params"])
        plot_runs(more, "Even or odd: LoRA and gradual unfreezing", 0.5)
        print(nn.summary(lora_model, input_shape=(10, 64)).split("Total params")[1])
    """),
    md("""
        ## What freezing saves

        Backward computes gradients only where `requires_grad` asks for them: with the
        body frozen, the backward pass and the optimizer step cover the head alone. Time
        per epoch in experiment 2 (tiny batches of 10, so the saving is modest here):
    """),
    code("""
        names = list(runs_parity)
        ms = [1000 * np.median(runs_parity[n]["seconds"]) for n in names]
        trainable = [nn.count_parameters(models_parity[n])[0] for n in names]
        fig, ax = plt.subplots(figsize=(6, 2.4))
        bars = ax.barh(names, ms, color=["C0", "C1", "C2"])
        for bar, n_params in zip(bars, trainable):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                    f"  {n_params:,} trainable parameters", va="center", fontsize=8)
        ax.set(xlabel="ms per epoch (median)", xlim=(0, max(ms) * 1.8))
        ax.invert_yaxis()
        plt.show()
    """),
    md("""
        On larger batches and deeper bodies the saving grows: `docs/scripts/measure_freezing.py`
        measures the backward time and memory of a training step, frozen vs full, and
        [docs/freezing.md](../../docs/freezing.md#7-what-freezing-saves-measured) quotes
        its numbers.
    """),
]

# --------------------------------------------------------------------------- notebook 4
SKLEARN = [
    md("""
        # minitorch networks as scikit-learn estimators

        `minitorch.sklearn.NeuralNetClassifier` and `NeuralNetRegressor` wrap a minitorch
        network in scikit-learn's estimator interface: pipelines, cross-validation, grid
        searches and `clone` work, and freezing and fine-tuning are parameters that a grid
        search can tune. The written version is [docs/sklearn.md](../../docs/sklearn.md).
    """),
    SETUP,
    md("""
        ## 1. A pipeline, cross-validated

        `NeuralNetClassifier()` with no arguments trains an MLP sized from the data (one
        hidden layer of 100 ReLU units, Adam, 50 epochs). Standardise the features first:
    """),
    code("""
        from sklearn.datasets import load_breast_cancer
        from sklearn.model_selection import cross_val_score, train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from minitorch.sklearn import NeuralNetClassifier

        X, y = load_breast_cancer(return_X_y=True)
        pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(random_state=0))
        scores = cross_val_score(pipe, X, y, cv=5)
        print("accuracy per fold:", scores.round(3), "mean", scores.mean().round(3))
    """),
    md("""
        ## 2. Early stopping, and the history of a fit

        With `early_stopping=True` the estimator holds out `validation_fraction` of the
        training data (stratified) and stops when the validation loss has not improved for
        `n_iter_no_change` epochs, keeping the best epoch's weights. `history_` holds the
        per-epoch values.
    """),
    code("""
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
        scaler = StandardScaler().fit(X_train)
        clf = NeuralNetClassifier(lr=3e-3, max_epochs=200, early_stopping=True,
                                  n_iter_no_change=8, random_state=0)
        clf.fit(scaler.transform(X_train), y_train)
        print(f"stopped after {clf.n_iter_} of 200 epochs; "
              f"test accuracy {clf.score(scaler.transform(X_test), y_test):.3f}")

        fig, ax = plt.subplots(figsize=(6, 2.8))
        ax.plot(clf.history_.epochs, clf.history_["loss"], label="training loss")
        ax.plot(clf.history_.epochs, clf.history_["val_loss"], label="validation loss")
        best = int(np.argmin(clf.history_["val_loss"]))
        ax.axvline(clf.history_.epochs[best], color="grey", ls=":", label="best epoch (kept)")
        ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
        ax.legend()
        plt.show()
    """),
    md("""
        ## 3. How much to freeze: a grid search on a transfer task

        Pretrain on digits 0-4, then fine-tune on digits 5-9 with ten labelled images per
        digit. `init_from` copies the pretrained weights wherever name and shape match (the
        body); `freeze` freezes the first n layers; the grid searches the learning rate,
        the width of the new head and the freeze depth together.
    """),
    code("""
        from sklearn.model_selection import GridSearchCV

        from minitorch.data import digits_transfer

        task = digits_transfer(labels_per_class=10, seed=0)
        X_src, y_src = (t.numpy() for t in task.source.train.tensors)
        X_tgt, y_tgt = (t.numpy() for t in task.target.train.tensors)
        X_tgt_test, y_tgt_test = (t.numpy() for t in task.target.test.tensors)
        source = NeuralNetClassifier(hidden_layer_sizes=(64, 64), lr=3e-3, max_epochs=20,
                                     random_state=0).fit(X_src, y_src)


        def transfer_net(n_features, n_outputs, width=32):
            return nn.Sequential(nn.Linear(n_features, 64), nn.ReLU(), nn.Linear(64, 64),
                                 nn.ReLU(), nn.Linear(64, width), nn.ReLU(),
                                 nn.Linear(width, n_outputs))


        search = GridSearchCV(
            NeuralNetClassifier(transfer_net, init_from=source, max_epochs=30, batch_size=25,
                                random_state=0),
            {"lr": [1e-3, 1e-2], "module__width": [16, 64], "freeze": [0, 2, 4]}, cv=3)
        search.fit(X_tgt, y_tgt)
        print("best:", search.best_params_, f"CV accuracy {search.best_score_:.3f}")
        print(f"test accuracy of the refitted best: {search.score(X_tgt_test, y_tgt_test):.3f}")
        print("loaded from the source:", search.best_estimator_.init_loaded_)
    """),
    code("""
        results = search.cv_results_
        fig, ax = plt.subplots(figsize=(6, 2.8))
        for lr, width, marker in [(1e-3, 16, "o"), (1e-3, 64, "s"), (1e-2, 16, "^"),
                                  (1e-2, 64, "D")]:
            rows = [i for i, p in enumerate(results["params"])
                    if p["lr"] == lr and p["module__width"] == width]
            depth = [results["params"][i]["freeze"] for i in rows]
            ax.plot(depth, results["mean_test_score"][rows], marker=marker,
                    label=f"lr {lr:g}, head width {width}")
        ax.set(xlabel="freeze: first n layers frozen", ylabel="CV accuracy",
               xticks=[0, 2, 4], xticklabels=["none", "0 (1st Linear)", "0-3 (body)"])
        ax.legend(fontsize=7)
        plt.show()
    """),
    md("""
        Here fine-tuning everything wins: features learnt on digits 0-4 carry over only
        partly to 5-9, so the body gains from adapting. The same search on a closer source
        task can prefer a frozen body; the point is that the grid search decides.

        ## 4. Against scikit-learn's `MLPClassifier`

        Same network, optimizer, batch size, epochs and split, in one run of
        `benchmarks/sklearn_compare.py` on the two small data sets (the full table, with the
        100k-sample set, is in docs/sklearn.md and benchmarks/README.md). The script runs in
        its own process because it sets `OPENBLAS_NUM_THREADS=1` before numpy loads BLAS:
        on a busy machine, two OpenBLAS threads make float32 `x @ W.T` (minitorch's
        `Linear`) many times slower than one thread, while float64 and `x @ W` suffer less.
    """),
    code("""
        import subprocess
        import sys

        run = subprocess.run([sys.executable, "../../benchmarks/sklearn_compare.py", "--only",
                              "digits,breast_cancer", "--repeat", "1"],
                             capture_output=True, text=True, check=True)
        print("\\n".join(line for line in run.stdout.splitlines() if line.startswith("|")))
    """),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_requires_grad.ipynb": REQUIRES_GRAD,
    "02_train_mlp.ipynb": TRAIN_MLP,
    "03_transfer_learning.ipynb": TRANSFER,
    "04_sklearn.ipynb": SKLEARN,
}


def build(name: str) -> "nbformat.NotebookNode":  # noqa: F821 - imported lazily
    """The notebook ``name`` with its cells and no outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in NOTEBOOKS[name]:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else (
            nbformat.v4.new_code_cell(source))
        nb.cells.append(cell)
    # Stable cell ids, so that rebuilding does not change every line of the file.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"
    return nb


def execute(nb: "nbformat.NotebookNode") -> None:  # noqa: F821
    """Run ``nb`` in place, in this folder, with the python3 kernel, in the deterministic
    setting (``DETERMINISTIC_ENV``)."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL["name"], record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute(
        env={**os.environ, **DETERMINISTIC_ENV})


def main(argv: list[str] | None = None) -> None:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write without outputs")
    args = parser.parse_args(argv)
    names = [n if n.endswith(".ipynb") else n + ".ipynb" for n in args.names] or list(NOTEBOOKS)
    for name in names:
        if name not in NOTEBOOKS:
            sys.exit(f"unknown notebook {name}; choose from {', '.join(NOTEBOOKS)}")
        nb = build(name)
        if not args.no_execute:
            execute(nb)
        nbformat.write(nb, HERE / name)
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
