"""Commands that make a network fit newly loaded data (Qt-free, undoable as one step).

The Input takes the data's sample shape (when it states one), the layer feeding the
loss gets as many units as the data has classes or target values, and images reaching
a Dense layer straight from the Input get a Flatten in between.
"""

from __future__ import annotations

from bpstudio.graph import commands as gc
from bpstudio.graph.document import Node
from bpstudio.ui.analysis import loss_feeder, wanted_outputs
from bpstudio.ui.editor.layout import ROW_GAP


def fit_commands(graph, dataset) -> list:
    if dataset is None:
        return []
    return _input_shape(graph, dataset) + _flatten(graph, dataset) + _outputs(graph, dataset)


def _input_shape(graph, dataset) -> list:
    inputs = graph.nodes_of_op("Input")
    if len(inputs) != 1 or inputs[0].params.get("shape") is None:
        return []
    given, shape = inputs[0].params["shape"], list(dataset.input_shape)
    given = [given] if isinstance(given, int) else list(given)
    return [gc.SetParam(inputs[0].id, "shape", shape)] if given != shape else []


def _flatten(graph, dataset) -> list:
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
        gc.MoveNode(n.id, (n.pos[0], n.pos[1] + ROW_GAP))
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
