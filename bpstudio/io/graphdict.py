"""The inference part of a project-file graph dict (DESIGN.md), for the exporters.

Exporters work from the graph *dict* that travels in a weights file's metadata, so a
weights file alone is enough to export ONNX or PyTorch code. ``inference_plan`` turns
that dict into the nodes needed to compute the tensor that feeds the loss, in a
topological order, with each node's op parameters parsed by the engine's own layer
constructors with the catalogue's defaults, as ``graph.compile`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstudio.engine.layers import LAYERS
from bpstudio.errors import GraphError, ShapeError
from bpstudio.graph.catalogue import OPS, resolved_params


@dataclass
class PlanNode:
    """One node to export: ``layer`` is an unbuilt engine layer holding parsed params."""

    id: str
    op: str
    inputs: list[str]
    layer: object


@dataclass
class Plan:
    """``nodes`` in topological order (Input and loss excluded); ``head`` feeds the loss."""

    input_id: str
    nodes: list[PlanNode]
    head: str
    loss_op: str


def inference_plan(graph: dict) -> Plan:
    """The nodes from the Input to the loss's input, ordered; GraphError when unusable."""
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    edges = [tuple(e) for e in graph.get("edges", [])]
    for src, dst in edges:
        if src not in nodes or dst not in nodes:
            raise GraphError(f"edge {src!r} -> {dst!r} names a node that does not exist")
    inputs = {nid: [s for s, d in edges if d == nid] for nid in nodes}
    input_id = _single(nodes, lambda op: op == "Input", "an Input node")
    loss_id = _single(nodes, lambda op: op.endswith("Loss"), "a loss node")
    if len(inputs[loss_id]) != 1:
        raise GraphError(f"node {loss_id!r}: the loss needs exactly 1 input", loss_id)
    head = inputs[loss_id][0]
    needed = _ancestors(head, inputs)
    plan = []
    for nid in _topo_order(nodes, inputs):
        if nid in needed and nid != input_id:
            plan.append(_plan_node(nodes[nid], inputs[nid]))
    if input_id not in needed:
        raise GraphError(f"node {head!r}: the loss is not connected to the Input", head)
    return Plan(input_id, plan, head, nodes[loss_id]["op"])


def _single(nodes: dict, pred, what: str) -> str:
    found = [nid for nid, n in nodes.items() if pred(n.get("op", ""))]
    if len(found) != 1:
        raise GraphError(f"the graph needs exactly one {what}, found {len(found)}")
    return found[0]


def _ancestors(head: str, inputs: dict) -> set[str]:
    seen, todo = set(), [head]
    while todo:
        nid = todo.pop()
        if nid not in seen:
            seen.add(nid)
            todo.extend(inputs.get(nid, []))
    return seen


def _topo_order(nodes: dict, inputs: dict) -> list[str]:
    """Kahn's algorithm, stable in the file's node order; GraphError on a cycle."""
    order, done = [], set()
    pending = list(nodes)
    while pending:
        ready = [nid for nid in pending if all(s in done for s in inputs[nid])]
        if not ready:
            raise GraphError(f"node {pending[0]!r}: the graph has a cycle", pending[0])
        for nid in ready:
            done.add(nid)
            order.append(nid)
        pending = [nid for nid in pending if nid not in done]
    return order


def _plan_node(node: dict, inputs: list[str]) -> PlanNode:
    nid, op = node["id"], node.get("op", "")
    cls = LAYERS.get(op)
    if cls is None or op not in OPS:
        raise GraphError(f"node {nid!r}: unknown op {op!r}", nid)
    try:
        # The catalogue's defaults, exactly as graph.compile builds the engine's layer.
        layer = cls(**resolved_params(op, node.get("params") or {}))
    except (TypeError, ShapeError) as exc:
        raise GraphError(f"node {nid!r}: {exc}", nid) from None
    return PlanNode(nid, op, list(inputs), layer)


def plan_shapes(plan: Plan, input_shape) -> dict[str, tuple[int, ...]]:
    """Per-sample output shape of every planned node (the engine's shape rules)."""
    shapes = {plan.input_id: tuple(int(s) for s in input_shape)}
    for pn in plan.nodes:
        try:
            shapes[pn.id] = tuple(pn.layer.output_shape([shapes[i] for i in pn.inputs]))
        except ShapeError as exc:
            raise GraphError(f"node {pn.id!r}: {exc}", pn.id) from None
    return shapes
