"""How a trained model does on a split: confusion matrix, mistakes, predicted vs true.

All results are host numpy arrays computed in eval mode with ``Network.predict``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.viz.boundary import output_probabilities


@dataclass(frozen=True)
class Evaluation:
    """One split's predictions.

    ``probs (N, K)`` class probabilities (binary: K = 2) or ``(N, k)`` regression
    outputs; ``pred (N,)`` predicted class or ``(N, k)`` values; ``y`` the targets.
    """

    task: str
    y: np.ndarray
    probs: np.ndarray
    pred: np.ndarray
    class_names: tuple[str, ...] | None = None

    @property
    def is_classification(self) -> bool:
        return self.task in ("classification", "binary")

    @property
    def accuracy(self) -> float | None:
        if not self.is_classification or len(self.y) == 0:
            return None
        return float(np.mean(self.pred == self.y))


def evaluate_split(network, x, y, class_names=None) -> Evaluation:
    """Predict ``x (N, ...)`` in eval mode and pair the result with targets ``y``."""
    task = network.loss_fn.task
    out = network.predict(np.asarray(x))
    probs = output_probabilities(out, task)
    if task in ("classification", "binary"):
        pred = probs.argmax(axis=1)
        y = np.asarray(y).reshape(-1).astype(np.int64)
    else:
        pred = probs
        y = np.asarray(y, dtype=np.float64).reshape(len(pred), -1)
    names = tuple(class_names) if class_names else None
    return Evaluation(task, y, probs, pred, names)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """``(k, k)`` int64 counts: row = true class, column = predicted class."""
    m = np.zeros((k, k), np.int64)
    np.add.at(m, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return m


def class_count(ev: Evaluation) -> int:
    if ev.class_names:
        return len(ev.class_names)
    return int(ev.probs.shape[1])


def misclassified(ev: Evaluation, limit: int = 64) -> np.ndarray:
    """Indices of wrong predictions, most confidently wrong first (at most ``limit``)."""
    wrong = np.flatnonzero(ev.pred != ev.y)
    confidence = ev.probs[wrong, ev.pred[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:limit]


@dataclass(frozen=True)
class RegressionFit:
    """Predicted vs true for one output column, with summary scores."""

    true: np.ndarray  # (N,)
    pred: np.ndarray  # (N,)
    mae: float
    rmse: float
    r2: float | None  # None when the targets are constant


def regression_fit(ev: Evaluation, column: int = 0) -> RegressionFit:
    t = ev.y[:, column].astype(np.float64)
    p = ev.pred[:, column].astype(np.float64)
    err = p - t
    ss_tot = float(np.sum((t - t.mean()) ** 2)) if len(t) else 0.0
    r2 = 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else None
    mae = float(np.mean(np.abs(err))) if len(t) else 0.0
    rmse = float(np.sqrt(np.mean(err**2))) if len(t) else 0.0
    return RegressionFit(t, p, mae, rmse, r2)


def raw_features(x: np.ndarray, transform: dict | None) -> np.ndarray:
    """Undo the dataset's feature normalisation: normalised ``(N, F)`` -> file units."""
    norm = (transform or {}).get("normalize") or {}
    x = np.asarray(x, dtype=np.float64)
    if norm.get("method", "none") == "none" or norm.get("axis") != "feature" or x.ndim != 2:
        return x
    return x * np.asarray(norm["scale"], dtype=np.float64) + np.asarray(norm["shift"])


def image_of(x: np.ndarray) -> np.ndarray:
    """One sample ``(C, H, W)`` or ``(H, W)`` -> ``(H, W, 3)`` uint8 for display,
    stretched to its own range (inputs are normalised, not pixels)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else np.moveaxis(a[:3], 0, -1)
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    img = (255 * a).astype(np.uint8)
    return np.repeat(img[..., None], 3, axis=-1) if img.ndim == 2 else img
