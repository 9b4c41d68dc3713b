"""The bpstudio metadata that travels with weights, ONNX models and generated code.

A JSON object (``Session.weights_metadata`` builds it)::

    {"graph": <project graph dict>, "task": "classification"|"binary"|"regression",
     "class_names": [...] | null, "feature_names": [...] | null,
     "input_shape": [...], "transform": <Dataset.transform> | null, "data": <data spec>}

The readers here pick out what the exporters need, so only this module knows where
the data package keeps the normalisation and the one-hot categories in ``transform``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bpstudio.errors import WeightsError


def normalizer_of(metadata: dict) -> dict | None:
    """``{"method", "axis", "shift", "scale"}`` or None when the data is not normalised."""
    transform = metadata.get("transform") or {}
    norm = transform.get("normalize")
    if not norm or norm.get("method", "none") == "none":
        return None
    missing = [k for k in ("axis", "shift", "scale") if k not in norm]
    if missing:
        raise WeightsError(f"the stored normalisation lacks {', '.join(missing)}")
    return norm


def categories_of(metadata: dict) -> dict[str, list[str]]:
    """Text column -> its one-hot category list, in block order (empty for no text)."""
    columns = (metadata.get("transform") or {}).get("columns") or []
    return {
        str(c["name"]): [str(v) for v in c.get("categories", [])]
        for c in columns
        if c.get("kind") == "text"
    }


def head_kind(metadata: dict) -> str:
    """``classification``, ``binary`` or ``regression`` from the metadata's task."""
    task = metadata.get("task") or "regression"
    if task not in ("classification", "binary", "regression"):
        raise WeightsError(f"unknown task {task!r} in the weights metadata")
    return task


def loss_task(graph: dict) -> str | None:
    """The task the graph's loss node decides (DESIGN.md), None without a loss node."""
    ops = {n.get("op") for n in graph.get("nodes", [])}
    for op, task in (
        ("CrossEntropyLoss", "classification"),
        ("BCEWithLogitsLoss", "binary"),
        ("MSELoss", "regression"),
    ):
        if op in ops:
            return task
    return None


def make_metadata(graph: dict, dataset, input_shape, data_spec: dict) -> dict:
    """The metadata object for ``graph`` trained on ``dataset`` (a data.Dataset or None)."""
    ds = dataset
    return {
        "graph": graph,
        "task": loss_task(graph),
        "class_names": list(ds.class_names) if ds and ds.class_names else None,
        "feature_names": list(ds.feature_names) if ds else None,
        "input_shape": [int(s) for s in input_shape],
        "transform": ds.transform if ds else None,
        "data": data_spec,
    }


def to_json(metadata, **kwargs) -> str:
    """JSON text of the metadata; numpy scalars/arrays and paths become plain values."""
    return json.dumps(metadata, default=_plain, allow_nan=False, **kwargs)


def _plain(value):
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-able metadata")
