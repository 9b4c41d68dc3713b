"""Elementwise activations and Softmax; shapes pass through unchanged."""

from __future__ import annotations

import math

from bpstudio.engine.layers._erf import erf
from bpstudio.engine.layers.base import Layer, need_rank
from bpstudio.errors import ShapeError


class ReLU(Layer):
    """y = max(x, 0); dx = dy where x > 0."""

    def forward(self, xs):
        x, xp = xs[0], self.xp
        self._pos = xp.greater(x, 0, out=self._buf("pos", x.shape, dtype=bool))
        # x * mask: the mask is needed for backward anyway, and numpy's maximum with a
        # scalar runs ~3x slower than this multiply.
        return xp.multiply(x, self._pos, out=self._buf("y", x.shape))

    def backward(self, dy):
        return [self.xp.multiply(dy, self._pos, out=self._buf("dx", dy.shape))]


class LeakyReLU(Layer):
    """y = x if x > 0 else slope * x."""

    def __init__(self, slope: float = 0.01):
        super().__init__()
        if not isinstance(slope, int | float) or isinstance(slope, bool):
            raise ShapeError(f"LeakyReLU slope must be a number, got {slope!r}")
        self.slope = float(slope)

    def forward(self, xs):
        x, xp = xs[0], self.xp
        self._pos = xp.greater(x, 0, out=self._buf("pos", x.shape, dtype=bool))
        y = xp.multiply(x, self.slope, out=self._buf("y", x.shape))
        if 0.0 <= self.slope <= 1.0:  # then leaky(x) = max(x, slope * x): one pass
            return xp.maximum(x, y, out=y)
        return xp.where(self._pos, x, y)

    def backward(self, dy):
        xp = self.xp
        # A scalar of the layer's dtype: bool * Python float would compute in float64.
        one_minus = self.dtype.type(1.0 - self.slope)
        g = xp.multiply(self._pos, one_minus, out=self._buf("dx", dy.shape))
        g += self.slope  # the local slope: 1 where x > 0, else slope
        g *= dy
        return [g]

    def __repr__(self):
        return f"LeakyReLU(slope={self.slope})"


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)), via exp(-|x|) so no exp overflows; dx = dy * y * (1 - y)."""

    def forward(self, xs):
        x, xp = xs[0], self.xp
        e = xp.abs(x)
        e *= -1.0
        xp.exp(e, out=e)  # exp(-|x|) in (0, 1]
        r = 1.0 / (1.0 + e)  # sigmoid(|x|)
        self._y = xp.where(x >= 0, r, e * r)
        return self._y

    def backward(self, dy):
        y, xp = self._y, self.xp
        g = xp.subtract(1.0, y, out=self._buf("dx", y.shape))
        g *= y
        g *= dy
        return [g]


class Tanh(Layer):
    """y = tanh(x); dx = dy * (1 - y^2)."""

    def forward(self, xs):
        x = xs[0]
        self._y = self.xp.tanh(x, out=self._buf("y", x.shape))
        return self._y

    def backward(self, dy):
        y, xp = self._y, self.xp
        g = xp.multiply(y, y, out=self._buf("dx", y.shape))
        xp.subtract(1.0, g, out=g)
        g *= dy
        return [g]


class GELU(Layer):
    """y = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 (torch's exact default).

    dx = dy * (Phi(x) + x * phi(x)), phi the standard normal density.
    """

    def forward(self, xs):
        x, xp = xs[0], self.xp
        self._x = x
        cdf = erf(xp, x * (1.0 / math.sqrt(2.0)))
        cdf += 1.0
        cdf *= 0.5
        self._cdf = cdf
        return x * cdf

    def backward(self, dy):
        x, xp = self._x, self.xp
        g = x * x  # in place from here: dy * (Phi(x) + x * phi(x))
        g *= -0.5
        xp.exp(g, out=g)
        g *= x * (1.0 / math.sqrt(2.0 * math.pi))
        g += self._cdf
        g *= dy
        return [g]


class Softmax(Layer):
    """y = exp(x - max) / sum exp(x - max) along axis 1; dx = y * (dy - sum(dy * y))."""

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        need_rank("Softmax", in_shapes[0], (1, 2, 3), "a (features) or (C, ...)")
        return tuple(in_shapes[0])

    def forward(self, xs):
        x, xp = xs[0], self.xp
        e = xp.exp(x - x.max(axis=1, keepdims=True))
        self._y = e / e.sum(axis=1, keepdims=True)
        return self._y

    def backward(self, dy):
        y = self._y
        return [y * (dy - (dy * y).sum(axis=1, keepdims=True))]
