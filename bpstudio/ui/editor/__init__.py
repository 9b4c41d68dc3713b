"""The visual network editor: a QGraphicsScene over the Qt-free graph document."""

from bpstudio.ui.editor.scene import OP_MIME, GraphScene
from bpstudio.ui.editor.view import GraphView

__all__ = ["OP_MIME", "GraphScene", "GraphView"]
