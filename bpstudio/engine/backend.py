"""The one array-module seam: numpy on the CPU, cupy on a CUDA GPU.

CuPy is imported lazily and only here, so the rest of bpstudio runs (and tests) on
machines without it. Engine code asks for ``xp`` once per compiled network.
"""

from __future__ import annotations

import functools

import numpy as np

from bpstudio.errors import BpError


@functools.cache
def _cupy():
    """Return the cupy module, or raise ImportError/RuntimeError saying why not."""
    import cupy  # noqa: PLC0415  (lazy on purpose: an optional dependency)

    if cupy.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("no CUDA device found")
    cupy.zeros(1).sum()  # touch the device: fails early on a broken driver
    return cupy


@functools.cache
def gpu_status() -> tuple[bool, str]:
    """(usable, reason): whether training on the GPU can work here, and why not."""
    try:
        _cupy()
    except ImportError:
        return False, "CuPy is not installed (pip install 'bpstudio[gpu]')"
    except Exception as exc:  # driver errors come in many classes
        return False, f"CuPy cannot use a CUDA device: {str(exc).splitlines()[0]}"
    return True, ""


def get_xp(device: str = "cpu"):
    """The array module for ``device``: 'cpu' -> numpy, 'gpu' -> cupy, 'auto' -> best."""
    if device == "cpu":
        return np
    if device not in ("gpu", "auto"):
        raise BpError(f"unknown device {device!r}: use cpu, gpu or auto")
    ok, reason = gpu_status()
    if ok:
        return _cupy()
    if device == "gpu":
        raise BpError(f"GPU unavailable: {reason}")
    return np


def device_name(xp) -> str:
    """'cpu' or 'gpu' for an array module."""
    return "cpu" if xp is np else "gpu"


def xp_of(a):
    """The array module that owns array ``a``."""
    return np if isinstance(a, np.ndarray | np.generic) else _cupy()


def to_numpy(a) -> np.ndarray:
    """A host (numpy) copy or view of ``a``; numpy arrays pass through unchanged."""
    if isinstance(a, np.ndarray | np.generic):
        return np.asarray(a)
    return a.get()


def device_free_bytes(xp) -> int | None:
    """Free memory on the device that ``xp`` computes on; None on the CPU."""
    if xp is np:
        return None
    free, _total = xp.cuda.runtime.memGetInfo()
    # CuPy's pool keeps freed blocks: they are free to us as well.
    return int(free + xp.get_default_memory_pool().free_bytes())


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device allocation failure (CuPy raises its own OutOfMemoryError)."""
    return type(exc).__name__ in ("OutOfMemoryError", "CUDARuntimeError") and (
        "memory" in str(exc).lower()
    )
