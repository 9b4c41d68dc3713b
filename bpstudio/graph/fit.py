"""Commands that make a network fit newly loaded data (undoable as one step).

The editor applies them when a person picks new data; ``bpstudio train --data`` too.

The Input takes the data's sample shape (when it states one), the layer feeding the
loss gets as many units as the data has classes or target values, and images reaching
a Dense layer straight from the Input get a Flatten in between.
"""

from __future__ import annotations

from bpstudio.graph import commands as gc
from bpstudio.graph.catalogue import OPS
from bpstudio.graph.document import Node

ROW_GAP = 100.0  # vertical spacing when a Flatten is inserted (the editor passes its own)


def fit_commands(graph, dataset, row_gap: float = ROW_GAP) -> list:
    """The edits (graph commands, not yet done) that make ``graph`` fit ``dataset``."""
    if dataset is None:
        return []
    return (
        _input_shape(graph, dataset) + _flatten(graph, dataset, row_gap) + _outputs(graph, dataset)
    )


def _input_shape(graph, dataset) -> list:
    inputs = graph.nodes_of_op("Input")
    if len(inputs) != 1 or inputs[0].params.get("shape") is None:
        return []
    given, shape = inputs[0].params["shape"], list(dataset.input_shape)
    given = [given] if isinstance(given, int) else list(given)
    return [gc.SetParam(inputs[0].id, "shape", shape)] if given != shape else []


def _flatten(graph, dataset, row_gap: float) -> list:
    """Flatten between the Input and each Dense it feeds directly, for image data; the
    nodes from that Dense down move one row lower to make room for it."""
    inputs = graph.nodes_of_op("Input")
    if len(inputs) != 1 or len(dataset.input_shape) < 2:
        return []
    src = inputs[0]
    targets = [d for d in graph.outputs_of(src.id) if graph.nodes[d].op == "Dense"]
    if not targets:
        return []
    top = min(graph.nodes[d].pos[1] for d in targets)
    cmds = [
        gc.MoveNode(n.id, (n.pos[0], n.pos[1] + row_gap))
        for n in graph.nodes.values()
        if n.pos[1] >= top and n.id != src.id
    ]
    taken = set(graph.nodes)
    for dst in targets:
        flat = Node(_fresh_id(taken), "Flatten", {}, (graph.nodes[dst].pos[0], top))
        taken.add(flat.id)
        cmds += [gc.AddNode(flat), gc.Disconnect(src.id, dst)]
        cmds += [gc.Connect(src.id, flat.id), gc.Connect(flat.id, dst)]
    return cmds


def _fresh_id(taken: set) -> str:
    n = 1
    while f"flatten_{n}" in taken:
        n += 1
    return f"flatten_{n}"


def _outputs(graph, dataset) -> list:
    pair, want = loss_feeder(graph), wanted_outputs(graph, dataset)
    feeder = graph.nodes[pair[1]] if pair else None
    if not want or feeder is None or feeder.op != "Dense":
        return []
    return [gc.SetParam(feeder.id, "units", want)] if feeder.params.get("units") != want else []


def loss_feeder(graph) -> tuple[str, str] | None:
    """(loss node id, id of the node feeding it), when there is exactly one of each."""
    losses = [n for n in graph.nodes.values() if OPS.get(n.op) and OPS[n.op].is_loss]
    if len(losses) != 1:
        return None
    feeders = graph.inputs_of(losses[0].id)
    return (losses[0].id, feeders[0]) if len(feeders) == 1 else None


def wanted_outputs(graph, dataset) -> int | None:
    """How many values the network must output for this data and this loss."""
    pair = loss_feeder(graph)
    if pair is None:
        return None
    op = graph.nodes[pair[0]].op
    if op == "CrossEntropyLoss":
        return len(dataset.class_names or [])
    if op == "BCEWithLogitsLoss":
        return 1
    return int(dataset.y_train.shape[1]) if dataset.y_train.ndim == 2 else 1
