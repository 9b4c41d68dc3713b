"""One input widget per ParamSpec type, each with ``set_value`` (no signal) and the
signal ``committed(value)`` when the person finishes an edit.

Spin boxes carry the catalogue's ranges, so they cannot hold a value out of range;
fields typed as text (lists of ints, floats with tiny ranges) are checked with the
catalogue's own ``check_value`` and say why a value is refused.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from bpstudio.graph.catalogue import ParamSpec, check_value

INT_LIMIT = 2**31 - 1
BAD_STYLE = "border: 1px solid #dc2626; background: #fef2f2;"


class Field(QWidget):
    """Base: ``committed(value)`` carries a checked value; ``refused(message)`` a reason."""

    committed = Signal(object)
    refused = Signal(str)

    def __init__(self, spec: ParamSpec, inner: QWidget, parent=None):
        super().__init__(parent)
        self.spec, self.inner = spec, inner
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(inner)
        self.setToolTip(spec.help)
        inner.setToolTip(spec.help)

    def set_value(self, value) -> None:
        self.inner.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.inner.blockSignals(False)
        self.inner.setStyleSheet("")

    def _show(self, value) -> None:
        raise NotImplementedError

    def _offer(self, value) -> None:
        problem = check_value(self.spec, value)
        if problem:
            self.inner.setStyleSheet(BAD_STYLE)
            self.refused.emit(problem)
            return
        self.inner.setStyleSheet("")
        self.committed.emit(value)


class IntField(Field):
    """A spin box; a param that may be unset shows its minimum-1 as "auto"."""

    def __init__(self, spec: ParamSpec, parent=None):
        box = QSpinBox()
        self.nullable = spec.default is None and not spec.required
        lo = int(spec.min) if spec.min is not None else -INT_LIMIT
        box.setRange(lo - 1 if self.nullable else lo, int(min(spec.max or INT_LIMIT, INT_LIMIT)))
        if self.nullable:
            box.setSpecialValueText("auto")
        box.setKeyboardTracking(False)  # commit on Enter, focus-out or arrows, not per digit
        super().__init__(spec, box, parent)
        box.valueChanged.connect(self._changed)

    def _show(self, value) -> None:
        self.inner.setValue(self.inner.minimum() if value is None else int(value))

    def _changed(self, v: int) -> None:
        self._offer(None if self.nullable and v == self.inner.minimum() else v)


class FloatSpinField(Field):
    def __init__(self, spec: ParamSpec, parent=None):
        box = QDoubleSpinBox()
        box.setDecimals(4)
        box.setRange(spec.min, spec.max)
        box.setSingleStep(0.05 if spec.max - spec.min <= 10 else 1.0)
        box.setKeyboardTracking(False)
        super().__init__(spec, box, parent)
        box.valueChanged.connect(lambda v: self._offer(float(v)))

    def _show(self, value) -> None:
        self.inner.setValue(float(value if value is not None else self.spec.min))


class TextField(Field):
    """Typed text: a float (``1e-5``) or ints (``3``, ``3, 3``, ``[1, 8, 8]``)."""

    def __init__(self, spec: ParamSpec, parent=None):
        edit = QLineEdit()
        if spec.default is None and not spec.required:
            edit.setPlaceholderText("auto")
        super().__init__(spec, edit, parent)
        edit.editingFinished.connect(self._finished)

    def _show(self, value) -> None:
        if value is None:
            self.inner.setText("")
        elif isinstance(value, list | tuple):
            self.inner.setText(", ".join(str(v) for v in value))
        else:
            self.inner.setText(f"{value:g}" if isinstance(value, float) else str(value))

    def _finished(self) -> None:
        try:
            value = self._parse(self.inner.text().strip())
        except ValueError:
            self.inner.setStyleSheet(BAD_STYLE)
            self.refused.emit(f"{self.spec.name}: cannot read {self.inner.text()!r} as a number")
            return
        self._offer(value)

    def _parse(self, text: str):
        if not text:
            return None
        if self.spec.type == "float":
            return float(text)
        value = json.loads(text if text.startswith("[") else f"[{text}]")
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise ValueError(text)
        # A square window (kernel, pool size) is written as one int; a shape stays a list.
        square = self.spec.length is None or self.spec.length[0] == self.spec.length[1]
        return value[0] if len(value) == 1 and square else value


class BoolField(Field):
    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, QCheckBox(), parent)
        self.inner.toggled.connect(self._offer)

    def _show(self, value) -> None:
        self.inner.setChecked(bool(value))


class ChoiceField(Field):
    def __init__(self, spec: ParamSpec, parent=None):
        combo = QComboBox()
        for choice in spec.choices:
            combo.addItem(str(choice), choice)
        super().__init__(spec, combo, parent)
        combo.activated.connect(lambda i: self._offer(combo.itemData(i)))

    def _show(self, value) -> None:
        i = self.inner.findData(value)
        self.inner.setCurrentIndex(max(i, 0))


def make_field(spec: ParamSpec) -> Field:
    """The right widget for ``spec``."""
    if spec.type == "int":
        return IntField(spec)
    if spec.type == "float":
        spinnable = spec.min is not None and spec.max is not None
        if spinnable and (spec.min == 0 or abs(spec.min) >= 1e-3):
            return FloatSpinField(spec)
        return TextField(spec)
    if spec.type == "bool":
        return BoolField(spec)
    if spec.type == "choice":
        return ChoiceField(spec)
    return TextField(spec)
