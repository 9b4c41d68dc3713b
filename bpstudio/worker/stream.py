"""Large arrays that shared memory has no room for (a container's small /dev/shm) go
through the pipe in pieces after their message, instead of pickled inside it.

Why: pickling a 250 MB array copies it twice in C while holding the GIL (``tobytes``
then the pickle's buffer), ~0.3 s each on 2 cores, and the app's sender thread did that
next to the GUI thread: F5 froze the window for 0.57-0.68 s. ``send_bytes`` of a slice
of the array's own memory copies nothing and writes with the GIL released; the child
reads each piece straight into the array it allocated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.engine.trainer import TrainData
from bpstudio.worker.shared import SHARE_MIN_BYTES, map_arrays

CHUNK_BYTES = 4 << 20  # one piece: a few ms of pipe, never a long hold of the GIL


@dataclass(frozen=True)
class StreamedArray:
    """An array whose bytes follow its message in pieces: its shape and dtype."""

    shape: tuple
    dtype: str


def split_streamed(data: TrainData) -> tuple[TrainData, list[np.ndarray]]:
    """``data`` with its large plain arrays (not in shared memory) replaced by
    StreamedArrays, and those arrays in order, for ``send_arrays``."""
    out = []

    def split(a):
        if not (isinstance(a, np.ndarray) and a.nbytes >= SHARE_MIN_BYTES):
            return a
        a = np.ascontiguousarray(a)
        out.append(a)
        return StreamedArray(tuple(a.shape), a.dtype.str)

    return map_arrays(data, split), out


def send_arrays(conn, arrays: list[np.ndarray]) -> None:
    """The arrays' bytes, in pieces of ``CHUNK_BYTES`` (after the message naming them)."""
    for a in arrays:
        view = memoryview(a.reshape(-1).view(np.uint8))
        for at in range(0, len(view), CHUNK_BYTES):
            conn.send_bytes(view[at : at + CHUNK_BYTES])


def receive_arrays(conn, data: TrainData) -> TrainData:
    """In the training process: ``data`` with its StreamedArrays read from ``conn``."""
    return map_arrays(data, lambda a: _receive(conn, a) if isinstance(a, StreamedArray) else a)


def _receive(conn, spec: StreamedArray) -> np.ndarray:
    out = np.empty(spec.shape, np.dtype(spec.dtype))
    view = memoryview(out.reshape(-1).view(np.uint8))
    at = 0
    while at < len(view):
        at += conn.recv_bytes_into(view, at)
    return out
