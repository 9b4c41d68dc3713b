"""One entry point for every export format, for the CLI's ``export`` and the GUI's menu."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bpstudio.errors import BpError

FORMATS = {"safetensors": ".safetensors", "npz": ".npz", "onnx": ".onnx", "torch": ".py"}


def export_weights(tensors: dict[str, np.ndarray], metadata: dict, fmt: str, out) -> list[Path]:
    """Write ``tensors`` + ``metadata`` as ``fmt`` to ``out``; returns the files written.

    ``torch`` writes ``out`` (a .py file) and ``<stem>.safetensors`` beside it.
    """
    out = Path(out)
    want = FORMATS.get(fmt)
    if want is None:
        raise BpError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if out.suffix.lower() != want:
        raise BpError(f"{out.name}: --format {fmt} writes a *{want} file")
    if fmt in ("safetensors", "npz"):
        from bpstudio.io.weights import save_weights  # noqa: PLC0415

        return [save_weights(out, tensors, metadata)]
    if fmt == "onnx":
        from bpstudio.io.onnx_export import export_onnx  # noqa: PLC0415

        return [export_onnx(out, tensors, metadata)]
    from bpstudio.io.torch_export import export_torch  # noqa: PLC0415

    return list(export_torch(out, tensors, metadata))


def export_session(session, fmt: str, out) -> list[Path]:
    """Export a Session's compiled network (its state and ``weights_metadata()``)."""
    if session.network is None:
        raise BpError(f"{Path(out).name}: there is no network to export yet")
    return export_weights(session.network.state_dict(), session.weights_metadata(), fmt, out)


def export_cli(project_path, weights_path, fmt: str, out) -> int:
    """``bpstudio export PROJECT --weights W --format F --out FILE``: exit status 0."""
    from bpstudio.graph.project import load_project  # noqa: PLC0415
    from bpstudio.io.model import open_model  # noqa: PLC0415

    network, metadata = open_model(load_project(project_path), weights_path)
    written = export_weights(network.state_dict(), metadata, fmt, out)
    print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return 0
