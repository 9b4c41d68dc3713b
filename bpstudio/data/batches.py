"""Mini-batches without copying the whole dataset each epoch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def iterate_batches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None,
    shuffle: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (x_batch, y_batch) pairs covering x (N, ...) and y (N, ...) once.

    ``batch_size`` 0 (or >= N) is full batch: x and y themselves, no copy (the order
    does not change a mean loss). Otherwise, with ``shuffle``, each batch is a small
    gather ``np.take(x, idx)`` along a permutation drawn from ``rng``; without it,
    batches are views in order. The last batch may be smaller.
    """
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x has {n} rows but y has {len(y)}")
    if n == 0:
        return
    if batch_size <= 0 or batch_size >= n:
        yield x, y
        return
    if not shuffle:
        for start in range(0, n, batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]
        return
    if rng is None:
        raise ValueError("shuffled batches need an rng")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield np.take(x, idx, axis=0), np.take(y, idx, axis=0)
