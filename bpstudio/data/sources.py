"""Per-source raw loading: targets as found, and a feature encoder fitted on train rows.

``load_dataset`` needs the split (from the targets) before it fits anything on the
training rows (CSV fill values), so a source returns a ``Raw``: its targets and an
``encode(train_idx)`` that produces the features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpstudio.errors import DataError

from . import images, npz, synthetic


@dataclass
class Encoded:
    x: np.ndarray  # float32 (N, ...) before normalisation
    feature_names: list[str]
    transform: dict  # source-specific, JSON-able
    messages: list[str] = field(default_factory=list)


@dataclass
class Raw:
    y: np.ndarray  # (N,) labels or numbers, or (N, k) numbers
    encode: Callable[[np.ndarray], Encoded]
    name: str  # file or set name for messages
    target: str  # "iris.csv: column 'species'" for target errors
    messages: list[str] = field(default_factory=list)
    # where each row came from, as people find it: "row 7" (the 7th data row of a
    # CSV, 1-based, as predict's ids), a file path relative to the image folder, or
    # None: "row i" by position (0-based, as numpy indexes an .npz's arrays)
    ids: list[str] | None = None


def resolve(spec: dict, base_dir: Path) -> Path:
    """The spec's ``path`` against the project folder. A built-in dataset saved with an
    absolute path into an older install (a project saved from an example) is found
    in this install's ``bpstudio/resources/datasets`` instead."""
    path = spec.get("path")
    if not path or not isinstance(path, str):
        raise DataError(f"data: source '{spec.get('source')}' needs a 'path'")
    p = Path(path).expanduser()
    p = p if p.is_absolute() else Path(base_dir) / p
    return p if p.exists() else (_packaged(p) or p)


def _packaged(p: Path) -> Path | None:
    """This install's copy of ``.../resources/datasets/<rest>``, if it has one."""
    parts = p.parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "datasets" and parts[i - 1] == "resources":
            import importlib.resources

            here = importlib.resources.files("bpstudio.resources").joinpath("datasets")
            candidate = Path(str(here)).joinpath(*parts[i + 1 :])
            return candidate if candidate.exists() else None
    return None


def raw_csv(spec: dict, base_dir: Path, task, progress, cancel) -> Raw:
    # pandas is imported only when a CSV is read: it costs ~0.5 s of start-up.
    from . import tabular
    from .csv import read_table
    from .fit import fit_encode

    path = resolve(spec, base_dir)
    df, messages = read_table(path, spec)
    target, features = _columns(path, list(df.columns), spec)
    kinds = tabular.split_kinds(df, [*features, target], path.name)
    keep = df[target].notna().to_numpy()
    ids = [f"row {i + 1}" for i in np.flatnonzero(keep)]
    if not keep.all():
        dropped = int((~keep).sum())
        messages.append(f"{path.name}: dropped {dropped} rows with no '{target}' value")
        if not keep.any():
            raise DataError(f"{path.name}: no row has a value in the target column '{target}'")
        df = df[keep].reset_index(drop=True)
    y = _target_values(df[target], kinds[target], f"{path.name}: column '{target}'")
    del kinds[target]

    def encode(train: np.ndarray) -> Encoded:
        cols, x, msgs = fit_encode(df, kinds, train, path.name)
        transform = {"source": "csv", "target": target, "columns": cols}
        return Encoded(x, tabular.feature_names(cols), transform, msgs)

    return Raw(y, encode, path.name, f"{path.name}: column '{target}'", messages, ids)


def _columns(path: Path, columns: list[str], spec: dict) -> tuple[str, list[str]]:
    """(target, features) from the spec: target default last, features default the rest."""
    if not columns:  # every column was empty and dropped
        raise DataError(f"{path.name}: has no column with values")
    if len(columns) < 2:
        raise DataError(
            f"{path.name}: has only one column ('{columns[0]}'); need features and a target"
        )
    target = spec.get("target") or columns[-1]
    if not isinstance(target, str):
        raise DataError(f"{path.name}: target must be a column name, got {target!r}")
    listed = spec.get("features")
    if listed is not None and not (
        isinstance(listed, list) and all(isinstance(c, str) for c in listed)
    ):
        raise DataError(f"{path.name}: features must be a list of column names, got {listed!r}")
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    if target not in columns:
        raise DataError(f"{path.name}: has no column '{target}' (columns: {shown})")
    features = spec.get("features") or [c for c in columns if c != target]
    missing = [c for c in features if c not in columns]
    if missing:
        raise DataError(f"{path.name}: has no column '{missing[0]}' (columns: {shown})")
    if target in features:
        raise DataError(f"{path.name}: column '{target}' is both the target and a feature")
    return target, list(dict.fromkeys(features))


def _target_values(s, kind: str, where: str) -> np.ndarray:
    """Target column -> float64 numbers (infinite refused) or an object array of text."""
    if kind == "text":
        return s.to_numpy(dtype=object)
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise DataError(f"{where} holds infinite values")
    return values


def raw_npz(spec: dict, base_dir: Path, task, progress, cancel) -> Raw:
    path = resolve(spec, base_dir)
    x, y = npz.read_npz(path)
    names = [f"x{i + 1}" for i in range(x[0].size)] if x.ndim == 2 else []

    def encode(train):
        return Encoded(x, names, {"source": "npz"})

    return Raw(y, encode, path.name, f"{path.name}: array 'y'")


def raw_synthetic(spec: dict, base_dir: Path, task, progress, cancel) -> Raw:
    x, y, names = synthetic.make_synthetic(spec)
    name = spec.get("name", "spiral")

    def encode(train):
        return Encoded(x, names, {"source": "synthetic", "name": name})

    return Raw(y, encode, f"synthetic '{name}'", f"synthetic '{name}'")


def raw_images(spec: dict, base_dir: Path, task, progress, cancel) -> Raw:
    folder = resolve(spec, base_dir)
    if task == "regression":
        raise DataError(f"{folder.name}: image folders give classes; MSELoss needs numbers")
    size = images.parse_size(spec.get("size"), folder.name)
    color = images.parse_color(spec.get("color", "rgb"), folder.name)
    classes, files, labels, messages = images.scan_classes(folder)
    x, ok, skipped, size = images.decode_files(files, size, color, progress, cancel, folder)
    y = np.asarray(labels, dtype=object)[ok]
    empty = [c for c in classes if not np.any(y == c)]
    if empty:
        raise DataError(f"{folder.name}: class folder '{empty[0]}' holds no readable images")
    transform = {"source": "images", "size": list(size), "color": color}
    channels = ["gray"] if color == "grayscale" else ["red", "green", "blue"]

    def encode(train):
        return Encoded(x, channels, transform)

    ids = [images.relative(files[i], folder) for i in ok]
    return Raw(y, encode, folder.name, f"{folder.name}: class folders", messages + skipped, ids)


RAW = {"csv": raw_csv, "npz": raw_npz, "synthetic": raw_synthetic, "images": raw_images}
