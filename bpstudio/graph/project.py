"""The project file (``*.bpstudio``, JSON): graph, data and training settings.

Reading refuses anything it cannot use with one ProjectError line naming the file and
the problem; a missing ``data`` or ``training`` section, or a missing training key,
takes its default. Writing is atomic: a crash or full disk mid-save leaves the old file.
"""

from __future__ import annotations

import copy
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from bpstudio.errors import GraphError, ProjectError
from bpstudio.fsutil import atomic_write_text
from bpstudio.graph.document import Graph, json_kind

FORMAT = "bpstudio-project"
VERSION = 1
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
DEVICES = ("cpu", "gpu", "auto")
DATA_SOURCES = ("csv", "images", "npz", "synthetic")


def default_training() -> dict:
    """Training settings a new project starts with (and a file's missing keys take)."""
    return {
        "epochs": 100,
        "batch_size": 32,
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.0},
        "l1": 0.0,
        "l2": 0.0,
        "clip_norm": None,
        "seed": 0,
        "device": "auto",
    }


@dataclass
class Project:
    """A project in memory. ``data`` is the file's data object ({} = no data chosen yet)."""

    graph: Graph = field(default_factory=Graph)
    data: dict = field(default_factory=dict)
    training: dict = field(default_factory=default_training)
    path: Path | None = None

    @property
    def name(self) -> str:
        """What the window title shows: the file name without ``.bpstudio``."""
        return self.path.stem if self.path else "untitled"

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "graph": self.graph.to_dict(),
            "data": copy.deepcopy(self.data),
            "training": copy.deepcopy(self.training),
        }


def resolve_data_path(project: Project, path_str: str) -> Path:
    """A data path as the file means it: relative paths from the project file's folder
    (from the working directory for a project never saved)."""
    p = Path(path_str).expanduser()
    if p.is_absolute():
        return p
    base = project.path.parent if project.path else Path.cwd()
    return base / p


# ---------------------------------------------------------------------- reading
def load_project(path) -> Project:
    """Read a project file; ProjectError names the file and what is wrong with it."""
    path = Path(path)
    d = _read_json(path)
    try:
        return project_from_dict(d, path)
    except (ProjectError, GraphError) as e:
        raise ProjectError(f"{path}: {e}") from None


def _read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not a project file (not UTF-8 text)") from None
    except OSError as e:
        raise ProjectError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise ProjectError(
            f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    except RecursionError:
        raise ProjectError(f"{path}: not valid JSON (nested too deeply)") from None
    except ProjectError as e:
        raise ProjectError(f"{path}: {e}") from None


def _no_constant(name: str):
    """NaN and Infinity are not JSON: a file holding them could be read but never saved."""
    raise ProjectError(f"not valid JSON ({name} is not a JSON number)")


def project_from_dict(d, path: Path | None = None) -> Project:
    """Build a Project from a parsed file; raises ProjectError/GraphError without the
    file name (``load_project`` adds it)."""
    if not isinstance(d, dict):
        raise ProjectError(f"not a bpstudio project (the file holds {json_kind(d)}, not an object)")
    if d.get("format") != FORMAT:
        raise ProjectError(f"not a bpstudio project ('format' is {d.get('format')!r})")
    _check_version(d.get("version"))
    if "graph" not in d:
        raise ProjectError("missing 'graph'")
    graph = Graph.from_dict(d["graph"])
    data = _section(d, "data", {})
    _check_data(data)
    training = _section(d, "training", {})
    return Project(graph, copy.deepcopy(data), _training(training), path)


def _check_version(v) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise ProjectError(f"'version' must be a whole number >= 1, got {v!r}")
    if v > VERSION:
        raise ProjectError(
            f"written by a newer bpstudio (file version {v}; this one reads {VERSION})"
        )


def _section(d: dict, key: str, default: dict) -> dict:
    value = d.get(key, default)
    if value is None:
        return default
    if not isinstance(value, dict):
        raise ProjectError(f"'{key}' must be an object, got {json_kind(value)}")
    return value


def _check_data(data: dict) -> None:
    """Only what every source shares; the data package checks the rest when loading."""
    if not data:
        return
    source = data.get("source")
    if source not in DATA_SOURCES:
        raise ProjectError(f"data.source must be one of {', '.join(DATA_SOURCES)}; got {source!r}")
    if "path" in data and not isinstance(data["path"], str):
        raise ProjectError(f"data.path must be a string, got {json_kind(data['path'])}")


def _training(given: dict) -> dict:
    """Defaults for missing keys, then every known key checked."""
    t = {**default_training(), **copy.deepcopy(given)}
    for key in ("epochs", "batch_size", "seed"):
        _whole(t, key)
    for key in ("l1", "l2"):
        _number(t, key, lo=0.0)
    if t["clip_norm"] is not None:
        _number(t, "clip_norm", lo=0.0, positive=True)
    if t["device"] not in DEVICES:
        raise ProjectError(f"training.device must be cpu, gpu or auto; got {t['device']!r}")
    _check_optimizer(t["optimizer"])
    return t


def _whole(t: dict, key: str) -> None:
    v = t[key]
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ProjectError(f"training.{key} must be a whole number >= 0, got {v!r}")


def _number(t: dict, key: str, lo: float, positive: bool = False, where="training") -> None:
    v = t[key]
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    if not ok or v < lo or (positive and v <= 0):
        bound = "> 0" if positive else f">= {lo:g}"
        raise ProjectError(f"{where}.{key} must be a number {bound}, got {v!r}")


def _check_optimizer(opt) -> None:
    if not isinstance(opt, dict):
        raise ProjectError(f"training.optimizer must be an object, got {json_kind(opt)}")
    if opt.get("name") not in OPTIMIZERS:
        raise ProjectError(
            f"training.optimizer.name must be one of {', '.join(OPTIMIZERS)}; "
            f"got {opt.get('name')!r}"
        )
    if "lr" in opt:
        _number(opt, "lr", lo=0.0, positive=True, where="training.optimizer")


# ---------------------------------------------------------------------- writing
def save_project(project: Project, path=None) -> None:
    """Write ``project`` to ``path`` (default: its own path) atomically, then make
    ``path`` the project's path. A relative data path is rewritten so it still points
    at the same file from the new folder."""
    if path is None and project.path is None:
        raise ValueError("save_project needs a path for a project that was never saved")
    path = Path(path if path is not None else project.path)
    data = _rebased_data(project, path)
    d = project.to_dict()
    d["data"] = data
    try:
        text = json.dumps(d, indent=2, allow_nan=False) + "\n"
    except ValueError as e:
        raise ProjectError(f"{path}: cannot save: {e}") from None
    _atomic_write(path, text)
    project.data = data
    project.path = path


def _rebased_data(project: Project, new_path: Path) -> dict:
    data = copy.deepcopy(project.data)
    rel = data.get("path")
    if not isinstance(rel, str) or Path(rel).expanduser().is_absolute():
        return data
    target = resolve_data_path(project, rel)
    try:
        data["path"] = Path(os.path.relpath(target, new_path.parent.absolute())).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        data["path"] = str(target.absolute())
    return data


def _atomic_write(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, os.replace, fsync the folder."""
    atomic_write_text(path, text, ProjectError)
