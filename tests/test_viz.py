"""minitorch.viz: the graph behind the pictures (nodes, edges, states, cuts, saved bytes),
and the pictures themselves (DOT that Graphviz reads, well-formed deterministic SVG)."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, viz


class Net(nn.Module):
    """A frozen body, a trainable head, a side branch on a detached value, and a teacher
    evaluated under no_grad."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)
        self.side = nn.Linear(3, 3)
        self.teacher = nn.Linear(6, 3)

    def forward(self, x):
        out = self.head(self.body(x))
        side = self.side(out.detach())
        with mt.no_grad():
            target = self.teacher(x)
        return ((out - target) ** 2).mean() + side.sum()


def make_net():
    mt.manual_seed(0)
    net = Net()
    nn.freeze(net.body)
    return net, mt.randn(5, 6)


def saved_bytes(output):
    """Distinct arrays the recorded nodes hold, by an independent walk."""
    seen, arrays, stack = set(), {}, [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "saved"):
            continue
        seen.add(id(node))
        arrays.update({id(a): a.nbytes for a in node.saved if isinstance(a, np.ndarray)})
        stack.extend(edge for edge, _ in node.next_functions)
    return len(seen), sum(arrays.values())


def titles(g, **where):
    return sorted(n.title for n in g.nodes
                  if all(getattr(n, key) == value for key, value in where.items()))


def edge_between(g, src_title, dst_title):
    return [e for e in g.edges
            if g.nodes[e.src].title == src_title and g.nodes[e.dst].title == dst_title]


def test_recorded_graph_of_a_frozen_body_a_detach_and_no_grad():
    net, x = make_net()
    with viz.record(net):
        loss = net(x)
    g = viz.graph(loss, params=net, show_saved=True).model
    ops, nbytes = saved_bytes(loss)
    assert g.count("op") == ops == 7  # head, side, -, **, mean, sum, +
    assert g.saved_bytes == nbytes > 0
    # Trainable leaves: one box each, named; the frozen body: one box, not per weight.
    assert titles(g, kind="leaf") == ["head.bias", "head.weight", "side.bias", "side.weight"]
    assert titles(g, kind="leaf", state="trainable") == titles(g, kind="leaf")
    (body,) = [n for n in g.nodes if n.kind == "group"]
    assert (body.title, body.state) == ("frozen body:", "frozen")
    assert body.lines == ["2 layers, 128 params"]  # 6*8+8 + 8*8+8
    # The untracked inputs: where the graph stops, and why.
    untracked = {n.title: n for n in g.nodes if n.state == "untracked"}
    assert set(untracked) == {"body output", "detached", "teacher output"}
    assert "computed under no_grad" in untracked["teacher output"].lines
    assert "no history: detach()" in untracked["detached"].lines
    # The detached value hangs off head's LinearBackward by a dashed "detach()" edge, and
    # feeds side's Linear; the frozen body's box feeds its output.
    (cut,) = edge_between(g, "LinearBackward", "detached")
    assert cut.cut and cut.label == "detach()"
    assert [e.cut for e in edge_between(g, "frozen body:", "body output")] == [True]
    assert all(e.cut for e in g.edges if g.nodes[e.src].state == "untracked")
    # Every op box says what it saved; sums match the graph's total.
    assert all(n.lines and n.lines[0].startswith("saved ") for n in g.nodes if n.kind == "op")
    assert len(g.edges) == len({(e.src, e.dst, e.label) for e in g.edges})


def test_without_record_shapes_only_and_frozen_not_in_graph():
    net, x = make_net()
    loss = net(x)
    g = viz.graph(loss, params=dict(net.named_parameters())).model
    assert g.count("op") == 7 and titles(g, kind="leaf")[0] == "head.bias"
    # Untracked inputs are known by shape only, but the frozen body is still there.
    assert {n.title for n in g.nodes if n.state == "untracked"} == {"input"}
    (body,) = [n for n in g.nodes if n.kind == "group"]
    assert body.lines == ["2 layers, 128 params", "used by no recorded op"]
    assert not any(e.src == g.nodes.index(body) for e in g.edges)
    assert "frozen" not in [n.state for n in g.nodes if n.kind == "leaf"]


def test_frozen_weight_entering_a_recorded_op_is_drawn_where_it_enters():
    mt.manual_seed(0)
    fc = nn.Linear(4, 2)
    fc.weight.requires_grad_(False)
    x = mt.randn(3, 4, requires_grad=True)
    # Without record: Linear saved the frozen weight (for x's gradient), which names it;
    # the frozen-in-graph bias... is trainable here.
    g = viz.graph(fc(x).sum(), params=fc).model
    (w,) = [n for n in g.nodes if n.title == "weight"]
    assert (w.kind, w.state, w.lines[0]) == ("input", "frozen", "(2, 4)")
    assert edge_between(g, "weight", "LinearBackward")
    assert titles(g, kind="leaf") == ["bias", "leaf tensor"]  # x has no name: not in params
    # With record, a frozen bias (never saved) is named too; collapse_frozen makes one box.
    fc.bias.requires_grad_(False)
    with viz.record(fc):
        y = fc(x).sum()
    g = viz.graph(y, params={**dict(fc.named_parameters()), "x": x}).model
    assert {n.title: n.state for n in g.nodes if n.kind in ("input", "leaf")} == {
        "weight": "frozen", "bias": "frozen", "x": "trainable"}
    g = viz.graph(y, params=fc, collapse_frozen=True).model
    (group,) = [n for n in g.nodes if n.kind == "group"]
    assert group.params == 10 and group.lines == ["1 layer, 10 params"]
    assert edge_between(g, "frozen:", "LinearBackward")


def test_adapters_clusters_and_double_backward_marks():
    mt.manual_seed(0)
    base = nn.Linear(4, 4).requires_grad_(False)
    lora_a = nn.Parameter(mt.randn(2, 4))
    lora_b = nn.Parameter(mt.zeros(4, 2))
    x = mt.randn(3, 4)
    y = (base(x) + x @ lora_a.T @ lora_b.T).sum()
    names = {"layer.lora_A": lora_a, "layer.lora_B": lora_b, **{
        f"layer.base.{k}": v for k, v in base.named_parameters()}}
    g = viz.graph(y, params=names, depth=1).model
    assert {n.title: n.state for n in g.nodes if n.kind == "leaf"} == {
        "layer.lora_A": "adapter", "layer.lora_B": "adapter"}
    assert {n.cluster for n in g.nodes if n.kind == "leaf"} == {"layer"}
    assert [n.title for n in g.nodes if n.kind == "group"] == ["frozen layer:"]
    # create_graph's hook point: a node marked as recorded by a backward pass looks different.
    y.grad_fn.double_backward = True
    assert viz.graph(y).model.nodes[1].state == "double_backward"
    # Module clusters come from record(): each op knows the module that ran it.
    net, x = make_net()
    with viz.record(net):
        loss = net(x)
    g = viz.graph(loss, params=net, depth=1).model
    assert {n.cluster for n in g.nodes if n.kind == "op"} == {"", "head", "side"}


def test_no_graph_and_bad_arguments():
    net, x = make_net()
    net.requires_grad_(False)
    g = viz.graph(net(x), params=net)
    assert g.model.count("op") == 0 and "no graph was recorded" in g.model.notes[0]
    assert "no graph was recorded" in g.svg()
    with pytest.raises(TypeError, match="Tensor"):
        viz.graph(net)
    with pytest.raises(TypeError, match="named_parameters"):
        viz.graph(net(x), params=[1, 2])
    with pytest.raises(ValueError, match="engine"):
        viz.graph(net(x), engine="neato")
    with pytest.raises(ValueError, match=".svg, .png or .dot"):
        g.save("graph.pdf")


def test_compare_puts_totals_under_each():
    net, x = make_net()
    net.requires_grad_(True)
    full = net(x)
    nn.freeze(net.body)
    frozen = net(x)
    g = viz.graph(full, params=net, compare=frozen, titles=("all trainable", "body frozen"))
    a, b = g.models
    assert (a.title, b.title) == ("all trainable", "body frozen")
    assert a.count("op") > b.count("op") and a.saved_bytes > b.saved_bytes
    assert (a.count("op"), a.saved_bytes) == saved_bytes(full)
    svg = g.svg() if not g.uses_dot() else viz.graph(full, compare=frozen, engine="builtin").svg()
    assert a.totals() in svg and b.totals() in svg


def test_svg_is_well_formed_and_deterministic():
    net, x = make_net()
    with viz.record(net):
        loss = net(x)
    g = viz.graph(loss, params=net, show_saved=True, depth=1, engine="builtin")
    svg = g.svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "head.weight" in texts and "frozen body:" in texts and "detach()" in texts
    assert any("untracked input" in (t or "") for t in texts)  # the legend
    assert svg == viz.graph(loss, params=net, show_saved=True, depth=1, engine="builtin").svg()
    assert g._repr_svg_() == svg
    layers = viz.layers(net, (2, 6), collapse_frozen=True, engine="builtin")
    ET.fromstring(layers.svg())


def test_save_by_suffix(tmp_path):
    net, x = make_net()
    g = viz.graph(net(x), params=net, engine="builtin")
    assert g.save(tmp_path / "g.dot").read_text() == g.to_dot()
    assert g.save(tmp_path / "g.svg").read_text() == g.svg()
    pytest.importorskip("matplotlib")
    assert g.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_output_parses_with_graphviz():
    net, x = make_net()
    with viz.record(net):
        loss = net(x)
    g = viz.graph(loss, params=net, compare=net(x), depth=1, show_saved=True)
    text = g.to_dot()
    n_edges = sum(len(m.edges) for m in g.models)
    assert text.count(" -> ") - text.count("[style=invis]") == n_edges
    graphviz = pytest.importorskip("graphviz")
    source = graphviz.Source(text)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    svg = source.pipe(format="svg").decode()
    ET.fromstring(svg)
    assert "head.weight" in svg and "frozen body:" in svg


def test_ten_thousand_nodes_are_summarised_not_drawn():
    t = mt.tensor(1.0, requires_grad=True)
    u = t
    for _ in range(10_000):
        u = u * 1.0001
    g = viz.graph(u, engine="builtin")
    assert g.model.count("op") == 10_000 and g.too_large
    svg = g.svg()
    assert "Graph too large to draw readably: 10,002 boxes" in svg
    assert "10,000  MulBackward" in svg
    text = g.to_dot()  # the full graph, without recursion
    assert text.count(" -> ") - text.count("[style=invis]") == 10_001
    # A deep chain under the limit is drawn (iterative layout: no recursion limit).
    g = viz.graph(u, engine="builtin", max_nodes=20_000)
    assert not g.too_large and "MulBackward" in viz.graph(t * 2, engine="builtin").svg()


def test_layers_states_modes_and_collapse():
    net, x = make_net()
    net.teacher.eval()
    g = viz.layers(net, (2, 6)).model
    states = {n.title: n.state for n in g.nodes}
    assert states == {"input": "untracked", "body.0: Linear": "frozen", "body.1: ReLU": "no_params",
                      "body.2: Linear": "frozen", "body.3: ReLU": "no_params",
                      "head: Linear": "trainable", "side: Linear": "trainable",
                      "teacher: Linear": "trainable"}
    by_title = {n.title: n for n in g.nodes}
    assert by_title["teacher: Linear"].lines[-1] == "eval mode"
    assert by_title["head: Linear"].lines == ["out (2, 3)", "27 params, trainable", "train mode"]
    assert all(m.training for name, m in net.named_modules() if name != "teacher")  # restored
    g = viz.layers(net, (2, 6), collapse_frozen=True).model
    assert [n.title for n in g.nodes][:3] == ["input", "frozen body:", "head: Linear"]
    assert g.nodes[1].lines == ["2 layers, 128 params", "out (2, 8)"]
    assert g.totals() == "188 params: 60 trainable, 128 frozen"
    with pytest.raises(RuntimeError, match="input_shape"):
        viz.layers(net, (2, 5))


def test_docs_pictures_are_current():
    """docs/img/*.svg are what docs/scripts/make_graph_svgs.py draws now, byte for byte."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location(
        "make_graph_svgs", root / "docs" / "scripts" / "make_graph_svgs.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for name, svg in script.render().items():
        committed = (root / "docs" / "img" / name).read_text()
        assert svg == committed, f"docs/img/{name} is stale: run docs/scripts/make_graph_svgs.py"
        assert f"img/{name}" in (root / "docs" / "requires_grad.md").read_text()


def test_nodes_of_a_recorded_backward_pass_are_marked():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with viz.record():
        y = (x ** 3).sum()
        try:
            (g,) = mt.autograd.grad(y, x, create_graph=True)
        except NotImplementedError:
            pytest.skip("create_graph is not available")
        z = (g * g).sum()
    g = viz.graph(z, params={"x": x}).model
    marked = [n.title for n in g.nodes if n.state == "double_backward"]
    assert marked and "PowBackward" in marked  # 3 * x**2, computed by the backward pass
    assert [n.title for n in g.nodes if n.state == "op"] == ["SumBackward", "MulBackward"]
    assert "op recorded by a backward pass" in viz.graph(z, engine="builtin").svg()


def test_lora_adapters_from_add_lora():
    if not hasattr(nn, "add_lora"):
        pytest.skip("nn.add_lora is not available")
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    nn.add_lora(model, rank=2, targets="0")
    with viz.record(model):
        loss = model(mt.randn(3, 4)).sum()
    g = viz.graph(loss, params=model).model
    states = {n.title: n.state for n in g.nodes if n.kind in ("leaf", "input")}
    assert states["0.lora_A"] == states["0.lora_B"] == "adapter"
    assert states["2.weight"] == "trainable"
    # The base layer ran on the batch: no recorded op, so its weights are one frozen box
    # that made an input without history.
    (base,) = [n for n in g.nodes if n.state == "frozen"]
    assert (base.title, base.lines[0]) == ("frozen 0:", "1 layer, 40 params")
    assert edge_between(g, "frozen 0:", "0.base output")
    layers = {n.title: n.state for n in viz.layers(model, (3, 4)).model.nodes}
    assert layers["0: LoRALinear"] == "adapter" and layers["2: Linear"] == "trainable"
