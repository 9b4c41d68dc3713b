"""A form of feature values in the file's units, generated from the dataset's transform;
Predict encodes them with the stored transform (``viz.inference.encode_values``)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bpstudio.errors import BpError
from bpstudio.ui.wheel_guard import guard_wheel
from bpstudio.viz.inference import Field, encode_values

ERROR_STYLE = "color: #b91c1c;"


class ValueForm(QWidget):
    """Signals: ``submitted(x)`` with the encoded sample ``x (1, F)`` float32."""

    submitted = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.fields: list[Field] = []
        self.transform: dict = {}
        self.widgets: dict[str, QLineEdit | QComboBox] = {}
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.predict_btn = QPushButton("Predict")
        self.predict_btn.setToolTip("Encode these values as the data was, then predict")
        self.inner = QWidget()
        self.rows = QFormLayout(self.inner)
        scroll = QScrollArea()
        scroll.setWidget(self.inner)
        scroll.setWidgetResizable(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.predict_btn)
        self.predict_btn.clicked.connect(self.submit)

    def set_fields(self, fields: list[Field], note: str = "", transform: dict | None = None):
        """One row per field: a text box for numbers, a list for a text column."""
        while self.rows.rowCount():
            self.rows.removeRow(0)
        self.fields, self.transform, self.widgets = list(fields), transform or {}, {}
        for f in self.fields:
            w = self._widget(f)
            self.widgets[f.name] = w
            self.rows.addRow(f.name, w)
        guard_wheel(self)  # the new lists scroll the form, not their values
        self.note.setText(note or "Values in the file's units (empty: the training mean).")
        self.error.setText("")
        self.predict_btn.setEnabled(bool(self.fields))

    def _widget(self, f: Field):
        if f.kind == "text":
            box = QComboBox()
            box.addItems(list(f.categories))
            if f.fill in f.categories:
                box.setCurrentText(str(f.fill))
            return box
        edit = QLineEdit()
        edit.setPlaceholderText("required" if f.fill is None else f"{f.fill:.4g}")
        edit.returnPressed.connect(self.submit)
        return edit

    def set_values(self, values: dict) -> None:
        """Show ``values`` ({name: number or category}), e.g. a picked row's."""
        for name, v in values.items():
            w = self.widgets.get(name)
            if isinstance(w, QComboBox):
                w.setCurrentText(str(v))
            elif w is not None:
                w.setText(f"{v:.6g}" if isinstance(v, float) else str(v))
        self.error.setText("")

    def values(self) -> dict:
        return {
            name: w.currentText() if isinstance(w, QComboBox) else w.text()
            for name, w in self.widgets.items()
        }

    def submit(self) -> np.ndarray | None:
        """Encode the typed values; emit ``submitted`` or show what is wrong."""
        try:
            x = encode_values(self.values(), self.transform)
        except BpError as exc:
            self.error.setText(str(exc))
            return None
        self.error.setText("")
        self.submitted.emit(x)
        return x
