"""erf on any array module (numpy has no erf ufunc, and cupy's lives in cupyx, which
only engine/backend.py may import), for GELU's exact form.

erfc(z) = t * exp(-z^2 + h(t)) with t = 2 / (2 + z), z = |x| (the form Numerical
Recipes uses): h is smooth on t in (0, 1], so a short Chebyshev series in u = 2t - 1
fits it. Its coefficients are computed here, once, by Chebyshev interpolation of the
C library's math.erfc: 25 terms keep |erf error| < 1e-15 for float64 inputs and 13
terms < 1e-8 for float32 ones. Then erf(x) = sign(x) * (1 - erfc(|x|)).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev

_TERMS = {np.dtype(np.float64): 25, np.dtype(np.float32): 13}


def _log_erfcx(z: float) -> float:
    """log(exp(z^2) * erfc(z)) for z >= 0, without underflow."""
    if z < 25.0:
        return math.log(math.erfc(z)) + z * z
    # Asymptotic series: erfcx(z) = 1/(z sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2 z^2)^k.
    total, term = 1.0, 1.0
    for k in range(1, 10):
        term *= -(2 * k - 1) / (2 * z * z)
        total += term
    return math.log(total / (z * math.sqrt(math.pi)))


def _h(u: np.ndarray) -> np.ndarray:
    t = (u + 1.0) / 2.0
    return np.array([_log_erfcx(2.0 / ti - 2.0) for ti in t]) - np.log(t)


_COEFFS = chebyshev.chebinterpolate(_h, max(_TERMS.values()) - 1).tolist()


def _truncated(terms: int) -> list[float]:
    """The first ``terms`` coefficients, c0 adjusted so that h(t=1) = sum c_k = 0 exactly:
    then erfc(0) = 1 and erf is exactly odd through 0 (no step at the origin)."""
    c = _COEFFS[:terms]
    return [-math.fsum(c[1:]), *c[1:]]


_SERIES = {dtype: _truncated(n) for dtype, n in _TERMS.items()}


def _chebyshev(xp, u2, coeffs: list[float], b1, b2, tmp):
    """sum_k coeffs[k] T_k(u) for u2 = 2u by Clenshaw's recurrence; the result is in
    one of the three work arrays (returned), all overwritten."""
    b1.fill(coeffs[-1])
    b2.fill(0.0)
    for c in coeffs[-2:0:-1]:
        xp.multiply(u2, b1, out=tmp)  # b_k = 2u b_{k+1} - b_{k+2} + c_k
        tmp -= b2
        tmp += c
        b1, b2, tmp = tmp, b1, b2
    xp.multiply(u2, b1, out=tmp)  # result = u b_1 - b_2 + c_0
    tmp *= 0.5
    tmp -= b2
    tmp += coeffs[0]
    return tmp


def erf(xp, x):
    """Elementwise erf of a float32 or float64 array; same dtype and shape, a new array.
    Every step works in place on five arrays: ~3x faster than expression temporaries."""
    coeffs = _SERIES.get(np.dtype(x.dtype), _SERIES[np.dtype(np.float64)])
    t, u2, b1, b2 = (xp.empty_like(x) for _ in range(4))
    xp.abs(x, out=t)
    t += 2.0
    xp.divide(2.0, t, out=t)  # t = 2 / (2 + |x|)
    xp.multiply(t, 4.0, out=u2)
    u2 -= 2.0  # 2u = 4t - 2
    h = _chebyshev(xp, u2, coeffs, b1, b2, xp.empty_like(x))
    h -= xp.multiply(x, x, out=u2)
    xp.exp(h, out=h)
    h *= t  # erfc(|x|)
    xp.subtract(1.0, h, out=h)
    return xp.copysign(h, x, out=h)
