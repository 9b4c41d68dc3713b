"""One prediction at a time, for the inference panel: typed feature values -> model input.

A person types values in the file's own units (a CSV's columns, or a synthetic or
array set's features x1, x2, ...); they are encoded with the dataset's *stored*
transform exactly as ``load_features`` encodes new data: text columns one-hot, missing
numbers filled with the training mean, then the stored normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.data.normalize import apply_normalizer
from bpstudio.errors import DataError
from bpstudio.viz.boundary import output_probabilities
from bpstudio.viz.evaluation import raw_features


@dataclass(frozen=True)
class Field:
    """One input of the form: a number, or one of a text column's categories."""

    name: str
    kind: str  # "numeric" | "text"
    categories: tuple[str, ...] = ()
    fill: float | str | None = None  # used when left empty (training mean / mode)


@dataclass(frozen=True)
class Prediction:
    """``probs (K,)`` class probabilities (binary: K = 2) or ``(k,)`` regression
    outputs; ``label`` the predicted class name or the value(s) as text."""

    probs: np.ndarray
    label: str
    names: tuple[str, ...]  # class names, or output names for regression
    is_classification: bool


def form_fields(transform: dict | None) -> list[Field]:
    """The fields to type, in the model's feature order; [] for images."""
    t = transform or {}
    if t.get("source") == "images" or len(t.get("input_shape") or []) != 1:
        return []
    if t.get("columns"):
        return [
            Field(c["name"], c["kind"], tuple(c.get("categories") or ()), c.get("fill"))
            for c in t["columns"]
        ]
    return [Field(n, "numeric") for n in t.get("feature_names") or []]


def encode_values(values: dict, transform: dict) -> np.ndarray:
    """{field name: typed value (text or number; "" = missing)} -> ``(1, F)`` float32
    model input. Raises DataError naming the field that cannot be read."""
    fields = form_fields(transform)
    columns = transform.get("columns") or [
        {"name": f.name, "kind": "numeric", "fill": None} for f in fields
    ]
    row = {}
    for f in fields:
        v = values.get(f.name, "")
        empty = str(v).strip() == ""
        if empty and f.kind == "numeric" and f.fill is None:  # no training mean to use
            raise DataError(f"field '{f.name}': a number is needed")
        row[f.name] = [np.nan if empty else v]
    import pandas as pd  # only when a value is typed: pandas costs ~0.5 s of start-up

    from bpstudio.data.tabular import encode_columns

    x, problems = encode_columns(pd.DataFrame(row, dtype=object), columns)
    for key, (_mask, what) in problems.items():
        name = key.removeprefix("unknown:")
        raise DataError(f"field '{name}': '{values.get(name, '')}' {what}")
    norm = transform.get("normalize") or {"method": "none"}
    return apply_normalizer(x, norm, "typed values")


def raw_values(x: np.ndarray, transform: dict) -> dict:
    """One normalised sample ``(F,)`` -> {field name: value in the file's units}: the
    inverse of ``encode_values`` (a one-hot block gives its hottest category)."""
    raw = raw_features(np.asarray(x).reshape(1, -1), transform)[0]
    out, at = {}, 0
    for f in form_fields(transform):
        if f.kind == "numeric":
            out[f.name] = float(raw[at])
            at += 1
        else:
            block = raw[at : at + len(f.categories)]
            out[f.name] = f.categories[int(np.argmax(block))] if block.max() > 0.5 else ""
            at += len(f.categories)
    return out


def predict_sample(network, x: np.ndarray, class_names=None) -> Prediction:
    """``x`` one sample ``(1, ...)`` through ``network.predict`` (eval mode)."""
    task = network.loss_fn.task
    out = output_probabilities(network.predict(np.asarray(x, dtype=np.float32)), task)[0]
    if task in ("classification", "binary"):
        names = tuple(class_names or (str(i) for i in range(len(out))))
        k = int(np.argmax(out))
        return Prediction(out, names[k], names, True)
    names = tuple(f"output {i + 1}" for i in range(len(out)))
    label = ", ".join(f"{v:.4g}" for v in out)
    return Prediction(out, label, names, False)
