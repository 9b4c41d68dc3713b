"""The inspector: the selected node's op, help, parameters and problems.

Each parameter is edited with the widget its ParamSpec asks for; a value the
catalogue refuses is not applied and the reason is shown under the form. Accepted
values go through the undo stack as ``SetParam`` commands.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from bpstudio.errors import BpError
from bpstudio.graph.catalogue import OPS
from bpstudio.graph.commands import SetParam
from bpstudio.ui.param_fields import Field, make_field
from bpstudio.ui.theme import MUTED
from bpstudio.ui.wheel_guard import guard_wheel


class Inspector(QWidget):
    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.node_id: str | None = None
        self._op: str | None = None
        self.fields: dict[str, Field] = {}
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.help = _wrapped(MUTED)
        self.shape = _wrapped("")  # the window's text colour, in either theme
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = _wrapped("color: #b91c1c;")
        self.problems = _wrapped("")
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        for w in (self.title, self.help, self.shape):
            layout.addWidget(w)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        model.graphChanged.connect(self.refresh)
        model.projectReplaced.connect(lambda: self.show_node(None))
        self.show_node(None)

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id
        self.error.clear()
        self.refresh()

    def refresh(self) -> None:
        """Show the node as the graph has it now (after an edit, undo or redo)."""
        node = self.model.graph.nodes.get(self.node_id) if self.node_id else None
        if node is None:
            self._show_empty()
            return
        spec = OPS.get(node.op)
        if node.op != self._op or set(self.fields) != {p.name for p in spec.params if spec}:
            self._build(node.op)
        self.title.setText(f"<b style='font-size:13pt'>{node.op}</b> &nbsp; <tt>{node.id}</tt>")
        self.help.setText(spec.help if spec else "This op is not in the catalogue.")
        analysis = self.model.analysis()
        self.shape.setText(shape_words(analysis.shapes.get(node.id)))
        for name, field in self.fields.items():
            field.set_value(node.params.get(name, spec.param(name).default))
        self._show_issues(analysis.issues_for(node.id))

    def _show_empty(self) -> None:
        self._build(None)
        n, e = len(self.model.graph.nodes), len(self.model.graph.edges)
        self.title.setText("<b style='font-size:13pt'>No node selected</b>")
        self.help.setText(
            f"The network has {n} nodes and {e} connections. Click a node to edit its "
            "parameters; drag from a node's bottom port to another's top port to connect."
        )
        self.shape.clear()
        self._show_issues(self.model.analysis().issues_for(None))

    def _show_issues(self, issues) -> None:
        """Errors in red (the graph cannot compile), warnings in amber."""
        lines = [
            f"<p style='color:{'#b91c1c' if i.severity == 'error' else '#b45309'}'>"
            f"{'✖' if i.severity == 'error' else '⚠'} {html.escape(i.message)}</p>"
            for i in issues
        ]
        self.problems.setText("".join(lines))
        self.problems.setVisible(bool(issues))

    def _build(self, op: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self._op = op
        spec = OPS.get(op) if op else None
        for p in spec.params if spec else []:
            field = make_field(p)
            field.committed.connect(lambda v, name=p.name: self._commit(name, v))
            field.refused.connect(self._refuse)
            label = QLabel(p.name)
            label.setToolTip(p.help)
            self.form.addRow(label, field)
            self.fields[p.name] = field
        guard_wheel(self)

    def _commit(self, name: str, value) -> None:
        node = self.model.graph.nodes.get(self.node_id)
        if node is None or node.params.get(name, OPS[node.op].param(name).default) == value:
            return
        try:
            self.model.push(SetParam(node.id, name, value))
        except BpError as e:  # the catalogue's explanation, shown where the person looks
            self._refuse(str(e))
            return
        self.error.clear()

    def _refuse(self, message: str) -> None:
        self.error.setText(f"Not applied: {message}")


def shape_words(shape) -> str:
    if shape is None:
        return "Output shape: unknown until the data is loaded or the graph is valid."
    return f"Output per sample: [{', '.join(str(int(s)) for s in shape)}]"


def _wrapped(style: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
