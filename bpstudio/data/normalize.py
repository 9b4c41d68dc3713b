"""Normalisation fitted on the training split, stored as JSON, reapplied exactly.

``standard``: (x - mean) / std with the population std; ``minmax``: (x - min) /
(max - min). Statistics are per feature (every non-batch element of (N, ...)), or per
channel for images (N, C, H, W). A constant column keeps scale 1 ("left unscaled": it
is only shifted, so it becomes 0).
"""

from __future__ import annotations

import numpy as np

from bpstudio.errors import DataError

METHODS = ("none", "standard", "minmax")
_CHUNK = 65536  # rows per pass: bounded float64 temporaries on large sets
_TINY = float(np.finfo(np.float32).tiny)
_HUGE = float(np.finfo(np.float32).max)


def fit_normalizer(x: np.ndarray, method: str, where: str = "data") -> dict:
    """x: float32 (N, ...) training rows -> {"method", "axis", "shift", "scale"}."""
    if method not in METHODS:
        raise DataError(f"{where}: normalize must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "none":
        return {"method": "none"}
    axis = "channel" if x.ndim == 4 else "feature"
    axes = (0, 2, 3) if axis == "channel" else (0,)
    lo = _chunked(x, lambda c: c.min(axis=axes), np.minimum)
    hi = _chunked(x, lambda c: c.max(axis=axes), np.maximum)
    if method == "minmax":
        shift, scale = lo.astype(np.float64), hi.astype(np.float64) - lo
    else:
        shift, scale = _mean_std(x, axes)
    # Constant columns, and spreads float32 cannot divide by, are only shifted.
    scale = np.where((hi == lo) | (scale < _TINY), 1.0, np.minimum(scale, _HUGE))
    return {"method": method, "axis": axis, "shift": shift.tolist(), "scale": scale.tolist()}


def apply_normalizer(x: np.ndarray, norm: dict, where: str = "data") -> np.ndarray:
    """Normalise float32 x (N, ...) IN PLACE with a stored transform; returns x."""
    if norm.get("method", "none") == "none":
        return x
    shift = np.asarray(norm["shift"], dtype=np.float32)
    scale = np.asarray(norm["scale"], dtype=np.float32)
    if norm["axis"] == "channel":
        shift, scale = shift.reshape(1, -1, 1, 1), scale.reshape(1, -1, 1, 1)
        fits = x.ndim == 4 and x.shape[1] == shift.shape[1]
    else:
        fits = shift.shape == x.shape[1:]
    if not fits:
        raise DataError(f"{where}: shape {x.shape[1:]} does not fit the stored normalisation")
    with np.errstate(over="ignore", invalid="ignore"):
        x -= shift
        x /= scale
    if not np.isfinite(x).all():
        raise DataError(f"{where}: values are too large to normalise in float32")
    return x


def _chunked(x: np.ndarray, reduce_fn, combine) -> np.ndarray:
    """Reduce chunks of rows of x with reduce_fn and combine the partial results."""
    acc = None
    for start in range(0, len(x), _CHUNK):
        part = reduce_fn(x[start : start + _CHUNK])
        acc = part if acc is None else combine(acc, part)
    return acc


def _mean_std(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass float64 mean and population std over ``axes``, chunked over rows."""
    count = x.size // np.prod([x.shape[a] for a in range(x.ndim) if a not in axes], dtype=int)
    mean = _chunked(x, lambda c: c.sum(axis=axes, dtype=np.float64), np.add) / count
    centre = mean.reshape([1 if a in axes else s for a, s in enumerate(x.shape)])
    centre = centre.astype(np.float32)  # float32 differences, float64 sums: half the traffic
    sq = _chunked(x, lambda c: np.square(c - centre).sum(axis=axes, dtype=np.float64), np.add)
    return mean, np.sqrt(sq / count)
