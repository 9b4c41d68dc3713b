"""Built-in 2-D toy sets in the spirit of TensorFlow Playground.

Inputs are (N, 2) float32 points roughly in [-1.5, 1.5]^2 (``sine`` is (N, 1), x in
[-1, 1]). ``noise`` is the standard deviation of Gaussian noise added to the points
(classification) or to the target (regression); ``seed`` makes a set reproducible; the
rows come shuffled. Classes are balanced to within one sample.

Classification (labels 0..K-1):
- ``spiral``: K interleaved spiral arms (``classes``, default 2, as in Playground);
- ``circles``: a disk (class 1) inside a ring (class 0);
- ``xor``: the sign of x1 * x2 (class 1 when positive), points kept off the axes;
- ``gaussians``: K round blobs on a circle (``classes``, default 2);
- ``moons``: two interleaved half circles.
Regression (target (N, 1)):
- ``plane``: y = (x1 + x2) / 2 on the square [-1, 1]^2;
- ``sine``: y = sin(2 pi x), x in [-1, 1].
Defaults: samples 500, noise 0.1 (regression 0.05), seed 0.
"""

from __future__ import annotations

import numpy as np

from bpstudio.errors import DataError

MAX_SAMPLES = 10_000_000
CLASSIFICATION = ("spiral", "circles", "xor", "gaussians", "moons")
REGRESSION = ("plane", "sine")
NAMES = CLASSIFICATION + REGRESSION


def make_synthetic(spec: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """spec (name, samples, noise, seed, classes) -> (x float32 (N, d), y, feature names).

    y: int64 (N,) labels for classification, float32 (N, 1) for regression.
    """
    name = spec.get("name", "spiral")
    if name not in NAMES:
        raise DataError(f"synthetic: unknown set {name!r} (one of {', '.join(NAMES)})")
    n = _int(spec, "samples", 500, 1, MAX_SAMPLES)
    noise = _noise(spec, 0.05 if name in REGRESSION else 0.1)
    rng = np.random.default_rng(_int(spec, "seed", 0, 0, 2**63 - 1))
    if name in ("spiral", "gaussians"):
        k = _int(spec, "classes", 2, 2, 20)
        x, y = (_spiral if name == "spiral" else _gaussians)(_counts(n, k), rng)
    elif name in CLASSIFICATION:
        x, y = {"circles": _circles, "xor": _xor, "moons": _moons}[name](_counts(n, 2), rng)
    else:
        x, y = (_plane if name == "plane" else _sine)(n, rng)
    if name in CLASSIFICATION:
        x = x + rng.normal(0.0, noise, x.shape)
    else:
        y = (y + rng.normal(0.0, noise, y.shape)).reshape(-1, 1)
    order = rng.permutation(len(x))
    names = [f"x{i + 1}" for i in range(x.shape[1])]
    y = y[order].astype(np.int64 if name in CLASSIFICATION else np.float32)
    return x[order].astype(np.float32), y, names


def _int(spec, key, default, lo, hi) -> int:
    v = spec.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise DataError(f"synthetic: {key} must be an integer in {lo}..{hi}, got {v!r}")
    return int(v)


def _noise(spec, default) -> float:
    v = spec.get("noise", default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 10:
        raise DataError(f"synthetic: noise must be a number in 0..10, got {v!r}")
    return float(v)


def _counts(n: int, k: int) -> list[int]:
    """n samples over k classes, balanced to within one."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _stack(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-class point arrays -> (x (N, 2), y (N,))."""
    y = np.concatenate([np.full(len(p), c) for c, p in enumerate(parts)])
    return np.concatenate(parts), y


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def _spiral(counts, rng):
    """Arm c: radius r in (0, 1], angle 1.75 turns * r + c / K of a turn."""
    k = len(counts)
    parts = []
    for c, m in enumerate(counts):
        r = (np.arange(m) + 1) / max(m, 1) * 1.2
        parts.append(_polar(r, 1.75 * 2 * np.pi * r / 1.2 + 2 * np.pi * c / k))
    return _stack(parts)


def _circles(counts, rng):
    """Class 0: ring of radius 0.8..1.2; class 1: disk of radius 0..0.5."""
    ring = _polar(rng.uniform(0.8, 1.2, counts[0]), rng.uniform(0, 2 * np.pi, counts[0]))
    disk = _polar(rng.uniform(0.0, 0.5, counts[1]), rng.uniform(0, 2 * np.pi, counts[1]))
    return _stack([ring, disk])


def _xor(counts, rng):
    """Uniform in [-1, 1]^2 with |xi| >= 0.05; class 1 where x1 * x2 > 0."""
    n = sum(counts)
    x = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    # Mirror surplus points of the larger class across the x1 axis to balance classes.
    surplus = int(y.sum()) - counts[1]
    flip = np.flatnonzero(y == (1 if surplus > 0 else 0))[: abs(surplus)]
    x[flip, 1] *= -1
    y[flip] = 1 - y[flip]
    return x, y


def _gaussians(counts, rng):
    """K blobs (std 0.25) centred on a circle of radius 1 (K=2: (-0.7,-0.7), (0.7,0.7))."""
    k = len(counts)
    parts = []
    for c, m in enumerate(counts):
        angle = np.pi / 4 + np.pi + 2 * np.pi * c / k
        parts.append(rng.normal(0.0, 0.25, (m, 2)) + [np.cos(angle), np.sin(angle)])
    return _stack(parts)


def _moons(counts, rng):
    """Upper moon (class 0) and lower moon (class 1), centred on the origin."""
    t0, t1 = rng.uniform(0, np.pi, counts[0]), rng.uniform(0, np.pi, counts[1])
    upper = np.stack([np.cos(t0) - 0.5, np.sin(t0) - 0.25], axis=1)
    lower = np.stack([0.5 - np.cos(t1), 0.25 - np.sin(t1)], axis=1)
    return _stack([upper, lower])


def _plane(n, rng):
    x = rng.uniform(-1.0, 1.0, (n, 2))
    return x, (x[:, 0] + x[:, 1]) / 2


def _sine(n, rng):
    x = rng.uniform(-1.0, 1.0, (n, 1))
    return x, np.sin(2 * np.pi * x[:, 0])
