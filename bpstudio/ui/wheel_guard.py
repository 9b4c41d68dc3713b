"""The mouse wheel scrolls panels, not the values of the fields it passes over.

Qt's combo and spin boxes take wheel events whenever the pointer is over them, focused
or not: scrolling the Dataset panel with the wheel changed its Normalise setting on the
way down (and reloaded the data). ``install_wheel_guard(app)`` makes a field take the
wheel only once it has the focus (a click or Tab); until then the wheel scrolls the
scroll area around it, or nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox

FIELDS = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    """Application event filter: wheel events on unfocused fields go to the enclosing
    scroll area's viewport instead."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, FIELDS):
            return False
        if obj.hasFocus():
            return False
        area = enclosing_scroll_area(obj)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True


def enclosing_scroll_area(widget) -> QAbstractScrollArea | None:
    """The nearest scroll area holding ``widget``, or None."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Filter ``app``'s events; returns the guard (it is parented to ``app``)."""
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
