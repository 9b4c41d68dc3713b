"""Conv2D by im2col: a strided window view copied once into a column matrix, then GEMM.

x: (N, C, H, W) -> y: (N, F, Ho, Wo), weight (F, C, kh, kw) as torch.nn.Conv2d,
Ho = (H + 2*ph - kh) // sh + 1 (likewise Wo).
"""

from __future__ import annotations

from bpstudio.engine.init import check_init, init_weight_bias
from bpstudio.engine.layers.base import Layer, need_rank, pair, positive_int
from bpstudio.errors import ShapeError


def out_size(size: int, k: int, s: int, p: int) -> int:
    """Output length of a window of k, stride s, padding p over ``size`` (floor mode)."""
    return (size + 2 * p - k) // s + 1


def window_view(xp, x, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int):
    """(N, C, H, W) -> strided view (N, C, kh, kw, Ho, Wo) of every window; no copy.

    view[n, c, i, j, a, b] = x[n, c, a*sh + i, b*sw + j].
    """
    n, c = x.shape[:2]
    s0, s1, s2, s3 = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(n, c, kh, kw, ho, wo), strides=(s0, s1, s2, s3, s2 * sh, s3 * sw)
    )


def offset_slice(i: int, s: int, n: int) -> slice:
    """The input rows/cols that kernel offset ``i`` touches for ``n`` outputs, stride s."""
    return slice(i, i + s * (n - 1) + 1, s)


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as torch) with stride and zero padding.

    Backward: dW = sum_n dY_n @ cols_n.T; dcols = W.T @ dY, folded back (col2im) by
    one slice-add per kernel offset, which needs no scatter with repeated indices.
    """

    def __init__(self, filters=1, kernel=3, stride=1, padding=0, bias=True, init="default"):
        super().__init__()
        self.filters = positive_int("Conv2D", "filters", filters)
        self.kernel = pair("Conv2D", "kernel", kernel)
        self.stride = pair("Conv2D", "stride", stride)
        self.padding = pair("Conv2D", "padding", padding, minimum=0)
        self.use_bias = bool(bias)
        self.init = check_init("Conv2D", init)

    def output_shape(self, in_shapes):
        self._check_arity(in_shapes)
        need_rank("Conv2D", in_shapes[0], (3,), "an image (C, H, W)")
        c, h, w = in_shapes[0]
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        if h + 2 * ph < kh or w + 2 * pw < kw:
            raise ShapeError(
                f"Conv2D kernel {kh}x{kw} is larger than the padded input {h + 2 * ph}x{w + 2 * pw}"
            )
        return (self.filters, out_size(h, kh, sh, ph), out_size(w, kw, sw, pw))

    def _init_params(self, in_shapes, rng):
        shape = (self.filters, in_shapes[0][0], *self.kernel)
        w, b = init_weight_bias(self.init, shape, self.use_bias, rng)
        self.params = {"weight": self._to_xp(w)}
        if b is not None:
            self.params["bias"] = self._to_xp(b)

    # ----------------------------------------------------------------- forward
    def _padded(self, x):
        """x with zero borders; the border of the reused buffer stays zero."""
        ph, pw = self.padding
        if not (ph or pw):
            return x
        n, c, h, w = x.shape
        xp_ = self._buf("xpad", (n, c, h + 2 * ph, w + 2 * pw))
        if not self.training or self._cache.get("xpad_zeroed") is not xp_:
            xp_.fill(0)
            self._cache["xpad_zeroed"] = xp_
        xp_[:, :, ph : ph + h, pw : pw + w] = x
        return xp_

    def forward(self, xs):
        x = xs[0]
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        ho, wo = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
        xpad = self._padded(x)
        cols = self._buf("cols", (n, c, kh, kw, ho, wo))
        cols[...] = window_view(self.xp, xpad, kh, kw, sh, sw, ho, wo)
        cols = cols.reshape(n, c * kh * kw, ho * wo)
        self._cols, self._in_shape = cols, x.shape
        wmat = self.params["weight"].reshape(self.filters, -1)
        y = self._buf("y", (n, self.filters, ho * wo))
        self.xp.matmul(wmat, cols, out=y)  # (F, K) @ (N, K, P) -> (N, F, P): NCHW directly
        if self.use_bias:
            y += self.params["bias"][:, None]
        return y.reshape(n, self.filters, ho, wo)

    # ---------------------------------------------------------------- backward
    def backward(self, dy):
        xp, cols = self.xp, self._cols
        n, f = dy.shape[:2]
        dy3 = dy.reshape(n, f, -1)
        per_sample = self._buf("dw_n", (n, f, cols.shape[1]))
        xp.matmul(dy3, cols.transpose(0, 2, 1), out=per_sample)
        xp.sum(per_sample, axis=0, out=self.grads["weight"].reshape(f, -1))
        if self.use_bias:
            xp.sum(dy3, axis=(0, 2), out=self.grads["bias"])
        if not self._wants_grad(0):
            return [None]
        dcols = self._buf("dcols", cols.shape)
        xp.matmul(self.params["weight"].reshape(f, -1).T, dy3, out=dcols)
        return [self._col2im(dcols, dy.shape[2:])]

    def _col2im(self, dcols, out_hw):
        """(N, C*kh*kw, Ho*Wo) -> dx (N, C, H, W): one slice-add per kernel offset."""
        n, c, h, w = self._in_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        ho, wo = out_hw
        d6 = dcols.reshape(n, c, kh, kw, ho, wo)
        dxp = self._buf("dxpad", (n, c, h + 2 * ph, w + 2 * pw))
        dxp.fill(0)
        for i in range(kh):
            for j in range(kw):
                dxp[:, :, offset_slice(i, sh, ho), offset_slice(j, sw, wo)] += d6[:, :, i, j]
        return dxp[:, :, ph : ph + h, pw : pw + w]

    def __repr__(self):
        return (
            f"Conv2D(filters={self.filters}, kernel={list(self.kernel)}, "
            f"stride={list(self.stride)}, padding={list(self.padding)}, bias={self.use_bias})"
        )
