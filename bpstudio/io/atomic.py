"""Atomic file writes: a crash mid-write leaves the old file, never a truncated one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bpstudio.errors import WeightsError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files 0600; a saved file should get the usual permissions instead.
_MODE = 0o666 & ~_umask()


def atomic_write(path, write: Callable, error: type[Exception] = WeightsError) -> None:
    """Call ``write(fileobj)`` on a temp file beside ``path``, fsync it, then replace.

    An OSError becomes ``error`` naming the file; the temp file never outlives a failure.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise
