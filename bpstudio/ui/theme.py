"""Light and dark themes that follow the system, and the application icon.

``apply_theme(app)`` is called once after the QApplication exists. The theme is the
``appearance/theme`` setting (``system``, ``light`` or ``dark``; View > Theme), else
the ``BPSTUDIO_THEME`` environment variable, else the system's colour scheme
(``QStyleHints.colorScheme()``, Qt 6.5+), followed live when the system changes.

Where the platform style paints natively (macOS, Windows 11) it already follows the
system, so only Fusion (Linux, or anywhere the native style is missing) gets our
palette. The graph canvas and the plots keep their own light "paper" colours: they are
drawn with fixed colours that read on white (``keep_light``).
"""

from __future__ import annotations

import importlib.resources
import os

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

CHOICES = ("system", "light", "dark")
# Secondary text in either theme (a fixed slate grey was near-invisible on the dark one)
MUTED = "color: palette(placeholder-text);"
SETTING = "appearance/theme"
DESKTOP_ID = "org.bpstudio.bpstudio"  # packaging/org.bpstudio.bpstudio.desktop

# (role, colour) of the dark palette: slate greys with a blue accent
DARK = {
    QPalette.ColorRole.Window: "#1e293b",
    QPalette.ColorRole.WindowText: "#e2e8f0",
    QPalette.ColorRole.Base: "#0f172a",
    QPalette.ColorRole.AlternateBase: "#1e293b",
    QPalette.ColorRole.ToolTipBase: "#0f172a",
    QPalette.ColorRole.ToolTipText: "#e2e8f0",
    QPalette.ColorRole.PlaceholderText: "#94a3b8",
    QPalette.ColorRole.Text: "#e2e8f0",
    QPalette.ColorRole.Button: "#334155",
    QPalette.ColorRole.ButtonText: "#f1f5f9",
    QPalette.ColorRole.BrightText: "#f87171",
    QPalette.ColorRole.Light: "#475569",
    QPalette.ColorRole.Midlight: "#3b4a5f",
    QPalette.ColorRole.Mid: "#273449",
    QPalette.ColorRole.Dark: "#0b1220",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3b82f6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#60a5fa",
    QPalette.ColorRole.LinkVisited: "#a78bfa",
}
DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#64748b",
    QPalette.ColorRole.Text: "#64748b",
    QPalette.ColorRole.ButtonText: "#64748b",
    QPalette.ColorRole.Highlight: "#334155",
}


def chosen_theme() -> str:
    """'system', 'light' or 'dark': the setting, else $BPSTUDIO_THEME, else 'system'."""
    value = str(QSettings().value(SETTING, "") or os.environ.get("BPSTUDIO_THEME", ""))
    return value if value in CHOICES else "system"


def effective_scheme(choice: str | None = None) -> str:
    """'light' or 'dark': the choice, or for 'system' what the desktop asks for."""
    choice = choice or chosen_theme()
    if choice != "system":
        return choice
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", lambda: Qt.ColorScheme.Unknown)()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def keep_light(widget) -> None:
    """``widget`` and its children keep the light palette in either theme: the graph
    canvas is drawn with fixed light colours, so what floats on it (the legend) must
    match it, not the window around it."""
    light = QStyleFactory.create("Fusion").standardPalette()
    # each child explicitly: a child with a style sheet does not inherit the palette
    for w in (widget, *widget.findChildren(QWidget)):
        w.setPalette(light)


def _styled_by_us(app: QApplication) -> bool:
    """True when the style paints from the palette (Fusion), so we must set it."""
    return app.style().name().lower() == "fusion"


def apply_theme(app: QApplication, choice: str | None = None) -> str:
    """Set the palette for ``choice`` (default: the chosen theme); returns 'light'|'dark'."""
    styles = [s.lower() for s in QStyleFactory.keys()]  # noqa: SIM118 (a static list)
    if "fusion" in styles and not _native(app):
        app.setStyle("Fusion")
    scheme = effective_scheme(choice)
    if _styled_by_us(app):
        app.setPalette(dark_palette() if scheme == "dark" else app.style().standardPalette())
    app.setProperty("bpstudio_scheme", scheme)
    return scheme


def _native(app: QApplication) -> bool:
    """macOS and Windows 11 styles follow the system themselves: keep them."""
    return app.style().name().lower() in ("macos", "windows11", "windowsvista")


def follow_system(app: QApplication) -> None:
    """Re-apply the theme when the desktop switches between light and dark."""
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is not None:
        signal.connect(lambda _scheme: chosen_theme() == "system" and apply_theme(app))


def app_icon() -> QIcon:
    """The bpstudio icon (resources/icons/bpstudio.svg, scalable: crisp at any DPI)."""
    path = importlib.resources.files("bpstudio.resources") / "icons" / "bpstudio.svg"
    with importlib.resources.as_file(path) as real:
        return QIcon(str(real)) if real.exists() else QIcon()


def setup_app(app: QApplication) -> None:
    """Icon, desktop file name (Wayland matches the .desktop entry by it) and theme;
    once per application (make_app may be called again for the same instance)."""
    if app.property("bpstudio_setup"):
        return
    app.setProperty("bpstudio_setup", True)
    app.setWindowIcon(app_icon())
    QGuiApplication.setDesktopFileName(DESKTOP_ID)
    apply_theme(app)
    follow_system(app)


def add_theme_menu(window, menu) -> None:
    """View > Theme: System, Light, Dark (remembered in QSettings)."""
    sub = menu.addMenu("&Theme")
    sub.setToolTipsVisible(True)
    group = QActionGroup(window)
    current = chosen_theme()
    for choice in CHOICES:
        action = QAction(choice.capitalize(), window, checkable=True)
        action.setChecked(choice == current)
        action.setToolTip(
            "Follow the desktop's light or dark setting"
            if choice == "system"
            else f"Always use the {choice} theme"
        )
        action.triggered.connect(lambda _=False, c=choice: _choose(window, c))
        group.addAction(action)
        sub.addAction(action)
        window.actions[f"theme_{choice}"] = action


def _choose(window, choice: str) -> None:
    QSettings().setValue(SETTING, choice)
    scheme = apply_theme(QApplication.instance(), choice)
    window.statusBar().showMessage(f"Theme: {choice} ({scheme})", 4000)
