"""Weight initialisers, following ``torch.nn.init`` formulas exactly.

Every function draws on the host with a numpy Generator and returns a float64 numpy
array; layers convert it to their dtype and device. Draw order is weight, then bias,
as in torch's ``reset_parameters``.

``default`` is what torch.nn.Linear / Conv2d do: weight from kaiming_uniform with
a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias from the same bound.
The named inits (``xavier_*``, ``kaiming_*``) set the weight and leave the bias at zero,
the usual companion (torch's own init functions do not touch the bias). Kaiming uses
mode fan_in and the ReLU gain sqrt(2); Xavier gain 1.
"""

from __future__ import annotations

import math

import numpy as np

from bpstudio.errors import ShapeError

INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in) or (out, in, kh, kw), as torch computes."""
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def uniform(shape, bound: float, rng: np.random.Generator) -> np.ndarray:
    """U(-bound, bound)."""
    return rng.uniform(-bound, bound, size=shape)


def normal(shape, std: float, rng: np.random.Generator) -> np.ndarray:
    """N(0, std^2)."""
    return rng.normal(0.0, std, size=shape)


def default_weight(shape, rng) -> np.ndarray:
    """torch's kaiming_uniform_(a=sqrt(5)): gain sqrt(2/(1+5)), bound = 1/sqrt(fan_in)."""
    fan_in, _ = fans(shape)
    gain = math.sqrt(2.0 / (1.0 + 5.0))
    return uniform(shape, math.sqrt(3.0) * gain / math.sqrt(fan_in), rng)


def xavier_uniform(shape, rng) -> np.ndarray:
    """bound = sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)), rng)


def xavier_normal(shape, rng) -> np.ndarray:
    """std = sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform(shape, rng) -> np.ndarray:
    """ReLU gain sqrt(2), mode fan_in: bound = sqrt(3) * sqrt(2) / sqrt(fan_in)."""
    fan_in, _ = fans(shape)
    return uniform(shape, math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(fan_in), rng)


def kaiming_normal(shape, rng) -> np.ndarray:
    """ReLU gain sqrt(2), mode fan_in: std = sqrt(2 / fan_in)."""
    fan_in, _ = fans(shape)
    return normal(shape, math.sqrt(2.0 / fan_in), rng)


_WEIGHT = {
    "default": default_weight,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
}


def check_init(layer: str, name) -> str:
    """``name`` if it is a known initialiser, else a ShapeError listing the choices."""
    if name not in _WEIGHT:
        raise ShapeError(f"{layer} init must be one of {', '.join(INITS)}, got {name!r}")
    return name


def init_weight_bias(
    name: str, w_shape: tuple[int, ...], bias: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """(weight, bias or None) for a Dense/Conv2D weight of ``w_shape`` (out first)."""
    weight = _WEIGHT[name](tuple(w_shape), rng)
    if not bias:
        return weight, None
    if name != "default":
        return weight, np.zeros(w_shape[0])
    fan_in, _ = fans(w_shape)
    return weight, uniform((w_shape[0],), 1.0 / math.sqrt(fan_in), rng)
