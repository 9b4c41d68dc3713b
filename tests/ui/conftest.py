"""GUI tests run offscreen: no display needed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def isolated_settings(tmp_path, monkeypatch):
    """QSettings and QStandardPaths in a temp folder, so tests never touch the user's."""
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    QCoreApplication.setOrganizationName("bpstudio-tests")
    QCoreApplication.setApplicationName("bpstudio-tests")
    QSettings().clear()
    return tmp_path


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_the_gui_thread(qapp):
    """As the app does (ui/gc_thread.py): no collection on a worker thread may destroy
    an earlier test's widgets there (one deadlocked a run). The timer collects while
    tests spin the event loop; a full collection between test files keeps memory flat."""
    import gc

    from bpstudio.ui.gc_thread import collect_garbage_on_the_gui_thread

    collect_garbage_on_the_gui_thread()
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="module")
def _collect_between_files(_collect_garbage_on_the_gui_thread):
    import gc

    yield
    gc.collect()
