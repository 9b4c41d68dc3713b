"""Activation and gradient magnitudes mapped to colours for the graph (Qt-free).

Forward view: a node's value is the mean |activation| of its output; backward view:
the norm of d loss / d output per sample (the Trainer's ``out_grad_norms``). An edge
carries its source node's output tensor, so it takes the source's value and its
statistics as a tooltip. Colours use a log scale, because along a deep network these
magnitudes span orders of magnitude; that is exactly what the view must show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MODES = ("forward", "backward")

# Viridis at five stops (dark purple = small, yellow = large): perceptually uniform.
_STOPS = np.array(
    [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], dtype=float
)
NO_DATA = (160, 160, 160)


@dataclass(frozen=True)
class FlowFrame:
    """Magnitudes to paint: node id -> value (> 0) and the log10 range ``(lo, hi)``."""

    mode: str
    values: dict
    lo: float
    hi: float
    tips: dict = field(default_factory=dict)  # node id -> multi-line statistics text

    def color(self, node_id: str) -> tuple[int, int, int]:
        v = self.values.get(node_id)
        return NO_DATA if v is None else colormap(self.position(v))

    def position(self, value: float) -> float:
        """0..1 on the log scale of this frame."""
        if not (value > 0 and math.isfinite(value)):
            return 0.0 if value == 0 else 1.0
        if self.hi <= self.lo:
            return 0.5
        return float(np.clip((math.log10(value) - self.lo) / (self.hi - self.lo), 0, 1))

    def edge_tip(self, src: str, dst: str) -> str:
        head = f"{src} → {dst}"
        return f"{head}\n{self.tips[src]}" if src in self.tips else f"{head}\n(no statistics yet)"


def colormap(t: float) -> tuple[int, int, int]:
    """t in [0, 1] -> viridis RGB."""
    t = float(np.clip(t, 0, 1)) * (len(_STOPS) - 1)
    i = min(int(t), len(_STOPS) - 2)
    c = _STOPS[i] + (t - i) * (_STOPS[i + 1] - _STOPS[i])
    return int(c[0]), int(c[1]), int(c[2])


MIN_DECADES = 2.0  # the colour scale spans at least this many orders of magnitude


def log_range(values, min_span: float = MIN_DECADES) -> tuple[float, float]:
    """log10 (min, max) of the positive finite values, widened downwards to ``min_span``
    decades so healthy, similar magnitudes look alike (a factor of 2 is no vanishing
    gradient); (0, 0) when there are none."""
    logs = [math.log10(v) for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not logs:
        return 0.0, 0.0
    lo, hi = min(logs), max(logs)
    return min(lo, hi - min_span), hi


def frame_from_stats(stats, mode: str) -> FlowFrame:
    """A FlowFrame from a Trainer StatsEvent."""
    acts, grads = stats.activation_stats, stats.out_grad_norms
    values = {k: a.mean_abs for k, a in acts.items()} if mode == "forward" else dict(grads.items())
    tips = {}
    for nid in set(acts) | set(grads):
        lines = []
        a = acts.get(nid)
        if a is not None:
            lines.append(f"mean {a.mean:.4g}  std {a.std:.4g}")
            lines.append(f"min {a.min:.4g}  max {a.max:.4g}")
            lines.append(f"zeros {a.frac_zero:.0%}  saturated {a.frac_saturated:.0%}")
        if nid in grads:
            lines.append(f"|dL/d out| per sample {grads[nid]:.3g}")
        tips[nid] = "\n".join(lines)
    return FlowFrame(mode, values, *log_range(values.values()), tips)


def frame_from_step(step, mode: str) -> FlowFrame:
    """A FlowFrame from a StepThrough's recorded forward and backward phases."""
    tips: dict = {}
    if mode == "forward":
        values = {r.node_id: r.out.mean_abs for r in step.forward}
    else:
        values = {r.node_id: r.grad.per_sample_norm for r in step.backward}
    for r in step.forward:
        s = r.out
        tips[r.node_id] = (
            f"shape {list(s.shape)}\nmean {s.mean:.4g}  std {s.std:.4g}\n"
            f"min {s.min:.4g}  max {s.max:.4g}  zeros {s.frac_zero:.0%}"
        )
    for r in step.backward:
        tips[r.node_id] = tips.get(r.node_id, "") + f"\n|dL/d out| {r.grad.norm:.3g}"
    return FlowFrame(mode, values, *log_range(values.values()), tips)


def legend_ticks(frame: FlowFrame, n: int = 5) -> list[tuple[float, str]]:
    """(position 0..1, label) pairs for a colour bar."""
    out = []
    for i in range(n):
        t = i / (n - 1)
        v = 10 ** (frame.lo + t * (frame.hi - frame.lo))
        out.append((t, f"{v:.1e}"))
    return out
