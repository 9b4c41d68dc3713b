"""The Layer interface every op of the engine implements (see docs/internals.md).

A layer owns its parameters (``params``), their gradients (``grads``, same keys, which
``backward`` overwrites) and saved non-trainable state (``buffers``). Arrays are
batch-first, images NCHW. All array work goes through ``self.xp`` (numpy or cupy), set
by ``build``; initial values are drawn on the host with a numpy Generator so the CPU
and the GPU start from identical weights.

Buffer reuse: in training mode a layer may write its output and its input gradients
into arrays it keeps (keyed by shape) and hands out again on the next call, because
allocating fresh temporaries every batch costs more than the arithmetic in small
networks. Callers use those results before the next call and copy what they keep.
In eval mode (``predict``) every result is a fresh array.
"""

from __future__ import annotations

import numpy as np

from bpstudio.errors import ShapeError


class Layer:
    """One node's computation: shape rule, forward, backward."""

    n_inputs: int | None = 1  # None: two or more inputs (Add, Concat)

    def __init__(self):
        self.params: dict = {}
        self.grads: dict = {}
        self.buffers: dict = {}
        self.training = True
        self.xp = np
        self.dtype = np.dtype(np.float32)
        # Set by the Network: False for an input fed straight from the data, whose
        # gradient nobody reads (skipping it saves the largest product of layer one).
        self.needs_input_grad: list[bool] | None = None
        self._cache: dict = {}

    # ------------------------------------------------------------------ shapes
    def output_shape(self, in_shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        """Per-sample output shape (no batch dim); ShapeError when inputs do not fit."""
        self._check_arity(in_shapes)
        return tuple(in_shapes[0])

    def _check_arity(self, in_shapes) -> None:
        name, n = type(self).__name__, len(in_shapes)
        if self.n_inputs is None and n < 2:
            raise ShapeError(f"{name} needs 2 or more inputs, got {n}")
        if self.n_inputs is not None and n != self.n_inputs:
            raise ShapeError(f"{name} needs {self.n_inputs} input, got {n}")

    # ---------------------------------------------------------------- building
    def build(self, in_shapes, xp, dtype, rng: np.random.Generator) -> None:
        """Check shapes, remember the array module and allocate parameters."""
        self.output_shape(in_shapes)
        self.xp = xp
        self.dtype = np.dtype(dtype)
        self._cache = {}
        self._init_params([tuple(s) for s in in_shapes], rng)
        self.grads = {k: xp.zeros_like(v) for k, v in self.params.items()}

    def _init_params(self, in_shapes, rng) -> None:
        """Fill ``params``/``buffers`` (host draws with ``rng``, then ``_to_xp``)."""

    def _to_xp(self, host: np.ndarray):
        return self.xp.asarray(np.asarray(host, dtype=self.dtype))

    # ----------------------------------------------------------------- running
    def forward(self, xs: list):
        raise NotImplementedError

    def backward(self, dy) -> list:
        """d loss / d each input (None where the input needs none)."""
        raise NotImplementedError

    def _wants_grad(self, i: int) -> bool:
        flags = self.needs_input_grad
        return flags is None or bool(flags[i])

    def _buf(self, key: str, shape: tuple, dtype=None, zeroed: bool = False):
        """A scratch array for ``key``: reused across training batches of one shape.

        Its contents are what the last user left, except that a ``zeroed`` buffer starts
        out as zeros (for arrays whose untouched parts must stay zero). In eval mode it
        is always a fresh array.
        """
        dtype = self.dtype if dtype is None else dtype
        arr = None if not self.training else self._cache.get(key)
        if arr is None or arr.shape != tuple(shape) or arr.dtype != dtype:
            arr = (self.xp.zeros if zeroed else self.xp.empty)(shape, dtype)
            if self.training:
                self._cache[key] = arr
        return arr

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def positive_int(layer: str, name: str, value, minimum: int = 1) -> int:
    """``value`` as an int >= minimum, else a ShapeError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ShapeError(f"{layer} {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair(layer: str, name: str, value, minimum: int = 1) -> tuple[int, int]:
    """An int or a 2-sequence as (h, w), each an int >= minimum."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ShapeError(f"{layer} {name} must be an integer or [h, w], got {value!r}")
        return positive_int(layer, name, value[0], minimum), positive_int(
            layer, name, value[1], minimum
        )
    v = positive_int(layer, name, value, minimum)
    return v, v


def need_rank(layer: str, shape: tuple, ranks: tuple[int, ...], what: str, hint: str = "") -> None:
    """ShapeError unless the per-sample ``shape`` has one of ``ranks`` dimensions."""
    if len(shape) not in ranks:
        tail = f": {hint}" if hint else ""
        raise ShapeError(f"{layer} needs {what} input, got shape {list(shape)}{tail}")
