"""The layer palette: the catalogue's ops by category, dragged onto the editor (or
double-clicked to add one), each with its help as a tooltip."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QDrag
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem

from bpstudio.graph.catalogue import CATEGORIES, OPS
from bpstudio.ui.editor import OP_MIME
from bpstudio.ui.editor.items import COLOURS

OP_ROLE = Qt.ItemDataRole.UserRole


def op_mime(op: str) -> QMimeData:
    """What a palette drag carries (tests build drops with it too)."""
    mime = QMimeData()
    mime.setData(OP_MIME, op.encode())
    mime.setText(op)
    return mime


class Palette(QTreeWidget):
    """``opActivated(op)``: an op was double-clicked (or Enter pressed) to be added."""

    opActivated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setRootIsDecorated(True)
        self.setIndentation(14)
        self._fill()
        self.itemActivated.connect(self._activated)

    def _fill(self) -> None:
        for category in CATEGORIES:
            ops = [spec for spec in OPS.values() if spec.category == category]
            if not ops:
                continue
            head = QTreeWidgetItem(self, [category])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            for spec in ops:
                item = QTreeWidgetItem(head, [spec.name])
                item.setData(0, OP_ROLE, spec.name)
                item.setToolTip(0, f"<b>{spec.name}</b><br>{spec.help}")
                item.setBackground(0, QColor(COLOURS.get(category, "#ffffff")))
                item.setForeground(0, QColor("#0f172a"))  # pastel row: dark text in any theme
            head.setExpanded(True)

    def ops(self) -> list[str]:
        """Every op the palette offers, in display order."""
        out = []
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            out += [head.child(j).data(0, OP_ROLE) for j in range(head.childCount())]
        return out

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        op = item.data(0, OP_ROLE)
        if op:
            self.opActivated.emit(op)

    def startDrag(self, actions) -> None:
        item = self.currentItem()
        op = item.data(0, OP_ROLE) if item is not None else None
        if not op:
            return
        drag = QDrag(self)
        drag.setMimeData(op_mime(op))
        drag.exec(Qt.DropAction.CopyAction)
