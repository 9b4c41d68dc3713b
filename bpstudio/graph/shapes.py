"""Shape inference: the per-sample shape on every edge, from the engine's own rules.

Each node's output shape comes from the engine layer's ``output_shape``, constructed
with the node's params, so the editor shows exactly what compile will build. Shapes
have no batch dimension: (features,) or (C, H, W); a loss's output is a scalar ().
"""

from __future__ import annotations

from bpstudio.engine.layers import LAYERS
from bpstudio.errors import BpError, GraphError
from bpstudio.graph.catalogue import OPS, check_params, resolved_params
from bpstudio.graph.document import Graph, Node
from bpstudio.graph.problem import Problem

Shape = tuple[int, ...]


def infer_shapes(
    graph: Graph, input_shape: Shape | None = None
) -> tuple[dict[str, Shape | None], list[Problem]]:
    """(shape of each node's output or None where unknown, shape problems).

    ``input_shape`` is the data's per-sample shape, when data is loaded; an Input's
    own ``shape`` param is used otherwise and must agree with it otherwise. A node whose
    op, params or inputs are unusable gets None without a problem here: ``validate``
    reports those causes once, and their consequences are not repeated downstream.
    """
    shapes: dict[str, Shape | None] = dict.fromkeys(graph.nodes)
    try:
        order = graph.topological_order()
    except GraphError as e:
        return shapes, [Problem(e.node_id, str(e).split(": ", 1)[-1])]
    problems: list[Problem] = []
    for nid in order:
        node = graph.nodes[nid]
        shape, problem = _node_shape(graph, node, shapes, input_shape)
        shapes[nid] = shape
        if problem:
            problems.append(Problem(nid, problem))
    return shapes, problems


def _node_shape(graph: Graph, node: Node, shapes: dict, data_shape) -> tuple:
    """(output shape or None, problem message or None) for one node."""
    spec = OPS.get(node.op)
    if spec is None or check_params(node.op, node.params):
        return None, None
    if node.op == "Input":
        return input_node_shape(node, data_shape)
    in_shapes = [shapes.get(i) for i in graph.inputs_of(node.id)]
    if not _arity_ok(spec.n_inputs, len(in_shapes)) or any(s is None for s in in_shapes):
        return None, None
    if spec.is_loss:
        return (), loss_input_problem(node.op, in_shapes[0])
    try:
        layer = LAYERS[node.op](**resolved_params(node.op, node.params))
        return tuple(int(d) for d in layer.output_shape(in_shapes)), None
    except BpError as e:  # the engine's ShapeError: these inputs do not fit
        return None, _with_op(node.op, str(e))


def input_node_shape(node: Node, data_shape) -> tuple:
    """An Input's shape: the data's, checked against the node's own ``shape`` if set."""
    own = node.params.get("shape")
    own = None if own is None else tuple(own) if isinstance(own, list | tuple) else (own,)
    if data_shape is None:
        return own, None
    data_shape = tuple(int(d) for d in data_shape)
    if own is not None and own != data_shape:
        return None, (
            f"Input shape {fmt(own)} does not fit the data, whose samples have shape "
            f"{fmt(data_shape)}; clear the shape to take it from the data"
        )
    return data_shape, None


def loss_input_problem(op: str, shape: Shape) -> str | None:
    """Why ``shape`` cannot feed loss ``op`` (per sample), or None."""
    if op == "CrossEntropyLoss":
        if len(shape) != 1:
            return (
                f"CrossEntropyLoss needs one score per class, a vector; got shape {fmt(shape)}: "
                "add Flatten and a Dense layer before it"
            )
        if shape[0] < 2:
            return f"CrossEntropyLoss needs 2 or more class scores, got {shape[0]}"
    if op == "BCEWithLogitsLoss" and shape not in ((1,), ()):
        return (
            f"BCEWithLogitsLoss needs one score per sample, shape (1,); got {fmt(shape)}: "
            "end with Dense(units=1)"
        )
    return None


def _arity_ok(n_inputs: int | None, n: int) -> bool:
    return n >= 2 if n_inputs is None else n == n_inputs


def _with_op(op: str, message: str) -> str:
    return message if message.startswith(op) else f"{op}: {message}"


def fmt(shape) -> str:
    """(16,) and (3, 28, 28) as a learner reads them in PyTorch."""
    return str(tuple(shape))
