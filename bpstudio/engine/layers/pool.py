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
        """[(rows, cols)] per kernel offset, row-major: the input each offset reads."""
        (kh, kw), (sh, sw) = self.size, self.stride
        _, ho, wo = self.output_shape([x_shape[1:]])
        return [
            (offset_slice(i, sh, ho), offset_slice(j, sw, wo)) for i in range(kh) for j in range(kw)
        ]

    def _tiles(self, x_shape) -> bool:
        """True when the windows cover the input exactly once (stride = size, no rest)."""
        (kh, kw), (sh, sw) = self.size, self.stride
        h, w = x_shape[2:]
        return (kh, kw) == (sh, sw) and h % kh == 0 and w % kw == 0

    def _dx(self, x_shape):
        """The input-gradient buffer, zeroed unless every entry will be written."""
        dx = self._buf("dx", x_shape)
        if not self._tiles(x_shape):
            dx.fill(0)
        return dx

    def __repr__(self):
        return f"{type(self).__name__}(size={list(self.size)}, stride={list(self.stride)})"


class MaxPool2D(_Pool2D):
    """y[n, c, a, b] = max over the window; the gradient goes to the first maximum in
    row-major window order (torch's choice for ties)."""

    def forward(self, xs):
        x, xp = xs[0], self.xp
        (r0, c0), *rest = self._offsets(x.shape)
        y = self._buf("y", x[:, :, r0, c0].shape)
        if rest:
            xp.maximum(x[:, :, r0, c0], x[:, :, rest[0][0], rest[0][1]], out=y)
        else:
            y[...] = x[:, :, r0, c0]
        for rows, cols in rest[1:]:
            xp.maximum(y, x[:, :, rows, cols], out=y)
        self._x, self._y = x, y
        return y

    def _winners(self, x, y):
        """Yield (rows, cols, mask) per kernel offset, row-major: mask marks the windows
        whose gradient goes to that offset (the first entry equal to the maximum).

        Recovered here rather than recorded in forward, where a masked store per offset
        costs more than these comparisons. Each mask is valid until the next one.
        """
        xp = self.xp
        taken = self._buf("taken", y.shape, dtype=bool)
        hit = self._buf("hit", y.shape, dtype=bool)
        (rows, cols), *rest = self._offsets(x.shape)
        xp.equal(x[:, :, rows, cols], y, out=taken)
        yield rows, cols, taken
        for k, (rows, cols) in enumerate(rest, 1):
            if k == len(rest):
                # Every maximum is one of its window's entries: what no earlier offset
                # took, the last one holds (this spares a strided comparison).
                xp.logical_not(taken, out=hit)
            else:
                xp.equal(x[:, :, rows, cols], y, out=hit)
                xp.greater(hit, taken, out=hit)  # equal and not taken before
                xp.logical_or(taken, hit, out=taken)
            yield rows, cols, hit

    def backward(self, dy):
        xp, x = self.xp, self._x
        tiles = self._tiles(x.shape)
        dx = self._dx(x.shape)
        for rows, cols, mask in self._winners(x, self._y):
            if tiles:
                xp.multiply(dy, mask, out=dx[:, :, rows, cols])
            else:
                dx[:, :, rows, cols] += dy * mask
        return [dx]


class AvgPool2D(_Pool2D):
    """y[n, c, a, b] = mean over the window; dx gets dy / (kh*kw) from every window."""

    def forward(self, xs):
        x = xs[0]
        y = None
        for rows, cols in self._offsets(x.shape):
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
        dx = self._dx(self._x_shape)
        tiles = self._tiles(self._x_shape)
        share = self._buf("share", dy.shape)
        self.xp.multiply(dy, 1.0 / (self.size[0] * self.size[1]), out=share)
        for rows, cols in self._offsets(self._x_shape):
            if tiles:
                dx[:, :, rows, cols] = share
            else:
                dx[:, :, rows, cols] += share
        return [dx]
