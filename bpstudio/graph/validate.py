"""Validation: every problem in a graph, each naming its node in words a learner reads.

``validate`` never raises on a bad graph; it lists what is wrong so the editor can mark
the nodes and the command line can print the first error.
"""

from __future__ import annotations

from bpstudio.errors import GraphError
from bpstudio.graph.catalogue import OPS, check_params
from bpstudio.graph.document import Graph
from bpstudio.graph.problem import Problem
from bpstudio.graph.shapes import infer_shapes

LOSS_NAMES = "MSELoss, CrossEntropyLoss or BCEWithLogitsLoss"


def validate(graph: Graph, input_shape: tuple | None = None) -> list[Problem]:
    """Every problem of ``graph``: structure first, then shapes (given a shape, from
    ``input_shape`` or the Input's ``shape`` param). Errors block compiling; warnings
    (severity "warning") do not."""
    problems = _node_problems(graph) + _edge_problems(graph)
    problems += _input_and_loss_problems(graph) + _arity_problems(graph)
    try:
        graph.topological_order()
    except GraphError as e:
        return [*problems, Problem(e.node_id, str(e).split(": ", 1)[-1])]
    problems += _reach_problems(graph) + _squashed_logits(graph)
    problems += infer_shapes(graph, input_shape)[1]
    return problems


# A loss that squashes its input itself, and the activation that squashes twice before it.
_SQUASHES = {"CrossEntropyLoss": "Softmax", "BCEWithLogitsLoss": "Sigmoid"}


def _squashed_logits(graph: Graph) -> list[Problem]:
    """Softmax before CrossEntropyLoss (Sigmoid before BCEWithLogitsLoss): it trains,
    slowly and to poor probabilities, the commonest slip of people coming from Keras."""
    out = []
    for loss in _losses(graph):
        op = graph.nodes[loss].op
        for src in graph.inputs_of(loss):
            node = graph.nodes.get(src)
            if node is not None and node.op == _SQUASHES.get(op):
                msg = (
                    f"{node.op} before {op}, which applies {node.op.lower()} itself: feed the "
                    "loss the raw outputs (logits) and remove this node"
                )
                out.append(Problem(src, msg, "warning"))
    return out


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def _node_problems(graph: Graph) -> list[Problem]:
    out = []
    for nid, node in graph.nodes.items():
        if "." in nid:
            out.append(Problem(nid, "a node id cannot contain '.' (it starts weight names)"))
        if node.op not in OPS:
            out.append(Problem(nid, f"{node.op!r} is not a known op"))
            continue
        out += [Problem(nid, m) for m in check_params(node.op, node.params)]
    return out


def _edge_problems(graph: Graph) -> list[Problem]:
    out, seen = [], set()
    for s, d in graph.edges:
        missing = [i for i in (s, d) if i not in graph.nodes]
        if missing:
            where = next((i for i in (s, d) if i in graph.nodes), None)
            out.append(
                Problem(where, f"the edge {s} -> {d} points to a missing node '{missing[0]}'")
            )
        elif (s, d) in seen:
            out.append(Problem(d, f"the edge {s} -> {d} appears twice"))
        seen.add((s, d))
    return out


def _input_and_loss_problems(graph: Graph) -> list[Problem]:
    inputs = [n.id for n in graph.nodes.values() if n.op == "Input"]
    losses = _losses(graph)
    out = []
    if not inputs:
        out.append(Problem(None, "the graph has no Input node: add one where the data enters"))
    out += [
        Problem(i, f"a second Input ('{inputs[0]}' is the first); a network takes one input")
        for i in inputs[1:]
    ]
    if not losses:
        out.append(Problem(None, f"the graph has no loss node: end it with {LOSS_NAMES}"))
    out += [
        Problem(i, f"a second loss ('{losses[0]}' is the first); a network trains on one loss")
        for i in losses[1:]
    ]
    for i in losses:
        if graph.outputs_of(i):
            took = ", ".join(f"'{o}'" for o in graph.outputs_of(i))
            out.append(
                Problem(
                    i, f"a loss is the end of the network; nothing can take its output ({took})"
                )
            )
    return out


def _arity_problems(graph: Graph) -> list[Problem]:
    out = []
    for nid, node in graph.nodes.items():
        spec = OPS.get(node.op)
        if spec is None:
            continue
        n = len([i for i in graph.inputs_of(nid) if i in graph.nodes])
        if spec.n_inputs == 0 and n:
            out.append(Problem(nid, f"{node.op} takes no inputs, got {n}"))
        elif spec.n_inputs == 1 and n != 1:
            out.append(Problem(nid, f"{node.op} needs 1 input, got {n}"))
        elif spec.n_inputs is None and n < 2:
            out.append(Problem(nid, f"{node.op} needs 2 or more inputs, got {n}"))
    return out


def _reach_problems(graph: Graph) -> list[Problem]:
    """With one Input and one loss: the loss must depend on the Input, and a node that
    does not lead to the loss is pointless (compile leaves it out)."""
    inputs = [n.id for n in graph.nodes.values() if n.op == "Input"]
    losses = _losses(graph)
    if len(inputs) != 1 or len(losses) != 1:
        return []
    loss, upstream = losses[0], graph.ancestors(losses[0])
    out = []
    if inputs[0] not in upstream:
        out.append(Problem(loss, f"the loss does not depend on the Input '{inputs[0]}'"))
    for nid in graph.nodes:
        if nid != loss and nid not in upstream and nid not in inputs:
            msg = "does not lead to the loss, so it is not trained (compile leaves it out)"
            out.append(Problem(nid, msg, "warning"))
    return out


def _losses(graph: Graph) -> list[str]:
    return [n.id for n in graph.nodes.values() if n.op in OPS and OPS[n.op].is_loss]
