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
