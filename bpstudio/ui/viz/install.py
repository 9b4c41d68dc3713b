"""Plugs the backprop views into the main window: docks, the graph overlay, the runner.

``install_viz(window)`` uses the window's extension points only (``add_dock``,
``scene``, ``view``, ``model``); it finds the TrainingRunner among the window's
children once the window is built (or take ``VizController.attach_runner``).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

from bpstudio.ui.training.runner import TrainingRunner
from bpstudio.ui.viz.boundary_view import BoundaryView
from bpstudio.ui.viz.diagnosis_panel import DiagnosisPanel
from bpstudio.ui.viz.evaluation_view import EvaluationView
from bpstudio.ui.viz.legend import CornerPin, FlowLegend
from bpstudio.ui.viz.overlay import FlowOverlay
from bpstudio.ui.viz.step_panel import StepPanel
from bpstudio.viz.flow import frame_from_stats, frame_from_step
from bpstudio.viz.shadow import why_no_network

Area = Qt.DockWidgetArea
BUSY_STATES = ("running", "stopping")
# While training, the graph overlay and its legend follow the statistics at most once a
# second: each new frame repaints the editor's nodes and the legend in Python (~15 ms,
# on the GIL the worker needs) and the statistics come 4 times a second.
FRAME_INTERVAL_MS = 1000


class VizController(QObject):
    """Routes frames, findings and refresh requests between the views."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        model = window.model
        self.model = model
        self.runner: TrainingRunner | None = None
        self.last_stats = None
        self._frame_shown = 0.0  # time.monotonic() of the last training frame
        self._frame_timer = QTimer(self, singleShot=True, timeout=self._show_stats_frame)
        self.overlay = FlowOverlay(window.scene, self)
        self.legend = FlowLegend()
        self.pin = CornerPin(window.view, self.legend)
        self.steps = StepPanel(model)
        self.diagnosis = DiagnosisPanel(model)
        self.boundary = BoundaryView(model)
        self.evaluation = EvaluationView(model)
        self._docks(window)
        self._wire()

    def _docks(self, window) -> None:
        bottom, right = Area.BottomDockWidgetArea, Area.RightDockWidgetArea
        self.docks = {
            "steps": window.add_dock("Backprop steps", self.steps, bottom, "backpropStepsDock"),
            "diagnosis": window.add_dock("Diagnosis", self.diagnosis, bottom, "diagnosisDock"),
            "boundary": window.add_dock(
                "Decision boundary", self.boundary, right, "decisionBoundaryDock"
            ),
            "evaluation": window.add_dock("Evaluation", self.evaluation, bottom, "evaluationDock"),
        }
        # New batch, Back and Next stay in sight however narrow the layout makes the
        # dock (the panel scrolls sideways, which would hide Next at the right)
        self.docks["steps"].setMinimumWidth(self.steps.controls_width())
        window.tabifyDockWidget(self.docks["steps"], self.docks["diagnosis"])
        window.tabifyDockWidget(self.docks["diagnosis"], self.docks["evaluation"])
        self.docks["steps"].raise_()

    def _wire(self) -> None:
        self.steps.frameChanged.connect(self.show_frame)
        self.steps.stepped.connect(self._weights_changed)
        self.diagnosis.findingsChanged.connect(self.overlay.show_findings)
        self.legend.enabledChanged.connect(self.overlay.set_enabled)
        self.legend.modeChanged.connect(self._mode_changed)
        self.model.projectReplaced.connect(self._project_replaced)
        self.model.datasetChanged.connect(self._data_changed)
        self.model.graphChanged.connect(self._graph_changed)
        self.docks["boundary"].visibilityChanged.connect(self._boundary_shown)
        self.docks["evaluation"].visibilityChanged.connect(self._evaluation_shown)

    # ------------------------------------------------------------------ runner
    def attach_runner(self, runner: TrainingRunner) -> None:
        if runner is self.runner:
            return
        self.runner = runner
        runner.packet.connect(self.on_packet)
        runner.state_changed.connect(self.on_state)

    def find_runner(self) -> None:
        runners = self.window.findChildren(TrainingRunner)
        if runners:
            self.attach_runner(runners[0])
            finder = getattr(self, "_finder", None)
            if finder is not None:
                finder.stop()

    def on_packet(self, packet) -> None:
        if packet.stats is not None:
            self.last_stats = packet.stats
            if not self._frame_timer.isActive():
                wait = FRAME_INTERVAL_MS / 1000 - (time.monotonic() - self._frame_shown)
                self._frame_timer.start(max(0, int(wait * 1000)))
            self.diagnosis.on_stats(packet.stats)
            self.boundary.request()
        if packet.epochs:
            self.evaluation.request()

    def on_state(self, state: str) -> None:
        busy = state in BUSY_STATES
        self.steps.set_busy(busy)
        self.diagnosis.set_busy(busy)
        self.boundary.set_busy(busy)
        self.evaluation.set_busy(busy)
        if state in ("idle", "paused"):
            if self._frame_timer.isActive():  # the newest statistics at once
                self._frame_timer.stop()
                self._show_stats_frame()
            self._weights_changed()

    def _show_stats_frame(self) -> None:
        if self.last_stats is not None:
            self._frame_shown = time.monotonic()
            self.show_frame(frame_from_stats(self.last_stats, self.legend.mode), "training")

    # ----------------------------------------------------------------- frames
    def show_frame(self, frame, source: str = "") -> None:
        if frame.mode != self.legend.mode:
            self.legend.blockSignals(True)
            self.legend.set_mode(frame.mode)
            self.legend.blockSignals(False)
        self.overlay.show_frame(frame)
        self.legend.set_frame(frame, source)
        self.pin.place()

    def _mode_changed(self, mode: str) -> None:
        st = self.steps.step
        if self.runner is not None and self.runner.state in BUSY_STATES and self.last_stats:
            self.show_frame(frame_from_stats(self.last_stats, mode), "training")
        elif st is not None and st.phase is not None:
            self.show_frame(frame_from_step(st, mode), f"step-through: {st.phase}")
        elif self.last_stats is not None:
            self.show_frame(frame_from_stats(self.last_stats, mode), "training")

    # ---------------------------------------------------------------- changes
    def _weights_changed(self, *_args) -> None:
        self.boundary.request()
        self.evaluation.request()

    def _boundary_shown(self, visible: bool) -> None:
        if visible:
            QTimer.singleShot(0, self.boundary.request)  # once the dock is really shown

    def _evaluation_shown(self, visible: bool) -> None:
        if visible:
            QTimer.singleShot(0, self.evaluation.request)

    def _graph_changed(self) -> None:
        session = self.model.session
        if self.steps.step is not None and session.network_stale:
            self.steps.reset("The graph changed: start a new batch.")
        problem = self._problem()
        if problem:  # nothing shown may describe a network that cannot be built
            self._clear_views(problem)
        elif session.network_stale:  # findings about the network before the edit
            self.diagnosis.clear()
            self._weights_changed()  # the pictures say the network must be rebuilt
        # the overlay may need items for new nodes and edges
        QTimer.singleShot(0, lambda: self.overlay.show_frame(self.overlay.frame))

    def _problem(self) -> str:
        """The graph's first error (what stops it compiling), or ""."""
        errors = [i for i in self.model.analysis().issues if i.severity == "error"]
        if not errors:
            return ""
        first = errors[0]
        return f"{first.node_id}: {first.message}" if first.node_id else first.message

    def _clear_views(self, text: str) -> None:
        """Every picture and finding goes: they belong to a model no longer shown."""
        self._frame_timer.stop()
        self.last_stats = None
        self.overlay.show_frame(None)
        self.legend.set_frame(None)
        self.diagnosis.clear(text if self._problem() else "")
        self.boundary.clear(text)
        self.evaluation.clear(text)

    def _data_changed(self) -> None:
        """Other data (or none, after a failed load): the step, the pictures, the
        findings were all computed on the old data."""
        if self.steps.step is not None:
            self.steps.reset("The data changed: start a new batch.")
        self._clear_views(why_no_network(self.model.session))
        self._weights_changed()

    def _project_replaced(self) -> None:
        self.steps.reset()
        self._clear_views(why_no_network(self.model.session))
        self._weights_changed()


def install_viz(window) -> VizController:
    """Add the backprop views to ``window``; returns their controller."""
    ctl = VizController(window)
    window.viz = ctl
    # The training panel may create its runner after this; look until one is found.
    ctl._finder = QTimer(ctl, interval=1000, timeout=ctl.find_runner)
    ctl._finder.start()
    QTimer.singleShot(0, ctl.find_runner)
    return ctl
