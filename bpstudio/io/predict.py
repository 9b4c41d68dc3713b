"""Predictions on new data: DESIGN.md's predictions CSV, and the model a command opens.

The CSV has one row per readable input row: an id column (``row``, the 1-based data
row of a CSV, or ``file`` for images), ``predicted`` (the class name, or the value for
regression; ``predicted_<i>`` per output for several targets) and, for
classification, one ``p_<class>`` probability column per class (binary BCE models
too), written with float32 precision. Rows the preprocessing cannot read are not in
the file: the data package reports them (count and first row numbers) in the messages.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpstudio.errors import BpError
from bpstudio.io.atomic import atomic_write
from bpstudio.io.metadata import head_kind


@dataclass
class Prediction:
    """What ``predict`` did: rows written, the score when the data had targets."""

    rows: int
    columns: list[str]
    score: str | None = None  # "accuracy 0.9667 on 30 rows" / "RMSE 0.12 on 30 rows"
    messages: list[str] = field(default_factory=list)


def predict(project, network, metadata: dict, data_path, out_path=None) -> Prediction:
    """Predict ``data_path`` (a CSV or image folder) and write the CSV to ``out_path``.

    ``out_path`` None writes to stdout. The data is read with the transform stored in
    ``metadata`` (what training used), by ``data.load_features``.
    """
    from bpstudio.data import load_features  # noqa: PLC0415  (heavy: pandas)

    feats = load_features(project.data, metadata.get("transform") or {}, Path(data_path))
    outputs = network.predict(feats.x)
    header, columns = prediction_columns(outputs, metadata)
    id_name, ids = _id_column(feats.ids)
    _write_csv(out_path, [id_name, *header], [ids, *columns])
    score = _score(outputs, feats.y, metadata) if feats.y is not None else None
    return Prediction(len(ids), [id_name, *header], score, list(feats.messages))


def prediction_columns(outputs: np.ndarray, metadata: dict):
    """outputs (N, K) -> (header, columns): ``predicted`` then ``p_<class>`` columns."""
    kind = head_kind(metadata)
    if kind == "regression":
        flat = outputs.reshape(len(outputs), -1)
        if flat.shape[1] == 1:
            return ["predicted"], [_texts(flat[:, 0])]
        return [f"predicted_{i}" for i in range(flat.shape[1])], [_texts(c) for c in flat.T]
    probs = probabilities(outputs, kind)
    names = class_names(metadata, probs.shape[1])
    predicted = [names[i] for i in probs.argmax(axis=1)]
    return ["predicted", *(f"p_{n}" for n in names)], [predicted, *map(_texts, probs.T)]


def probabilities(outputs: np.ndarray, kind: str) -> np.ndarray:
    """Logits -> class probabilities (N, K): softmax, or [1 - s, s] for one BCE logit.

    Computed in float64: a stable softmax (max subtracted) and a sigmoid that never
    overflows, so huge logits give 0 and 1 rather than NaN.
    """
    z = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    if kind == "binary":
        p1 = np.exp(-np.logaddexp(0.0, -z[:, 0]))
        return np.stack([1.0 - p1, p1], axis=1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def class_names(metadata: dict, k: int) -> list[str]:
    names = metadata.get("class_names")
    if names and len(names) == k:
        return [str(n) for n in names]
    return [str(i) for i in range(k)]


def _texts(values: np.ndarray) -> list[str]:
    """float32's shortest round-trip text per value ('0.1', not '0.100000001')."""
    return [str(v) for v in np.asarray(values, dtype=np.float32)]


def _id_column(ids: list[str]) -> tuple[str, list[str]]:
    """CSV ids "row 3" -> ("row", ["3", ...]); image ids (file paths) -> ("file", ids)."""
    if ids and all(i.startswith("row ") for i in ids):
        return "row", [i[4:] for i in ids]
    return "file", list(ids)


def _write_csv(out_path, header: list[str], columns: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    if out_path is None:
        sys.stdout.write(buf.getvalue())
        return
    text = buf.getvalue().encode("utf-8")
    atomic_write(Path(out_path), lambda f: f.write(text), error=BpError)


def _score(outputs: np.ndarray, y: np.ndarray, metadata: dict) -> str | None:
    """Accuracy (classes) or RMSE (regression) on the rows whose target is known."""
    kind = head_kind(metadata)
    if kind == "regression":
        flat = outputs.reshape(len(outputs), -1).astype(np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        known = ~np.isnan(y).any(axis=1)
        if not known.any():
            return None
        rmse = float(np.sqrt(np.mean((flat[known] - y[known]) ** 2)))
        return f"RMSE {rmse:.6g} on {int(known.sum())} rows"
    known = y >= 0
    if not known.any():
        return None
    pred = probabilities(outputs, kind).argmax(axis=1)
    acc = float(np.mean(pred[known] == y[known]))
    left = len(y) - int(known.sum())
    extra = f" ({left} rows with a missing or unknown class left out)" if left else ""
    return f"accuracy {acc:.4f} on {int(known.sum())} rows{extra}"


def predict_cli(project_path, weights_path, data_path, out_path=None) -> int:
    """``bpstudio predict PROJECT --weights W --data PATH [--out FILE]``: exit status 0.

    The CSV goes to ``out_path`` (stdout when None); messages and the score to stderr.
    """
    from bpstudio.graph.project import load_project  # noqa: PLC0415
    from bpstudio.io.model import open_model  # noqa: PLC0415

    project = load_project(project_path)
    network, metadata = open_model(project, weights_path)
    result = predict(project, network, metadata, data_path, out_path)
    for msg in result.messages:
        print(msg, file=sys.stderr)
    where = f" to {out_path}" if out_path else ""
    print(f"predicted {result.rows} rows{where}", file=sys.stderr)
    if result.score:
        print(result.score, file=sys.stderr)
    return 0
