"""Compile a valid document into an engine ``Network``, and check it fits the data.

Nodes that do not lead to the loss are left out (validation warns about them), so a
half-built side branch in the editor never stops a run.
"""

from __future__ import annotations

import numpy

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.errors import GraphError
from bpstudio.graph.catalogue import LOSS_TASKS, OPS, resolved_params
from bpstudio.graph.document import Graph
from bpstudio.graph.problem import Problem
from bpstudio.graph.shapes import fmt, infer_shapes, input_node_shape
from bpstudio.graph.validate import validate

# Single-input ops that keep the shape: the units feeding the loss are set before them.
_SHAPE_KEEPING = {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "Dropout", "BatchNorm"}


def compile_graph(graph: Graph, input_shape=None, xp=numpy, dtype=numpy.float32) -> Network:
    """The engine Network for ``graph`` (not yet built: call ``build(shape, rng)``).

    ``input_shape``: the data's per-sample shape, or None to use the Input's ``shape``.
    Raises GraphError naming the node of the first error.
    """
    first = next((p for p in validate(graph, input_shape) if p.is_error), None)
    if first is not None:
        raise GraphError(str(first), first.node_id)
    input_id = _only(graph, "Input")
    loss_id = next(n.id for n in graph.nodes.values() if OPS[n.op].is_loss)
    if input_node_shape(graph.nodes[input_id], input_shape)[0] is None:
        raise GraphError(
            f"node '{input_id}': the Input has no shape; load data or set its shape", input_id
        )
    keep = graph.ancestors(loss_id) - {input_id}
    specs = [_node_spec(graph, i) for i in graph.topological_order() if i in keep]
    loss = LOSSES[graph.nodes[loss_id].op]()
    output_id = graph.inputs_of(loss_id)[0]
    return Network(specs, input_id, output_id, loss, xp=xp, dtype=dtype)


def _node_spec(graph: Graph, node_id: str) -> NodeSpec:
    node = graph.nodes[node_id]
    layer = LAYERS[node.op](**resolved_params(node.op, node.params))
    return NodeSpec(node_id, layer, graph.inputs_of(node_id))


def _only(graph: Graph, op: str) -> str:
    return next(n.id for n in graph.nodes.values() if n.op == op)


def loss_node(graph: Graph) -> str | None:
    """The id of the graph's loss node when it has exactly one, else None."""
    losses = [n.id for n in graph.nodes.values() if n.op in LOSS_TASKS]
    return losses[0] if len(losses) == 1 else None


def task_of(graph: Graph) -> str | None:
    """ "classification", "binary" or "regression", from the loss node (None without one)."""
    loss = loss_node(graph)
    return LOSS_TASKS[graph.nodes[loss].op] if loss else None


def output_units_needed(graph: Graph, dataset) -> Problem | None:
    """Whether the tensor feeding the loss fits ``dataset``'s targets.

    CrossEntropyLoss needs one logit per class (K), BCEWithLogitsLoss one (two classes),
    MSELoss one output per target column (k). The problem names the Dense layer to fix
    (the last one before the loss), with the number to set. ``dataset`` is a
    ``bpstudio.data.Dataset`` (task, class_names, y_train, input_shape).
    """
    loss = loss_node(graph)
    if loss is None or len(graph.inputs_of(loss)) != 1:
        return None
    op, task = graph.nodes[loss].op, task_of(graph)
    mismatch = _task_mismatch(loss, op, task, dataset)
    if mismatch:
        return mismatch
    need, what = _needed(task, dataset)
    shapes, _ = infer_shapes(graph, tuple(dataset.input_shape))
    feed = graph.inputs_of(loss)[0]
    got = shapes.get(feed)
    if got is None or got == need or (task == "binary" and got == ()):
        return None
    dense = _last_dense(graph, feed)
    if dense is None:
        return Problem(feed, f"the network ends with shape {fmt(got)}, but the data has {what}")
    have = graph.nodes[dense].params.get("units")
    return Problem(
        dense, f"Dense has {have} units, but the data has {what}: set units to {need[0]}"
    )


def _task_mismatch(loss: str, op: str, task: str, dataset) -> Problem | None:
    classes = dataset.class_names or []
    if task in ("classification", "binary") and dataset.task != "classification":
        return Problem(
            loss,
            f"{op} needs class labels, but the data's target is numeric: "
            "use MSELoss for regression",
        )
    if task == "regression" and dataset.task == "classification":
        return Problem(
            loss,
            f"MSELoss is for numeric targets, but the data has "
            f"{len(classes)} classes: use CrossEntropyLoss",
        )
    if task == "binary" and len(classes) != 2:
        return Problem(
            loss,
            f"BCEWithLogitsLoss is for 2 classes, but the data has "
            f"{len(classes)}: use CrossEntropyLoss",
        )
    return None


def _needed(task: str, dataset) -> tuple[tuple[int, ...], str]:
    """(the per-sample shape the loss needs, how the data describes it)."""
    if task == "classification":
        k = len(dataset.class_names or [])
        return (k,), f"{k} classes"
    if task == "binary":
        return (1,), "2 classes, which take 1 output"
    k = int(dataset.y_train.shape[1]) if dataset.y_train.ndim > 1 else 1
    return (k,), f"{k} target column" + ("s" if k != 1 else "")


def _last_dense(graph: Graph, node_id: str) -> str | None:
    """The Dense that sets the width of ``node_id``'s output, through activations etc."""
    while True:
        node = graph.nodes.get(node_id)
        if node is None:
            return None
        if node.op == "Dense":
            return node_id
        inputs = graph.inputs_of(node_id)
        if node.op not in _SHAPE_KEEPING or len(inputs) != 1:
            return None
        node_id = inputs[0]
