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
    """Accumulates events between deliveries (used by the run loop only).

    Steps are kept as the events themselves and turned into columns by ``take()``, at
    display rate: per batch, adding costs one list append (a tiny network runs thousands
    of batches a second, and any per-batch Python is a share of its speed)."""

    _steps: list = field(default_factory=list)
    _epochs: list = field(default_factory=list)
    _stats: StatsEvent | None = None
    _earlier: list = field(default_factory=list)

    def add(self, event) -> None:
        """Take a StepEvent, EpochEvent or StatsEvent (others are not coalesced)."""
        if type(event) is StepEvent:
            self._steps.append(event)
        elif isinstance(event, EpochEvent):
            self._epochs.append(event)
        elif isinstance(event, StatsEvent):
            if self._stats is not None:  # a short run's histories need every snapshot
                self._earlier.append(self._stats)
            self._stats = event
        elif isinstance(event, StepEvent):  # a subclass: as a step
            self._steps.append(event)
        else:
            raise TypeError(f"cannot coalesce {type(event).__name__}")

    @property
    def pending(self) -> bool:
        return bool(self._steps or self._epochs or self._stats is not None)

    def take(self) -> Packet:
        """Everything gathered since the last ``take()``, then start empty."""
        steps = _columns(self._steps) if self._steps else None
        packet = Packet(steps, tuple(self._epochs), self._stats, tuple(self._earlier))
        self._steps, self._epochs, self._stats, self._earlier = [], [], None, []
        return packet


def _columns(events: list) -> StepBatch:
    """Consecutive StepEvents as one StepBatch; a tensor missing from a step is NaN."""
    nan = math.nan
    rows = [
        (e.step, e.loss, nan if e.accuracy is None else e.accuracy, e.lr, e.grad_norm_total)
        for e in events
    ]
    cols = np.asarray(rows, dtype=np.float64).T
    names = dict.fromkeys(k for e in events for k in e.grad_norms)
    norms = {
        k: np.asarray([e.grad_norms.get(k, nan) for e in events], dtype=np.float64) for k in names
    }
    return StepBatch(
        cols[0].astype(np.int64), cols[1], cols[2], cols[3], cols[4], norms, events[-1]
    )


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
