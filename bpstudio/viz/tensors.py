"""Small host summaries of engine tensors (what a table or a tooltip shows)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.backend import to_numpy

MAX_VALUES = 64  # per-sample size up to which a layer's values are shown, not just stats
MAX_SAMPLES = 4  # how many samples' values are kept


@dataclass(frozen=True)
class TensorSummary:
    """Statistics of one batch tensor ``(N, ...)``; ``values`` ``(k, ...)`` when small.

    ``norm`` is the L2 norm of the whole batch tensor; ``values`` holds the first
    ``k <= MAX_SAMPLES`` samples (float64) when one sample has at most ``MAX_VALUES``
    entries, else None.
    """

    shape: tuple[int, ...]
    mean: float
    std: float
    mean_abs: float
    min: float
    max: float
    norm: float
    frac_zero: float
    values: np.ndarray | None = None

    @property
    def per_sample_norm(self) -> float:
        """``norm / N``: the Trainer's ``out_grad_norms`` convention."""
        n = self.shape[0] if self.shape else 1
        return self.norm / max(1, n)


def summarize(arr, max_values: int = MAX_VALUES, max_samples: int = MAX_SAMPLES) -> TensorSummary:
    """Host statistics of a device or host array ``(N, ...)`` (or a 0-d array)."""
    a = np.asarray(to_numpy(arr), dtype=np.float64)
    flat = a.ravel()
    if flat.size == 0:
        return TensorSummary(tuple(a.shape), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    per_sample = int(np.prod(a.shape[1:])) if a.ndim > 1 else 1
    values = a[:max_samples].copy() if a.ndim >= 1 and per_sample <= max_values else None
    return TensorSummary(
        shape=tuple(int(s) for s in a.shape),
        mean=float(flat.mean()),
        std=float(flat.std()),
        mean_abs=float(np.abs(flat).mean()),
        min=float(flat.min()),
        max=float(flat.max()),
        norm=float(math.sqrt(float(np.dot(flat, flat)))),
        frac_zero=float(np.mean(flat == 0)),
        values=values,
    )


def l2(arr) -> float:
    """L2 norm of a device or host array, as a Python float (float64 accumulation)."""
    a = np.asarray(to_numpy(arr), dtype=np.float64).ravel()
    return float(math.sqrt(float(np.dot(a, a))))


def host_copy(arr) -> np.ndarray:
    """A host copy that later passes cannot overwrite (layers reuse their buffers)."""
    return np.array(to_numpy(arr), copy=True)
