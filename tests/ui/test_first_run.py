"""First run: the Welcome panel, themes, and a sweep for controls without tooltips.

The window is built as ``bpstudio`` builds it (``MainWindow`` + ``install_first_run``).
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QMenu,
    QMenuBar,
    QTabBar,
    QTableView,
    QToolBar,
    QToolButton,
)

from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui import theme
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.projects import Recovery
from bpstudio.ui.tips import has_own_tooltip
from bpstudio.ui.welcome import DOCK, SETTING, install_first_run


def _window(qtbot, tmp_path) -> MainWindow:
    window = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(window)
    install_first_run(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.dataset is not None or not window.model.loading)
    QTest.qWait(50)  # the layout restore and the welcome's first show run in timers
    return window


def _close(window) -> None:
    window.model.mark_saved()
    window.close()


# --------------------------------------------------------------------- tooltips
def _chrome(button: QAbstractButton) -> bool:
    """Qt's own buttons: dock title bars, a table's corner, tab scrolling, bar extensions."""
    parent = button.parentWidget()
    qt_parts = QDockWidget | QTableView | QToolBar | QTabBar | QMenuBar
    return isinstance(parent, qt_parts) and not button.text()


def buttons_without_tooltips(window) -> list[str]:
    """'Type "text" in Owner' for each button that explains nothing (hidden ones too:
    a source page not chosen yet, a Cancel shown only while loading)."""
    missing = []
    for b in window.findChildren(QAbstractButton):
        if _chrome(b):
            continue
        action = b.defaultAction() if isinstance(b, QToolButton) else None
        tip = b.toolTip() if action is None or not has_own_tooltip(action) else action.toolTip()
        if not tip.strip():
            owner = type(b.parentWidget()).__name__
            missing.append(f'{type(b).__name__} "{b.text()}" in {owner}')
    return sorted(missing)


def _in_pyqtgraph(obj) -> bool:
    """pyqtgraph's own plot context menus (View All, Export...) are not ours to word."""
    while obj is not None:
        if type(obj).__module__.startswith("pyqtgraph"):
            return True
        obj = obj.parent()
    return False


def actions_without_tooltips(window) -> list[str]:
    """Menu and toolbar actions whose tooltip is only Qt's default (the menu text)."""
    menu_actions = {m.menuAction() for m in window.findChildren(QMenu)}
    menu_actions |= {t.toggleViewAction() for t in window.findChildren(QToolBar)}
    missing = []
    for a in window.findChildren(QAction):
        if a.isSeparator() or not a.text() or a in menu_actions or _in_pyqtgraph(a):
            continue
        if not has_own_tooltip(a):
            missing.append(a.text().replace("&", ""))
    return sorted(missing)


def test_every_button_and_action_of_the_main_window_has_a_tooltip(
    qtbot, isolated_settings, tmp_path
):
    window = _window(qtbot, tmp_path)
    for dock in window.docks.values():  # tabbed docks hide their contents: show each
        dock.show()
        dock.raise_()
    assert buttons_without_tooltips(window) == []
    assert actions_without_tooltips(window) == []
    _close(window)


def test_action_tooltips_name_the_shortcut(qtbot, isolated_settings, tmp_path):
    window = _window(qtbot, tmp_path)
    save = window.actions["save"]
    assert save.toolTip().endswith(f"({save.shortcut().toString()})")
    assert save.statusTip().startswith("Save the project")
    _close(window)


# ---------------------------------------------------------------------- welcome
def test_welcome_shows_on_first_run_names_the_four_steps_and_is_remembered(
    qtbot, isolated_settings, tmp_path
):
    from PySide6.QtCore import QSettings

    window = _window(qtbot, tmp_path)
    dock = window.docks[DOCK]
    qtbot.waitUntil(dock.isVisible)
    text = window.welcome.steps.text() + window.welcome.intro.text()
    for step in ("Forward", "Loss", "Backward", "Update", "spiral"):
        assert step in text
    window.welcome.dismiss()
    assert not dock.isVisible()
    assert QSettings().value(SETTING, type=bool) is True
    assert "Help > Welcome" in window.statusBar().currentMessage()
    _close(window)

    again = _window(qtbot, tmp_path)
    QTest.qWait(50)
    assert not again.docks[DOCK].isVisible()
    again.actions["welcome"].trigger()  # Help > Welcome brings it back
    assert again.docks[DOCK].isVisible()
    _close(again)


def test_welcome_gallery_button_opens_the_example_gallery(qtbot, isolated_settings, tmp_path):
    window = _window(qtbot, tmp_path)
    opened = []
    window.actions["open_example"].triggered.disconnect()
    window.actions["open_example"].triggered.connect(lambda *_: opened.append(True))
    window.welcome._open_gallery()
    assert opened == [True]
    _close(window)


# ------------------------------------------------------------------------ theme
@pytest.mark.parametrize("choice", ["dark", "light"])
def test_theme_choice_sets_the_palette_and_is_saved(qtbot, isolated_settings, tmp_path, choice):
    window = _window(qtbot, tmp_path)
    app = QApplication.instance()
    window.actions[f"theme_{choice}"].trigger()
    window_colour = app.palette().color(QPalette.ColorRole.Window)
    if theme._styled_by_us(app):
        assert (window_colour.lightness() < 100) == (choice == "dark")
    assert theme.chosen_theme() == choice
    assert choice in window.statusBar().currentMessage()
    window.actions["theme_system"].trigger()  # the other tests expect the system's
    _close(window)


def test_system_theme_follows_the_style_hints(monkeypatch, qapp):
    from PySide6.QtCore import Qt

    class Hints:
        def __init__(self, scheme):
            self.scheme = scheme

        def colorScheme(self):
            return self.scheme

    monkeypatch.setattr(theme.QGuiApplication, "styleHints", lambda: Hints(Qt.ColorScheme.Dark))
    assert theme.effective_scheme("system") == "dark"
    monkeypatch.setattr(theme.QGuiApplication, "styleHints", lambda: Hints(Qt.ColorScheme.Light))
    assert theme.effective_scheme("system") == "light"
    assert theme.effective_scheme("dark") == "dark"


def test_the_window_icon_is_found_through_importlib_resources(qapp):
    assert not theme.app_icon().isNull()


# ------------------------------------------------------------------ status bar
def test_status_bar_says_what_just_happened(qtbot, isolated_settings, tmp_path):
    window = _window(qtbot, tmp_path)
    bar = window.statusBar()
    window.model.load_data()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Data loaded"))
    assert bar.currentMessage().startswith("Data loaded: 600 samples (480 train, 120 validation)")
    panel = getattr(window, "training_panel", None)
    if panel is not None:
        window.model.session.project.training["epochs"] = 2
        window.train_actions["start"].trigger()
        qtbot.waitUntil(lambda: bar.currentMessage().startswith("Training ended"), timeout=30000)
        assert "2 epochs, validation loss" in bar.currentMessage()
    _close(window)


def test_the_canvas_and_its_legend_stay_light_in_the_dark_theme(qtbot, isolated_settings, tmp_path):
    window = _window(qtbot, tmp_path)
    window.actions["theme_dark"].trigger()
    for widget in (window.view, *window.view.findChildren(QAbstractButton)):
        text = widget.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() < 100  # dark text, as on the light canvas
    window.actions["theme_system"].trigger()
    _close(window)
