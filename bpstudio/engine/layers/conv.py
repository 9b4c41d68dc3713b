"""Conv2D by im2col: a strided window view copied once into a column matrix, then GEMM.

x: (N, C, H, W) -> y: (N, F, Ho, Wo), weight (F, C, kh, kw) as torch.nn.Conv2d,
Ho = (H + 2*ph - kh) // sh + 1 (likewise Wo).

Stride 1 (the common case) uses "wide rows": each padded image plane is read as one
flat row of Hp*Wp numbers and output pixel (a, b) sits at a*Wp + b. A kernel offset
(i, j) is then a shift by i*Wp + j, so every im2col row and every col2im addition is
one contiguous run of L = (Ho-1)*Wp + Wo numbers instead of Ho short rows of Wo; the
Wp - Wo columns between output rows are computed and thrown away (and their
gradients are kept at zero). Other strides use the plain window view.

The forward's columns use wide rows only where that copies fewer short rows: wide
columns cost a compaction of the output and a widening of dy (F*Ho rows of Wo each),
plain ones an im2col of C*kh*kw*Ho such rows (plus the widening of dy when the input
needs a gradient). So a first layer with few channels (C*kh*kw < 2F) keeps plain
columns and writes its NCHW output straight from the GEMM.
"""

from __future__ import annotations

from bpstudio.engine.init import check_init, init_weight_bias
from bpstudio.engine.layers.base import Layer, need_rank, pair, positive_int
from bpstudio.errors import ShapeError


def out_size(size: int, k: int, s: int, p: int) -> int:
    """Output length of a window of k, stride s, padding p over ``size`` (floor mode)."""
    return (size + 2 * p - k) // s + 1


def offset_slice(i: int, s: int, n: int) -> slice:
    """The input rows/cols that kernel offset ``i`` touches for ``n`` outputs, stride s."""
    return slice(i, i + s * (n - 1) + 1, s)


def window_view(xp, x, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int):
    """(N, C, H, W) -> strided view (N, C, kh, kw, Ho, Wo) of every window; no copy.

    view[n, c, i, j, a, b] = x[n, c, a*sh + i, b*sw + j].
    """
    n, c = x.shape[:2]
    s0, s1, s2, s3 = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(n, c, kh, kw, ho, wo), strides=(s0, s1, s2, s3, s2 * sh, s3 * sw)
    )


def wide_view(xp, xpad, kh: int, kw: int, length: int):
    """Contiguous (N, C, Hp, Wp) -> view (N, C, kh, kw, length):
    view[n, c, i, j, l] = flat plane[n, c][i*Wp + j + l]."""
    n, c, hp, wp = xpad.shape
    it = xpad.itemsize
    return xp.lib.stride_tricks.as_strided(
        xpad,
        shape=(n, c, kh, kw, length),
        strides=(c * hp * wp * it, hp * wp * it, wp * it, it, it),
    )


def wide_pixels(xp, wide, wp: int, ho: int, wo: int):
    """(N, F, L) wide rows -> view (N, F, Ho, Wo) of the real output pixels."""
    n, f, length = wide.shape
    it = wide.itemsize
    return xp.lib.stride_tricks.as_strided(
        wide, shape=(n, f, ho, wo), strides=(f * length * it, length * it, wp * it, it)
    )


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

    def _wide_cols(self, c: int) -> bool:
        """Whether this forward's columns use wide rows (see the module docstring)."""
        kh, kw = self.kernel
        widen_dy = 1 if self._wants_grad(0) else 0  # a widening of dy needed anyway
        return self.stride == (1, 1) and c * kh * kw >= (2 - widen_dy) * self.filters

    def _out_hw(self, x_shape):
        _, ho, wo = self.output_shape([x_shape[1:]])
        return ho, wo

    def _wp(self) -> int:
        return self._in_shape[3] + 2 * self.padding[1]

    # ----------------------------------------------------------------- forward
    def _padded(self, x):
        """x with zero borders, C-contiguous; the reused buffer's border stays zero."""
        ph, pw = self.padding
        if not (ph or pw) and x.flags.c_contiguous:
            return x
        n, c, h, w = x.shape
        xpad = self._buf("xpad", (n, c, h + 2 * ph, w + 2 * pw), zeroed=True)
        xpad[:, :, ph : ph + h, pw : pw + w] = x
        return xpad

    def _im2col(self, x):
        """x (N, C, H, W) -> cols (N, C*kh*kw, P): P = Ho*Wo, or L wide-row positions."""
        n, c = x.shape[:2]
        (kh, kw), (sh, sw) = self.kernel, self.stride
        ho, wo = self._out_hw(x.shape)
        xpad = self._padded(x)
        if self._wide:
            length = (ho - 1) * xpad.shape[3] + wo
            cols = self._buf("cols", (n, c, kh, kw, length))
            cols[...] = wide_view(self.xp, xpad, kh, kw, length)
        else:
            cols = self._buf("cols", (n, c, kh, kw, ho, wo))
            cols[...] = window_view(self.xp, xpad, kh, kw, sh, sw, ho, wo)
        return cols.reshape(n, c * kh * kw, -1)

    def forward(self, xs):
        x = xs[0]
        n, f = x.shape[0], self.filters
        ho, wo = self._out_hw(x.shape)
        self._in_shape, self._wide = x.shape, self._wide_cols(x.shape[1])
        self._cols = cols = self._im2col(x)
        rows = self._buf("rows", (n, f, cols.shape[2]))
        # (F, K) @ (N, K, P) -> (N, F, P): channels-first output without a transpose.
        self.xp.matmul(self.params["weight"].reshape(f, -1), cols, out=rows)
        if not self._wide:
            if self.use_bias:
                rows += self.params["bias"][:, None]
            return rows.reshape(n, f, ho, wo)
        # Compact the wide rows into a contiguous output, adding the bias in the pass.
        pixels = wide_pixels(self.xp, rows, self._wp(), ho, wo)
        y = self._buf("y", (n, f, ho, wo))
        if self.use_bias:
            self.xp.add(pixels, self.params["bias"][:, None, None], out=y)
        else:
            y[...] = pixels
        return y

    # ---------------------------------------------------------------- backward
    def _dy_rows(self, dy):
        """dy (N, F, Ho, Wo) as wide rows (N, F, L) (stride 1)."""
        n, f, ho, wo = dy.shape
        # The thrown-away columns must hold zero gradient: never written, zero from birth.
        rows = self._buf("dy_rows", (n, f, (ho - 1) * self._wp() + wo), zeroed=True)
        wide_pixels(self.xp, rows, self._wp(), ho, wo)[...] = dy
        return rows

    def backward(self, dy):
        xp, cols = self.xp, self._cols
        n, f = dy.shape[:2]
        wide_dx = self.stride == (1, 1) and self._wants_grad(0)
        dy_wide = self._dy_rows(dy) if self._wide or wide_dx else None
        dy_cols = dy_wide if self._wide else dy.reshape(n, f, -1)  # in the columns' layout
        per_sample = self._buf("dw_n", (n, f, cols.shape[1]))
        xp.matmul(dy_cols, cols.transpose(0, 2, 1), out=per_sample)
        xp.sum(per_sample, axis=0, out=self.grads["weight"].reshape(f, -1))
        if self.use_bias:  # contiguous rows (wide-row gaps are zero): a faster sum
            xp.sum(dy_cols, axis=(0, 2), out=self.grads["bias"])
        if not self._wants_grad(0):
            return [None]
        src = dy_wide if wide_dx else dy_cols
        dcols = self._buf("dcols", (n, cols.shape[1], src.shape[2]))
        xp.matmul(self.params["weight"].reshape(f, -1).T, src, out=dcols)
        return [self._col2im(dcols, dy.shape[2:], wide_dx)]

    def _col2im(self, dcols, out_hw, wide: bool):
        """(N, C*kh*kw, P) -> dx (N, C, H, W): one slice-add per kernel offset."""
        n, c, h, w = self._in_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        dxp = self._buf("dxpad", (n, c, h + 2 * ph, w + 2 * pw))
        dxp.fill(0)
        if wide:
            d5 = dcols.reshape(n, c, kh, kw, -1)
            target = wide_view(self.xp, dxp, kh, kw, d5.shape[4])
            for i in range(kh):
                for j in range(kw):
                    target[:, :, i, j] += d5[:, :, i, j]
        else:
            ho, wo = out_hw
            d6 = dcols.reshape(n, c, kh, kw, ho, wo)
            for i in range(kh):
                for j in range(kw):
                    dxp[:, :, offset_slice(i, sh, ho), offset_slice(j, sw, wo)] += d6[:, :, i, j]
        if not (ph or pw):
            return dxp
        # A contiguous copy of the interior: the layer below (often a pool) runs its
        # backward faster on it than on a strided view, more than paying for the copy.
        dx = self._buf("dx", self._in_shape)
        dx[...] = dxp[:, :, ph : ph + h, pw : pw + w]
        return dx

    def __repr__(self):
        return (
            f"Conv2D(filters={self.filters}, kernel={list(self.kernel)}, "
            f"stride={list(self.stride)}, padding={list(self.padding)}, bias={self.use_bias})"
        )
