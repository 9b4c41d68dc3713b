"""What the dataset panel previews, read off the GUI thread (Qt-free).

``csv_preview`` gives column names, types and the first rows; ``image_preview`` the
classes of an image folder with their counts and a few thumbnails per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpstudio.errors import BpError, DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


@dataclass
class CsvPreview:
    """``rows``: the first rows as text; ``types``: "integer", "number" or "text (k values)"."""

    columns: list[str]
    types: list[str]
    rows: list[list[str]]
    n_rows: int


@dataclass
class ImagePreview:
    """``thumbs[c]``: up to a few uint8 (h, w, 3) arrays from class ``c``'s folder."""

    classes: list[str]
    counts: list[int]
    thumbs: dict[str, list[np.ndarray]] = field(default_factory=dict)


def csv_preview(path: Path, n_rows: int = 200) -> CsvPreview:
    import pandas as pd

    try:
        frame = pd.read_csv(path, nrows=5000)
    except (OSError, ValueError) as e:
        raise DataError(f"{path.name}: cannot read as CSV: {e}") from None
    types = [_column_type(frame[c]) for c in frame.columns]
    head = frame.head(n_rows).astype(str).values.tolist()
    with open(path, "rb") as f:
        total = max(sum(1 for _ in f) - 1, 0)
    return CsvPreview([str(c) for c in frame.columns], types, head, total)


def _column_type(column) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return "text (2 values)"
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_numeric_dtype(column):
        return "number"
    return f"text ({column.nunique()} values)"


def csv_columns(path: Path) -> list[str]:
    """The header of a CSV file (cheap enough for the GUI thread)."""
    import pandas as pd

    try:
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError) as e:
        raise DataError(f"{path.name}: cannot read as CSV: {e}") from None


def image_preview(folder: Path, per_class: int = 8, size: int = 48) -> ImagePreview:
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    out = ImagePreview(classes, [])
    for name in classes:
        files = _image_files(folder / name)
        out.counts.append(len(files))
        out.thumbs[name] = [t for f in files[:per_class] if (t := _thumb(f, size)) is not None]
    return out


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


def _thumb(path: Path, size: int) -> np.ndarray | None:
    """An RGB thumbnail; tiny images are scaled up without blurring (nearest)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            scale = size / max(im.size)
            new = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            resample = Image.Resampling.NEAREST if scale > 1 else Image.Resampling.BILINEAR
            return np.asarray(im.resize(new, resample), dtype=np.uint8)
    except (OSError, UnidentifiedImageError):
        return None


def make_preview(spec: dict, base: Path):
    """The preview for a project's data spec: CsvPreview, ImagePreview, or None for
    sources previewed from the loaded arrays (synthetic, npz) or that cannot be read
    (the loader then names the problem)."""
    path = spec.get("path")
    if not path:
        return None
    full = Path(path).expanduser()
    full = full if full.is_absolute() else base / full
    try:
        if spec.get("source") == "csv":
            return csv_preview(full)
        if spec.get("source") == "images":
            return image_preview(full)
    except (BpError, OSError):
        return None
    return None
