"""The editor view: zoom (wheel, Ctrl +/-), pan (middle button, or Space + drag), fit to
view, rubber-band selection, and files dropped on the canvas handed to the window."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView, QWidget

MIN_ZOOM, MAX_ZOOM = 0.2, 3.0


class GraphView(QGraphicsView):
    """``filesDropped(list[str])``: local files or folders dropped on the canvas."""

    filesDropped = Signal(list)

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setAcceptDrops(True)
        self.setBackgroundBrush(QColor("#f8fafc"))
        self._pan_from: QPointF | None = None
        self._space = False

    # ------------------------------------------------------------------ zoom
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        factor = max(MIN_ZOOM / self.zoom, min(MAX_ZOOM / self.zoom, factor))
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.25)

    def fit(self) -> None:
        """Show every node, at most at 1.25x (a small graph should not look huge), left
        of any panel pinned over the canvas's right side (a legend)."""
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        covered = self._covered_right()
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        free = max(self.viewport().width() - covered, 100)
        if rect.width() * self.zoom > free - 40:
            self.zoom_by((free - 40) / (rect.width() * self.zoom))
        if self.zoom > 1.25:
            self.zoom_by(1.25 / self.zoom)
        self.centerOn(rect.center() + QPointF(covered / 2 / self.zoom, 0))

    def _covered_right(self) -> int:
        """Width of the right strip that widgets pinned on the view hide."""
        width = 0
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is self.viewport() or child.objectName().startswith("qt_"):
                continue
            if child.isVisible():
                width = max(width, self.width() - child.geometry().left())
        return width

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    # ------------------------------------------------------------------- pan
    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------ background
    def drawBackground(self, painter, rect: QRectF):
        super().drawBackground(painter, rect)
        if self.zoom < 0.5:
            return
        step = 20
        painter.setPen(QPen(QColor("#e2e8f0"), 0))
        left, top = (
            int(rect.left()) - int(rect.left()) % step,
            int(rect.top()) - int(rect.top()) % step,
        )
        lines = [
            QPointF(x, y)
            for x in range(left, int(rect.right()), step)
            for y in range(top, int(rect.bottom()), step)
        ]
        painter.drawPoints(lines)

    # ------------------------------------------------------------ file drops
    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event):
        if event.mimeData().hasUrls():
            paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
            event.acceptProposedAction()
            self.filesDropped.emit(paths)
            return
        super().dropEvent(event)
