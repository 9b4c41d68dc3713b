"""Activations and gradients painted on the graph editor, and diagnosis badges.

The overlay adds its own child items to the editor's node and edge items (a coloured
halo behind each node, a coloured stroke under each edge, a value label, a badge), so
the editor's items need no knowledge of it. Colours come from a Qt-free FlowFrame.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
)

from bpstudio.graph.catalogue import OPS
from bpstudio.ui.editor.items import centred_mark
from bpstudio.viz.flow import FlowFrame

HALO = 7.0  # px the halo extends beyond the node box
Stack = QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent


def alive(item) -> bool:
    """False once the scene deleted the item (``scene.clear()`` on another project)."""
    return shiboken6.isValid(item) and item.scene() is not None


def _node_size(item) -> tuple[float, float]:
    r = item.shape().boundingRect()
    return r.width(), r.height()


class NodeFlow:
    """A node's halo (behind it) and magnitude label (to its right)."""

    def __init__(self, node_item):
        w, h = _node_size(node_item)
        path = QPainterPath()
        path.addRoundedRect(QRectF(-HALO, -HALO, w + 2 * HALO, h + 2 * HALO), 12, 12)
        self.halo = QGraphicsPathItem(path, node_item)
        self.halo.setFlag(Stack)
        self.halo.setPen(QPen(Qt.PenStyle.NoPen))
        self.label = QGraphicsSimpleTextItem(node_item)
        font = QFont()
        font.setPointSizeF(8)
        self.label.setFont(font)
        self.label.setPos(w + HALO + 4, h / 2 - 8)
        self._shown = None  # the (rgb, text) last shown

    def show(self, rgb: tuple | None, text: str) -> None:
        """``rgb``: (r, g, b) of the halo, None for no halo."""
        # Qt is told only what changed: every set repaints the editor's scene there
        if (rgb, text) == self._shown:
            return
        self._shown = (rgb, text)
        self.halo.setVisible(rgb is not None)
        self.label.setVisible(bool(text))
        if rgb is not None:
            self.halo.setBrush(QBrush(QColor(*rgb)))
        self.label.setText(text)

    def remove(self) -> None:
        for item in (self.halo, self.label):
            if alive(item):
                item.scene().removeItem(item)


class EdgeFlow(QGraphicsPathItem):
    """A wide coloured stroke under an edge; its tooltip is the tensor's statistics."""

    def __init__(self, edge_item):
        super().__init__(edge_item)
        self.setFlag(Stack)
        self.setAcceptHoverEvents(True)
        self.edge_item = edge_item
        self.setPath(edge_item.path())
        self._shown = None  # the (visible, rgb, tip) last shown

    def show(self, rgb: tuple | None, tip: str) -> None:
        """A stroke of colour ``rgb`` (None: hidden); ``tip`` on it and on the edge."""
        if (rgb, tip) == self._shown:  # unchanged: no scene repaint
            return
        self._shown = (rgb, tip)
        self.setVisible(rgb is not None)
        if rgb is not None:
            pen = QPen(QColor(*rgb), 7)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            self.setPen(pen)
            self.setToolTip(tip)
            self.edge_item.setToolTip(tip)

    def follow(self) -> None:
        if self.path() != self.edge_item.path():
            self.setPath(self.edge_item.path())


class DiagnosisBadge(QGraphicsEllipseItem):
    """A round mark at a node's top-left corner; the tooltip lists findings and remedies."""

    def __init__(self, node_item):
        super().__init__(-10, -10, 20, 20, node_item)
        self.setPos(2, 2)
        self.setZValue(4)
        self._shown = None  # (error, tooltip) last shown
        self.setPen(QPen(QColor("#ffffff"), 1.5))
        centred_mark(self, "∇")

    def show_findings(self, findings) -> None:
        error = any(f.severity == "error" for f in findings)
        parts = []
        for f in findings:
            parts.append(f.message + "\nTry: " + "; ".join(f.remedies))
        shown = (error, "\n\n".join(parts))
        if shown == self._shown:  # live findings repeat: no repaint
            return
        self._shown = shown
        self.setBrush(QBrush(QColor("#b91c1c" if error else "#d97706")))
        self.setToolTip(shown[1])


class FlowOverlay(QObject):
    """Paints FlowFrames and diagnosis findings on a GraphScene (``scene.nodes``,
    ``scene.edges``); ``clear()`` removes everything it added."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.frame: FlowFrame | None = None
        self.enabled = True
        self._nodes: dict = {}
        self._edges: dict = {}
        self._badges: dict = {}
        self._findings: dict = {}
        scene.changed.connect(self._follow_edges)

    # ------------------------------------------------------------------ flow
    def show_frame(self, frame: FlowFrame | None) -> None:
        self.frame = frame
        self._paint()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self._paint()

    def _paint(self) -> None:
        self._drop_stale()
        frame = self.frame if self.enabled else None
        # one colour per node and frame (edges take their source's)
        colours = {} if frame is None else {n: frame.color(n) for n in frame.values}
        sign = "|a|" if frame is not None and frame.mode == "forward" else "∇"
        for nid, item in self.scene.nodes.items():
            flow = self._nodes.get(nid)
            if flow is None:
                flow = self._nodes[nid] = NodeFlow(item)
            value = frame.values.get(nid) if frame is not None else None
            if value is None:
                flow.show(None, "")
            else:
                flow.show(colours[nid], f"{sign} {value:.2g}")
        for key, item in self.scene.edges.items():
            stroke = self._edges.get(key)
            if stroke is None:
                stroke = self._edges[key] = EdgeFlow(item)
            stroke.follow()
            rgb = colours.get(key[0]) if self._computed(key[1], colours) else None
            stroke.show(rgb, frame.edge_tip(*key) if rgb is not None else "")

    def _computed(self, node_id: str, colours: dict) -> bool:
        """Whether the network computes ``node_id``: it has a value, or it is the loss.
        An edge into a node left out of the network (one that does not lead to the
        loss) carries nothing, and its stroke would say a tensor flows there."""
        if node_id in colours:
            return True
        item = self.scene.nodes.get(node_id)
        spec = OPS.get(item.op) if item is not None else None
        return spec is not None and spec.is_loss

    def _follow_edges(self, _regions=None) -> None:
        for stroke in self._edges.values():
            if alive(stroke):
                stroke.follow()

    def _drop_stale(self) -> None:
        """Forget items whose node or edge left the scene (edits, another project)."""
        for nid in [n for n, f in self._nodes.items() if not alive(f.halo)]:
            del self._nodes[nid]
        for key in [k for k, e in self._edges.items() if not alive(e)]:
            del self._edges[key]
        for nid in [n for n, b in self._badges.items() if not alive(b)]:
            del self._badges[nid]

    # ------------------------------------------------------------- diagnosis
    def show_findings(self, by_node: dict) -> None:
        """node id -> findings; nodes not named lose their badge."""
        self._drop_stale()
        self._findings = dict(by_node)
        for nid, item in self.scene.nodes.items():
            badge = self._badges.get(nid)
            found = by_node.get(nid)
            if found and badge is None:
                badge = self._badges[nid] = DiagnosisBadge(item)
            if badge is not None:
                badge.setVisible(bool(found))
                if found:
                    badge.show_findings(found)

    def badge_of(self, node_id: str):
        b = self._badges.get(node_id)
        return b if b is not None and b.isVisible() else None

    def halo_colour(self, node_id: str) -> QColor | None:
        flow = self._nodes.get(node_id)
        if flow is None or not flow.halo.isVisible():
            return None
        return flow.halo.brush().color()
