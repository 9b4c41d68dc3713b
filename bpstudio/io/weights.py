"""Weights files: safetensors and NumPy .npz, with bpstudio's metadata (DESIGN.md).

Tensor names are ``<node id>.<param>`` in PyTorch layouts, float32. The metadata is one
JSON object (the project's graph dict, task, class names, input shape, feature names and
the data transform), stored under ``__metadata__["bpstudio"]`` in safetensors and as a
0-d unicode array ``__bpstudio__`` in .npz. Loading never unpickles: a file that would
need it is refused, as is a truncated or corrupt one, with a ``WeightsError`` naming the
file and the problem.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import numpy as np

from bpstudio.errors import WeightsError
from bpstudio.io.atomic import atomic_write
from bpstudio.io.metadata import to_json

META_KEY = "bpstudio"  # safetensors __metadata__ key
NPZ_META = "__bpstudio__"  # npz array name
FORMATS = (".safetensors", ".npz")


def weights_format(path) -> str:
    """``"safetensors"`` or ``"npz"`` from the file name; WeightsError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise WeightsError(
            f"{Path(path).name}: unknown weights format {suffix or '(no extension)'!r}; "
            "use .safetensors or .npz"
        )
    return suffix[1:]


# --------------------------------------------------------------------- saving
def save_weights(path, tensors: dict[str, np.ndarray], metadata: dict | None = None) -> Path:
    """Write ``tensors`` (name -> array, saved as float32) and ``metadata`` atomically."""
    path = Path(path)
    fmt = weights_format(path)
    arrays = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    if NPZ_META in arrays:
        raise WeightsError(f"{path.name}: tensor name {NPZ_META!r} is reserved")
    meta_json = to_json(metadata or {}, sort_keys=True)
    if fmt == "safetensors":
        import safetensors.numpy  # noqa: PLC0415  (only this branch needs it)

        payload = safetensors.numpy.save(arrays, metadata={META_KEY: meta_json})
        atomic_write(path, lambda f: f.write(payload))
    else:
        arrays[NPZ_META] = np.array(meta_json)  # 0-d '<U' array: no pickle needed
        atomic_write(path, lambda f: np.savez(f, **arrays))
    return path


# -------------------------------------------------------------------- loading
def load_weights(path) -> tuple[dict[str, np.ndarray], dict]:
    """``(tensors, metadata)`` from a .safetensors or .npz file; WeightsError when unusable.

    ``metadata`` is ``{}`` for a file written by another tool without bpstudio's key.
    """
    path = Path(path)
    fmt = weights_format(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WeightsError(f"{path}: no such file") from None
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    loader = _load_safetensors if fmt == "safetensors" else _load_npz
    tensors, metadata = loader(path, data)
    for name, arr in tensors.items():
        if arr.dtype.kind not in "biuf":
            raise WeightsError(f"{path.name}: tensor {name!r} is not numeric ({arr.dtype})")
        # NaN weights would "diverge at step 0" with advice about the learning rate.
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise WeightsError(f"{path.name}: tensor {name!r} holds NaN or infinite values")
    return tensors, metadata


def _load_safetensors(path: Path, data: bytes):
    """Validate the header ourselves (clear messages), then let the library read tensors."""
    if len(data) < 8:
        raise WeightsError(f"{path.name}: truncated safetensors file ({len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise WeightsError(f"{path.name}: truncated or not a safetensors file (bad header)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WeightsError(f"{path.name}: corrupt safetensors header") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path.name}: corrupt safetensors header")
    _check_extent(path, header, len(data) - 8 - n)
    import safetensors.numpy  # noqa: PLC0415

    try:
        tensors = safetensors.numpy.load(data)
    except Exception as exc:  # the library raises its own SafetensorError and others
        raise WeightsError(f"{path.name}: corrupt safetensors file ({_first_line(exc)})") from None
    # The format keeps no insertion order (the writer sorts); sorted names are stable.
    meta = (header.get("__metadata__") or {}).get(META_KEY)
    return dict(sorted(tensors.items())), _parse_meta(path, meta)


def _check_extent(path: Path, header: dict, body: int) -> None:
    """A file cut short loses tensor bytes: say 'truncated' rather than a library error."""
    ends = [
        v["data_offsets"][1]
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict) and len(v.get("data_offsets", ())) == 2
    ]
    if ends and max(ends) > body:
        raise WeightsError(
            f"{path.name}: truncated safetensors file ({body} of {max(ends)} data bytes)"
        )


def _load_npz(path: Path, data: bytes):
    """Read every array with ``allow_pickle=False``; object arrays are refused."""
    import io  # noqa: PLC0415

    if not data.startswith(b"PK"):
        # np.load would treat any non-zip bytes as a pickle and refuse them as such.
        raise WeightsError(f"{path.name}: not an .npz file (not a zip archive)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "object" in str(exc).lower():
            raise WeightsError(
                f"{path.name}: holds pickled (object) arrays, which bpstudio never loads"
            ) from None
        raise WeightsError(f"{path.name}: corrupt .npz file ({_first_line(exc)})") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise WeightsError(
            f"{path.name}: truncated or corrupt .npz file ({_first_line(exc)})"
        ) from None
    meta = arrays.pop(NPZ_META, None)
    if meta is not None:
        if meta.shape != () or meta.dtype.kind != "U":
            raise WeightsError(f"{path.name}: {NPZ_META} must be a 0-d text array")
        meta = str(meta[()])
    return arrays, _parse_meta(path, meta)


def _parse_meta(path: Path, text: str | None) -> dict:
    if text is None:
        return {}
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise WeightsError(f"{path.name}: corrupt bpstudio metadata (not JSON)") from None
    if not isinstance(meta, dict):
        raise WeightsError(f"{path.name}: corrupt bpstudio metadata (not a JSON object)")
    return meta


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ------------------------------------------------------------ with a network
def save_network_weights(session, path) -> Path:
    """Save a Session's network state (params and buffers) with its metadata."""
    if session.network is None:
        raise WeightsError(f"{Path(path).name}: there is no network to save yet")
    return save_weights(path, session.network.state_dict(), session.weights_metadata())


def load_into_network(network, path, strict: bool = True):
    """Load a weights file into ``network`` (``Network.load_state_dict``); the LoadReport.

    With ``strict`` any missing, unexpected or mis-shaped tensor is a WeightsError naming
    the file and every mismatch; otherwise the tensors that fit are loaded and the report
    says what did not (``report.describe()``).
    """
    tensors, _ = load_weights(path)
    try:
        return network.load_state_dict(tensors, strict=strict)
    except WeightsError as exc:
        raise WeightsError(f"{Path(path).name}: {exc}") from None
