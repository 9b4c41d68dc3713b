"""Targets: choose the task, turn labels into class indices (sorted class names)."""

from __future__ import annotations

import numpy as np

from bpstudio.errors import DataError

# A numeric target with at most this many distinct integer values means classes.
MAX_AUTO_CLASSES = 20
TASKS = ("classification", "binary", "regression")
UNIQUE_ROWS = 100  # from this many samples, one class per sample is refused


def is_text(raw: np.ndarray) -> bool:
    """True for string labels (numpy unicode/bytes or object arrays of str)."""
    return raw.dtype.kind in "UOS"


def class_name(value) -> str:
    """How a class value is named: integral numbers without '.0', text as it is."""
    if isinstance(value, str):
        return value
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def infer_task(raw: np.ndarray) -> str:
    """Text, or few distinct integers -> "classification"; other numbers -> "regression"."""
    if is_text(raw):
        return "classification"
    if raw.ndim != 1 or raw.size == 0:
        return "regression"
    if np.any(np.mod(raw[:1000], 1) != 0):  # fractions up front: skip sorting a big target
        return "regression"
    vals = np.unique(raw)
    if len(vals) <= MAX_AUTO_CLASSES and np.all(np.mod(vals, 1) == 0):
        return "classification"
    return "regression"


def encode_targets(raw: np.ndarray, task: str | None, where: str):
    """raw: (N,) labels or numbers, or (N, k) numbers -> (y, task, class_names).

    ``task`` "binary" (from BCEWithLogitsLoss) means exactly two classes as 0 and 1 and
    is reported as "classification". ``where`` names the file and column in errors.
    """
    if task is not None and task not in TASKS:
        raise DataError(f"{where}: unknown task '{task}' (use one of {', '.join(TASKS)})")
    asked = task  # from the loss node; None while the data is only previewed
    task = task or infer_task(raw)
    if task == "regression":
        return _regression(raw, where), "regression", None
    y, names = _classes(raw, where)
    if asked is not None and len(names) < 2:  # the loss asks for classes: one cannot be learned
        raise DataError(f"{where}: only one class ({names[0]!r}); a classifier needs 2 or more")
    if asked is not None and len(names) == len(y) >= UNIQUE_ROWS:
        # An id or a name chosen as target: a Dense layer as wide as the file, accuracy 0.
        raise DataError(
            f"{where}: every sample is its own class ({len(names)} classes in {len(y)} "
            "samples), nothing to generalise from: an id or a name? choose another target"
        )
    if task == "binary" and len(names) != 2:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise DataError(
            f"{where}: BCEWithLogitsLoss needs exactly 2 classes, found {len(names)} ({shown})"
        )
    return y, "classification", names


def _regression(raw: np.ndarray, where: str) -> np.ndarray:
    """(N,) or (N, k) numbers -> float32 (N, k)."""
    if is_text(raw):
        sample = next((v for v in raw if v == v), "")
        raise DataError(f"{where}: holds text ('{str(sample)[:40]}'); regression needs numbers")
    y = np.asarray(raw, dtype=np.float32)
    if not np.all(np.isfinite(y)):
        raise DataError(f"{where}: target holds infinite or too large values")
    return y.reshape(len(y), -1)


def _classes(raw: np.ndarray, where: str) -> tuple[np.ndarray, list[str]]:
    """(N,) labels -> int64 (N,) indices into the sorted class names."""
    if raw.ndim != 1:
        raise DataError(f"{where}: classification needs one label per sample, got {raw.shape}")
    if is_text(raw):
        raw = raw.astype(str)
    elif not np.all(np.mod(raw, 1) == 0):
        bad = raw[np.mod(raw, 1) != 0][0]
        raise DataError(
            f"{where}: holds non-integer numbers ({bad:g}); classes need labels "
            "(use MSELoss for regression)"
        )
    values, y = np.unique(raw, return_inverse=True)
    return y.astype(np.int64).reshape(-1), [class_name(v) for v in values.tolist()]


def targets_from_names(raw: np.ndarray, class_names: list[str]) -> np.ndarray:
    """Labels of new data -> int64 (N,) indices in ``class_names``; -1 when unknown."""
    index = {name: i for i, name in enumerate(class_names)}
    out = np.full(len(raw), -1, dtype=np.int64)
    for i, v in enumerate(raw.tolist()):
        if v == v and v is not None:  # NaN != NaN marks a missing label
            out[i] = index.get(class_name(v), -1)
    return out
