"""File -> Open Example: the built-in projects, each with its one-line description."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from bpstudio.session import list_examples


class ExampleGallery(QDialog):
    """``chosen()`` is the selected example's name after ``exec()`` returns Accepted."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Open Example")
        self.resize(560, 380)
        self.list = QListWidget()
        self.list.setSpacing(3)
        self.list.setWordWrap(True)
        for ex in list_examples():
            item = QListWidgetItem(f"{ex.name}\n{ex.description}")
            item.setData(Qt.ItemDataRole.UserRole, ex.name)
            item.setSizeHint(QSize(500, 48))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Built-in projects, ready to train:"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None
