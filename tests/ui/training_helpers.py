"""Shared by the training panel tests: a panel with plots on the spiral example, and
the messages the app would have shown (a modal box would block an offscreen test)."""

from __future__ import annotations

from bpstudio.session import Session
from bpstudio.ui import errors
from bpstudio.ui.plots.dashboard import TrainingPlots
from bpstudio.ui.training.panel import TrainingPanel


def spiral_panel(qtbot, epochs: int, show: bool = False) -> TrainingPanel:
    """A TrainingPanel with its TrainingPlots on the spiral example, ``epochs`` a run;
    the caller calls ``shutdown()`` when done."""
    session = Session.open_example("spiral")
    session.project.training["epochs"] = epochs
    plots = TrainingPlots()
    panel = TrainingPanel(session, plots)
    qtbot.addWidget(panel)
    qtbot.addWidget(plots)
    if show:
        plots.show()
        panel.show()
    return panel


def record_messages(monkeypatch) -> list[str]:
    """``errors.show_error`` appends its line to the returned list instead."""
    messages = []
    monkeypatch.setattr(
        errors, "show_error", lambda msg, detail="", parent=None: messages.append(msg)
    )
    return messages
