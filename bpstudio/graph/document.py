"""The network document: nodes, edges and params, as the editor edits them.

A ``Graph`` holds what the project file stores and nothing derived (no shapes, no
layers). It may be *invalid* (unknown ops, dangling edges, cycles) so that a broken
file still opens and ``validate`` can name every problem; only what a ``Graph``
cannot represent at all (two nodes with one id, an edge that is not a pair of ids)
is refused by ``from_dict``.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field

from bpstudio.errors import GraphError


@dataclass
class Node:
    """One op in the graph. ``params`` holds only what the user set (the rest default)."""

    id: str
    op: str
    params: dict = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)

    def copy(self) -> Node:
        """A deep copy: commands keep copies so later edits cannot change their record."""
        return Node(self.id, self.op, copy.deepcopy(self.params), tuple(self.pos))


class Graph:
    """Nodes (insertion-ordered) and edges ``(src, dst)``.

    A node's inputs are its in-edges in list order, which matters for Concat.
    """

    def __init__(self, nodes: list[Node] | None = None, edges=None):
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[str, str]] = []
        for node in nodes or []:
            self.add_node(node)
        for src, dst in edges or []:
            self.edges.append((src, dst))

    # ------------------------------------------------------------------ queries
    def inputs_of(self, node_id: str) -> list[str]:
        """Ids feeding ``node_id``, in edge-list order."""
        return [s for s, d in self.edges if d == node_id]

    def outputs_of(self, node_id: str) -> list[str]:
        """Ids that ``node_id`` feeds, in edge-list order."""
        return [d for s, d in self.edges if s == node_id]

    def nodes_of_op(self, op: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.op == op]

    def new_id(self, op: str) -> str:
        """A fresh id such as ``dense_3``: one past the highest number in use for the op.

        Counting past the highest (not filling gaps) keeps a deleted node's id, and so
        its weight names, from being silently reused by a different node.
        """
        prefix = re.sub(r"[^a-z0-9]+", "", op.lower()) or "node"
        pattern = re.compile(re.escape(prefix) + r"_(\d+)$")
        used = [int(m.group(1)) for i in self.nodes if (m := pattern.match(i))]
        n = max(used, default=0) + 1
        while f"{prefix}_{n}" in self.nodes:
            n += 1
        return f"{prefix}_{n}"

    # ------------------------------------------------------------------ mutation
    def add_node(self, node: Node, index: int | None = None) -> None:
        """Insert ``node`` at the end, or at position ``index`` of the node order."""
        if node.id in self.nodes:
            raise GraphError(f"node '{node.id}': a node with this id already exists", node.id)
        if index is None or index >= len(self.nodes):
            self.nodes[node.id] = node
            return
        items = list(self.nodes.items())
        items.insert(index, (node.id, node))
        self.nodes = dict(items)

    def remove_node(self, node_id: str) -> tuple[Node, int, list[tuple[int, tuple[str, str]]]]:
        """Remove a node and its edges; return (node, its index, [(edge index, edge)])."""
        if node_id not in self.nodes:
            raise GraphError(f"node '{node_id}' does not exist", node_id)
        index = list(self.nodes).index(node_id)
        removed = [(i, e) for i, e in enumerate(self.edges) if node_id in e]
        self.edges = [e for e in self.edges if node_id not in e]
        return self.nodes.pop(node_id), index, removed

    # ------------------------------------------------------------------ order
    def topological_order(self) -> list[str]:
        """Node ids so every node comes after its inputs (Kahn; ties in node order).

        Edges touching a missing node are ignored (validation reports them). A cycle
        raises GraphError naming a node on it and the cycle itself.
        """
        preds = {i: [] for i in self.nodes}
        succs = {i: [] for i in self.nodes}
        for s, d in self.edges:
            if s in self.nodes and d in self.nodes:
                preds[d].append(s)
                succs[s].append(d)
        indegree = {i: len(p) for i, p in preds.items()}
        ready = [i for i in self.nodes if indegree[i] == 0]
        order = []
        while ready:
            nid = ready.pop(0)
            order.append(nid)
            for d in succs[nid]:
                indegree[d] -= 1
                if indegree[d] == 0:
                    ready.append(d)
        if len(order) < len(self.nodes):
            cycle = _find_cycle([i for i in self.nodes if indegree[i] > 0], preds)
            path = " -> ".join([*cycle, cycle[0]])
            raise GraphError(
                f"node '{cycle[0]}': the graph has a cycle {path}; data must flow one way",
                cycle[0],
            )
        return order

    def ancestors(self, node_id: str) -> set[str]:
        """Ids with a path to ``node_id`` (not including it)."""
        return _reach(node_id, self.inputs_of)

    def descendants(self, node_id: str) -> set[str]:
        """Ids reachable from ``node_id`` (not including it)."""
        return _reach(node_id, self.outputs_of)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        """The project file's ``graph`` object. ``params``/``pos`` are left out when empty."""
        nodes = []
        for n in self.nodes.values():
            d = {"id": n.id, "op": n.op}
            if n.params:
                d["params"] = copy.deepcopy(n.params)
            if tuple(n.pos) != (0, 0):
                d["pos"] = [n.pos[0], n.pos[1]]
            nodes.append(d)
        return {"nodes": nodes, "edges": [[s, d] for s, d in self.edges]}

    @classmethod
    def from_dict(cls, d) -> Graph:
        """Read a ``graph`` object; GraphError names what cannot be represented."""
        if not isinstance(d, dict):
            raise GraphError(f"'graph' must be an object, got {json_kind(d)}")
        nodes, edges = d.get("nodes", []), d.get("edges", [])
        if not isinstance(nodes, list):
            raise GraphError(f"'graph.nodes' must be a list, got {json_kind(nodes)}")
        if not isinstance(edges, list):
            raise GraphError(f"'graph.edges' must be a list, got {json_kind(edges)}")
        graph = cls()
        for i, nd in enumerate(nodes):
            graph.add_node(_node_from_dict(nd, i))
        for i, e in enumerate(edges):
            if not (isinstance(e, list | tuple) and len(e) == 2 and all(_is_id(x) for x in e)):
                raise GraphError(f"graph.edges[{i}] must be a pair of node ids, got {e!r}")
            graph.edges.append((e[0], e[1]))
        return graph

    def __eq__(self, other) -> bool:
        return isinstance(other, Graph) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges)"


def _node_from_dict(nd, i: int) -> Node:
    if not isinstance(nd, dict):
        raise GraphError(f"graph.nodes[{i}] must be an object, got {json_kind(nd)}")
    nid, op = nd.get("id"), nd.get("op")
    if not _is_id(nid):
        raise GraphError(f"graph.nodes[{i}] needs an 'id' string, got {nid!r}")
    if not isinstance(op, str) or not op:
        raise GraphError(f"node '{nid}': needs an 'op' string, got {op!r}", nid)
    params = nd.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise GraphError(f"node '{nid}': 'params' must be an object, got {json_kind(params)}", nid)
    pos = nd.get("pos", (0.0, 0.0))
    if not (
        isinstance(pos, list | tuple)
        and len(pos) == 2
        and all(_is_real(v) and math.isfinite(v) for v in pos)
    ):
        raise GraphError(f"node '{nid}': 'pos' must be two numbers, got {pos!r}", nid)
    return Node(nid, op, copy.deepcopy(params), (float(pos[0]), float(pos[1])))


def _find_cycle(stuck: list[str], preds: dict[str, list[str]]) -> list[str]:
    """A cycle among ``stuck`` (nodes Kahn could not order, in node order), in data-flow
    order starting from its earliest node.

    Every stuck node has a stuck predecessor, so walking backwards must revisit a node.
    """
    nid, walk = stuck[0], []
    while nid not in walk:
        walk.append(nid)
        nid = next(p for p in preds[nid] if p in stuck)
    cycle = walk[walk.index(nid) :][::-1]
    first = min(range(len(cycle)), key=lambda i: stuck.index(cycle[i]))
    return cycle[first:] + cycle[:first]


def _reach(start: str, step) -> set[str]:
    seen: set[str] = set()
    todo = list(step(start))
    while todo:
        nid = todo.pop()
        if nid not in seen:
            seen.add(nid)
            todo.extend(step(nid))
    return seen


def _is_id(x) -> bool:
    return isinstance(x, str) and x != ""


def _is_real(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def json_kind(x) -> str:
    """How JSON would name the type of ``x`` (for messages a user can read)."""
    if x is None:
        return "null"
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object"})
    return names.get(type(x), type(x).__name__)
