"""The editor scene: graphics items mirroring the Qt-free Graph, and the edits a person
makes with the mouse turned into undoable commands on the model.

The Graph is the truth. After every change the scene ``sync``s: it adds, removes and
updates items to match, so undo and redo need no special case here.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen, QTransform
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene

from bpstudio.errors import GraphError
from bpstudio.graph import commands as gc
from bpstudio.graph.catalogue import OPS, initial_params
from bpstudio.graph.document import Node
from bpstudio.ui.editor import clipboard, layout
from bpstudio.ui.editor.items import NODE_H, NODE_W, EdgeItem, NodeItem, PortItem
from bpstudio.ui.errors import guarded

OP_MIME = "application/x-bpstudio-op"
GRID = 10.0
MIN_RECT = QRectF(-4000, -4000, 8000, 8000)


class GraphScene(QGraphicsScene):
    """Signals ``nodeSelected(id or None)`` (exactly one node selected, or not) and
    ``addRequested(scene pos)`` (double-click on the empty canvas)."""

    nodeSelected = Signal(object)
    addRequested = Signal(QPointF)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self._drag_line: QGraphicsLineItem | None = None
        self._drag_port: PortItem | None = None
        self.setSceneRect(MIN_RECT)
        model.graphChanged.connect(self.sync)
        model.projectReplaced.connect(self._reset)
        self.selectionChanged.connect(self._selection_changed)
        self._reset()

    # ---------------------------------------------------------------- syncing
    def _reset(self) -> None:
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        self._drag_line = None
        graph = self.model.graph
        if layout.needs_layout(graph):  # a view default, not an edit: no undo step
            for nid, pos in layout.layered_positions(graph).items():
                graph.nodes[nid].pos = pos
        self.sync()

    def sync(self) -> None:
        """Make the items match the graph, then show shapes and problems."""
        graph, analysis = self.model.graph, self.model.analysis()
        for nid in [n for n in self.nodes if n not in graph.nodes]:
            self._drop_node(nid)
        for nid, node in graph.nodes.items():
            if nid not in self.nodes:
                self.nodes[nid] = NodeItem(node)
                self.addItem(self.nodes[nid])
            self.nodes[nid].update_from(node, analysis.issues_of(nid), analysis.has_errors(nid))
        wanted = {e for e in graph.edges if e[0] in self.nodes and e[1] in self.nodes}
        for key in [k for k in self.edges if k not in wanted]:
            self._drop_edge(key)
        for key in wanted:
            if key not in self.edges:
                self.edges[key] = EdgeItem(self.nodes[key[0]], self.nodes[key[1]])
                self.addItem(self.edges[key])
            self.edges[key].set_shape(analysis.shapes.get(key[0]))
        # room to scroll around whatever is drawn, however far nodes were moved
        room = self.itemsBoundingRect().adjusted(-2000, -2000, 2000, 2000)
        self.setSceneRect(room.united(MIN_RECT))

    def _drop_node(self, nid: str) -> None:
        item = self.nodes.pop(nid)
        for edge in list(item.edges):
            self._drop_edge(edge.key)
        self._delete(item)

    def _drop_edge(self, key) -> None:
        edge = self.edges.pop(key, None)
        if edge is not None:
            edge.detach()
            self._delete(edge)

    def _delete(self, item) -> None:
        """Remove and destroy ``item`` now, with its children. Other code may have put
        children on it (overlays); deleting through shiboken marks their Python
        wrappers dead at once, instead of leaving a cycle for the garbage collector
        that could free the C++ objects twice."""
        self.removeItem(item)
        shiboken6.delete(item)

    # -------------------------------------------------------------- selection
    def selected_node_ids(self) -> list[str]:
        """Selected node ids in the graph's node order."""
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [nid for nid in self.model.graph.nodes if nid in chosen]

    def selected_edges(self) -> list[tuple[str, str]]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_ids(self, ids) -> None:
        self.clearSelection()
        for nid in ids:
            if nid in self.nodes:
                self.nodes[nid].setSelected(True)

    def select_all(self) -> None:
        for item in [*self.nodes.values(), *self.edges.values()]:
            item.setSelected(True)

    def _selection_changed(self) -> None:
        ids = self.selected_node_ids()
        self.nodeSelected.emit(ids[0] if len(ids) == 1 else None)

    # ------------------------------------------------------------------ edits
    def add_node(self, op: str, scene_pos: QPointF | None = None) -> str:
        """Add an ``op`` node centred at ``scene_pos`` (undoable); returns its id."""
        if op not in OPS:
            raise GraphError(f"{op!r} is not a known op")
        graph = self.model.graph
        if scene_pos is None:
            scene_pos = self._free_spot()
        pos = _snap(scene_pos - QPointF(NODE_W / 2, NODE_H / 2))
        node = Node(graph.new_id(op), op, initial_params(op), (pos.x(), pos.y()))
        self.model.push(gc.AddNode(node))
        self.select_ids([node.id])
        return node.id

    def _free_spot(self) -> QPointF:
        """Below everything that is there, so a new node never hides another."""
        rect = self.itemsBoundingRect()
        if not self.nodes:
            return QPointF(0, 0)
        return QPointF(rect.center().x(), rect.bottom() + NODE_H)

    def connect_nodes(self, src: str, dst: str) -> None:
        """Connect ``src -> dst``; on a one-input node that is taken, replace its input."""
        graph = self.model.graph
        spec = OPS.get(graph.nodes[dst].op)
        old = graph.inputs_of(dst)
        if spec is not None and spec.n_inputs == 1 and old and old != [src]:
            cmds = [gc.Disconnect(s, dst) for s in old] + [gc.Connect(src, dst)]
            self.model.push(gc.Macro(cmds, f"Connect {src} to {dst}"))
            return
        self.model.push(gc.Connect(src, dst))

    def delete_selection(self) -> None:
        ids, edges = self.selected_node_ids(), self.selected_edges()
        if ids or edges:
            self.model.push(gc.delete_selection(self.model.graph, ids, edges))

    def copy_selection(self) -> str:
        return clipboard.copy_text(self.model.graph, self.selected_node_ids())

    def paste(self, text: str) -> list[str]:
        """Paste nodes copied as text; returns the new ids (selected)."""
        nodes, edges = clipboard.parse_text(text)
        if not nodes:
            return []
        before = set(self.model.graph.nodes)
        self.model.push(gc.paste(self.model.graph, nodes, edges))
        new = [n for n in self.model.graph.nodes if n not in before]
        self.select_ids(new)
        return new

    def auto_layout(self) -> None:
        graph = self.model.graph
        origin = graph.nodes[next(iter(graph.nodes))].pos if graph.nodes else (0.0, 0.0)
        moves = [
            gc.MoveNode(nid, pos)
            for nid, pos in layout.layered_positions(graph, origin).items()
            if tuple(graph.nodes[nid].pos) != pos
        ]
        self.model.push_all(moves, "Auto-layout")

    def commit_moves(self) -> None:
        """Record where dragged nodes ended up (one undo step for the whole drag)."""
        graph, moves = self.model.graph, []
        for nid, item in self.nodes.items():
            if nid in graph.nodes and tuple(graph.nodes[nid].pos) != (item.x(), item.y()):
                p = _snap(item.pos())
                moves.append(gc.MoveNode(nid, (p.x(), p.y())))
        self.model.push_all(moves, f"Move {len(moves)} nodes")

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event):
        item = self.itemAt(event.scenePos(), QTransform())
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, PortItem):
            self._start_link(item)
            event.accept()
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._select_for_menu(item)
            return
        super().mousePressEvent(event)

    def _select_for_menu(self, item) -> None:
        """A right-click acts on what is under the cursor (the view shows the menu)."""
        target = item.node_item if isinstance(item, PortItem) else item
        while target is not None and not isinstance(target, NodeItem | EdgeItem):
            target = target.parentItem()
        if target is not None and not target.isSelected():
            self.clearSelection()
            target.setSelected(True)

    def mouseMoveEvent(self, event):
        if self._drag_line is not None:
            line = self._drag_line.line()
            self._drag_line.setLine(QLineF(line.p1(), event.scenePos()))
            over = self._node_at(event.scenePos(), exclude=self._drag_port.node_item)
            colour = "#16a34a" if over is not None else "#2563eb"  # green: a drop connects
            self._drag_line.setPen(QPen(QColor(colour), 2, Qt.PenStyle.DashLine))
            return
        super().mouseMoveEvent(event)

    @guarded
    def mouseReleaseEvent(self, event):
        if self._drag_line is not None:
            self._finish_link(event.scenePos())
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.commit_moves()

    def mouseDoubleClickEvent(self, event):
        if self.itemAt(event.scenePos(), QTransform()) is None:
            self.addRequested.emit(event.scenePos())
            return
        super().mouseDoubleClickEvent(event)

    def _start_link(self, port: PortItem) -> None:
        self._drag_port = port
        start = port.scenePos()
        self._drag_line = QGraphicsLineItem(QLineF(start, start))
        self._drag_line.setPen(QPen(QColor("#2563eb"), 2, Qt.PenStyle.DashLine))
        self._drag_line.setZValue(5)
        self.addItem(self._drag_line)

    def _finish_link(self, at: QPointF) -> None:
        """Connect if the line ends on a port of the other kind (or on a node's body)."""
        port, line = self._drag_port, self._drag_line
        self._drag_line = self._drag_port = None
        self.removeItem(line)
        target = self._node_at(at, exclude=port.node_item)
        if target is None:
            return
        if port.kind == "out":
            self.connect_nodes(port.node_id, target.node_id)
        else:
            self.connect_nodes(target.node_id, port.node_id)

    def _node_at(self, at: QPointF, exclude) -> NodeItem | None:
        for item in self.items(at):
            owner = item.node_item if isinstance(item, PortItem) else item
            if isinstance(owner, NodeItem) and owner is not exclude:
                return owner
        return None

    # ------------------------------------------------------- palette drag/drop
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(OP_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(OP_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    @guarded
    def dropEvent(self, event):
        if not event.mimeData().hasFormat(OP_MIME):
            event.ignore()
            return
        op = bytes(event.mimeData().data(OP_MIME)).decode()
        event.acceptProposedAction()
        self.add_node(op, event.scenePos())


def _snap(p: QPointF) -> QPointF:
    return QPointF(round(p.x() / GRID) * GRID, round(p.y() / GRID) * GRID)
