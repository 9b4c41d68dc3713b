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
        self.resize(640, 460)
        self.list = QListWidget()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for ex in list_examples():
            self._add(ex.name, ex.description)
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

    def _add(self, name: str, description: str) -> None:
        """A row with the name in bold over its description, wrapped to the list width."""
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setToolTip(description)
        label = QLabel(f"<b>{name}</b><br><span style='color:#475569'>{description}</span>")
        label.setWordWrap(True)
        label.setContentsMargins(8, 5, 8, 5)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        item.setSizeHint(QSize(560, label.heightForWidth(560) + 4))
        self.list.addItem(item)
        self.list.setItemWidget(item, label)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None
