"""The bpstudio metadata that travels with weights, ONNX models and generated code.

A JSON object (``Session.weights_metadata`` builds it)::

    {"graph": <project graph dict>, "task": "classification"|"binary"|"regression",
     "class_names": [...] | null, "feature_names": [...] | null,
     "input_shape": [...], "transform": <Dataset.transform> | null, "data": <data spec>}

The readers here pick out what the exporters need, so only this module knows where
the data package keeps the normalisation and the one-hot categories in ``transform``.
"""

from __future__ import annotations

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
    transform = metadata.get("transform") or {}
    cats = transform.get("categories") or {}
    return {str(k): [str(c) for c in v] for k, v in cats.items()}


def head_kind(metadata: dict) -> str:
    """``classification``, ``binary`` or ``regression`` from the metadata's task."""
    task = metadata.get("task") or "regression"
    if task not in ("classification", "binary", "regression"):
        raise WeightsError(f"unknown task {task!r} in the weights metadata")
    return task
