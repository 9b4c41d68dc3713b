"""Dense (fully connected): y = x @ W.T + b, torch.nn.Linear's layout."""

from __future__ import annotations

from bpstudio.engine.init import check_init, init_weight_bias
from bpstudio.engine.layers.base import Layer, need_rank, positive_int


class Dense(Layer):
    """x: (N, in) -> y: (N, units); weight: (units, in), bias: (units,).

    Backward: dW = dy.T @ x, db = sum_n dy, dx = dy @ W.
    """

    def __init__(self, units: int = 1, bias: bool = True, init: str = "default"):
        super().__init__()
        self.units = positive_int("Dense", "units", units)
        self.use_bias = bool(bias)
        self.init = check_init("Dense", init)
        self._x = None

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        need_rank("Dense", in_shapes[0], (1,), "a flat (features)", "add Flatten before it")
        return (self.units,)

    def _init_params(self, in_shapes, rng):
        w, b = init_weight_bias(self.init, (self.units, in_shapes[0][0]), self.use_bias, rng)
        self.params = {"weight": self._to_xp(w)}
        if b is not None:
            self.params["bias"] = self._to_xp(b)

    def forward(self, xs):
        x = xs[0]
        self._x = x
        y = self._buf("y", (x.shape[0], self.units))
        # W.T is a view: BLAS reads it transposed, no copy.
        self.xp.matmul(x, self.params["weight"].T, out=y)
        if self.use_bias:
            y += self.params["bias"]
        return y

    def backward(self, dy):
        x, w, xp = self._x, self.params["weight"], self.xp
        xp.matmul(dy.T, x, out=self.grads["weight"])
        if self.use_bias:
            xp.sum(dy, axis=0, out=self.grads["bias"])
        if not self._wants_grad(0):
            return [None]
        dx = self._buf("dx", x.shape)
        xp.matmul(dy, w, out=dx)
        return [dx]

    def __repr__(self):
        return f"Dense(units={self.units}, bias={self.use_bias}, init={self.init!r})"
