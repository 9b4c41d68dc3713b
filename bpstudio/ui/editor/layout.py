"""Auto-layout: nodes in rows by topological depth, data flowing down (Qt-free)."""

from __future__ import annotations

from bpstudio.errors import GraphError

ROW_GAP = 110.0  # node height (56) plus room for an edge's shape label
COLUMN_GAP = 210.0  # node width (170) plus a margin


def depths(graph) -> dict[str, int]:
    """Each node's longest path from a source (0 for nodes without inputs).

    A graph with a cycle falls back to node order so a broken file still lays out.
    """
    try:
        order = graph.topological_order()
    except GraphError:
        return {nid: i for i, nid in enumerate(graph.nodes)}
    depth: dict[str, int] = {}
    for nid in order:
        preds = [p for p in graph.inputs_of(nid) if p in depth]
        depth[nid] = max((depth[p] + 1 for p in preds), default=0)
    return depth


def layered_positions(graph, origin=(0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """Top-left positions: one row per depth, each row centred under the first column."""
    by_depth: dict[int, list[str]] = {}
    for nid, d in depths(graph).items():
        by_depth.setdefault(d, []).append(nid)
    x0, y0 = origin
    out = {}
    for d, ids in sorted(by_depth.items()):
        left = x0 - (len(ids) - 1) * COLUMN_GAP / 2
        for col, nid in enumerate(ids):
            out[nid] = (left + col * COLUMN_GAP, y0 + d * ROW_GAP)
    return out


def needs_layout(graph) -> bool:
    """True when no node has a position yet (a hand-written or generated project)."""
    return len(graph.nodes) > 1 and all(tuple(n.pos) == (0, 0) for n in graph.nodes.values())
