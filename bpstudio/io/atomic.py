"""Atomic writes for weights and exports: ``bpstudio.fsutil.atomic_write`` with
WeightsError as the default refusal."""

from __future__ import annotations

from collections.abc import Callable

from bpstudio.errors import WeightsError
from bpstudio.fsutil import atomic_write as _atomic_write


def atomic_write(path, write: Callable, error: type[Exception] = WeightsError) -> None:
    """Call ``write(fileobj)`` on a temp file beside ``path``, fsync it, then replace."""
    _atomic_write(path, write, error)
