"""Questions the window asks; module functions so tests can answer them."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

PROJECT_FILTER = "bpstudio projects (*.bpstudio);;All files (*)"


def ask_save_changes(parent, name: str) -> str:
    """ "save", "discard" or "cancel"."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        f"Save the changes to {name!r} before closing it?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Save,
    )
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")


def ask_yes_no(parent, title: str, text: str) -> bool:
    buttons = QMessageBox.StandardButton
    return QMessageBox.question(parent, title, text, buttons.Yes | buttons.No) == buttons.Yes


def open_file(parent, title: str, folder: str = "", filter: str = PROJECT_FILTER) -> str:
    return QFileDialog.getOpenFileName(parent, title, folder, filter)[0]


def save_file(parent, title: str, start: str, filter: str = PROJECT_FILTER) -> str:
    return QFileDialog.getSaveFileName(parent, title, start, filter)[0]


def open_folder(parent, title: str, folder: str = "") -> str:
    return QFileDialog.getExistingDirectory(parent, title, folder)


def info(parent, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)
