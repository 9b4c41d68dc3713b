"""Corpus items too big or too machine-specific to commit: made on demand in a folder.

``make_generated(folder)`` writes every generated item and returns ``{name: path}``.
The pickle payloads would create ``folder / "PWNED"`` if anything ever unpickled them.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).parent
MARKER = "PWNED"
BIG_LINE = 5 << 20  # bytes: longer than the CSV reader's 4 MiB first-line sample


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: the marker file appears."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def pickle_bytes(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def make_generated(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    out.update(_csvs(folder))
    out.update(_projects(folder))
    out.update(_npz_data(folder))
    out.update(_weights(folder))
    return out


# -------------------------------------------------------------------------- CSV
def _csvs(folder: Path) -> dict[str, Path]:
    rows = "".join(f"{i},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(20))
    items = {
        "huge_first_line.csv": b"a" * BIG_LINE,
        # one giant text cell in the body: a categorical column with one odd value
        "huge_cell.csv": ("a,b,label\n" + rows + "x" * BIG_LINE + ",1,cat\n").encode(),
        "many_columns.csv": _wide(2000, 30),
        "too_many_columns.csv": _wide(100_001, 2),
    }
    out = {}
    for name, data in items.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


def _wide(n_features: int, n_rows: int) -> bytes:
    """A CSV with ``n_features`` numeric columns and a two-class ``label`` column."""
    rng = np.random.default_rng(0)
    head = ",".join(f"f{i}" for i in range(n_features)) + ",label\n"
    body = [
        ",".join(str(v) for v in rng.integers(0, 9, n_features)) + f",{r % 2}\n"
        for r in range(n_rows)
    ]
    return (head + "".join(body)).encode()


# --------------------------------------------------------------------- projects
def _projects(folder: Path) -> dict[str, Path]:
    deep = folder / "deep_nesting.bpstudio"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    big = json.loads((CORPUS / "projects" / "csv_mlp.bpstudio").read_text())
    big["graph"]["nodes"][1]["params"]["units"] = 10**12
    huge_units = folder / "huge_units.bpstudio"
    huge_units.write_text(json.dumps(big))
    wide = json.loads((CORPUS / "projects" / "csv_mlp.bpstudio").read_text())
    wide["data"]["path"] = str(CORPUS / "csv" / "good.csv")
    nodes = wide["graph"]["nodes"]
    nodes[1]["params"]["units"] = 100_000  # the largest the catalogue allows
    nodes.insert(3, {"id": "fc_big", "op": "Dense", "params": {"units": 100_000}})
    wide["graph"]["edges"][1:3] = [["fc1", "act1"], ["act1", "fc_big"], ["fc_big", "fc2"]]
    too_big = folder / "too_big_for_memory.bpstudio"  # 10^10 weights: 40 GB in float32
    too_big.write_text(json.dumps(wide))
    return {p.name: p for p in (deep, huge_units, too_big)}


# ---------------------------------------------------------------- npz datasets
def _npz_data(folder: Path) -> dict[str, Path]:
    x = np.random.default_rng(0).normal(size=(12, 2)).astype(np.float32)
    y = np.arange(12) % 2
    items = {
        "data_no_y.npz": {"x": x},
        "data_rows_differ.npz": {"x": x, "y": y[:5]},
        "data_nan.npz": {"x": np.where(x > 1, np.nan, x), "y": y},
    }
    out = {}
    for name, arrays in items.items():
        np.savez(folder / name, **arrays)
        out[name] = folder / name
    evil = folder / "data_pickle.npz"
    _zip_with_pickle(evil, {"y": y}, "x", folder / MARKER)
    out[evil.name] = evil
    return out


def _zip_with_pickle(path: Path, plain: dict, name: str, marker: Path) -> None:
    """An .npz whose member ``name`` is an object array holding the pickle payload."""
    with zipfile.ZipFile(path, "w") as z:
        for key, arr in plain.items():
            z.writestr(f"{key}.npy", _npy(arr))
        obj = np.empty(1, dtype=object)
        obj[0] = _Payload(marker)
        z.writestr(f"{name}.npy", _npy(obj, allow_pickle=True))


def _npy(arr, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


# ---------------------------------------------------------------------- weights
def _weights(folder: Path) -> dict[str, Path]:
    """Good weights of ``csv_mlp`` and every way to break them."""
    from bpstudio.io.weights import save_weights
    from bpstudio.session import Session

    session = Session.open(CORPUS / "projects" / "csv_mlp.bpstudio")
    session.device = "cpu"
    session.load_data()
    session.build_network()
    state, meta = session.network.state_dict(), session.weights_metadata()
    out = {}
    for ext in ("safetensors", "npz"):
        good = save_weights(folder / f"good.{ext}", state, meta)
        out[good.name] = good
        data = good.read_bytes()
        for label, cut in (("empty", 0), ("3_bytes", 3), ("half", len(data) // 2)):
            bad = folder / f"truncated_{label}.{ext}"
            bad.write_bytes(data[:cut])
            out[bad.name] = bad
        garbage = folder / f"garbage.{ext}"
        garbage.write_bytes(bytes(range(256)) * 16)
        out[garbage.name] = garbage
        other = {k: v[..., :1] if k.startswith("fc2") else v for k, v in state.items()}
        wrong = save_weights(folder / f"wrong_shapes.{ext}", other, meta)
        out[wrong.name] = wrong
    out.update(_unsafe_weights(folder, state))
    return out


def _unsafe_weights(folder: Path, state: dict) -> dict[str, Path]:
    marker = folder / MARKER
    member = folder / "pickle_member.npz"
    _zip_with_pickle(
        member, {k: v for k, v in state.items() if k != "fc1.weight"}, "fc1.weight", marker
    )
    raw = folder / "raw_pickle.npz"
    raw.write_bytes(pickle_bytes(marker))
    torch_style = folder / "model.pt"
    torch_style.write_bytes(pickle_bytes(marker))
    header = json.dumps(
        {"fc1.weight": {"dtype": "F32", "shape": [8, 2], "data_offsets": [0, 10**12]}}
    ).encode()
    lying = folder / "lying_header.safetensors"
    lying.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 64)
    huge_header = folder / "huge_header.safetensors"
    huge_header.write_bytes((2**62).to_bytes(8, "little") + b"{}")
    items = (member, raw, torch_style, lying, huge_header)
    return {p.name: p for p in items}
