"""The window's panel layout: a layout saved by an older build, or one that crushes a
panel, gives way to the default one; the Backprop steps controls always fit."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.ui.main_window import LAYOUT_VERSION, MainWindow
from bpstudio.ui.projects import Recovery

from .helpers import Answers

SPIRAL = {"source": "synthetic", "name": "spiral", "samples": 100, "seed": 0, "classes": 3}
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


def _window(qtbot, tmp_path, monkeypatch) -> MainWindow:
    Answers(monkeypatch)
    project = Project(Graph(), dict(SPIRAL))
    w = MainWindow(Session(project), recovery=Recovery(tmp_path / "recovery"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: hasattr(w, "_default_state"), timeout=3000)
    qtbot.wait(50)  # the layout check runs a turn later
    return w


def _crush(w, version: int) -> None:
    """Every bottom panel side by side, as an older build left them, saved."""
    bottom = [d for d in w.docks.values() if w.dockWidgetArea(d) == BOTTOM]
    for d in bottom:
        w.removeDockWidget(d)
    for d in bottom:
        w.addDockWidget(BOTTOM, d, Qt.Orientation.Horizontal)
        d.show()
    w.resizeDocks(bottom, [40] * len(bottom), Qt.Orientation.Vertical)
    QSettings().setValue("window/state", w.saveState(version))


def _tabbed(w) -> bool:
    steps = w.docks["backpropStepsDock"]
    return w.docks["diagnosisDock"] in w.tabifiedDockWidgets(steps)


def test_default_layout_tabs_the_bottom_panels_and_crushes_none(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    w = _window(qtbot, tmp_path, monkeypatch)
    assert _tabbed(w) and w.crushed_docks() == []


def test_a_layout_saved_by_an_older_build_is_not_restored(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    first = _window(qtbot, tmp_path, monkeypatch)
    _crush(first, version=0)  # QMainWindow.saveState() without a version
    again = _window(qtbot, tmp_path, monkeypatch)
    assert _tabbed(again) and again.crushed_docks() == []


def test_a_saved_layout_that_crushes_a_panel_gives_way_to_the_default(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    first = _window(qtbot, tmp_path, monkeypatch)
    _crush(first, version=LAYOUT_VERSION)
    again = _window(qtbot, tmp_path, monkeypatch)
    qtbot.waitUntil(lambda: again.crushed_docks() == [], timeout=3000)
    assert _tabbed(again)


def test_a_saved_layout_of_this_version_is_restored(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    first = _window(qtbot, tmp_path, monkeypatch)
    first.docks["paletteDock"].hide()
    first.save_layout()
    again = _window(qtbot, tmp_path, monkeypatch)
    assert not again.docks["paletteDock"].isVisible()


def test_backprop_step_buttons_fit_their_dock(qtbot, tmp_path, isolated_settings, monkeypatch):
    w = _window(qtbot, tmp_path, monkeypatch)
    dock, steps = w.docks["backpropStepsDock"], w.viz.steps
    dock.raise_()
    qtbot.wait(20)
    right = steps.next_btn.mapTo(dock, steps.next_btn.rect().topRight()).x()
    assert 0 < right <= dock.width()


def test_the_graph_fills_the_canvas_on_a_fresh_launch(qtbot, tmp_path, isolated_settings):
    from bpstudio.session import DEFAULT_EXAMPLE

    w = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    view = w.view

    def shown():
        return view.mapFromScene(w.scene.itemsBoundingRect()).boundingRect()

    port = view.viewport().rect()
    # every node in sight once the layout restore and the fit (timers) have run
    qtbot.waitUntil(lambda: view.viewport().rect().contains(shown()), timeout=3000)
    w.resize(1200, 800)  # the docks settling again: the graph follows until zoomed
    qtbot.waitUntil(lambda: view.viewport().rect().contains(shown()), timeout=3000)
    port = view.viewport().rect()
    # as large as the canvas beside or below the legend allows (capped at 1.25x zoom)
    assert shown().height() > 0.5 * port.height() or view.zoom >= 1.2
