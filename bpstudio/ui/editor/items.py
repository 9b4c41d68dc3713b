"""The editor's graphics items: a node box with its ports and problem badge, and an
edge that follows its two nodes and shows the tensor shape it carries.

Data flows downwards: a node's input port is at the top, its output port at the bottom.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from bpstudio.graph.catalogue import OPS

NODE_W, NODE_H = 170.0, 56.0
PORT_R = 6.0
COLOURS = {
    "Input": "#dbeafe",
    "Layers": "#e0e7ff",
    "Convolution": "#ede9fe",
    "Normalisation": "#fce7f3",
    "Activations": "#dcfce7",
    "Merge": "#fef3c7",
    "Losses": "#fee2e2",
}
SELECTED = QColor("#2563eb")
ERROR = QColor("#dc2626")
WARNING = QColor("#d97706")


def shape_text(shape) -> str:
    """``(16,)`` -> ``16``; ``(1, 8, 8)`` -> ``1×8×8``; unknown -> ``""``."""
    if shape is None:
        return ""
    return "×".join(str(int(s)) for s in shape) or "scalar"


def param_summary(node) -> str:
    """A few words on the params that matter most, for the node's second line."""
    p = node.params
    if node.op == "Input":
        shape = p.get("shape")
        return "shape from data" if shape is None else f"shape {shape}"
    if node.op == "Dense" and "units" in p:
        return f"{p['units']} units"
    if node.op == "Conv2D":
        k = p.get("kernel", 3)
        k = "×".join(map(str, k)) if isinstance(k, list) else f"{k}×{k}"
        return f"{p.get('filters', '?')} filters {k}"
    if node.op in ("MaxPool2D", "AvgPool2D"):
        return f"size {p.get('size', 2)}"
    shown = [f"{k} {v}" for k, v in p.items() if k != "init"]
    return ", ".join(shown)


class PortItem(QGraphicsEllipseItem):
    """An input ("in", top) or output ("out", bottom) connection point of a node."""

    def __init__(self, node_item: NodeItem, kind: str):
        super().__init__(-PORT_R, -PORT_R, 2 * PORT_R, 2 * PORT_R, node_item)
        self.node_item, self.kind = node_item, kind
        self.setPos(NODE_W / 2, 0 if kind == "in" else NODE_H)
        self.setBrush(QBrush(QColor("#ffffff")))
        self.setPen(QPen(QColor("#475569"), 1.5))
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        what = "input: drop a connection here" if kind == "in" else "output: drag to connect"
        self.setToolTip(what)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def shape(self) -> QPainterPath:
        """A grab area larger than the drawn circle: small targets are hard to hit."""
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), PORT_R + 5, PORT_R + 5)
        return path

    def hoverEnterEvent(self, event):
        self.setBrush(QBrush(QColor("#93c5fd")))
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event):
        self.setBrush(QBrush(QColor("#ffffff")))
        super().hoverLeaveEvent(event)


def centred_mark(parent: QGraphicsItem, text: str) -> QGraphicsSimpleTextItem:
    """A bold white character centred on a round badge ``parent``."""
    mark = QGraphicsSimpleTextItem(text, parent)
    font = QFont()
    font.setBold(True)
    font.setPointSizeF(9)
    mark.setFont(font)
    mark.setBrush(QBrush(QColor("#ffffff")))
    r = mark.boundingRect()
    mark.setPos(-r.width() / 2, -r.height() / 2)
    return mark


class Badge(QGraphicsEllipseItem):
    """The red mark on a node with problems; its tooltip lists them."""

    def __init__(self, parent: QGraphicsItem):
        super().__init__(-9, -9, 18, 18, parent)
        self.setPos(NODE_W - 4, 4)
        self.setBrush(QBrush(ERROR))
        self.setPen(QPen(QColor("#ffffff"), 1.5))
        self.setZValue(3)
        centred_mark(self, "!")


class NodeItem(QGraphicsItem):
    """One node; ``pos()`` is the node's top-left corner, as stored in the project."""

    def __init__(self, node):
        super().__init__()
        self.node_id = node.id
        self.op, self.summary, self.issues = node.op, "", []
        self.edges: list[EdgeItem] = []
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setZValue(1)
        spec = OPS.get(node.op)
        self.in_port = PortItem(self, "in") if spec is None or spec.n_inputs != 0 else None
        self.out_port = PortItem(self, "out") if spec is None or not spec.is_loss else None
        self.badge = Badge(self)
        self.badge.setVisible(False)
        self.update_from(node, [], False)

    def update_from(self, node, issues: list[str], error: bool = True) -> None:
        """Show the node's current op, params, position and problems (``error``: at
        least one stops the graph compiling; otherwise they are warnings, in amber)."""
        self.op, self.summary, self.issues = node.op, param_summary(node), list(issues)
        self.badge.setBrush(QBrush(ERROR if error else WARNING))
        if (self.pos().x(), self.pos().y()) != tuple(node.pos):
            self.setPos(QPointF(*node.pos))
        self.badge.setVisible(bool(issues))
        self.badge.setToolTip("\n".join(issues))
        spec = OPS.get(node.op)
        tip = f"{node.op} '{node.id}'\n{spec.help if spec else 'unknown op'}"
        self.setToolTip(tip + ("\n\n" + "\n".join(issues) if issues else ""))
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, NODE_W + 4, NODE_H + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_W, NODE_H), 8, 8)
        return path

    def paint(self, painter, option, widget=None) -> None:
        spec = OPS.get(self.op)
        fill = QColor(COLOURS.get(spec.category, "#f1f5f9") if spec else "#e5e7eb")
        border = SELECTED if self.isSelected() else (ERROR if self.issues else QColor("#64748b"))
        painter.setPen(QPen(border, 2.5 if self.isSelected() else 1.2))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(QRectF(0, 0, NODE_W, NODE_H), 8, 8)
        title = QFont()
        title.setBold(True)
        title.setPointSizeF(10)
        painter.setFont(title)
        painter.setPen(QColor("#0f172a"))
        painter.drawText(QRectF(10, 7, NODE_W - 26, 20), Qt.AlignmentFlag.AlignLeft, self.op)
        small = QFont()
        small.setPointSizeF(8.5)
        painter.setFont(small)
        painter.setPen(QColor("#334155"))
        line = f"{self.node_id}" + (f" · {self.summary}" if self.summary else "")
        elided = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, NODE_W - 20)
        painter.drawText(QRectF(10, 29, NODE_W - 20, 20), Qt.AlignmentFlag.AlignLeft, elided)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        return super().itemChange(change, value)


class EdgeItem(QGraphicsPathItem):
    """A connection ``src -> dst`` drawn from src's output port to dst's input port."""

    def __init__(self, src: NodeItem, dst: NodeItem):
        super().__init__()
        self.src, self.dst = src, dst
        self.key = (src.node_id, dst.node_id)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setPen(QPen(QColor("#64748b"), 3))  # widest pen paint() uses: sets the bounds
        self.setZValue(0)
        self._label_box = QGraphicsRectItem(self)
        self._label_box.setBrush(QBrush(QColor(255, 255, 255, 230)))
        self._label_box.setPen(QPen(QColor("#cbd5e1"), 0.8))
        self._label = QGraphicsSimpleTextItem(self._label_box)
        font = QFont()
        font.setPointSizeF(8)
        self._label.setFont(font)
        self._label.setBrush(QBrush(QColor("#1e293b")))
        src.edges.append(self)
        dst.edges.append(self)
        self.set_shape(None)

    def detach(self) -> None:
        for node in (self.src, self.dst):
            if self in node.edges:
                node.edges.remove(self)

    def set_shape(self, shape) -> None:
        """Show the tensor shape (per sample) the edge carries."""
        text = shape_text(shape)
        self._label.setText(text)
        self._label_box.setVisible(bool(text))
        self.setToolTip(f"{self.key[0]} → {self.key[1]}" + (f": shape [{text}]" if text else ""))
        r = self._label.boundingRect()
        self._label_box.setRect(0, 0, r.width() + 8, r.height() + 2)
        self._label.setPos(4, 1)
        self.adjust()

    @property
    def label_text(self) -> str:
        return self._label.text()

    def _ends(self) -> tuple[QPointF, QPointF]:
        a = self.src.out_port or self.src
        b = self.dst.in_port or self.dst
        return a.scenePos(), b.scenePos()

    def adjust(self) -> None:
        p1, p2 = self._ends()
        path = QPainterPath(p1)
        bend = max(30.0, abs(p2.y() - p1.y()) / 2)
        path.cubicTo(p1 + QPointF(0, bend), p2 - QPointF(0, bend), p2)
        self.setPath(path)
        mid = path.pointAtPercent(0.5)
        box = self._label_box.rect()
        self._label_box.setPos(mid.x() - box.width() / 2, mid.y() - box.height() / 2)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter, option, widget=None) -> None:
        colour = SELECTED if self.isSelected() else QColor("#64748b")
        painter.setPen(QPen(colour, 2.5 if self.isSelected() else 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
