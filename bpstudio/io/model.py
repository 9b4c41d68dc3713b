"""Open a project's network with trained weights: what ``predict`` and ``export`` run on.

The project decides the graph; the weights file supplies the tensors and the metadata
recorded at training time (classes, input shape, the data transform). A weights file
without bpstudio metadata (written by another tool) falls back to the project's data,
loaded and fitted as for training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bpstudio.errors import GraphError, WeightsError
from bpstudio.io.metadata import loss_task, make_metadata
from bpstudio.io.weights import load_weights


def open_model(project, weights_path, strict: bool = True):
    """(network in eval-ready state, metadata) for ``project`` with ``weights_path``.

    With ``strict`` a tensor that does not fit is a WeightsError naming the file and every
    missing, unexpected or mis-shaped tensor; otherwise ``network.load_report`` says.
    """
    from bpstudio.graph.compile import compile_graph  # noqa: PLC0415

    tensors, metadata = load_weights(weights_path)
    graph = project.graph.to_dict()
    if not metadata.get("input_shape") or metadata.get("transform") is None:
        metadata = _metadata_from_data(project, graph)
    metadata = {**metadata, "graph": graph, "task": loss_task(graph) or metadata.get("task")}
    shape = tuple(int(s) for s in metadata["input_shape"])
    try:
        net = compile_graph(project.graph, shape, xp=np, dtype=np.float32)
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
