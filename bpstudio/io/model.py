"""Open a project's network with trained weights: what ``predict`` and ``export`` run on.

The project decides the graph; the weights file supplies the tensors and the metadata
recorded at training time (classes, input shape, the data transform). One exception:
``train PROJECT --data other`` fits the network to the data (Input shape, output units,
a Flatten) without touching the project file, so weights that do not fit the project's
graph but fit the graph recorded in their metadata open with that graph when it is the
project's graph fitted to the weights' data. A weights file without bpstudio metadata
(written by another tool) falls back to the project's data, loaded and fitted as for
training.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from bpstudio.errors import BpError, GraphError, WeightsError
from bpstudio.graph.document import Graph
from bpstudio.graph.fit import fit_commands, loss_feeder
from bpstudio.io.metadata import loss_task, make_metadata
from bpstudio.io.weights import load_weights


def open_model(project, weights_path, strict: bool = True):
    """(network in eval-ready state, metadata) for ``project`` with ``weights_path``.

    With ``strict`` a tensor that does not fit is a WeightsError naming the file and every
    missing, unexpected or mis-shaped tensor; otherwise ``network.load_report`` says.
    """
    tensors, metadata = load_weights(weights_path)
    graph = project.graph.to_dict()
    if not metadata.get("input_shape") or metadata.get("transform") is None:
        metadata = _metadata_from_data(project, graph)
    try:
        return _open(project.graph, graph, tensors, metadata, weights_path, strict)
    except WeightsError as exc:
        refusal = exc
    own = metadata.get("graph")
    if _fitted_copy(project.graph, own, metadata):
        try:
            return _open(Graph.from_dict(own), own, tensors, metadata, weights_path, strict)
        except BpError:
            pass
    raise refusal


def _fitted_copy(document, own, metadata: dict) -> bool:
    """Whether ``own`` is ``document`` as graph.fit makes it fit the weights' data."""
    if not isinstance(own, dict):
        return False
    try:
        fitted, recorded = Graph.from_dict(document.to_dict()), Graph.from_dict(own)
        pair = loss_feeder(recorded)
        units = recorded.nodes[pair[1]].params.get("units", 1) if pair else 1
        data = SimpleNamespace(  # the part of a Dataset that graph.fit reads
            input_shape=tuple(metadata["input_shape"]),
            class_names=metadata.get("class_names"),
            y_train=np.zeros((0, units)),  # regression: as many outputs as were trained
        )
        for command in fit_commands(fitted, data):
            command.do(fitted)
    except (BpError, KeyError, TypeError, ValueError):
        return False
    return _without_pos(fitted.to_dict()) == _without_pos(own)


def _without_pos(graph: dict) -> dict:
    """Positions differ with the editor's row gap; they do not change the network."""
    nodes = [{k: v for k, v in n.items() if k != "pos"} for n in graph.get("nodes", [])]
    return {**graph, "nodes": nodes}


def _open(document, graph: dict, tensors: dict, metadata: dict, weights_path, strict: bool):
    """(network, metadata) for one graph; WeightsError naming the file when it does not fit."""
    from bpstudio.graph.compile import compile_graph  # noqa: PLC0415

    metadata = {**metadata, "graph": graph, "task": loss_task(graph) or metadata.get("task")}
    shape = tuple(int(s) for s in metadata["input_shape"])
    try:
        net = compile_graph(document, shape, xp=np, dtype=np.float32)
        net.build(shape, np.random.default_rng(0))
    except GraphError as exc:
        # The weights' own record of their input does not fit this project's graph:
        # name the weights file, which is what most likely belongs elsewhere.
        raise WeightsError(
            f"{Path(weights_path).name}: made for inputs of shape {list(shape)}, which this "
            f"project's network does not take ({exc}); are they another project's weights?"
        ) from None
    try:
        net.load_report = net.load_state_dict(tensors, strict=strict)
    except WeightsError as exc:
        raise WeightsError(f"{Path(weights_path).name}: {exc}") from None
    return net, metadata


def _metadata_from_data(project, graph: dict) -> dict:
    """Metadata rebuilt from the project's own data (same split, same fitted transform)."""
    from bpstudio.data import load_dataset  # noqa: PLC0415

    base = Path(project.path).resolve().parent if project.path else Path.cwd()
    ds = load_dataset(project.data, base, task=loss_task(graph))
    return make_metadata(graph, ds, ds.input_shape, project.data)
