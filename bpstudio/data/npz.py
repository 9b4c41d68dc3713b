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
    if not np.all(np.isfinite(x)):
        raise DataError(f"{path.name}: array 'x' holds NaN, infinite or too large values")
    y = arrays.get("y")
    if y is not None:
        y = _labels(path, y)
        if len(y) != len(x):
            raise DataError(f"{path.name}: 'x' has {len(x)} rows but 'y' has {len(y)}")
    if len(x) == 0:
        raise DataError(f"{path.name}: array 'x' has no rows")
    return x, y


def _open(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise DataError(f"{path.name}: is a single .npy array, not an .npz archive")
            return {k: f[k] for k in f.files}
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        why = str(err).splitlines()[0][:100] if str(err) else type(err).__name__
        raise DataError(f"{path.name}: not a readable .npz file ({why})") from None


def _numeric(path: Path, name: str, a: np.ndarray) -> np.ndarray:
    if a.dtype.kind not in "biuf" or a.ndim == 0:
        raise DataError(f"{path.name}: array '{name}' must hold numbers, got {a.dtype} {a.shape}")
    with np.errstate(over="ignore"):
        return a.astype(np.float32, copy=False)


def _labels(path: Path, y: np.ndarray) -> np.ndarray:
    """y as stored: numbers (float64) or text labels; refuses other dtypes."""
    if y.ndim == 0 or y.dtype.kind not in "biufUS":
        raise DataError(f"{path.name}: array 'y' must hold numbers or labels, got {y.dtype}")
    if y.dtype.kind in "US":
        return y.astype(str)
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise DataError(f"{path.name}: array 'y' holds NaN or infinite values")
    return y
