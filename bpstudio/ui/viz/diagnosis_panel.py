"""The diagnosis list: what stops the network learning, where, and what to try.

Findings come from the training's StatsEvents (live, throttled by the trainer) or
from "Diagnose now", which runs one pass on a training batch when no run trains.
"""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from bpstudio.errors import BpError
from bpstudio.ui.theme import MUTED
from bpstudio.viz.diagnosis import (
    diagnose,
    diagnose_network,
    findings_by_node,
    layout_of,
    signals_from_stats,
)
from bpstudio.viz.shadow import ShadowNetwork

NAMES = {
    "vanishing": "Vanishing gradients",
    "exploding": "Exploding gradients",
    "dead_relu": "Dead ReLUs",
    "saturated": "Saturated activations",
    "non_finite": "NaN / Inf",
    "no_gradient": "No gradient",
}


def findings_html(findings) -> str:
    if not findings:
        return (
            "<p style='color:#15803d'><b>✓ No problem found.</b> Gradients reach every layer "
            "within two orders of magnitude; no dead or saturated units.</p>"
        )
    parts = []
    for f in findings:
        colour = "#b91c1c" if f.severity == "error" else "#b45309"
        remedies = "".join(f"<li>{r}</li>" for r in f.remedies)
        name = NAMES.get(f.kind, f.kind)
        text = f.message.removeprefix(name + ": ")  # the heading already says it
        text = text[:1].upper() + text[1:]
        parts.append(
            f"<p><b style='color:{colour}'>{name}</b> "
            f"<span style='color:#64748b'>({', '.join(f.nodes)})</span><br>{text}</p>"
            f"<p style='margin-left:8px'>Try:</p><ul>{remedies}</ul>"
        )
    return "".join(parts)


class DiagnosisPanel(QWidget):
    """Signal ``findingsChanged(dict)``: node id -> findings, for the graph badges."""

    findingsChanged = Signal(object)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.busy = False
        self.findings: list = []
        self._layout = None
        self._html = ""  # what the text shows, to skip repeating it
        self._shadow = ShadowNetwork()
        self.run_btn = QPushButton("Diagnose now")
        self.run_btn.setToolTip("One forward and backward pass on a training batch")
        self.source = QLabel("")
        self.source.setStyleSheet(MUTED)
        self.text = QTextBrowser()
        top = QHBoxLayout()
        top.addWidget(self.run_btn)
        top.addWidget(self.source, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.text, 1)
        self.run_btn.clicked.connect(self.diagnose_now)
        self.clear()

    def clear(self, problem: str = "") -> None:
        """Forget the findings (they were about another project, other data or a graph
        since edited); ``problem``: why the network cannot be diagnosed now."""
        self.findings = []
        self._layout = None
        self.source.setText("")
        if problem:
            html = f"<p style='color:#b91c1c'><b>Cannot diagnose:</b> {escape(problem)}</p>"
        else:
            html = "<p style='color:#64748b'>Train, or press Diagnose now.</p>"
        if html != self._html:
            self._html = html
            self.text.setHtml(html)
        self.findingsChanged.emit({})

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.run_btn.setEnabled(not busy)
        if busy and self.model.session.network is not None:
            self._layout = layout_of(self.model.session.network)

    def show_findings(self, findings, source: str) -> None:
        self.findings = list(findings)
        self.source.setText(source)
        html = findings_html(self.findings)
        if html != self._html:  # live findings repeat 4 times a second: relayout nothing
            self._html = html
            self.text.setHtml(html)
        self.findingsChanged.emit(findings_by_node(self.findings))

    def on_stats(self, stats) -> None:
        """A StatsEvent from the running trainer."""
        net = self.model.session.network
        if net is None or stats is None:
            return
        if self._layout is None or len(self._layout) != len(net.nodes):
            self._layout = layout_of(net)
        found = diagnose(signals_from_stats(stats, self._layout))
        self.show_findings(found, f"live, step {stats.step}")

    def diagnose_now(self) -> bool:
        """One pass on up to 256 training rows, on a private copy of the network."""
        session = self.model.session
        try:
            if session.dataset is None:
                raise BpError("Load the data first (Dataset panel).")
            if session.network is None or session.network_stale:
                session.build_network()
            net = self._shadow.sync(session)
        except BpError as exc:
            self.source.setText(str(exc))
            return False
        ds = session.dataset
        idx = np.random.default_rng(0).permutation(len(ds.x_train))[:256]
        found = diagnose_network(net, ds.x_train[idx], ds.y_train[idx])
        self.show_findings(found, f"one pass on {len(idx)} training rows")
        return True
