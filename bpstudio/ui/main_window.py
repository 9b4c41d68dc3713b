"""The main window: the graph editor in the centre, docks around it, the menus.

Extension point for other panels (training, plots, backprop views):
``window.add_dock(title, widget, area, object_name)`` adds a dock whose visibility
is listed in the View menu and whose place is saved with the layout;
``window.add_train_action(key, action)`` puts an action in the Train menu, the toolbar
and ``window.train_actions[key]``; ``window.close_hooks`` are called (no arguments)
when the window closes, after the person agreed (stop a run there); the model's
``projectReplaced`` signal says a different project is now shown.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
)

from bpstudio.ui import menus
from bpstudio.ui.blas import use_app_blas_threads
from bpstudio.ui.editor import GraphScene, GraphView
from bpstudio.ui.errors import guarded
from bpstudio.ui.file_actions import FileActions
from bpstudio.ui.inspector import Inspector
from bpstudio.ui.model import ProjectModel
from bpstudio.ui.palette import Palette
from bpstudio.ui.projects import Recovery
from bpstudio.ui.wheel_guard import guard_wheel

AUTOSAVE_MS = 60_000
LONG_RUN_S = 30.0  # training seconds after which closing asks before ending the run
# Bump whenever docks are added, renamed or rearranged by default: a layout saved by an
# older build would otherwise squeeze the new docks into slivers (QMainWindow restores
# only the docks it knows, at the sizes it saved).
LAYOUT_VERSION = 2
# Below this a dock is a sliver: titles cut, plots a few pixels tall.
MIN_DOCK = (150, 110)
MIN_CANVAS = (240, 200)  # the graph editor, likewise
Area = Qt.DockWidgetArea


def _duration(seconds: float) -> str:
    """'45 s', '3.5 minutes'."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} minutes"


class MainWindow(FileActions, QMainWindow):
    def __init__(self, session, recovery: Recovery | None = None, parent=None):
        super().__init__(parent)
        use_app_blas_threads()  # once, before any view computes or a worker starts
        self.model = ProjectModel(session, self)
        self.recovery = recovery or Recovery()
        self.train_actions: dict[str, QAction] = {}
        self.close_hooks: list = []
        self.docks: dict[str, QDockWidget] = {}
        self._layout_restored = False
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AnimatedDocks
        )
        self._build_centre()
        menus.build(self)
        self._build_docks()
        self._build_status()
        guard_wheel(self)  # the wheel scrolls panels, not the fields it passes over
        self.model.modifiedChanged.connect(lambda _: self.update_title())
        self.model.projectReplaced.connect(self.update_title)
        self.model.graphChanged.connect(self._update_status)
        self._autosave = QTimer(self, interval=AUTOSAVE_MS, timeout=self.autosave)
        self._autosave.start()
        self.update_title()
        self._update_status()

    # ----------------------------------------------------------------- layout
    def _build_centre(self) -> None:
        self.scene = GraphScene(self.model, self)
        self.view = GraphView(self.scene, self)
        self.setCentralWidget(self.view)
        self.view.filesDropped.connect(self.open_paths)
        self.scene.addRequested.connect(guarded(self.show_add_menu))
        self.model.projectReplaced.connect(lambda: QTimer.singleShot(0, self.view.fit))

    def _build_docks(self) -> None:
        """Layers and inspector on the left, the dataset on the right; text panels
        scroll, so the docks other panels add never force the window taller."""
        self.palette = Palette(self)
        self.palette.opActivated.connect(guarded(lambda op: self.scene.add_node(op)))
        self.add_dock("Layers", self.palette, Area.LeftDockWidgetArea, "paletteDock")
        self.inspector = Inspector(self.model, self)
        self.scene.nodeSelected.connect(self.inspector.show_node)
        left = Area.LeftDockWidgetArea
        self.add_dock("Inspector", _scrolling(self.inspector), left, "inspectorDock")
        from bpstudio.ui.dataset_panel import DatasetPanel

        self.dataset_panel = DatasetPanel(self.model, self)
        right = Area.RightDockWidgetArea
        self.add_dock("Dataset", _scrolling(self.dataset_panel), right, "datasetDock")
        from bpstudio.ui.training.install import install_training

        install_training(self)  # training panel, plots dock, Train menu actions
        from bpstudio.ui.viz.install import install_viz

        install_viz(self)  # backprop views: step-through, diagnosis, boundary, evaluation
        from bpstudio.ui.tools.install import install_tools

        install_tools(self)  # gradient check, learning-rate finder, inference

    def add_dock(self, title: str, widget, area=Area.RightDockWidgetArea, object_name: str = ""):
        """Add ``widget`` in a dock (listed in View, its place saved); returns the dock.

        The widget scrolls inside its dock when the dock is smaller than it needs, so
        no panel's minimum size can make the window taller than the screen."""
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name or f"{title.replace(' ', '')}Dock")
        scrolls = isinstance(widget, QAbstractScrollArea)
        dock.setWidget(widget if scrolls else _scrolling(widget, horizontal=True))
        self.addDockWidget(area, dock)
        self.docks[dock.objectName()] = dock
        self.view_docks_menu.addAction(dock.toggleViewAction())
        return dock

    def add_train_action(self, key: str, action: QAction) -> QAction:
        """Put ``action`` in the Train menu and the toolbar, as ``train_actions[key]``."""
        action.setParent(self)
        self.train_actions[key] = action
        self.train_menu.insertAction(self._train_separator, action)
        self.toolbar.addAction(action)
        return action

    def _build_status(self) -> None:
        self.problems_label = QLabel()
        self.problems_label.setStyleSheet("color: #b91c1c; padding: 0 6px;")
        self.statusBar().addPermanentWidget(self.problems_label)

    def _update_status(self) -> None:
        analysis = self.model.analysis()
        errors = [i for i in analysis.issues if i.severity == "error"]
        if not errors:
            self.problems_label.setText("")
            self.problems_label.setToolTip("")
            return
        first = errors[0]
        where = f"{first.node_id}: " if first.node_id else ""
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        self.problems_label.setText(f"⚠ {where}{first.message}{more}")
        self.problems_label.setToolTip("\n".join(i.message for i in errors))

    # ----------------------------------------------------------------- title
    def project_display_name(self) -> str:
        project = self.model.project
        if project.path:
            return project.path.stem
        source = getattr(project, "source", None)
        return source.stem if source else "untitled"

    def update_title(self) -> None:
        self.setWindowTitle(f"{self.project_display_name()}[*] — bpstudio")
        self.setWindowModified(self.model.is_modified())

    # ------------------------------------------------------------------- menu
    def show_add_menu(self, scene_pos=None) -> None:
        """The op menu (double-click on the canvas, or A): the chosen op lands there."""
        from bpstudio.graph.catalogue import CATEGORIES, OPS

        menu = QMenu(self)
        for category in CATEGORIES:
            sub = menu.addMenu(category)
            for spec in (s for s in OPS.values() if s.category == category):
                act = sub.addAction(spec.name)
                act.setToolTip(spec.help)
                act.setData(spec.name)
        if scene_pos is None:
            cursor = self.view.mapFromGlobal(self.cursor().pos())
            inside = self.view.rect().contains(cursor)
            scene_pos = self.view.mapToScene(cursor if inside else self.view.rect().center())
        chosen = menu.exec(self.view.mapToGlobal(self.view.mapFromScene(scene_pos)))
        if chosen is not None and chosen.data():
            self.scene.add_node(chosen.data(), scene_pos)

    # -------------------------------------------------------- settings/close
    def apply_default_layout(self) -> None:
        """Sizes for every dock by area: side columns narrow, the bottom row short, the
        dataset taller than what shares its column; the training settings share the
        dataset's place as a tab (both are set up before a run, one at a time)."""
        dataset, training = self.docks["datasetDock"], self.docks.get("trainingDock")
        if training is not None and self.dockWidgetArea(training) == self.dockWidgetArea(dataset):
            self.tabifyDockWidget(dataset, training)
            dataset.raise_()
        areas: dict = {}
        for dock in self.docks.values():
            if not dock.isFloating():
                areas.setdefault(self.dockWidgetArea(dock), []).append(dock)
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        for area, width in ((Area.LeftDockWidgetArea, 250), (Area.RightDockWidgetArea, 470)):
            docks = areas.get(area, [])
            self.resizeDocks(docks, [width] * len(docks), horizontal)
            first = {"paletteDock", "datasetDock"}
            self.resizeDocks(
                docks, [560 if d.objectName() in first else 380 for d in docks], vertical
            )
        bottom = areas.get(Area.BottomDockWidgetArea, [])
        self.resizeDocks(bottom, [230] * len(bottom), vertical)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)

    def showEvent(self, event):
        if not self._layout_restored:
            self._layout_restored = True  # after extensions added their docks
            QTimer.singleShot(0, self._restore_layout)  # once the window has its size
        super().showEvent(event)

    def _restore_layout(self) -> None:
        """The default layout, then the saved one if it is of this layout version and
        leaves every shown dock a usable size; the graph fits the view afterwards."""
        self.apply_default_layout()
        self._default_state = self.saveState(LAYOUT_VERSION)
        settings = QSettings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None and self.restoreState(state, LAYOUT_VERSION):
            QTimer.singleShot(0, self._check_layout)  # sizes are known once laid out
        QTimer.singleShot(0, self.view.keep_fitted)  # the docks settle in later passes

    def _check_layout(self) -> None:
        """A saved layout that crushes a dock gives way to the default one; panels the
        person had closed stay closed. A small window crushes any layout: left alone."""
        if self.width() < 1000 or self.height() < 650 or not self.crushed_docks():
            return
        closed = [d for d in self.docks.values() if d.isHidden()]
        self.reset_layout()
        for dock in closed:
            dock.hide()
        QTimer.singleShot(0, self.view.fit)

    def crushed_docks(self) -> list[str]:
        """Names of shown, docked panels smaller than ``MIN_DOCK`` (a tab behind another
        tab counts as hidden: it takes the shown tab's size when raised), and "canvas"
        when the graph editor is smaller than ``MIN_CANVAS``."""
        w, h = MIN_DOCK
        crushed = [
            name
            for name, d in self.docks.items()
            if d.isVisible()
            and not d.isFloating()
            and not (self.tabifiedDockWidgets(d) and d.visibleRegion().isEmpty())
            and (d.width() < w or d.height() < h)
        ]
        # docks sized for a larger screen than this one squeeze the canvas instead
        canvas = self.view.viewport()
        if canvas.width() < MIN_CANVAS[0] or canvas.height() < MIN_CANVAS[1]:
            crushed.append("canvas")
        return crushed

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(LAYOUT_VERSION))

    def closeEvent(self, event):
        if not self.may_stop_training() or not self.maybe_save():
            event.ignore()
            return
        for hook in self.close_hooks:
            guarded(hook)()
        self.model.stop_loading()
        self.save_layout()
        self.recovery.clear()
        self._autosave.stop()
        event.accept()

    def may_stop_training(self) -> bool:
        """True unless a run has trained for LONG_RUN_S or more and the person chose to
        keep it: closing ends the run, and its weights go unless exported (closing
        mid-run dropped minutes of training without a word)."""
        runner = getattr(getattr(self, "training_panel", None), "runner", None)
        trainer = self.model.session.trainer
        if runner is None or not runner.active or trainer is None:
            return True
        if trainer.seconds < LONG_RUN_S:
            return True
        from bpstudio.ui import dialogs

        return dialogs.ask_yes_no(
            self,
            "Stop training?",
            f"Training has run for {_duration(trainer.seconds)} (epoch "
            f"{trainer.epoch + 1}). Closing stops it, and the trained weights are lost "
            "unless exported first (File > Export). Close anyway?",
        )

    @guarded
    def autosave(self) -> None:
        if self.model.is_modified():
            self.recovery.write(self.model.project)

    # -------------------------------------------------------------- drops
    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.open_paths(paths)

    @guarded
    def open_paths(self, paths: list[str]) -> None:
        """A dropped project opens; a dropped CSV, .npz or folder becomes the data."""
        for path in paths[:1]:
            if path.lower().endswith(".bpstudio"):
                self.open_project(path)
            else:
                self.dataset_panel.open_path(path)


def _scrolling(widget, horizontal: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it (text panels wrap their
    lines instead of scrolling sideways)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
