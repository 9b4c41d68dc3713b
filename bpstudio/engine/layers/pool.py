"""MaxPool2D and AvgPool2D over (N, C, H, W), windows of ``size`` every ``stride``.

Both loop over the kh*kw kernel offsets: each offset is one strided slice of the input
covering every window at once, so forward and backward are a handful of whole-array
operations and the backward needs no scatter with repeated indices (overlapping
windows just add).
"""

from __future__ import annotations

from bpstudio.engine.layers.base import Layer, need_rank, pair
from bpstudio.engine.layers.conv import offset_slice
from bpstudio.errors import ShapeError


class _Pool2D(Layer):
    """Shared shape rule: Ho = (H - kh) // sh + 1 (no padding, floor mode as torch)."""

    def __init__(self, size=2, stride=None):
        super().__init__()
        name = type(self).__name__
        self.size = pair(name, "size", size)
        self.stride = self.size if stride is None else pair(name, "stride", stride)

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        name = type(self).__name__
        need_rank(name, in_shapes[0], (3,), "an image (C, H, W)")
        c, h, w = in_shapes[0]
        (kh, kw), (sh, sw) = self.size, self.stride
        if h < kh or w < kw:
            raise ShapeError(f"{name} window {kh}x{kw} is larger than the input {h}x{w}")
        return (c, (h - kh) // sh + 1, (w - kw) // sw + 1)

    def _offsets(self, x_shape):
        """Yield (k, rows, cols): offset index and the slices it reads for every window."""
        (kh, kw), (sh, sw) = self.size, self.stride
        _, ho, wo = self.output_shape([x_shape[1:]])
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, offset_slice(i, sh, ho), offset_slice(j, sw, wo)

    def __repr__(self):
        return f"{type(self).__name__}(size={list(self.size)}, stride={list(self.stride)})"


class MaxPool2D(_Pool2D):
    """y[n, c, a, b] = max over the window; the gradient goes to the first maximum in
    row-major window order (torch's choice for ties)."""

    def forward(self, xs):
        x, xp = xs[0], self.xp
        n, c = x.shape[:2]
        y, arg = None, None
        for k, rows, cols in self._offsets(x.shape):
            v = x[:, :, rows, cols]
            if y is None:
                y = self._buf("y", v.shape)
                y[...] = v
                arg = self._buf("arg", v.shape, dtype="uint8")
                arg.fill(0)
                continue
            better = xp.greater(v, y, out=self._buf("better", v.shape, dtype=bool))
            xp.maximum(y, v, out=y)
            # strict '>' keeps the first maximum on ties; copyto, not a mask scatter
            xp.copyto(arg, k, where=better)
        self._arg, self._x_shape = arg, x.shape
        return y

    def backward(self, dy):
        xp = self.xp
        dx = self._buf("dx", self._x_shape)
        dx.fill(0)
        hit = self._buf("hit", dy.shape, dtype=bool)
        part = self._buf("part", dy.shape)
        for k, rows, cols in self._offsets(self._x_shape):
            xp.equal(self._arg, k, out=hit)
            xp.multiply(dy, hit, out=part)
            dx[:, :, rows, cols] += part
        return [dx]


class AvgPool2D(_Pool2D):
    """y[n, c, a, b] = mean over the window; dx gets dy / (kh*kw) from every window."""

    def forward(self, xs):
        x = xs[0]
        y = None
        for _, rows, cols in self._offsets(x.shape):
            v = x[:, :, rows, cols]
            if y is None:
                y = self._buf("y", v.shape)
                y[...] = v
            else:
                y += v
        y *= 1.0 / (self.size[0] * self.size[1])
        self._x_shape = x.shape
        return y

    def backward(self, dy):
        dx = self._buf("dx", self._x_shape)
        dx.fill(0)
        share = self._buf("share", dy.shape)
        self.xp.multiply(dy, 1.0 / (self.size[0] * self.size[1]), out=share)
        for _, rows, cols in self._offsets(self._x_shape):
            dx[:, :, rows, cols] += share
        return [dx]
