"""Weight or gradient distributions of one tensor: the latest histogram as bars and its
evolution over training as a heatmap (time left to right, value bottom to top, darker
where more values lie), as TensorBoard's distributions show it.

Each StatsEvent histogram has its own bin edges; the heatmap resamples every snapshot
onto one value grid through its cumulative counts, so columns are comparable.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from bpstudio.ui.plots.style import XSpan, make_plot, reset_view

GRID_BINS = 64


class HistoryStore:
    """Per tensor, a capped list of (step, counts (b,), edges (b+1,)) snapshots."""

    def __init__(self, cap: int = 400):
        self.cap = cap
        self._snaps: dict[str, list] = {}

    def add(self, step: int, hists: dict) -> None:
        for name, h in hists.items():
            snaps = self._snaps.setdefault(name, [])
            snaps.append((step, np.asarray(h.counts), np.asarray(h.edges)))
            if len(snaps) > self.cap:  # keep every other one: bounded, still spans the run
                del snaps[1::2]

    def names(self) -> list[str]:
        return list(self._snaps)

    def latest(self, name: str):
        snaps = self._snaps.get(name)
        return snaps[-1] if snaps else None

    def image(self, name: str, bins: int = GRID_BINS):
        """(image (n_snapshots, bins), steps (n,), lo, hi) or None when nothing is stored."""
        snaps = self._snaps.get(name)
        if not snaps:
            return None
        # the range most snapshots share: early gradients can be 100x the later ones,
        # and a range set by them would flatten the rest of the run into one line
        lows = np.array([e[0] for _, _, e in snaps], dtype=np.float64)
        highs = np.array([e[-1] for _, _, e in snaps], dtype=np.float64)
        lo, hi = _percentile(lows, 10), _percentile(highs, 90)
        if hi <= lo:
            lo, hi = float(lows.min()), float(highs.max())
        grid = np.linspace(lo, hi, bins + 1)
        if len({len(e) for _, _, e in snaps}) == 1:
            img = _resample_all(snaps, grid)
        else:
            img = np.empty((len(snaps), bins))
            for i, (_, counts, edges) in enumerate(snaps):
                cdf = np.concatenate([[0.0], np.cumsum(counts, dtype=np.float64)])
                img[i] = np.diff(np.interp(grid, edges, cdf))
        # each column scaled to its own peak, compressed: the shape matters, not the count
        img = np.log1p(img / np.maximum(img.max(axis=1, keepdims=True), 1e-12) * 20.0)
        steps = np.array([s for s, _, _ in snaps], dtype=np.float64)
        return img, steps, lo, hi

    def clear(self) -> None:
        self._snaps.clear()


def _percentile(a: np.ndarray, q: float) -> float:
    """np.percentile's linear interpolation of ``a`` (n,) at ``q`` percent, without its
    first call importing numpy.ma (~50 ms, a stall in the first run)."""
    a = np.sort(a)
    pos = (len(a) - 1) * q / 100
    i = int(pos)
    j = min(i + 1, len(a) - 1)
    return float(a[i] + (a[j] - a[i]) * (pos - i))


def _resample_all(snaps: list, grid: np.ndarray) -> np.ndarray:
    """Every snapshot's counts on ``grid`` (g + 1,) -> (n, g), in one np.interp call.

    Each snapshot's cumulative counts are interpolated at the grid points (clamped into
    its own edges, as np.interp clamps); row i is shifted by i * span along x so the rows
    form one increasing sequence. The per-snapshot loop cost grew with the history."""
    edges = np.stack([e for _, _, e in snaps]).astype(np.float64)  # (n, b + 1)
    counts = np.stack([c for _, c, _ in snaps]).astype(np.float64)  # (n, b)
    cdf = np.concatenate([np.zeros((len(snaps), 1)), np.cumsum(counts, axis=1)], axis=1)
    lo = min(edges.min(), grid[0])
    span = max(edges.max(), grid[-1]) - lo + 1.0
    shift = np.arange(len(snaps))[:, None] * span - lo  # rows start at 0, span apart
    x = np.clip(grid[None, :], edges[:, :1], edges[:, -1:]) + shift
    return np.diff(np.interp(x.ravel(), (edges + shift).ravel(), cdf.ravel()).reshape(x.shape))


class DistributionView:
    """The bar histogram and the heatmap of the selected tensor of one store."""

    def __init__(self, what: str):
        self.what = what
        self.store = HistoryStore()
        self.current = make_plot(f"{what} histogram", "count", what)
        # a few dozen bars: clipping and downsampling would break stepMode's n+1 edges
        self.current.getPlotItem().setClipToView(False)
        self.current.getPlotItem().setDownsampling(ds=1, auto=False)
        self.bars = self.current.plot(
            [],
            [],
            stepMode="center",
            fillLevel=0,
            brush=(31, 119, 180, 150),
            pen=pg.mkPen("#1f77b4"),
        )
        self.evolution = make_plot(f"{what}s over training", what, "epoch")
        self.evolution.set_title(f"{what}s over training", f"{what} history")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setColorMap(pg.colormap.get("CET-L12"))
        self.evolution.addItem(self.heat)
        self.span = XSpan()
        self.selected: str | None = None
        self._titled: str | None = None
        self.batches_per_epoch = 1
        self._dirty: set = set()  # parts to redraw: "bars", "heat"
        self._clear: set = set()  # parts to empty first (a new run)

    def add(self, step: int, hists: dict) -> None:
        self.store.add(step, hists)
        if self.selected is None and hists:
            self.selected = next(iter(hists))
        self._dirty = {"bars", "heat"}

    def select(self, name: str | None) -> None:
        self.selected = name
        self._dirty = {"bars", "heat"}

    def reset(self) -> None:
        """A new run; the plot items are cleared at their next refresh."""
        self.store.clear()
        self._clear = {"bars", "heat"}
        self._dirty = {"bars", "heat"}

    def refresh(self) -> bool:
        """Redraw the bars and the heatmap; False when there was nothing new."""
        bars = self.refresh_bars()
        return self.refresh_heat() or bars

    def _take(self, part: str):
        """The latest snapshot when ``part`` needs drawing (clearing it first after a
        reset); None when there is nothing to draw. Returns (changed, latest)."""
        if part not in self._dirty:
            return False, None
        self._dirty.discard(part)
        cleared = part in self._clear
        if cleared:
            self._clear.discard(part)
            # the last run's ranges go too (the new data, if any, is drawn after this)
            if part == "bars":
                self.bars.setData([], [])
                reset_view(self.current)
            else:
                self.heat.clear()
                self.span.restart(self.evolution)
        latest = self.store.latest(self.selected) if self.selected else None
        return cleared or latest is not None, latest

    def refresh_bars(self) -> bool:
        changed, latest = self._take("bars")
        if latest is None:
            return changed
        _step, counts, edges = latest
        self.bars.setData(edges, counts)
        if self._titled != self.selected:  # a new title re-lays the plot out: only on change
            self._titled = self.selected
            self.current.set_title(
                f"{self.selected}: {self.what}s now", f"{self.selected} {self.what}s"
            )
        return True

    def refresh_heat(self) -> bool:
        changed, latest = self._take("heat")
        if latest is None:
            return changed
        self.span.apply(self.evolution, latest[0] / self.batches_per_epoch)
        self._draw_heatmap()
        return True

    def _draw_heatmap(self) -> None:
        img, steps, lo, hi = self.store.image(self.selected)
        # image rows are snapshots: transpose so time runs along x and values along y
        self.heat.setImage(img.T, autoLevels=True)
        x1 = steps[-1] / self.batches_per_epoch
        # one snapshot (a single step): a column one batch wide ending at it, not a
        # zero-width image on an empty plot
        x0 = min(steps[0] / self.batches_per_epoch, x1 - 1 / self.batches_per_epoch)
        self.heat.setRect(QRectF(x0, lo, x1 - x0, max(hi - lo, 1e-12)))
