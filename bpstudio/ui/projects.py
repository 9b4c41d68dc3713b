"""Recent files (QSettings) and the crash-recovery autosave (QStandardPaths).

A recovery file is the project's JSON as it was at the last autosave, beside a small
JSON with where the project lives, so relative data paths still resolve on restore.
A clean close removes both; finding them at start-up, unlocked, means a window did
not close.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from PySide6.QtCore import QLockFile, QSettings, QStandardPaths

from bpstudio.fsutil import atomic_write_text
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
    remember_folder(path)
    return files[:MAX_RECENT]


def remember_folder(path) -> None:
    """The folder of a file just opened, saved or exported: file dialogs start there."""
    QSettings().setValue("lastFolder", str(Path(path).resolve().parent))


def last_folder() -> Path:
    """Where a file dialog without a project folder starts: the last folder used, else
    the home folder."""
    value = QSettings().value("lastFolder", "")
    folder = Path(value) if isinstance(value, str) and value else None
    return folder if folder is not None and folder.is_dir() else Path.home()


def forget_recent(path) -> None:
    QSettings().setValue("recentFiles", [f for f in recent_files() if f != str(path)])


class Recovery:
    """``write(project)`` every minute while modified; ``clear()`` on a clean close.

    Each running window autosaves to its own file and holds a lock beside it, so a
    second window never offers to restore the first one's work: only files whose lock
    is free (their process ended without a clean close) are offered.
    """

    def __init__(self, folder: Path | None = None):
        if folder is None:
            location = QStandardPaths.StandardLocation.AppDataLocation
            folder = Path(QStandardPaths.writableLocation(location)) / "recovery"
        self.folder = Path(folder)
        self.file = self.folder / f"autosave-{uuid.uuid4().hex[:12]}.bpstudio"
        self._lock: QLockFile | None = None

    def write(self, project) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = _lock_for(self.file)
            self._lock.tryLock(0)
        where = {
            "path": str(project.path) if project.path else None,
            "source": str(getattr(project, "source", "") or "") or None,
        }
        _write(self.file, json.dumps(project.to_dict(), indent=1))
        _write(_meta(self.file), json.dumps(where))

    def orphans(self) -> list[Path]:
        """Autosaves left by windows that did not close cleanly, newest first."""
        found = []
        for f in self.folder.glob("autosave-*.bpstudio"):
            lock = _lock_for(f)
            if f != self.file and lock.tryLock(0):
                lock.unlock()
                found.append(f)
        return sorted(found, key=lambda f: f.stat().st_mtime, reverse=True)

    def pending(self) -> bool:
        return bool(self.orphans())

    def restore(self):
        """The newest orphaned autosave as a Project with its original path (None if it
        had none); its files are removed (this window autosaves from now on)."""
        f = self.orphans()[0]
        meta = _meta(f)
        where = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
        project = project_from_dict(json.loads(f.read_text(encoding="utf-8")))
        project.path = Path(where["path"]) if where.get("path") else None
        if where.get("source"):
            project.source = Path(where["source"])
        _remove(f)
        return project

    def discard_orphans(self) -> None:
        for f in self.orphans():
            _remove(f)

    def clear(self) -> None:
        """This window closed cleanly: its autosave is not needed."""
        _remove(self.file)
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def _meta(f: Path) -> Path:
    return f.with_suffix(".json")


def _lock_for(f: Path) -> QLockFile:
    lock = QLockFile(str(f.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however old
    return lock


def _remove(f: Path) -> None:
    for p in (f, _meta(f)):
        p.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    # fsync'd, with a unique temp name: two windows autosaving never share a temp file
    atomic_write_text(path, text)
