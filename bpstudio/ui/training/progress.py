"""Progress of a run: a bar over all its batches and a line with epoch, batch,
samples per second (wall clock, what the person waits for) and the time left."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget


def format_eta(seconds: float) -> str:
    """'0:42', '12:05', '3:02:10'."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RateMeter:
    """Steps per second over the last ``window`` seconds of wall clock (packets can
    arrive in bursts when the GUI is busy, so one interval alone would mislead)."""

    def __init__(self, window: float = 2.0):
        self.window = window
        self.rate = 0.0
        self._points: deque = deque()

    def reset(self) -> None:
        self.rate = 0.0
        self._points.clear()

    def update(self, step: int, now: float | None = None) -> float:
        now = time.perf_counter() if now is None else now
        pts = self._points
        pts.append((now, step))
        while len(pts) > 2 and now - pts[1][0] >= self.window:
            pts.popleft()  # keep one point at least ``window`` old
        t0, s0 = pts[0]
        if now - t0 > 0.2 and step > s0:
            self.rate = (step - s0) / (now - t0)
        return self.rate


class ProgressView(QWidget):
    """``begin(epochs, batches, samples_per_batch)``, then ``show_step``; ``end(text)``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)  # percent: QProgressBar repaints synchronously per change
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.line = QLabel("not started")
        # the line's length changes 20 times a second: it must never resize the layout
        # (that repaints every dock of the window)
        self.line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.line)
        self.meter = RateMeter()
        self.epochs = self.batches = 1
        self.samples_per_batch = 1.0
        self._first_step = 0

    def begin(self, epochs: int, batches: int, samples_per_batch: float, first_step: int) -> None:
        self.epochs, self.batches = max(1, epochs), max(1, batches)
        self.samples_per_batch = samples_per_batch
        self._first_step = first_step
        self.meter.reset()
        self.meter.update(first_step)
        self.bar.setValue(0)
        self.line.setText(f"epoch 1/{self.epochs} · starting")

    def show_step(self, last) -> None:
        """``last``: the newest StepEvent of a packet."""
        done = last.epoch * self.batches + last.batch + 1
        total = self.epochs * self.batches
        percent = int(100 * done / total)
        if percent != self.bar.value():
            self.bar.setValue(percent)
        rate = self.meter.update(last.step)
        eta = format_eta((total - done) / rate) if rate > 0 else "…"
        self.line.setText(
            f"epoch {last.epoch + 1}/{self.epochs} · batch {last.batch + 1}/{self.batches} · "
            f"{rate * self.samples_per_batch:,.0f} samples/s · ETA {eta}"
        )

    def end(self, text: str) -> None:
        self.line.setText(text)
