"""Numerical gradient checks: central differences in float64 against backward.

Relative error of two gradients a (analytic) and n (numerical) is
||a - n|| / max(||a||, ||n||, floor), where floor is 1e-3 times the largest gradient
norm in the same check: a gradient that is exactly zero (a bias feeding BatchNorm)
then reports its finite-difference noise against the network's own scale, instead of
noise divided by noise. A correct float64 layer scores around 1e-9 with eps = 1e-6.
"""

from __future__ import annotations

import numpy as np

from bpstudio.engine.backend import to_numpy
from bpstudio.errors import BpError

FLOOR = 1e-3  # of the largest gradient norm in one check (see the module docstring)


def rel_error(analytic, numeric, floor: float = 0.0) -> float:
    """||a - n|| / max(||a||, ||n||, floor); 0 when everything is exactly zero."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    diff = float(np.linalg.norm((a - n).ravel()))
    scale = max(float(np.linalg.norm(a.ravel())), float(np.linalg.norm(n.ravel())), floor)
    return 0.0 if scale == 0.0 else diff / scale


def _relative_errors(pairs: dict) -> dict[str, float]:
    """{name: (analytic, numeric)} -> {name: rel_error} with the shared floor."""
    top = max((float(np.linalg.norm(np.ravel(a))) for a, _ in pairs.values()), default=0.0)
    return {k: rel_error(a, n, FLOOR * top) for k, (a, n) in pairs.items()}


def numeric_grad(f, arr, eps: float, flat_idx=None) -> np.ndarray:
    """d f / d arr at ``flat_idx`` (default: every entry) by central differences.

    ``arr`` is perturbed in place and restored; ``f()`` returns a float.
    """
    view = arr.reshape(-1)  # arrays here are contiguous, so this is a view
    idx = range(view.size) if flat_idx is None else flat_idx
    out = np.empty(len(idx))
    for k, i in enumerate(idx):
        old = view[i].copy()
        view[i] = old + eps
        fp = f()
        view[i] = old - eps
        fm = f()
        view[i] = old
        out[k] = (fp - fm) / (2 * eps)
    return out


def gradcheck_layer(layer, in_shapes, rng: np.random.Generator, eps: float = 1e-6):
    """Check ``layer`` (built here on numpy in float64) on random inputs.

    in_shapes: full input shapes, batch first, e.g. [(4, 3, 7, 7)].
    The checked scalar is f = sum(forward(xs) * R) with a fixed random R, so
    backward(R) must return d f / d xs and fill d f / d params.
    Returns {"input0": err, ..., "<param>": err}.
    """
    layer.build([tuple(s[1:]) for s in in_shapes], np, np.float64, rng)
    xs = [rng.standard_normal(s) for s in in_shapes]
    r = rng.standard_normal(layer.forward(xs).shape)

    def f() -> float:
        return float(np.sum(layer.forward(xs) * r))

    f()
    dxs = [None if d is None else np.array(d) for d in layer.backward(r.copy())]
    grads = {k: np.array(v) for k, v in layer.grads.items()}
    pairs = {}
    for i, (x, dx) in enumerate(zip(xs, dxs, strict=True)):
        if dx is not None:
            pairs[f"input{i}"] = (dx.ravel(), numeric_grad(f, x, eps))
    for name, p in layer.params.items():
        pairs[name] = (grads[name].ravel(), numeric_grad(f, p, eps))
    return _relative_errors(pairs)


def gradcheck_loss(loss, pred, target, eps: float = 1e-6) -> float:
    """Relative error of ``loss.backward()`` against d loss / d pred (float64 ``pred``)."""
    pred = np.array(pred, dtype=np.float64)

    def f() -> float:
        return float(loss.forward(pred, target))

    f()
    analytic = np.array(loss.backward())
    return rel_error(analytic.ravel(), numeric_grad(f, pred, eps))


class _ReplayRng:
    """Stands in for a layer's ``rng``: every draw of one shape repeats the first, so
    Dropout keeps one mask while the loss is evaluated many times."""

    def __init__(self, rng):
        self._rng, self._draws = rng, {}

    def random(self, size, dtype=np.float64):
        key = (tuple(size), np.dtype(dtype).str)
        if key not in self._draws:
            self._draws[key] = self._rng.random(size, dtype=dtype)
        return self._draws[key]


def gradcheck_network(
    network,
    x,
    y,
    eps: float = 1e-6,
    max_entries: int | None = None,
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """{"<node>.<param>": rel_error} for a built float64 ``network`` on batch (x, y).

    ``max_entries`` limits the finite differences to that many random entries per
    tensor (two forward passes each). Dropout masks are frozen and BatchNorm running
    statistics restored, so the network is left as it was.
    """
    if np.dtype(network.dtype) != np.float64:
        raise BpError("gradcheck needs a network compiled in float64")
    rng = np.random.default_rng(0) if rng is None else rng
    layers = [n.layer for n in network.nodes]
    saved_rngs = [getattr(layer, "rng", None) for layer in layers]
    saved_buffers = {k: v.copy() for k, v in network.named_buffers().items()}
    try:
        for layer, r in zip(layers, saved_rngs, strict=True):
            if r is not None:
                layer.rng = _ReplayRng(r)
        return _network_errors(network, x, y, eps, max_entries, rng)
    finally:
        for layer, r in zip(layers, saved_rngs, strict=True):
            if r is not None:
                layer.rng = r
        for k, v in network.named_buffers().items():
            v[...] = saved_buffers[k]


def _network_errors(network, x, y, eps, max_entries, rng) -> dict[str, float]:
    def f() -> float:
        return float(network.loss(x, y))

    f()
    network.backward()
    grads = {k: to_numpy(v).copy() for k, v in network.named_grads().items()}
    pairs = {}
    for name, p in network.named_params().items():
        idx = None
        if max_entries is not None and p.size > max_entries:
            idx = np.sort(rng.choice(p.size, max_entries, replace=False)).tolist()
        analytic = grads[name].ravel()
        analytic = analytic if idx is None else analytic[idx]
        pairs[name] = (analytic, numeric_grad(f, p, eps, idx))
    return _relative_errors(pairs)
