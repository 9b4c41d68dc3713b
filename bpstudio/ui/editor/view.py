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
        self._fitted = False  # refit on resize until the person zooms or pans

    # ------------------------------------------------------------------ zoom
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def keep_fitted(self) -> None:
        """Fit now and again whenever the canvas is resized (the window settling its
        panels on first show), until the person zooms or pans."""
        self._fitted = True
        self.fit()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def zoom_by(self, factor: float) -> None:
        self._fitted = False  # the person's zoom stays
        factor = max(MIN_ZOOM / self.zoom, min(MAX_ZOOM / self.zoom, factor))
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.25)

    def fit(self) -> None:
        """Show every node, at most at 1.25x (a small graph should not look huge), clear
        of any panel pinned over the canvas's top right (a legend): left of it or below
        it, whichever shows the graph larger."""
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            return
        port = QRectF(self.viewport().rect())
        width, height = self._covered_corner()
        regions = [
            QRectF(0, 0, max(port.width() - width, 100), port.height()),
            QRectF(0, height, port.width(), max(port.height() - height, 100)),
        ]
        best = max(regions, key=lambda r: _scale_into(rect, r))
        z = min(max(_scale_into(rect, best), MIN_ZOOM), 1.25)
        self.resetTransform()  # not zoom_by: fitting is not the person zooming
        self.scale(z, z)
        self.centerOn(rect.center() + (port.center() - best.center()) / z)

    def _covered_corner(self) -> tuple[int, int]:
        """(width, height) of the top-right corner that widgets pinned on the view hide."""
        width = height = 0
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child is self.viewport() or child.objectName().startswith("qt_"):
                continue
            if child.isVisible():
                width = max(width, self.width() - child.geometry().left())
                height = max(height, child.geometry().bottom())
        return width, height

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    # ------------------------------------------------------------------- pan
    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton:
            self._fitted = False
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
            self._fitted = False
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


def _scale_into(rect: QRectF, region: QRectF, pad: float = 40) -> float:
    """The zoom that shows scene ``rect`` inside viewport ``region`` with ``pad`` px."""
    sx = (region.width() - 2 * pad) / max(rect.width(), 1.0)
    sy = (region.height() - 2 * pad) / max(rect.height(), 1.0)
    return max(min(sx, sy), 1e-3)
