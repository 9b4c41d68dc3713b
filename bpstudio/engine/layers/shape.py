"""Layers that route or reshape: Flatten, Dropout, Add, Concat."""

from __future__ import annotations

import math

import numpy as np

from bpstudio.engine.layers.base import Layer
from bpstudio.errors import ShapeError


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...); backward reshapes back."""

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        return (math.prod(in_shapes[0]),)

    def forward(self, xs):
        x = xs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return [dy.reshape(self._shape)]


class Dropout(Layer):
    """Inverted dropout: in training y = x * mask / (1 - rate), mask ~ Bernoulli(1 - rate);
    identity in eval mode. ``rng`` (an ``xp.random`` Generator) is set by the Network."""

    def __init__(self, rate: float = 0.5):
        super().__init__()
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ShapeError(f"Dropout rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = None

    def forward(self, xs):
        x, xp = xs[0], self.xp
        if not self.training or self.rate == 0.0:
            self._mask = None
            return x
        if self.rng is None:  # a layer used on its own, outside a Network
            self.rng = xp.random.default_rng(0)
        keep = self.rng.random(x.shape, dtype=self.dtype) >= self.rate
        self._mask = keep * self.dtype.type(1.0 / (1.0 - self.rate))
        return x * self._mask

    def backward(self, dy):
        return [dy if self._mask is None else dy * self._mask]

    def __repr__(self):
        return f"Dropout(rate={self.rate})"


class Add(Layer):
    """y = x1 + x2 + ...; each input's gradient is dy itself (the same array)."""

    n_inputs = None

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        first = tuple(in_shapes[0])
        for s in in_shapes[1:]:
            if tuple(s) != first:
                shapes = ", ".join(str(list(t)) for t in in_shapes)
                raise ShapeError(f"Add needs inputs of one shape, got {shapes}")
        return first

    def forward(self, xs):
        y = xs[0] + xs[1]
        for x in xs[2:]:
            y += x
        self._n = len(xs)
        return y

    def backward(self, dy):
        return [dy if self._wants_grad(i) else None for i in range(self._n)]


class Concat(Layer):
    """Join along axis 1 (features, or channels of NCHW); other dims must agree."""

    n_inputs = None

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        rest = {tuple(s[1:]) for s in in_shapes}
        if len({len(s) for s in in_shapes}) != 1 or len(rest) != 1 or not in_shapes[0]:
            shapes = ", ".join(str(list(t)) for t in in_shapes)
            raise ShapeError(f"Concat needs inputs that differ only in axis 1, got {shapes}")
        return (sum(s[0] for s in in_shapes), *in_shapes[0][1:])

    def forward(self, xs):
        self._sizes = np.cumsum([x.shape[1] for x in xs])[:-1].tolist()
        return self.xp.concatenate(xs, axis=1)

    def backward(self, dy):
        parts = self.xp.split(dy, self._sizes, axis=1)
        return [p if self._wants_grad(i) else None for i, p in enumerate(parts)]
