"""A layered layout of a DAG (the Sugiyama recipe, in short), for when Graphviz is absent.

1. Layers: a node sits one layer above its highest consumer (longest path to a sink), so a
   parameter sits just above the op that uses it. Nodes without edges go in the top layer.
2. Long edges get a dummy point per layer they cross, so they route around boxes.
3. Order within layers: barycenter sweeps, down and up, to reduce crossings.
4. x: each node moves towards the mean x of its neighbours, boxes kept apart.

Everything is loops over lists (no recursion), linear per sweep in nodes plus edges.
"""
from __future__ import annotations

from dataclasses import dataclass

H_GAP = 18.0  # between boxes in a layer
V_GAP = 42.0  # between layers
SWEEPS = 6


@dataclass
class Layout:
    x: list[float]  # centre of each node
    y: list[float]  # top of each node
    routes: list[list[tuple[float, float]]]  # per edge: points from source to target
    width: float
    height: float


def layered(sizes: list[tuple[float, float]], edges: list[tuple[int, int]],
            groups: list[str] | None = None) -> Layout:
    """Place boxes of ``sizes`` (w, h) so that every edge (u, v) points downwards; boxes
    of one non-empty ``groups`` key (a module cluster) stay side by side in each layer."""
    n = len(sizes)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        succ[u].append(v)
        pred[v].append(u)
    rank = _ranks(n, succ, pred)
    top = max(rank, default=0)
    for i in range(n):
        if not succ[i] and not pred[i]:
            rank[i] = top

    # Points: real nodes first, then one dummy per layer crossed by a long edge.
    width = [w for w, _ in sizes]
    prank = list(rank)
    chains: list[list[int]] = []
    up: list[list[int]] = [[] for _ in range(n)]  # neighbours one layer up
    down: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        chain = [u]
        for r in range(rank[u] - 1, rank[v], -1):
            prank.append(r)
            width.append(0.0)
            up.append([])
            down.append([])
            chain.append(len(prank) - 1)
        chain.append(v)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)

    layers: list[list[int]] = [[] for _ in range(top + 1)]
    for p in range(len(prank)):
        layers[top - prank[p]].append(p)  # layer 0 is the top of the picture
    pos = [0.0] * len(prank)
    for layer in layers:
        for k, p in enumerate(layer):
            pos[p] = k
    for sweep in range(SWEEPS):
        downwards = sweep % 2 == 0
        seq = layers[1:] if downwards else layers[-2::-1]
        for layer in seq:
            near = up if downwards else down
            key = {p: (sum(pos[q] for q in near[p]) / len(near[p]) if near[p] else pos[p])
                   for p in layer}
            layer.sort(key=lambda p: key[p])
            if groups is not None:
                _keep_groups_together(layer, groups, n)
            for k, p in enumerate(layer):
                pos[p] = k

    x = _coordinates(layers, width, up, down)
    heights = [max((sizes[p][1] for p in layer if p < n), default=0.0) for layer in layers]
    layer_top = []
    y = 0.0
    for h in heights:
        layer_top.append(y)
        y += h + V_GAP
    ys = [0.0] * len(prank)
    for li, layer in enumerate(layers):
        for p in layer:
            ys[p] = layer_top[li] + (heights[li] - (sizes[p][1] if p < n else 0.0)) / 2
    routes = []
    for chain in chains:
        u, v = chain[0], chain[-1]
        pts = [(x[u], ys[u] + sizes[u][1])]
        for d in chain[1:-1]:
            li = top - prank[d]
            pts.append((x[d], layer_top[li] + heights[li] / 2))
        pts.append((x[v], ys[v]))
        routes.append(pts)
    right = max((x[p] + width[p] / 2 for p in range(len(prank))), default=0.0)
    return Layout(x[:n], ys[:n], routes, right, max(y - V_GAP, 0.0))


def _keep_groups_together(layer: list[int], groups: list[str], n: int) -> None:
    """Reorder ``layer`` so that the members of each group are adjacent, each group where
    its members are on average (dummy points and ungrouped boxes stay where they are)."""
    members: dict[str, list[int]] = {}
    items: list[tuple[float, list[int]]] = []
    for k, p in enumerate(layer):
        key = groups[p] if p < n else ""
        if key:
            members.setdefault(key, []).append(k)
        else:
            items.append((k, [p]))
    for ks in members.values():
        items.append((sum(ks) / len(ks), [layer[k] for k in ks]))
    items.sort(key=lambda item: item[0])
    layer[:] = [p for _, ps in items for p in ps]


def _ranks(n: int, succ: list[list[int]], pred: list[list[int]]) -> list[int]:
    """Longest path to a sink, by Kahn's algorithm from the sinks up."""
    rank = [0] * n
    remaining = [len(s) for s in succ]
    ready = [i for i in range(n) if remaining[i] == 0]
    while ready:
        v = ready.pop()
        for u in pred[v]:
            if rank[v] + 1 > rank[u]:
                rank[u] = rank[v] + 1
            remaining[u] -= 1
            if remaining[u] == 0:
                ready.append(u)
    return rank


def _coordinates(layers: list[list[int]], width: list[float], up: list[list[int]],
                 down: list[list[int]]) -> list[float]:
    x = [0.0] * len(width)
    for layer in layers:
        _pack(layer, width, [0.0] * len(layer), x)
    for sweep in range(4):
        downwards = sweep % 2 == 0
        seq = layers[1:] if downwards else layers[-2::-1]
        for layer in seq:
            near = up if downwards else down
            want = [sum(x[q] for q in near[p]) / len(near[p]) if near[p] else x[p]
                    for p in layer]
            _pack(layer, width, want, x)
    left = min((x[p] - width[p] / 2 for layer in layers for p in layer), default=0.0)
    return [v - left for v in x]


def _pack(layer: list[int], width: list[float], want: list[float], x: list[float]) -> None:
    """Put the layer's boxes as near ``want`` as they can be, in order, without overlap:
    the mean of a left-to-right and a right-to-left pass, then overlaps pushed right."""
    if not layer:
        return
    gap = [(width[a] + width[b]) / 2 + (H_GAP if width[a] and width[b] else H_GAP / 2)
           for a, b in zip(layer, layer[1:])]
    right = list(want)
    for k in range(1, len(layer)):
        right[k] = max(right[k], right[k - 1] + gap[k - 1])
    left = list(want)
    for k in range(len(layer) - 2, -1, -1):
        left[k] = min(left[k], left[k + 1] - gap[k])
    place = [(a + b) / 2 for a, b in zip(left, right)]
    for k in range(1, len(layer)):
        place[k] = max(place[k], place[k - 1] + gap[k - 1])
    for p, v in zip(layer, place):
        x[p] = v
