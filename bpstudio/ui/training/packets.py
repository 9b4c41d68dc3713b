"""Coalescing the trainer's events into packets the GUI can take at display rate.

The trainer yields one StepEvent per batch (thousands per second on a small MLP);
the GUI wants about 20 deliveries per second. ``Coalescer`` gathers steps into arrays
and keeps every epoch and the latest statistics; ``take()`` hands over a ``Packet``.
Qt-free, so it is tested without a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bpstudio.engine.trainer import EpochEvent, StatsEvent, StepEvent


@dataclass(frozen=True)
class StepBatch:
    """``n`` consecutive steps as arrays of shape (n,); ``accuracy`` is NaN when unknown."""

    step: np.ndarray  # int64, global 1-based step after each update
    loss: np.ndarray  # float64
    accuracy: np.ndarray  # float64
    lr: np.ndarray  # float64
    grad_norm_total: np.ndarray  # float64
    grad_norms: dict  # "<node>.<param>" -> float64 (n,)
    last: StepEvent  # the newest step, for progress (epoch, batch, samples/s)

    def __len__(self) -> int:
        return int(self.step.shape[0])


@dataclass(frozen=True)
class Packet:
    """What one delivery carries: steps since the last one, every epoch, newest stats
    (and the delivery's older ones, oldest first, for the plots' histories)."""

    steps: StepBatch | None
    epochs: tuple[EpochEvent, ...] = ()
    stats: StatsEvent | None = None
    earlier_stats: tuple[StatsEvent, ...] = ()

    @property
    def empty(self) -> bool:
        return self.steps is None and not self.epochs and self.stats is None


@dataclass
class Coalescer:
    """Accumulates events between deliveries (used by the worker thread only)."""

    _rows: list = field(default_factory=list)
    _norms: dict = field(default_factory=dict)
    _last: StepEvent | None = None
    _epochs: list = field(default_factory=list)
    _stats: StatsEvent | None = None
    _earlier: list = field(default_factory=list)

    def add(self, event) -> None:
        """Take a StepEvent, EpochEvent or StatsEvent (others are not coalesced)."""
        if isinstance(event, StepEvent):
            self._add_step(event)
        elif isinstance(event, EpochEvent):
            self._epochs.append(event)
        elif isinstance(event, StatsEvent):
            if self._stats is not None:  # a short run's histories need every snapshot
                self._earlier.append(self._stats)
            self._stats = event
        else:
            raise TypeError(f"cannot coalesce {type(event).__name__}")

    def _add_step(self, ev: StepEvent) -> None:
        acc = math.nan if ev.accuracy is None else ev.accuracy
        self._rows.append((ev.step, ev.loss, acc, ev.lr, ev.grad_norm_total))
        n = len(self._rows)
        for name, value in ev.grad_norms.items():
            col = self._norms.setdefault(name, [math.nan] * (n - 1))
            col.append(value)
        for col in self._norms.values():  # a tensor missing from this step: NaN
            if len(col) < n:
                col.append(math.nan)
        self._last = ev

    @property
    def pending(self) -> bool:
        return bool(self._rows or self._epochs or self._stats is not None)

    def take(self) -> Packet:
        """Everything gathered since the last ``take()``, then start empty."""
        steps = None
        if self._rows:
            cols = np.asarray(self._rows, dtype=np.float64).T
            norms = {k: np.asarray(v, dtype=np.float64) for k, v in self._norms.items()}
            steps = StepBatch(
                cols[0].astype(np.int64), cols[1], cols[2], cols[3], cols[4], norms, self._last
            )
        packet = Packet(steps, tuple(self._epochs), self._stats, tuple(self._earlier))
        self._rows, self._norms, self._epochs, self._stats = [], {}, [], None
        self._earlier = []
        return packet


def merge_steps(batches: list) -> StepBatch | None:
    """One StepBatch of consecutive ``batches`` (None when there are none); a tensor
    missing from some of them is NaN there."""
    batches = [b for b in batches if b is not None]
    if len(batches) <= 1:
        return batches[0] if batches else None
    names = list(dict.fromkeys(k for b in batches for k in b.grad_norms))
    norms = {
        k: np.concatenate([b.grad_norms.get(k, np.full(len(b), np.nan)) for b in batches])
        for k in names
    }
    cols = [
        np.concatenate([getattr(b, f) for b in batches])
        for f in ("step", "loss", "accuracy", "lr", "grad_norm_total")
    ]
    return StepBatch(*cols, norms, batches[-1].last)
