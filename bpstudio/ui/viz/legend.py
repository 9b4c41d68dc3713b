"""The flow overlay's controls and colour legend, floating in the editor's corner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.viz.flow import FlowFrame, colormap, legend_ticks


class ColourBar(QWidget):
    """A horizontal viridis bar with log-scale tick labels from the current frame."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame: FlowFrame | None = None
        self.setMinimumSize(220, 40)

    def set_frame(self, frame: FlowFrame | None) -> None:
        self.frame = frame
        self.update()

    def paintEvent(self, event):
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()  # an early return must not leave the painter active

    def note(self) -> str:
        """What the bar says instead of ticks: no frame yet, or every value 0 (a log
        scale has no range then; its ticks read 1.0e+00 while every node showed 0)."""
        if self.frame is None or not self.frame.values:
            return "no data yet"
        if not any(v is not None and v > 0 for v in self.frame.values.values()):
            if self.frame.mode == "backward":
                return "every gradient is 0: no weight changes"
            return "every output is 0"
        return ""

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(8, 4, self.width() - 16, 14)
        grad = QLinearGradient(bar.left(), 0, bar.right(), 0)
        for i in range(11):
            grad.setColorAt(i / 10, QColor(*colormap(i / 10)))
        p.fillRect(bar, grad)
        p.setPen(QPen(QColor("#475569"), 0.8))
        p.drawRect(bar)
        note = self.note()
        if note:
            p.drawText(QRectF(0, 20, self.width(), 18), Qt.AlignmentFlag.AlignCenter, note)
            return
        font = p.font()
        font.setPointSizeF(7.5)
        p.setFont(font)
        for t, label in legend_ticks(self.frame, 3):
            x = bar.left() + t * bar.width()
            p.drawLine(int(x), int(bar.bottom()), int(x), int(bar.bottom()) + 3)
            align = Qt.AlignmentFlag.AlignHCenter
            rect = QRectF(x - 40, bar.bottom() + 3, 80, 14)
            if t == 0:
                rect, align = QRectF(x - 2, bar.bottom() + 3, 80, 14), Qt.AlignmentFlag.AlignLeft
            elif t == 1:
                rect, align = QRectF(x - 78, bar.bottom() + 3, 80, 14), Qt.AlignmentFlag.AlignRight
            p.drawText(rect, align, label)


class FlowLegend(QFrame):
    """Show/hide the flow, choose forward (activations) or backward (gradients).

    Signals: ``enabledChanged(bool)``, ``modeChanged(str)`` ("forward" | "backward").
    """

    enabledChanged = Signal(bool)
    modeChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("flowLegend")
        self.setStyleSheet(
            "#flowLegend { background: rgba(255,255,255,235); border: 1px solid #cbd5e1;"
            " border-radius: 6px; }"
        )
        self.show_box = QCheckBox("Show backprop on the graph")
        self.show_box.setChecked(True)
        self.show_box.setToolTip("Colour nodes and edges by how large their values are")
        self.forward_btn = QRadioButton("Forward: |activation|")
        self.backward_btn = QRadioButton("Backward: |∂L/∂output|")
        self.backward_btn.setChecked(True)
        self.forward_btn.setToolTip("Forward pass: mean |output| of each node (log colour scale)")
        self.backward_btn.setToolTip(
            "Backward pass: size of the gradient ∂L/∂output reaching each node; dark "
            "first layers mean vanishing gradients"
        )
        group = QButtonGroup(self)
        group.addButton(self.forward_btn)
        group.addButton(self.backward_btn)
        self.title = QLabel()
        self.title.setStyleSheet("color: #334155; font-size: 8pt;")
        self.bar = ColourBar(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(2)
        lay.addWidget(self.show_box)
        row = QHBoxLayout()
        row.addWidget(self.forward_btn)
        row.addWidget(self.backward_btn)
        lay.addLayout(row)
        lay.addWidget(self.title)
        lay.addWidget(self.bar)
        self.show_box.toggled.connect(self.enabledChanged)
        self.forward_btn.toggled.connect(lambda _: self.modeChanged.emit(self.mode))
        self.set_frame(None)

    @property
    def mode(self) -> str:
        return "forward" if self.forward_btn.isChecked() else "backward"

    def set_mode(self, mode: str) -> None:
        (self.forward_btn if mode == "forward" else self.backward_btn).setChecked(True)

    def set_frame(self, frame: FlowFrame | None, source: str = "") -> None:
        what = "mean |activation| per node" if self.mode == "forward" else "gradient norm per node"
        self.title.setText(f"{what}, log scale{' · ' + source if source else ''}")
        self.bar.set_frame(frame)


class CornerPin(QObject):
    """Keeps ``widget`` in the top-right corner of ``view`` as the view resizes."""

    def __init__(self, view, widget, margin: int = 10):
        super().__init__(view)
        self.view, self.widget, self.margin = view, widget, margin
        widget.setParent(view)
        view.installEventFilter(self)
        self.place()

    def place(self) -> None:
        self.widget.adjustSize()
        x = self.view.width() - self.widget.width() - self.margin - 14  # scroll bar room
        self.widget.move(max(0, x), self.margin)
        self.widget.raise_()

    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.place()
        return False
