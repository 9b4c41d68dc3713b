"""Plugs training into the main window through its extension points only: the
Training dock (settings, controls, runs), the Training plots dock, the Train menu
actions (F5 start/pause, F6 step, Shift+F5 stop, reset weights), graph edits, node
selection, project replacement and closing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from bpstudio.ui.plots.dashboard import TrainingPlots
from bpstudio.ui.training.panel import TrainingPanel

Area = Qt.DockWidgetArea


def install_training(window) -> TrainingPanel:
    """Add the training panel and plots to ``window``; returns the panel."""
    model = window.model
    plots = TrainingPlots()
    panel = TrainingPanel(model.session, plots)
    window.training_panel = panel
    window.training_plots = plots
    window.add_dock("Training", _scrolling(panel), Area.RightDockWidgetArea, "trainingDock")
    window.add_dock("Training plots", plots, Area.BottomDockWidgetArea, "trainingPlotsDock")
    for key in ("start", "step", "stop", "reset"):
        window.add_train_action(key, panel.actions[key])
    model.graphChanged.connect(panel.on_graph_changed)
    panel.form.edited.connect(model.settings_edited)  # unsaved mark in the title
    model.projectReplaced.connect(lambda: panel.set_session(model.session))
    # a run's curves describe weights that other data (or none) just dropped
    model.datasetChanged.connect(lambda: panel.clear_live())
    panel.data_loading = lambda: model.loading  # F5 while loading waits for the data
    model.loadFinished.connect(panel.data_loaded)
    window.scene.nodeSelected.connect(plots.highlight_node)
    panel.diverged_at.connect(lambda node: _select(window, node))
    window.close_hooks.append(panel.shutdown)
    return panel


def _select(window, node_id) -> None:
    """Divergence names a node: select it in the editor so the person sees where."""
    if node_id and node_id in window.model.graph.nodes:
        window.scene.select_ids([node_id])
    dock = window.docks.get("trainingDock")
    if dock is not None:
        dock.raise_()


def _scrolling(widget) -> QScrollArea:
    """The panel scrolls instead of forcing the window taller."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
