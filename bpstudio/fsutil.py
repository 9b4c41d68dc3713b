"""Atomic file writes: a crash mid-write leaves the previous file intact, never a
truncated one. Every save in bpstudio (projects, weights, exports, predictions,
metrics, autosave) goes through ``atomic_write``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bpstudio.errors import BpError


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual (umask) ones.

    mkstemp creates files 0600, which would silently make saved files private."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return _default_mode()


def atomic_write(path, write: Callable, error: type[Exception] = BpError) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, fsync, then rename.

    An OSError becomes ``error`` naming the file; the temp file never outlives a failure.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise
    _fsync_dir(folder)


def atomic_write_bytes(path, data: bytes, error: type[Exception] = BpError) -> None:
    atomic_write(path, lambda fh: fh.write(data), error)


def atomic_write_text(path, text: str, error: type[Exception] = BpError) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), error)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (not supported everywhere: best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
