"""The mouse wheel scrolls panels, not the values of the fields it passes over.

Qt's combo and spin boxes take wheel events whenever the pointer is over them, focused
or not: scrolling the Dataset panel with the wheel changed its Normalise setting on the
way down (and reloaded the data). ``guard_wheel(root)`` makes every field under ``root``
take the wheel only once it has the focus (a click or Tab); until then the wheel scrolls
the scroll area around it, or nothing.

The filter sits on the fields themselves, not on the application: an application-wide
Python event filter runs Python for every event of the app (timers, paints, queued
signals), each call taking the GIL from the training worker, and once deadlocked a test
run with a garbage collection on another thread.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox

FIELDS = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    """Event filter for fields: a wheel event on an unfocused field goes to the
    enclosing scroll area's viewport instead."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.Wheel or obj.hasFocus():
            return False
        area = enclosing_scroll_area(obj)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True


_GUARD: WheelGuard | None = None


def guard_wheel(root) -> None:
    """Guard every combo and spin box under ``root`` (and ``root`` itself if it is one);
    call it again after adding fields. Fields take the focus from a click or Tab only,
    never from the wheel, so a wheel over them never focuses them by the way."""
    global _GUARD
    if _GUARD is None:
        _GUARD = WheelGuard(QApplication.instance())
    fields = [root] if isinstance(root, FIELDS) else []
    for kind in FIELDS:
        fields += root.findChildren(kind)
    for field in fields:
        if field.property("bpstudio_wheel_guard"):
            continue
        field.setProperty("bpstudio_wheel_guard", True)
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        field.installEventFilter(_GUARD)


def enclosing_scroll_area(widget) -> QAbstractScrollArea | None:
    """The nearest scroll area holding ``widget``, or None."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent
