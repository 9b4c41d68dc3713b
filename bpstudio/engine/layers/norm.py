"""BatchNorm over (N, F) or (N, C, H, W), with torch.nn.BatchNorm1d/2d's statistics."""

from __future__ import annotations

import numpy as np

from bpstudio.engine.layers.base import Layer, need_rank
from bpstudio.errors import BpError, ShapeError


class BatchNorm(Layer):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per feature or per channel.

    Training uses the batch's mean and biased variance and updates
    running = (1 - momentum) * running + momentum * batch stat, where the variance fed
    to the running estimate is the unbiased one (n / (n - 1)), as torch. Eval mode
    normalises with the running statistics.
    Backward (training): dx = inv_std / n * (n * g - sum(g) - xhat * sum(g * xhat)),
    g = dy * weight; in eval mode dx = dy * weight * inv_std.
    """

    def __init__(self, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        if not eps > 0:
            raise ShapeError(f"BatchNorm eps must be > 0, got {eps!r}")
        if not 0 <= momentum <= 1:
            raise ShapeError(f"BatchNorm momentum must be in [0, 1], got {momentum!r}")
        self.eps, self.momentum = float(eps), float(momentum)

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        need_rank("BatchNorm", in_shapes[0], (1, 3), "a (features) or (C, H, W)")
        return tuple(in_shapes[0])

    def _init_params(self, in_shapes, rng):
        c = in_shapes[0][0]
        self.params = {"weight": self._to_xp(np.ones(c)), "bias": self._to_xp(np.zeros(c))}
        self.buffers = {
            "running_mean": self._to_xp(np.zeros(c)),
            "running_var": self._to_xp(np.ones(c)),
        }

    @staticmethod
    def _axes(x):
        """Reduction axes and the broadcast shape of a per-channel vector."""
        if x.ndim == 2:
            return (0,), (1, x.shape[1])
        return (0, 2, 3), (1, x.shape[1], 1, 1)

    def forward(self, xs):
        x, xp = xs[0], self.xp
        axes, bshape = self._axes(x)
        n = x.size // x.shape[1]
        xhat = self._buf("xhat", x.shape)
        if self.training:
            if n < 2:
                raise BpError("BatchNorm needs more than 1 value per channel in training")
            mean = x.sum(axis=axes) * (1.0 / n)
            xp.subtract(x, mean.reshape(bshape), out=xhat)
            sq = xp.multiply(xhat, xhat, out=self._buf("sq", x.shape))
            var = sq.sum(axis=axes) * (1.0 / n)  # biased, two-pass: no cancellation
            self._update_running(mean, var, n)
        else:
            var = self.buffers["running_var"]
            xp.subtract(x, self.buffers["running_mean"].reshape(bshape), out=xhat)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        xhat *= inv_std.reshape(bshape)
        self._xhat, self._inv_std, self._n = xhat, inv_std, n
        y = xp.multiply(xhat, self.params["weight"].reshape(bshape), out=self._buf("y", x.shape))
        y += self.params["bias"].reshape(bshape)
        return y

    def _update_running(self, mean, var, n: int) -> None:
        m = self.momentum
        rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
        rm *= 1.0 - m
        rm += m * mean
        rv *= 1.0 - m
        rv += (m * n / (n - 1)) * var

    def backward(self, dy):
        xp, xhat = self.xp, self._xhat
        axes, bshape = self._axes(dy)
        tmp = xp.multiply(dy, xhat, out=self._buf("sq", dy.shape))
        xp.sum(tmp, axis=axes, out=self.grads["weight"])
        xp.sum(dy, axis=axes, out=self.grads["bias"])
        if not self._wants_grad(0):
            return [None]
        scale = (self._inv_std * self.params["weight"]).reshape(bshape)
        dx = self._buf("dx", dy.shape)
        if not self.training:
            return [xp.multiply(dy, scale, out=dx)]
        # dx = scale * (dy - mean(dy) - xhat * mean(dy * xhat)), in place in dx
        xp.multiply(xhat, (self.grads["weight"] * (1.0 / self._n)).reshape(bshape), out=dx)
        xp.subtract(dy, dx, out=dx)
        dx -= (self.grads["bias"] * (1.0 / self._n)).reshape(bshape)
        dx *= scale
        return [dx]

    def __repr__(self):
        return f"BatchNorm(eps={self.eps}, momentum={self.momentum})"
