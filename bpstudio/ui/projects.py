"""Recent files (QSettings) and the crash-recovery autosave (QStandardPaths).

The recovery file is the project's JSON as it was at the last autosave, beside a small
JSON with where the project lives, so relative data paths still resolve on restore.
A clean close removes both; finding them at start-up means the app did not close.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from bpstudio.graph.project import project_from_dict

MAX_RECENT = 8


def recent_files() -> list[str]:
    value = QSettings().value("recentFiles", [])
    files = [value] if isinstance(value, str) else list(value or [])
    return [f for f in files if f]


def add_recent(path) -> list[str]:
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files() if f != path]
    QSettings().setValue("recentFiles", files[:MAX_RECENT])
    return files[:MAX_RECENT]


def forget_recent(path) -> None:
    QSettings().setValue("recentFiles", [f for f in recent_files() if f != str(path)])


class Recovery:
    """``write(project)`` every minute while modified; ``clear()`` on a clean close."""

    def __init__(self, folder: Path | None = None):
        if folder is None:
            location = QStandardPaths.StandardLocation.AppDataLocation
            folder = Path(QStandardPaths.writableLocation(location)) / "recovery"
        self.folder = Path(folder)
        self.file = self.folder / "autosave.bpstudio"
        self.meta = self.folder / "autosave.json"

    def write(self, project) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        where = {
            "path": str(project.path) if project.path else None,
            "source": str(getattr(project, "source", "") or "") or None,
        }
        _write(self.file, json.dumps(project.to_dict(), indent=1))
        _write(self.meta, json.dumps(where))

    def pending(self) -> bool:
        return self.file.is_file()

    def restore(self):
        """The autosaved Project, with its original path (None if it had none)."""
        where = json.loads(self.meta.read_text(encoding="utf-8")) if self.meta.is_file() else {}
        d = json.loads(self.file.read_text(encoding="utf-8"))
        path = Path(where["path"]) if where.get("path") else None
        project = project_from_dict(d, path)
        if where.get("source"):
            project.source = Path(where["source"])
        return project

    def clear(self) -> None:
        for f in (self.file, self.meta):
            f.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
