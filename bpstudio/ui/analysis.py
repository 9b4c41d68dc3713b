"""What the editor shows about a graph: tensor shapes per node and problems per node.

Shapes and problems come from the graph package (``infer_shapes``, ``validate``); on
top, once data is loaded, the network's output is checked against the targets (the
number of classes or target columns), which only the data can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstudio.errors import BpError
from bpstudio.graph.fit import loss_feeder, wanted_outputs  # noqa: F401  (re-exported)
from bpstudio.graph.shapes import infer_shapes
from bpstudio.graph.validate import validate


@dataclass(frozen=True)
class Issue:
    """A problem to show: on a node (``node_id``) or on the whole graph (None)."""

    node_id: str | None
    message: str
    severity: str = "error"  # or "warning": the graph compiles, but likely not as meant


@dataclass
class Analysis:
    """``shapes[id]``: per-sample output shape, or None where it cannot be known."""

    shapes: dict
    issues: list[Issue]

    def issues_for(self, node_id: str | None) -> list[Issue]:
        return [i for i in self.issues if i.node_id == node_id]

    def issues_of(self, node_id: str) -> list[str]:
        return [i.message for i in self.issues if i.node_id == node_id]

    def has_errors(self, node_id: str) -> bool:
        return any(i.node_id == node_id and i.severity == "error" for i in self.issues)

    @property
    def graph_issues(self) -> list[str]:
        return [i.message for i in self.issues if i.node_id is None]


def analyse(graph, dataset=None) -> Analysis:
    """Shapes and problems of ``graph``, fitted to ``dataset`` when one is loaded."""
    data_shape = tuple(dataset.input_shape) if dataset is not None else None
    try:
        problems = validate(graph, data_shape)
        shapes = infer_shapes(graph, data_shape)[0]
    except BpError as e:  # validate lists problems; a raise is one more of them
        problems = [Issue(getattr(e, "node_id", None), str(e))]
        shapes = dict.fromkeys(graph.nodes)
    issues = [Issue(p.node_id, p.message, p.severity) for p in problems]
    if dataset is not None:
        issues += [i for i in _output_issues(graph, shapes, dataset) if i not in issues]
    return Analysis(shapes, issues)


def _output_issues(graph, shapes, dataset) -> list[Issue]:
    pair, want = loss_feeder(graph), wanted_outputs(graph, dataset)
    if pair is None or want is None:
        return []
    shape = shapes.get(pair[1])
    if shape is None or tuple(shape) == (want,):
        return []
    what = _target_words(graph.nodes[pair[0]].op, want)
    fix = "set its units to" if graph.nodes[pair[1]].op == "Dense" else "it should output"
    message = f"outputs {list(shape)} but the data has {what}: {fix} {want}"
    return [Issue(pair[1], message)]


def _target_words(loss_op: str, want: int) -> str:
    if loss_op == "CrossEntropyLoss":
        return f"{want} classes"
    if loss_op == "BCEWithLogitsLoss":
        return "a binary target (1 output)"
    return f"{want} target value(s)"
