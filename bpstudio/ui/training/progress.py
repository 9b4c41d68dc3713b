"""Progress of a run: a bar over all its batches and a line with epoch, batch,
samples per second (wall clock, what the person waits for) and the time left."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


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


class Bar(QWidget):
    """A progress bar that repaints asynchronously. QProgressBar.setValue repaints at
    once, and a synchronous repaint also paints whatever else in the window is waiting
    (the graph canvas, the plots): a stall of the GUI thread on every update."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.fraction = 0.0
        self.setMinimumHeight(20)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_fraction(self, f: float) -> None:
        f = min(1.0, max(0.0, f))
        if int(f * 1000) != int(self.fraction * 1000):
            self.fraction = f
            self.update()

    def value(self) -> int:
        """Percent done (what the bar shows)."""
        return int(100 * self.fraction)

    def paintEvent(self, _event):
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        pal = self.palette()
        p.setPen(pal.mid().color())
        p.setBrush(pal.base())
        p.drawRoundedRect(r, 3, 3)
        done = QRectF(r.left(), r.top(), r.width() * self.fraction, r.height())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#3b82f6"))
        p.drawRoundedRect(done, 3, 3)
        p.setPen(pal.text().color())
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, f"{self.value()}%")
        p.end()


class ProgressView(QWidget):
    """``begin(epochs, batches, samples_per_batch)``, then ``show_step``; ``end(text)``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bar = Bar()
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
        self._where = ""  # "epoch i/n · batch j/m" of the last step shown

    def begin(self, epochs: int, batches: int, samples_per_batch: float, first_step: int) -> None:
        self.epochs, self.batches = max(1, epochs), max(1, batches)
        self.samples_per_batch = samples_per_batch
        self._first_step = first_step
        self.meter.reset()
        self.meter.update(first_step)
        self._where = ""
        self.bar.set_fraction(0.0)
        self.line.setText(f"epoch 1/{self.epochs} · starting")

    def show_step(self, last, free: bool = True) -> None:
        """``last``: the newest StepEvent of a packet; ``free``: the run trains on its
        own (False while paused or stepping: a rate then measures the person's clicks,
        so neither samples/s nor the time left is shown)."""
        done = last.epoch * self.batches + last.batch + 1
        total = self.epochs * self.batches
        self.bar.set_fraction(done / total)
        where = f"epoch {last.epoch + 1}/{self.epochs} · batch {last.batch + 1}/{self.batches}"
        self._where = where
        if not free:
            self.paused()
            return
        rate = self.meter.update(last.step)
        eta = format_eta((total - done) / rate) if rate > 0 else "…"
        self.line.setText(f"{where} · {rate * self.samples_per_batch:,.0f} samples/s · ETA {eta}")

    def paused(self) -> None:
        """The run waits for the person: where it stands, without a rate or time left."""
        self.meter.reset()  # the rate starts afresh when the run resumes
        if self._where:
            self.line.setText(f"{self._where} · paused")

    def end(self, text: str) -> None:
        self.line.setText(text)

    def reset(self, text: str = "not started") -> None:
        """No run of the shown project: an empty bar (not the last run's 37%)."""
        self.meter.reset()
        self.bar.set_fraction(0.0)
        self.line.setText(text)
