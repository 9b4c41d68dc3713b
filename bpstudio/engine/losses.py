"""Losses with PyTorch's mean reduction; each gives its gradient w.r.t. the prediction.

``forward`` returns a 0-d array that stays on the device (read it with ``float`` only
when reporting: on CuPy that synchronises).
"""

from __future__ import annotations

import numpy as np

from bpstudio.engine.backend import xp_of
from bpstudio.errors import BpError


class Loss:
    """Base: ``forward(pred, target) -> 0-d array``; ``backward() -> d loss / d pred``."""

    task: str = "regression"

    def forward(self, pred, target):
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def check_targets(self, target, pred_shape: tuple[int, ...]) -> None:
        """Refuse targets that cannot fit (host arrays only; see CrossEntropyLoss)."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class CrossEntropyLoss(Loss):
    """pred: logits (N, K); target: int class indices (N,).

    loss = mean_n( logsumexp(z_n) - z_n[t_n] ); d loss / d z = (softmax(z) - onehot) / N.
    The max is subtracted before exp, so logits of 1e4 are exact, not inf.
    """

    task = "classification"

    def check_targets(self, target, pred_shape):
        if not np.issubdtype(target.dtype, np.integer):
            raise BpError(f"CrossEntropyLoss needs integer class indices, got {target.dtype}")
        # CuPy wraps out-of-range indices silently, so host arrays are checked here
        # and device batches must come from data checked on the host.
        if isinstance(target, np.ndarray) and target.size:
            lo, hi, k = int(target.min()), int(target.max()), pred_shape[-1]
            if lo < 0 or hi >= k:
                bad = lo if lo < 0 else hi
                raise BpError(f"class index {bad} is out of range for {k} outputs")

    def forward(self, pred, target):
        xp = xp_of(pred)
        if pred.ndim != 2 or target.shape != (pred.shape[0],):
            raise BpError(
                f"CrossEntropyLoss needs logits (N, K) and targets (N,), got "
                f"{list(pred.shape)} and {list(target.shape)}"
            )
        self.check_targets(target, pred.shape)
        z = pred - pred.max(axis=1, keepdims=True)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        e /= s
        self._p, self._t, self._xpm = e, target, xp
        picked = z[self._rows(xp, len(target)), target]
        return (xp.log(s).sum() - picked.sum()) * (1.0 / len(target))

    def _rows(self, xp, n: int):
        """arange(n), kept between batches (it is needed twice per step)."""
        rows = getattr(self, "_rows_cache", None)
        if rows is None or len(rows) != n or xp_of(rows) is not xp:
            rows = self._rows_cache = xp.arange(n)
        return rows

    def backward(self):
        g, t = self._p.copy(), self._t
        g[self._rows(self._xpm, len(t)), t] -= 1.0  # one index per row: no repeated scatter
        g *= 1.0 / g.shape[0]
        return g


class BCEWithLogitsLoss(Loss):
    """pred: logits (N, 1) or (N,); target: 0/1 floats (N,), reshaped to pred's shape.

    loss = mean( max(x, 0) - x*t + log(1 + exp(-|x|)) ), which never overflows;
    d loss / d x = (sigmoid(x) - t) / numel.
    """

    task = "binary"

    def forward(self, pred, target):
        xp = xp_of(pred)
        if target.size != pred.size:
            raise BpError(
                f"BCEWithLogitsLoss needs one target per output, got {list(target.shape)} "
                f"for outputs {list(pred.shape)}"
            )
        t = target.reshape(pred.shape).astype(pred.dtype, copy=False)
        e = xp.exp(-xp.abs(pred))
        self._x, self._t, self._e = pred, t, e
        return xp.asarray((xp.maximum(pred, 0) - pred * t + xp.log1p(e)).mean())

    def backward(self):
        x, t, e = self._x, self._t, self._e
        xp = xp_of(x)
        r = 1.0 / (1.0 + e)
        sig = xp.where(x >= 0, r, e * r)
        return (sig - t) * (1.0 / x.size)


class MSELoss(Loss):
    """pred and target of one shape (a target with pred's size is reshaped to it).

    loss = mean((pred - target)^2); d loss / d pred = 2 (pred - target) / numel.
    """

    task = "regression"

    def forward(self, pred, target):
        if target.size != pred.size:
            raise BpError(
                f"MSELoss needs targets shaped like the outputs {list(pred.shape)}, "
                f"got {list(target.shape)}"
            )
        t = target.reshape(pred.shape).astype(pred.dtype, copy=False)
        self._d = pred - t
        return xp_of(pred).asarray((self._d * self._d).mean())

    def backward(self):
        return self._d * (2.0 / self._d.size)


LOSSES: dict[str, type[Loss]] = {
    cls.__name__: cls for cls in (CrossEntropyLoss, BCEWithLogitsLoss, MSELoss)
}
