"""The decision boundary of a model with 2-D inputs, and what each hidden unit computes.

Everything is in the *normalised* input space: the dataset's ``x_train`` already went
through its transform, so the grid covers those points and the model sees the grid
exactly as it sees the data. ``raw_extent`` maps the grid's corners back to the
file's units for axis labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.engine.backend import to_numpy
from bpstudio.errors import BpError

# Class colours (a colour-blind-friendly set, Okabe & Ito); RGB 0-255.
CLASS_COLORS = np.array(
    [
        (0, 114, 178),
        (230, 159, 0),
        (0, 158, 115),
        (204, 121, 167),
        (86, 180, 233),
        (213, 94, 0),
        (240, 228, 66),
        (90, 90, 90),
    ],
    dtype=np.float64,
)


@dataclass(frozen=True)
class Grid:
    """A regular grid over the plane: ``xs (W,)``, ``ys (H,)``, ``points (H*W, 2)``.

    Row ``i`` of the image is ``ys[i]`` (bottom to top), column ``j`` is ``xs[j]``.
    """

    xs: np.ndarray
    ys: np.ndarray

    @property
    def points(self) -> np.ndarray:
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.c_[gx.ravel(), gy.ravel()].astype(np.float32)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) of the grid."""
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)


def grid_over(x: np.ndarray, resolution: int = 100, margin: float = 0.15) -> Grid:
    """A square-celled grid covering the points ``x (N, 2)`` plus ``margin`` of their span."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise BpError(f"the decision boundary needs 2-D inputs, the data has shape {x.shape[1:]}")
    if len(x) == 0:
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    else:
        lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - margin * span, hi + margin * span
    return Grid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))


def is_planar(network) -> bool:
    """True when the network takes 2 features per sample (a boundary can be drawn)."""
    return tuple(network.shapes.get(network.input_id, ())) == (2,)


def output_probabilities(out: np.ndarray, task: str) -> np.ndarray:
    """Model outputs ``(N, K)`` -> ``(N, K)`` probabilities (binary: ``(N, 2)``).

    Regression outputs are returned as they are.
    """
    out = np.asarray(out, dtype=np.float64).reshape(len(out), -1)
    if task == "classification":
        z = out - out.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    if task == "binary":
        p = 1.0 / (1.0 + np.exp(-out[:, :1]))
        return np.c_[1.0 - p, p]
    return out


def decision_image(network, grid: Grid) -> np.ndarray:
    """The model over the grid, eval mode: ``(H, W, K)`` probabilities (or outputs)."""
    out = network.predict(grid.points, batch_size=4096)
    probs = output_probabilities(out, network.loss_fn.task)
    h, w = grid.shape
    return probs.reshape(h, w, -1)


def probability_rgb(probs: np.ndarray, strength: float = 0.4) -> np.ndarray:
    """``(H, W, K)`` probabilities -> ``(H, W, 3)`` uint8: class colours mixed by
    probability and lightened, so confident regions are tinted and the boundary pale."""
    k = probs.shape[-1]
    colors = CLASS_COLORS[np.arange(k) % len(CLASS_COLORS)]
    mixed = probs @ colors  # (H, W, 3)
    confidence = (probs.max(axis=-1, keepdims=True) - 1.0 / k) / (1.0 - 1.0 / k + 1e-12)
    alpha = strength * np.clip(confidence, 0, 1) + 0.1
    rgb = 255.0 * (1 - alpha) + mixed * alpha
    return np.clip(rgb, 0, 255).astype(np.uint8)


def value_rgb(values: np.ndarray) -> np.ndarray:
    """``(..., H, W)`` real values -> ``(..., H, W, 3)`` uint8, diverging blue-white-orange
    around 0, each ``(H, W)`` map scaled by its own largest magnitude (as TensorFlow
    Playground's neuron pictures)."""
    v = np.asarray(values, dtype=np.float64)
    scale = np.abs(v).max(axis=(-2, -1), keepdims=True)
    t = np.clip(v / np.where(scale > 0, scale, 1.0), -1, 1)[..., None]
    neg, pos, white = CLASS_COLORS[0], CLASS_COLORS[1], np.full(3, 255.0)
    rgb = white + np.where(t < 0, (white - neg) * t, (pos - white) * t)
    return rgb.astype(np.uint8)


def hidden_units(network, grid: Grid, max_units: int = 16) -> dict[str, np.ndarray]:
    """node id -> ``(units, H, W)``: each hidden unit's output over the grid, eval mode.

    Hidden nodes are those with flat per-sample outputs other than the network's
    output; at most ``max_units`` units each (the first ones).
    """
    network.forward(network.xp.asarray(grid.points, dtype=network.dtype), training=False)
    h, w = grid.shape
    out = {}
    for node in network.nodes:
        shape = network.shapes[node.id]
        if node.id == network.output_id or len(shape) != 1:
            continue
        act = np.array(to_numpy(network.activations[node.id]), dtype=np.float64)
        units = min(shape[0], max_units)
        out[node.id] = act[:, :units].T.reshape(units, h, w)
    return out


def raw_extent(grid: Grid, transform: dict | None) -> tuple[float, float, float, float]:
    """The grid's (x0, x1, y0, y1) in the data file's units (undoing ``normalize``)."""
    norm = (transform or {}).get("normalize", transform or {})
    if not isinstance(norm, dict) or norm.get("method", "none") == "none":
        return grid.extent
    shift = np.asarray(norm["shift"], dtype=np.float64).reshape(-1)
    scale = np.asarray(norm["scale"], dtype=np.float64).reshape(-1)
    x0, x1, y0, y1 = grid.extent
    return (
        x0 * scale[0] + shift[0],
        x1 * scale[0] + shift[0],
        y0 * scale[1] + shift[1],
        y1 * scale[1] + shift[1],
    )
