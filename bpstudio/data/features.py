"""load_features: new raw data -> model inputs with a *stored* transform (for predict).

The format follows ``path``: a folder or an image file -> images (needs a model trained
on images); ``.npz`` -> arrays ``x`` (``y`` optional); anything else -> CSV, matched by
column name (a model trained on arrays or a synthetic set reads numeric columns named
after its features, x1, x2, ...). Rows that cannot be read are left out and listed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bpstudio.errors import DataError

from . import images, npz
from .dataset import Features
from .normalize import apply_normalizer
from .oneline import one_line, one_line_errors
from .targets import targets_from_names

LISTED_ROWS = 10


@one_line_errors
def load_features(spec: dict, transform: dict, path) -> Features:
    """path (CSV, .npz, image folder or file) -> Features, encoded as in training."""
    path = Path(path).expanduser()
    if not transform or "input_shape" not in transform:
        raise DataError(f"{path.name}: the model stores no data transform to encode it with")
    if transform.get("source") == "images":
        feats = _images(transform, path)
    elif path.suffix.lower() == ".npz":
        feats = _npz(transform, path)
    else:
        feats = _csv(spec, transform, path)
    if len(feats.x) == 0:
        # Nothing to predict is a refusal, not an empty CSV: say why (the first reason).
        why = f" ({one_line(feats.messages[0])})" if feats.messages else ""
        raise DataError(f"{path.name}: nothing could be read{why}")
    shape = tuple(transform["input_shape"])
    if feats.x.shape[1:] != shape:
        raise DataError(f"{path.name}: samples have shape {feats.x.shape[1:]}, model needs {shape}")
    apply_normalizer(feats.x, transform.get("normalize", {"method": "none"}), path.name)
    feats.messages = [one_line(m) for m in feats.messages]
    return feats


def _y(raw: np.ndarray | None, transform: dict) -> np.ndarray | None:
    """Targets in the training encoding: class indices (-1 unknown) or float32 (N, k)."""
    if raw is None:
        return None
    if transform.get("task") == "classification":
        return targets_from_names(raw, transform.get("class_names") or [])
    values = np.full(len(raw), np.nan)
    for i, v in enumerate(raw.tolist()):
        try:
            values[i] = float(v)
        except (TypeError, ValueError):
            continue
    return values.astype(np.float32).reshape(len(raw), -1)


def _csv(spec: dict, transform: dict, path: Path) -> Features:
    from . import tabular  # pandas only when a CSV is read (start-up time)
    from .csv import read_table

    df, messages = read_table(path, spec)
    columns = transform.get("columns") or [
        {"name": n, "kind": "numeric", "fill": None} for n in transform.get("feature_names", [])
    ]
    absent = [c["name"] for c in columns if c["name"] not in df.columns]
    if absent:
        raise DataError(f"{path.name}: has no column '{absent[0]}' (the model reads it)")
    x, problems = tabular.encode_columns(df, columns)
    bad = np.zeros(len(df), dtype=bool)
    for key, (mask, what) in problems.items():
        if key.startswith("unknown:"):
            messages.append(
                f"{path.name}: {int(mask.sum())} rows where '{key[8:]}' {what} "
                "(encoded as all zeros)"
            )
        else:
            bad |= mask
            messages.append(f"{path.name}: skipped {_rows(mask)} where '{key}' {what}")
    keep = np.flatnonzero(~bad)
    target = transform.get("target")
    raw_y = None
    if target in df.columns:
        raw_y = tabular.clean_text(df[target]).to_numpy(dtype=object)[keep]
    ids = [f"row {i + 1}" for i in keep]
    return Features(np.ascontiguousarray(x[keep]), ids, _y(raw_y, transform), messages)


def _rows(mask: np.ndarray) -> str:
    """'3 rows (data rows 4, 9, 12)' with the first few row numbers."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in idx[:LISTED_ROWS])
    more = ", ..." if len(idx) > LISTED_ROWS else ""
    return f"{len(idx)} rows (data rows {shown}{more})"


def _npz(transform: dict, path: Path) -> Features:
    x, y = npz.read_npz(path, need_y=False)
    return Features(x, [f"row {i + 1}" for i in range(len(x))], _y(y, transform))


def _images(transform: dict, path: Path) -> Features:
    """An image file, a flat folder of images, or a folder of class sub-folders."""
    size, color = tuple(transform["size"]), transform["color"]
    root, files, labels, messages = _image_files(path)
    x, ok, skipped, _ = images.decode_files(files, size, color, root=root)
    ids = [_relative(files[i], root) for i in ok]
    y = None
    if labels is not None:
        y = targets_from_names(np.asarray(labels, dtype=object)[ok], transform["class_names"])
    return Features(x, ids, y, messages + skipped)


def _image_files(path: Path):
    """-> (root, files, labels or None, messages); class sub-folders give labels."""
    if path.is_file():
        return path.parent, [path], None, []
    if not path.is_dir():
        raise DataError(f"{path}: file or folder not found")
    entries = sorted(p for p in path.iterdir() if not images.is_hidden(p))
    if any(p.is_dir() for p in entries):
        _, files, labels, messages = images.scan_classes(path)
        return path, files, labels, messages
    files = [p for p in entries if p.is_file()]
    if not files:
        raise DataError(f"{path.name}: holds no images")
    return path, files, None, []


def _relative(p: Path, root: Path) -> str:
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.name
