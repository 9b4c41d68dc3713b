"""Seeded validation split, stratified for classes (DESIGN.md, data rules)."""

from __future__ import annotations

import numpy as np

from bpstudio.errors import DataError


def validation_count(n: int, validation: float, where: str) -> int:
    """round(n * validation) rows; refuses fractions outside [0, 1) or no training rows."""
    try:
        frac = float(validation)
    except (TypeError, ValueError):
        raise DataError(f"{where}: validation must be a number, got {validation!r}") from None
    if not 0.0 <= frac < 1.0:
        raise DataError(f"{where}: validation must be in [0, 1), got {validation!r}")
    n_val = int(round(n * frac))
    if n_val >= n:
        raise DataError(f"{where}: validation {frac:g} of {n} rows leaves no training rows")
    return n_val


def split_indices(
    y: np.ndarray, classes: bool, validation: float, seed: int, where: str = "data"
) -> tuple[np.ndarray, np.ndarray]:
    """y: (N,) class indices or (N, k) targets -> (train_idx, val_idx), each ascending.

    Validation 0 keeps every row for training in file order. Otherwise a permutation
    drawn with ``seed`` picks round(N * validation) rows; for classes each class gives
    its share (largest remainders), so rare classes stay represented.
    """
    n = len(y)
    n_val = validation_count(n, validation, where)
    if n_val == 0:
        return np.arange(n), np.arange(0)
    rng = np.random.default_rng(int(seed))
    val = _stratified(y, n_val, rng) if classes else rng.permutation(n)[:n_val]
    mask = np.zeros(n, dtype=bool)
    mask[val] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _stratified(y: np.ndarray, n_val: int, rng: np.random.Generator) -> np.ndarray:
    """Validation rows: per class floor(share) plus one for the largest remainders."""
    counts = np.bincount(y)
    exact = counts * (n_val / len(y))
    take = np.floor(exact).astype(np.int64)
    # Stable sort: ties go to the lower class index, so the split is reproducible.
    order = np.argsort(-(exact - take), kind="stable")
    take[order[: n_val - int(take.sum())]] += 1
    picked = [rng.permutation(np.flatnonzero(y == k))[:m] for k, m in enumerate(take)]
    return np.concatenate(picked)
