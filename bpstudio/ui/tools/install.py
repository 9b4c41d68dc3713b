"""Plugs the tools into the main window through its extension points only: three docks
(Gradient check, Learning rate, Inference), Train menu entries, the training runner
(the inference copy refreshes when a run pauses or stops) and the close hooks."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from bpstudio.ui.errors import guarded
from bpstudio.ui.tools.gradcheck_panel import GradcheckPanel
from bpstudio.ui.tools.inference_panel import InferencePanel
from bpstudio.ui.tools.lr_panel import LRFinderPanel

Area = Qt.DockWidgetArea


class ToolsController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        model = window.model
        self.gradcheck = GradcheckPanel(model)
        self.lr_finder = LRFinderPanel(model)
        self.inference = InferencePanel(model)
        self._docks(window)
        self._actions(window)
        self._wire(window)

    def _docks(self, window) -> None:
        bottom, right = Area.BottomDockWidgetArea, Area.RightDockWidgetArea
        add = window.add_dock
        self.docks = {
            "gradcheck": add("Gradient check", self.gradcheck, bottom, "gradcheckDock"),
            "lr_finder": add("Learning rate", self.lr_finder, bottom, "lrFinderDock"),
            "inference": add("Inference", self.inference, right, "inferenceDock"),
        }
        # Behind the panels already there: tabs, not more rows and columns.
        evaluation = window.docks.get("evaluationDock")
        if evaluation is not None:
            window.tabifyDockWidget(evaluation, self.docks["gradcheck"])
        window.tabifyDockWidget(self.docks["gradcheck"], self.docks["lr_finder"])
        boundary = window.docks.get("decisionBoundaryDock")
        if boundary is not None:
            window.tabifyDockWidget(boundary, self.docks["inference"])
            boundary.raise_()
        steps = window.docks.get("backpropStepsDock")
        if steps is not None:
            steps.raise_()

    def _actions(self, window) -> None:
        menu = window.train_menu
        menu.addSeparator()
        for key, text, tip, slot in (
            ("gradcheck", "&Gradient Check", "Compare backprop with finite differences",
             self.run_gradcheck),
            ("lr_finder", "Find &Learning Rate", "A short run over growing learning rates",
             self.run_lr_finder),
            ("inference", "&Inference", "Predict one row, image or typed values",
             lambda: self._show("inference")),
        ):  # fmt: skip
            action = QAction(text, window)
            action.setStatusTip(tip)
            action.triggered.connect(guarded(lambda checked=False, s=slot: s()))
            window.actions[key] = action
            menu.addAction(action)

    def _wire(self, window) -> None:
        model = window.model
        panel = getattr(window, "training_panel", None)
        if panel is not None:
            self.inference.attach_runner(panel.runner)
            # Apply (and undoing it) replaces the training settings: show them.
            model.sectionChanged.connect(
                lambda key: panel.form.load() if key == "training" else None
            )
        model.datasetChanged.connect(self.inference.reload)
        model.projectReplaced.connect(self.inference.reload)
        model.projectReplaced.connect(self.gradcheck.reset)
        model.projectReplaced.connect(self.lr_finder.reset)
        # other data (or none after a failed load) drops the weights both were about
        model.datasetChanged.connect(self.gradcheck.reset)
        model.datasetChanged.connect(self.lr_finder.reset)
        model.graphChanged.connect(self._graph_changed)
        window.close_hooks.append(self.shutdown)

    def _graph_changed(self) -> None:
        self.inference.net = None  # the next prediction compiles the new graph

    def _show(self, key: str) -> None:
        dock = self.docks[key]
        dock.show()
        dock.raise_()

    def run_gradcheck(self) -> None:
        self._show("gradcheck")
        self.gradcheck.run()

    def run_lr_finder(self) -> None:
        self._show("lr_finder")
        self.lr_finder.run()

    def shutdown(self) -> None:
        self.gradcheck.shutdown()
        self.lr_finder.shutdown()


def install_tools(window) -> ToolsController:
    """Add the tools to ``window``; returns their controller (also ``window.tools``)."""
    ctl = ToolsController(window)
    window.tools = ctl
    return ctl
