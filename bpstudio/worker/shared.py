"""Training data handed to the training process through shared memory.

Pickling a 60,000 x 784 float32 set through the pipe blocked the window for 0.65 s and
held a third copy of it at the peak; through shared memory the app copies each large
array once into a block (~0.1 s) and the process maps it without copying. Arrays under
``SHARE_MIN_BYTES`` travel pickled, as before.

Lifetimes: the app creates the blocks and unlinks them when it sends other data or
ends the process (Python's resource tracker unlinks them should the app crash); the
process closes its mapping when it gets other data.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from multiprocessing.shared_memory import SharedMemory

import numpy as np

from bpstudio.engine.trainer import TrainData

SHARE_MIN_BYTES = 1 << 20  # smaller arrays are cheaper to pickle than to map


@dataclass(frozen=True)
class SharedArray:
    """Where an array lies in shared memory: the block's name, shape and dtype."""

    name: str
    shape: tuple
    dtype: str


def arrays_of(data: TrainData) -> tuple:
    """The four arrays of ``data`` (x/y train, x/y validation; None where absent)."""
    return (data.x_train, data.y_train, data.x_val, data.y_val)


def map_arrays(data: TrainData, fn) -> TrainData:
    """``data`` with each of its four arrays replaced by ``fn(array)``."""
    return TrainData(*(fn(a) for a in arrays_of(data)), data.task)


def share_data(data: TrainData) -> tuple[TrainData, list[SharedMemory]]:
    """``data`` with its large arrays moved to shared memory (as SharedArrays), and the
    blocks, which the caller releases with ``release`` once they are no longer needed."""
    blocks: list[SharedMemory] = []

    def share(a):
        if a is None or not SHARE_MIN_BYTES <= np.asarray(a).nbytes <= _room():
            return a  # small, or more than shared memory holds: pickled
        a = np.asarray(a)
        try:
            block = SharedMemory(create=True, size=a.nbytes)
        except OSError:  # no room or too many blocks (macOS's limits are small): pickled
            return a
        blocks.append(block)
        np.ndarray(a.shape, a.dtype, buffer=block.buf)[...] = a
        return SharedArray(block.name, tuple(a.shape), a.dtype.str)

    return map_arrays(data, share), blocks


def _room() -> float:
    """Bytes shared memory can still take. On Linux it is a tmpfs (/dev/shm) that a
    container may make small (Docker: 64 MB), and writing past its end kills the process
    (SIGBUS), so its free space is checked first, a quarter of it left to others.
    Elsewhere shared memory is ordinary memory: no such limit."""
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):  # not Linux
        return float("inf")
    return st.f_bavail * st.f_frsize * 0.75


def attach_data(data: TrainData) -> tuple[TrainData, list[SharedMemory]]:
    """In the training process: ``data`` with its SharedArrays mapped as numpy arrays
    (no copy), and the mappings to ``release`` when the data is replaced."""
    blocks: list[SharedMemory] = []

    def attach(a):
        if not isinstance(a, SharedArray):
            return a
        block = SharedMemory(name=a.name)
        blocks.append(block)
        return np.ndarray(a.shape, np.dtype(a.dtype), buffer=block.buf)

    return map_arrays(data, attach), blocks


def release(blocks: list[SharedMemory], unlink: bool) -> None:
    """Close the mappings (and, for their creator, remove the blocks). A mapping some
    array still uses stays until that array is gone."""
    for block in blocks:
        with contextlib.suppress(BufferError):
            block.close()
        if unlink:
            with contextlib.suppress(FileNotFoundError):
                block.unlink()
