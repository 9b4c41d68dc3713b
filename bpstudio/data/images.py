"""Image folders: one sub-folder per class, decoded in parallel with Pillow.

Every image becomes float32 (C, H, W) in [0, 1]: converted to grayscale (C=1) or RGB
(C=3, alpha dropped, not composited), resized (bilinear) to ``size`` [H, W] (default:
the first image's size). Class folders and files are read in sorted order; hidden
files and files that do not decode are skipped and listed in the messages; a class
with no usable image is refused. 16-bit grayscale keeps its precision.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from bpstudio.errors import DataError

from .dataset import LoadCancelled

COLORS = {"grayscale": "L", "rgb": "RGB"}
MAX_SIDE = 4096
MAX_BYTES = 8 << 30  # refuse decoded sets larger than this instead of swapping
LISTED = 20  # skipped files named one by one in the messages, then a count
_CHUNK = 64  # files per task: small enough for smooth progress and quick cancel
_WIDE = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")  # 16-bit / float modes
_ROTATED = ("JPEG", "MPO", "TIFF", "WEBP", "HEIF")  # formats that carry EXIF orientation


def is_hidden(path: Path) -> bool:
    return path.name.startswith(".")


def scan_classes(folder: Path) -> tuple[list[str], list[Path], list[str], list[str]]:
    """folder -> (class names, files, label of each file, messages); sorted order."""
    if not folder.exists():
        raise DataError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise DataError(f"{folder}: is not a folder of class sub-folders")
    entries = sorted(folder.iterdir())
    classes = [p for p in entries if p.is_dir() and not is_hidden(p)]
    if not classes:
        raise DataError(f"{folder.name}: has no class sub-folders (one folder per class)")
    messages = []
    loose = [p for p in entries if p.is_file() and not is_hidden(p)]
    if loose:
        messages.append(f"{folder.name}: ignored {len(loose)} files outside the class folders")
    files, labels, hidden, nested = [], [], [], []
    for cls in classes:
        inside = sorted(cls.iterdir())
        hidden += [p for p in inside if is_hidden(p)]
        found = [p for p in inside if p.is_file() and not is_hidden(p)]
        subs = [p for p in inside if p.is_dir() and not is_hidden(p)]
        if not found:
            raise DataError(
                f"{folder.name}: class folder '{cls.name}' holds no images{_only(subs)}"
            )
        files += found
        labels += [cls.name] * len(found)
        nested += subs
    messages += _listing(folder, [(p, "hidden file") for p in hidden])
    # Silently dropping a sub-folder's images would shrink a class unnoticed.
    messages += _listing(
        folder, [(p, "sub-folder: only a class folder's own files are read") for p in nested]
    )
    return [c.name for c in classes], files, labels, messages


def _only(subs: list[Path]) -> str:
    """For an empty class folder: its sub-folders, which may be the real classes
    (a dataset/train/<class> layout opened one level too high)."""
    if not subs:
        return ""
    names = ", ".join(p.name for p in subs[:5]) + (", ..." if len(subs) > 5 else "")
    return f", only sub-folders ({names}): if those are the classes, open '{subs[0].parent.name}'"


def parse_size(size, where: str) -> tuple[int, int] | None:
    """spec ``size`` [H, W] (or one int for square) -> (H, W), None when absent."""
    if size is None:
        return None
    if isinstance(size, int) and not isinstance(size, bool):
        size = [size, size]
    ok = isinstance(size, (list, tuple)) and len(size) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
    if not ok or not all(1 <= v <= MAX_SIDE for v in size):
        raise DataError(f"{where}: size must be [height, width] in 1..{MAX_SIDE}, got {size!r}")
    return int(size[0]), int(size[1])


def parse_color(color, where: str) -> str:
    if color not in COLORS:
        raise DataError(f"{where}: color must be 'grayscale' or 'rgb', got {color!r}")
    return color


def decode_files(
    files: list[Path],
    size: tuple[int, int] | None,
    color: str,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    root: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str], tuple[int, int]]:
    """files -> (x float32 (M, C, H, W) of the decodable ones, their indices, messages, size).

    ``size`` None takes the first decodable image's size. Decoding runs in a thread pool
    (Pillow releases the GIL while it decodes); ``progress(done, total)`` and ``cancel()``
    are called from the calling thread between chunks.
    """
    root = root or (files[0].parent if files else Path("."))
    if size is None:
        size = _first_size(files, color)
    channels = 3 if color == "rgb" else 1
    if len(files) * channels * size[0] * size[1] * 4 > MAX_BYTES:
        raise DataError(f"{root.name}: {len(files)} images of {size} need more than 8 GiB")
    x = np.empty((len(files), channels, *size), dtype=np.float32)
    # Pillow warns about palette transparency and odd EXIF; the filter is process-wide,
    # so set it here once rather than racing catch_warnings in every worker thread.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failed = _decode_all(files, x, size, color, progress, cancel, root)
    ok = np.setdiff1d(np.arange(len(files)), [i for i, _ in failed])
    if failed:
        x = x[ok]
    listing = _listing(root, [(files[i], why) for i, why in failed])
    return x, ok, listing, size


def _first_size(files: list[Path], color: str) -> tuple[int, int]:
    """(H, W) of the first file that decodes."""
    for path in files:
        try:
            with Image.open(path) as im:
                w, h = (ImageOps.exif_transpose(im) if im.format in _ROTATED else im).size
            return h, w
        except Exception:  # noqa: BLE001 - any undecodable file is skipped (listed later)
            continue
    raise DataError(f"{files[0].parent.name if files else 'images'}: no file decodes as an image")


def _decode_all(files, x, size, color, progress, cancel, root) -> list[tuple[int, str]]:
    """Fill x (N, C, H, W) in place; returns (index, reason) of files that failed."""
    stop = threading.Event()
    chunks = [range(s, min(s + _CHUNK, len(files))) for s in range(0, len(files), _CHUNK)]
    failed, done = [], 0
    workers = min(8, 4 * (os.cpu_count() or 1))  # decoding waits on I/O and zlib
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_decode_chunk, files, r, x, size, color, stop) for r in chunks]
        try:
            for fut in as_completed(futures):
                failed += fut.result()
                done += _CHUNK
                if cancel is not None and cancel():
                    raise LoadCancelled(f"{root.name}: loading cancelled")
                if progress is not None:
                    progress(min(done, len(files)), len(files))
        except BaseException:
            stop.set()
            for fut in futures:
                fut.cancel()
            raise
    return sorted(failed)


def _decode_chunk(files, indices, x, size, color, stop) -> list[tuple[int, str]]:
    failed = []
    for i in indices:
        if stop.is_set():
            break
        try:
            x[i] = decode_image(files[i], size, color)
        except Exception as err:  # noqa: BLE001 - an unreadable file is skipped and listed
            failed.append((i, _reason(err)))
    return failed


def decode_image(path: Path, size: tuple[int, int], color: str) -> np.ndarray:
    """One image -> float32 (C, H, W) in [0, 1] at ``size`` (H, W)."""
    with Image.open(path) as im:
        if im.format in _ROTATED:  # camera orientation; other formats rarely carry it
            im = ImageOps.exif_transpose(im)
        wide = im.mode in _WIDE
        if wide:
            scale = 1.0 if im.mode == "F" else 65535.0
            im = Image.fromarray(np.asarray(im, dtype=np.float32) / np.float32(scale))
        else:
            im = im.convert(COLORS[color])
        if im.size != (size[1], size[0]):
            im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        arr = np.asarray(im, dtype=np.float32)
    arr = np.clip(arr, 0.0, 1.0) if wide else arr * np.float32(1 / 255)
    if arr.ndim == 2:
        arr = arr[None]
        return np.repeat(arr, 3, axis=0) if color == "rgb" else arr
    return arr.transpose(2, 0, 1)


def _reason(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if "cannot identify image file" in text:
        return "not an image"
    if isinstance(err, Image.DecompressionBombError):  # its message runs on past 80 chars
        return "too large: " + text.split(",")[0]
    return text[:80]


def _listing(root: Path, items: list[tuple[Path, str]]) -> list[str]:
    """One message per skipped file (up to LISTED), then how many more."""
    out = []
    for path, why in items[:LISTED]:
        out.append(f"{root.name}: skipped {relative(path, root)} ({why})")
    if len(items) > LISTED:
        out.append(f"{root.name}: skipped {len(items) - LISTED} more files")
    return out


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
