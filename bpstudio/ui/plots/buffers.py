"""Curve buffers whose memory stays flat however long training runs.

A ``Series`` grows by doubling up to ``cap`` points; when full it keeps every other
point and from then on keeps only every ``stride``-th new one, so hours of steps cost
the same memory as minutes (the plot shows the shape, not every batch). Qt-free.
"""

from __future__ import annotations

import math

import numpy as np


class Series:
    """x/y points of one curve: ``extend`` with (n,) arrays, ``view()`` -> (x, y)."""

    def __init__(self, cap: int = 20000, initial: int = 256):
        self.cap = max(4, int(cap))
        self._x = np.empty(min(initial, self.cap))
        self._y = np.empty_like(self._x)
        self.n = 0
        self.stride = 1  # keep every stride-th incoming point
        self._seen = 0  # points offered so far, kept or not

    def extend(self, x, y) -> None:
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        keep = (np.arange(self._seen, self._seen + x.size) % self.stride) == 0
        self._seen += x.size
        x, y = x[keep], y[keep]
        while x.size:
            room = self.cap - self.n
            if room == 0:
                self._decimate()
                keep = (np.arange(x.size) % 2) == 0  # the new stride applies to the rest
                x, y = x[keep], y[keep]
                continue
            take = min(room, x.size)
            self._reserve(self.n + take)
            self._x[self.n : self.n + take] = x[:take]
            self._y[self.n : self.n + take] = y[:take]
            self.n += take
            x, y = x[take:], y[take:]

    def append(self, x: float, y: float) -> None:
        self.extend([x], [y])

    def _reserve(self, size: int) -> None:
        if size <= self._x.size:
            return
        new = min(self.cap, max(size, 2 * self._x.size))
        for name in ("_x", "_y"):
            old = getattr(self, name)
            grown = np.empty(new)
            grown[: self.n] = old[: self.n]
            setattr(self, name, grown)

    def _decimate(self) -> None:
        half = math.ceil(self.n / 2)
        self._x[:half] = self._x[: self.n : 2]
        self._y[:half] = self._y[: self.n : 2]
        self.n = half
        self.stride *= 2

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """The kept points (views, valid until the next ``extend``)."""
        return self._x[: self.n], self._y[: self.n]

    def clear(self) -> None:
        self.n, self.stride, self._seen = 0, 1, 0

    def __len__(self) -> int:
        return self.n


class Ema:
    """TensorBoard-style exponential smoothing, debiased so the start is not pulled to 0."""

    def __init__(self, weight: float = 0.9):
        self.weight = weight
        self._value = 0.0
        self._count = 0

    def smooth(self, y) -> np.ndarray:
        """Smoothed values of ``y`` (n,) continuing from the previous call; NaNs pass through."""
        y = np.asarray(y, dtype=np.float64).ravel()
        out = np.full_like(y, math.nan)
        ok = np.flatnonzero(np.isfinite(y))
        for start in range(0, ok.size, 500):  # w**-500 stays far from overflow
            idx = ok[start : start + 500]
            out[idx] = self._chunk(y[idx])
        return out

    def _chunk(self, x: np.ndarray) -> np.ndarray:
        """v_i = w v_(i-1) + (1 - w) x_i in closed form: w^(i+1) v_(-1) + (1 - w) sum_j
        w^(i-j) x_j, so a packet of steps costs a few vector operations, not a loop."""
        w, n = self.weight, x.size
        powers = w ** np.arange(1, n + 1)  # w^(i+1)
        acc = np.cumsum(x * w ** -np.arange(n)) * w ** np.arange(n)
        values = powers * self._value + (1 - w) * acc
        counts = self._count + np.arange(1, n + 1)
        self._value, self._count = float(values[-1]), int(counts[-1])
        return values / (1 - w**counts)
