"""The loaded dataset and the raw features for prediction (docs/internals.md, `data`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpstudio.errors import DataError


class LoadCancelled(DataError):
    """The caller's ``cancel`` callback asked the loader to stop."""


@dataclass
class Dataset:
    """Arrays the engine trains on, plus what is needed to redo the encoding later.

    ``x_*``: float32, (N, F) or (N, C, H, W), normalisation applied.
    ``y_*``: int64 (N,) class indices, or float32 (N, k) regression targets.
    The validation arrays may have 0 rows.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str  # "classification" | "regression"
    class_names: list[str] | None
    feature_names: list[str]
    input_shape: tuple[int, ...]
    transform: dict
    messages: list[str] = field(default_factory=list)
    # where each row came from ("row 7" of a CSV, an image's path in its folder, "row 3"
    # of an .npz), so a view can name a row as the person's file does; may be empty
    train_ids: list[str] = field(default_factory=list)
    val_ids: list[str] = field(default_factory=list)


@dataclass
class Features:
    """New raw data encoded with a stored transform, for ``predict``.

    ``x``: float32 (N, F) or (N, C, H, W). ``ids``: one label per row of ``x``
    ("row 3" for CSV data rows, a relative file path for images). ``y``: the targets
    when the data has them, in the training encoding: int64 (N,) class indices with -1
    for a missing or unknown class, or float32 (N, k) with NaN where missing.
    ``messages``: rows or files that could not be read.
    """

    x: np.ndarray
    ids: list[str]
    y: np.ndarray | None = None
    messages: list[str] = field(default_factory=list)
