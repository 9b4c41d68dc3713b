"""load_dataset and load_features: the data package's entry points (docs/internals.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from bpstudio.errors import DataError

from .dataset import Dataset
from .normalize import apply_normalizer, fit_normalizer
from .oneline import one_line, one_line_errors
from .sources import RAW
from .split import split_indices
from .targets import encode_targets


@one_line_errors
def load_dataset(
    spec: dict,
    base_dir: Path,
    task: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Dataset:
    """The project's ``data`` object -> a split, normalised Dataset.

    ``spec`` keys: ``source`` (csv | images | npz | synthetic) and the source's own keys
    (DESIGN.md); ``validation`` (default 0: every row trains, in file order),
    ``split_seed`` (0), ``normalize`` (none | standard | minmax, default none).
    ``task`` ("classification", "binary" or "regression", from the loss node) overrides
    the guess from the target. ``progress(done, total)`` and ``cancel()`` are called
    while image folders decode; a cancelled load raises ``LoadCancelled``.
    Raises ``DataError`` (one line naming the file and the problem) for unusable data.
    """
    if not isinstance(spec, dict):
        raise DataError("data: the project's 'data' must be an object")
    source = spec.get("source")
    if source not in RAW:
        raise DataError(f"data: unknown source {source!r} (csv, images, npz or synthetic)")
    raw = RAW[source](spec, Path(base_dir), task, progress, cancel)
    y, task, class_names = encode_targets(raw.y, task, raw.target)
    classes = task == "classification"
    train, val = split_indices(
        y, classes, spec.get("validation", 0.0), _seed(spec, raw.name), raw.name
    )
    enc = raw.encode(train)
    x_train, x_val = _rows(enc.x, train), _rows(enc.x, val)
    norm = fit_normalizer(x_train, spec.get("normalize", "none"), raw.name)
    apply_normalizer(x_train, norm, raw.name)
    apply_normalizer(x_val, norm, raw.name)
    transform = {
        **enc.transform,
        "task": task,
        "class_names": class_names,
        "feature_names": enc.feature_names,
        "input_shape": list(enc.x.shape[1:]),
        "normalize": norm,
    }
    return Dataset(
        x_train=x_train,
        y_train=_rows(y, train),
        x_val=x_val,
        y_val=_rows(y, val),
        task=task,
        class_names=class_names,
        feature_names=enc.feature_names,
        input_shape=tuple(enc.x.shape[1:]),
        transform=transform,
        messages=[one_line(m) for m in raw.messages + enc.messages],
        train_ids=_ids(raw, train),
        val_ids=_ids(raw, val),
    )


def _seed(spec: dict, where: str) -> int:
    seed = spec.get("split_seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"{where}: split_seed must be a non-negative integer, got {seed!r}")
    return seed


def _ids(raw, idx: np.ndarray) -> list[str]:
    """Row labels for the rows ``idx`` of the loaded data."""
    if raw.ids is None:
        return [f"row {i}" for i in idx]
    return [raw.ids[i] for i in idx]


def _rows(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """a[idx]; all rows in order returns a itself (no copy of a large set)."""
    if len(idx) == len(a):
        return a
    return np.take(a, idx, axis=0)
