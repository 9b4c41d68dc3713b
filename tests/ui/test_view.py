"""Canvas gestures: zoom, fit, middle-button pan, rubber-band selection, double-click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from bpstudio.session import Session

from .helpers import Answers, shown_window


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    answers = Answers(monkeypatch)
    w = shown_window(qtbot, Session.open_example("spiral"), tmp_path / "rec", (1300, 850))
    w.answers = answers
    return w


def test_zoom_keys_and_fit(window):
    view = window.view
    view.fit()
    z = view.zoom
    window.actions["zoom_in"].trigger()
    assert view.zoom == pytest.approx(z * 1.25)
    window.actions["zoom_out"].trigger()
    window.actions["zoom_out"].trigger()
    assert view.zoom < z
    for _ in range(40):
        view.zoom_in()
    assert view.zoom == pytest.approx(3.0)  # clamped
    window.actions["fit"].trigger()
    rect = view.mapFromScene(window.scene.itemsBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(rect)


def test_middle_button_pans(window):
    view, vp = window.view, window.view.viewport()
    view.zoom_by(2.5)
    before = view.verticalScrollBar().value()
    mid = vp.rect().center()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, mid)
    QTest.mouseMove(vp, mid + QPoint(0, 60))
    QTest.mouseRelease(
        vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, mid + QPoint(0, 60)
    )
    assert view.verticalScrollBar().value() == before - 60


def test_rubber_band_selects_the_nodes_inside(window):
    scene, view, vp = window.scene, window.view, window.view.viewport()
    view.fit()
    rect = scene.itemsBoundingRect()
    start = view.mapFromScene(rect.topLeft() - QPointF(30, 30))
    end = view.mapFromScene(
        QPointF(rect.right() + 30, scene.nodes["act1"].sceneBoundingRect().bottom() + 5)
    )
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert scene.selected_node_ids() == ["x", "fc1", "act1"]


def test_dragging_a_node_moves_it_in_one_undo_step(window):
    scene, view, vp = window.scene, window.view, window.view.viewport()
    item = scene.nodes["act1"]
    before = window.model.graph.nodes["act1"].pos
    a = view.mapFromScene(item.sceneBoundingRect().center() + QPointF(-40, 0))
    b = a + QPoint(120, 0)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(vp, a + QPoint(60, 0))
    QTest.mouseMove(vp, b)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    after = window.model.graph.nodes["act1"].pos
    assert after[0] > before[0] and after[1] == before[1]
    assert after[0] % 10 == 0  # snapped to the grid
    window.actions["undo"].trigger()
    assert window.model.graph.nodes["act1"].pos == before
    assert (item.x(), item.y()) == before


def test_double_click_on_empty_canvas_asks_for_a_layer(window):
    scene, view, vp = window.scene, window.view, window.view.viewport()
    scene.addRequested.disconnect()  # the real handler opens a menu and waits
    asked = []
    scene.addRequested.connect(asked.append)
    empty = view.mapFromScene(scene.itemsBoundingRect().topRight() + QPointF(200, 0))
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty)
    assert len(asked) == 1
    on_node = view.mapFromScene(scene.nodes["fc1"].sceneBoundingRect().center())
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, on_node)
    assert len(asked) == 1


def test_right_click_selects_what_the_menu_acts_on(window):
    scene = window.scene
    scene.select_ids(["x"])
    scene._select_for_menu(scene.nodes["fc1"].out_port)
    assert scene.selected_node_ids() == ["fc1"]
    names = [a.text() for a in window.view.actions() if not a.isSeparator()]
    assert names[:5] == ["&Add Layer…", "Cu&t", "&Copy", "&Paste", "&Delete"]
