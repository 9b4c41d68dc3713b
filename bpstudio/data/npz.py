"""NumPy ``.npz`` files with arrays ``x`` (N, ...) and ``y`` (N,) or (N, k).

Loaded with ``allow_pickle=False``: object arrays are refused, never unpickled.
``x`` of shape (N, C, H, W) is treated as images (per-channel normalisation).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from bpstudio.errors import DataError


def read_npz(path: Path, need_y: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """path -> (x float32 (N, ...), y (N, ...) as stored or None when absent and allowed)."""
    arrays = _open(path)
    if "x" not in arrays or (need_y and "y" not in arrays):
        found = ", ".join(sorted(arrays)) or "none"
        raise DataError(f"{path.name}: needs arrays 'x' and 'y' (found: {found})")
    x = _numeric(path, "x", arrays["x"])
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    bad = first_non_finite_row(x)
    if bad is not None:
        raise DataError(
            f"{path.name}: array 'x' holds NaN, infinite or too large values (first in row {bad})"
        )
    y = arrays.get("y")
    if y is not None:
        y = _labels(path, y)
        if len(y) != len(x):
            raise DataError(f"{path.name}: 'x' has {len(x)} rows but 'y' has {len(y)}")
    if len(x) == 0:
        raise DataError(f"{path.name}: array 'x' has no rows")
    return x, y


def first_non_finite_row(x: np.ndarray, chunk_bytes: int = 8 << 20) -> int | None:
    """The first row (0-based) of ``x (N, ...)`` holding NaN or +-inf, else None.

    Checked a few MB of rows at a time: ``np.isfinite(x)`` at once builds a boolean
    array as large as ``x`` (47 MB for 60,000 MNIST images)."""
    if x.size == 0:
        return None  # no rows (refused just after), or rows of no values
    rows = x.reshape(len(x), -1)
    step = max(1, chunk_bytes // max(1, rows[:1].nbytes))
    for start in range(0, len(rows), step):
        ok = np.isfinite(rows[start : start + step]).all(axis=1)
        if not ok.all():
            return start + int(np.argmin(ok))
    return None


def _open(path: Path) -> dict[str, np.ndarray]:
    """Every array by name; refuses non-zip files first, since np.load would take them
    for a pickle and answer with advice to unpickle them."""
    try:
        if path.is_dir():
            raise DataError(f"{path.name}: is a folder, not an .npz file")
        if path.is_file() and not zipfile.is_zipfile(path):
            why = _npy_hint(path) or "not a zip archive, or a truncated one"
            raise DataError(f"{path.name}: not a readable .npz file ({why})")
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except ValueError as err:
        if "pickle" not in str(err):
            raise DataError(f"{path.name}: not a readable .npz file ({_first(err)})") from None
        raise DataError(
            f"{path.name}: holds object (pickled) arrays, which bpstudio never loads; "
            "save plain numeric or text arrays"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise DataError(f"{path.name}: not a readable .npz file ({_first(err)})") from None


def _npy_hint(path: Path) -> str:
    with open(path, "rb") as f:
        magic = f.read(6)
    return "a single .npy array: save x and y with numpy.savez" if magic == b"\x93NUMPY" else ""


def _first(err: Exception) -> str:
    return str(err).splitlines()[0][:100] if str(err) else type(err).__name__


def _numeric(path: Path, name: str, a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        raise DataError(
            f"{path.name}: array '{name}' is a single value; it needs one row per sample"
        )
    if a.dtype.kind not in "biuf":
        raise DataError(f"{path.name}: array '{name}' must hold numbers, got {a.dtype} {a.shape}")
    with np.errstate(over="ignore"):
        return a.astype(np.float32, copy=False)


def _labels(path: Path, y: np.ndarray) -> np.ndarray:
    """y as stored: numbers (float64) or text labels; refuses other dtypes."""
    if y.ndim == 0:
        raise DataError(f"{path.name}: array 'y' is a single value; it needs one row per sample")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{path.name}: array 'y' must hold numbers or labels, got {y.dtype}")
    if y.dtype.kind in "US":
        return y.astype(str)
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise DataError(f"{path.name}: array 'y' holds NaN or infinite values")
    return y
