"""The GUI's view of a Session: the undo stack, change signals and data loading.

Every edit of the project goes through ``push`` as a Qt-free command object (the graph
package's commands, or ``SetSection`` for the data and training settings), so undo,
redo and the unsaved-changes mark cover all of them.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from bpstudio.data import load_dataset
from bpstudio.graph.commands import Macro
from bpstudio.session import Session
from bpstudio.ui.analysis import Analysis, analyse
from bpstudio.ui.fitting import fit_commands
from bpstudio.ui.worker import Job


class SetSection:
    """Replace ``project.data`` or ``project.training`` (an undoable command)."""

    def __init__(self, project, key: str, value: dict, text: str = ""):
        self.project, self.key, self.value = project, key, copy.deepcopy(value)
        self.text = text or f"Change {key} settings"
        self._old = None

    def do(self, graph) -> None:
        self._old = copy.deepcopy(getattr(self.project, self.key))
        setattr(self.project, self.key, copy.deepcopy(self.value))

    def undo(self, graph) -> None:
        setattr(self.project, self.key, copy.deepcopy(self._old))


class _Undoable(QUndoCommand):
    """A Qt-free command on the undo stack; it was already done once when pushed."""

    def __init__(self, model: ProjectModel, cmd):
        super().__init__(cmd.text)
        self._model, self._cmd, self._skip = model, cmd, True

    def redo(self) -> None:
        if self._skip:  # push() did it first, so a refused edit never reaches the stack
            self._skip = False
        else:
            self._cmd.do(self._model.graph)
        self._model.changed(self._cmd)

    def undo(self) -> None:
        self._cmd.undo(self._model.graph)
        self._model.changed(self._cmd)


class ProjectModel(QObject):
    """Signals: ``graphChanged`` (nodes, edges, params, positions), ``sectionChanged(key)``
    ("data" or "training"), ``datasetChanged`` (loaded or cleared), ``projectReplaced``,
    ``modifiedChanged(bool)``, and the loading progress signals."""

    graphChanged = Signal()
    sectionChanged = Signal(str)
    datasetChanged = Signal()
    projectReplaced = Signal()
    modifiedChanged = Signal(bool)
    loadStarted = Signal()
    loadProgress = Signal(int, int)
    loadFailed = Signal(object)
    loadFinished = Signal()  # after success, failure or cancel
    previewReady = Signal(object)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.load_error: Exception | None = None
        self._restored = False
        self._analysis: Analysis | None = None
        self._job: Job | None = None
        self._reload_pending = False
        # Set by the dataset panel when the person chose new data: once it loads, the
        # Input shape and output size follow it (one more undoable step).
        self.fit_after_load = False
        # Training settings are edited in place, outside the undo stack.
        self._settings_dirty = False

    # ------------------------------------------------------------ the project
    @property
    def project(self):
        return self.session.project

    @property
    def graph(self):
        return self.session.project.graph

    @property
    def dataset(self):
        return self.session.dataset

    def replace_session(self, session: Session, restored: bool = False) -> None:
        """Show another project: the undo history starts again."""
        self.stop_loading()
        self.session = session
        self.undo_stack.clear()
        self.load_error = None
        self._restored = restored
        self._settings_dirty = False
        self._analysis = None
        self.projectReplaced.emit()
        self.graphChanged.emit()
        self._emit_modified()

    def is_modified(self) -> bool:
        return self._restored or self._settings_dirty or not self.undo_stack.isClean()

    def settings_edited(self) -> None:
        """The person changed a training setting: the project now has unsaved changes."""
        self._settings_dirty = True
        self._emit_modified()

    def mark_saved(self) -> None:
        self._restored = False
        self._settings_dirty = False
        self.undo_stack.setClean()
        self._emit_modified()

    def _clean_changed(self, clean: bool) -> None:
        self._emit_modified()  # a method, not a lambda: disconnected when the model dies

    def _emit_modified(self) -> None:
        self.modifiedChanged.emit(self.is_modified())

    # ------------------------------------------------------------------ edits
    def push(self, cmd) -> None:
        """Do ``cmd`` now (a BpError leaves everything as it was) and record it."""
        cmd.do(self.graph)
        self.undo_stack.push(_Undoable(self, cmd))

    def push_all(self, cmds: list, text: str) -> None:
        if len(cmds) == 1:
            self.push(cmds[0])
        elif cmds:
            self.push(Macro(cmds, text))

    def set_section(self, key: str, value: dict, text: str = "") -> None:
        """Change the data or training settings (undoable); equal values do nothing."""
        if value != getattr(self.project, key):
            self.push(SetSection(self.project, key, value, text))

    def changed(self, cmd) -> None:
        """Called after a command was done or undone: tell the views."""
        if isinstance(cmd, SetSection):
            self.sectionChanged.emit(cmd.key)
            return
        self._analysis = None
        self.graphChanged.emit()

    # --------------------------------------------------------------- analysis
    def analysis(self) -> Analysis:
        """Shapes and problems of the current graph with the current data (cached)."""
        if self._analysis is None:
            self._analysis = analyse(self.graph, self.session.dataset)
        return self._analysis

    def fit_commands(self) -> list:
        """Commands that make the network fit the loaded data (see ui/fitting.py)."""
        return fit_commands(self.graph, self.session.dataset)

    # ------------------------------------------------------------------- data
    @property
    def loading(self) -> bool:
        return self._job is not None

    def load_data(self) -> None:
        """Load the project's data off the GUI thread; a load in progress is restarted."""
        if self._job is not None:
            self._reload_pending = True
            self._job.cancel()
            return
        spec, base, task = (
            copy.deepcopy(self.project.data),
            self.session.base_dir,
            self.session.task,
        )
        if not spec:
            self._set_dataset(None)
            return
        job = Job(lambda progress, cancel: _load(spec, base, task, progress, cancel), self)
        # Each result names its job: one that was cancelled or replaced is ignored.
        job.progressed.connect(lambda done, total, j=job: self._progress(j, done, total))
        job.succeeded.connect(lambda result, j=job: self._loaded(j, result))
        job.failed.connect(lambda exc, j=job: self._load_failed(j, exc))
        job.finished.connect(lambda j=job: self._job_done(j))
        self._job = job
        self.loadStarted.emit()
        job.start()

    def cancel_load(self) -> None:
        """The person cancelled: stop, and show that the project's data is not loaded."""
        if self._job is not None:
            self.stop_loading()
            self.load_error = None
            self._set_dataset(None)

    def stop_loading(self) -> None:
        """Stop the load in progress and forget it (its late signals are ignored)."""
        job, self._job = self._job, None
        self._reload_pending = False
        if job is not None:
            job.cancel()
            job.wait()
            self.loadFinished.emit()

    def _current(self, job) -> bool:
        return job is self._job and not self._reload_pending and not job.cancelled

    def _progress(self, job, done: int, total: int) -> None:
        if self._current(job):
            self.loadProgress.emit(done, total)

    def _loaded(self, job, result) -> None:
        if not self._current(job):
            return
        preview, dataset = result
        self.previewReady.emit(preview)
        self.load_error = None
        self._set_dataset(dataset)
        if self.fit_after_load:
            self.fit_after_load = False
            self.push_all(self.fit_commands(), "Fit network to data")

    def _load_failed(self, job, exc) -> None:
        if not self._current(job):
            return
        preview = getattr(exc, "preview", None)
        if preview is not None:
            self.previewReady.emit(preview)
        self.load_error = exc
        self._set_dataset(None)
        self.loadFailed.emit(exc)

    def _job_done(self, job) -> None:
        job.deleteLater()
        if job is not self._job:
            return
        self._job = None
        self.loadFinished.emit()
        if self._reload_pending:
            self._reload_pending = False
            self.load_data()

    def _set_dataset(self, dataset) -> None:
        self.session.dataset = dataset
        self.session.network = None  # compiled for the old data
        self._analysis = None
        self.datasetChanged.emit()
        self.graphChanged.emit()


def _load(spec: dict, base, task, progress, cancel):
    """The preview first (so a CSV with a wrong target still shows its columns), then
    the dataset. A failure carries the preview on the exception."""
    from bpstudio.ui.preview_data import make_preview

    preview = make_preview(spec, base)
    try:
        dataset = load_dataset(spec, base, task=task, progress=progress, cancel=cancel)
    except Exception as exc:
        exc.preview = preview
        raise
    return preview, dataset
