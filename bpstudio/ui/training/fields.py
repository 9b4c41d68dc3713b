"""Small input widgets for hyperparameters: numbers typed as text (learning rates span
decades, so a spin box is the wrong tool), tuples of numbers, optional numbers."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox

BAD_STYLE = "border: 1px solid #dc2626; background: #fef2f2;"


class NumberEdit(QLineEdit):
    """A float (or tuple of floats, or nothing when ``optional``); ``edited`` when a valid
    value was entered, red with a tooltip while the text is not one."""

    edited = Signal()

    def __init__(self, value, optional: bool = False, minimum: float | None = 0.0, parent=None):
        super().__init__(parent)
        self.optional = optional
        self.minimum = minimum
        self._is_tuple = isinstance(value, tuple | list)
        self._value = value
        self.set_value(value)
        self.editingFinished.connect(self._finish)
        self.textEdited.connect(self._check)
        if optional:
            self.setPlaceholderText("off")

    def value(self):
        return self._value

    def set_value(self, value) -> None:
        self._value = tuple(value) if self._is_tuple and value is not None else value
        if value is None:
            self.setText("")
        elif self._is_tuple:
            self.setText(", ".join(f"{v:g}" for v in value))
        else:
            self.setText(f"{value:g}")
        self.setStyleSheet("")

    def _parse(self, text: str):
        text = text.strip()
        if not text:
            if self.optional:
                return None
            raise ValueError("a number is needed")
        parts = [float(p) for p in text.replace(";", ",").split(",")]
        for p in parts:
            if not math.isfinite(p):
                raise ValueError("must be finite")
            if self.minimum is not None and p < self.minimum:
                raise ValueError(f"must be >= {self.minimum:g}")
        if self._is_tuple:
            return tuple(parts)
        if len(parts) != 1:
            raise ValueError("one number")
        return parts[0]

    def _check(self, text: str) -> bool:
        try:
            self._parse(text)
        except ValueError as e:
            self.setStyleSheet(BAD_STYLE)
            self.setToolTip(str(e))
            return False
        self.setStyleSheet("")
        self.setToolTip("")
        return True

    def _finish(self) -> None:
        if not self._check(self.text()):
            return
        value = self._parse(self.text())
        if value != self._value:
            self._value = value
            self.edited.emit()


def int_box(value: int, lo: int, hi: int, special: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(int(value))
    if special:
        box.setSpecialValueText(special)  # shown for the minimum (0 = full batch)
    return box


def bool_box(value: bool, text: str = "") -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(bool(value))
    return box
