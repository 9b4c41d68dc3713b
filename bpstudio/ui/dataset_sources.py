"""The source-specific controls of the dataset panel: one page per data source.

``edited`` fires when a control changes (the panel records the new spec); ``browse(key)``
asks the panel to open a file or folder dialog for source ``key``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from bpstudio.data import SYNTHETIC_NAMES
from bpstudio.errors import BpError
from bpstudio.ui.preview_data import csv_columns

SOURCES = (
    ("synthetic", "Synthetic"),
    ("csv", "CSV file"),
    ("images", "Image folder"),
    ("npz", "NumPy arrays (.npz)"),
)
WITH_CLASSES = ("spiral", "gaussians")


def _spin(lo: int, hi: int, tip: str) -> QSpinBox:
    box = QSpinBox(minimum=lo, maximum=hi)
    box.setKeyboardTracking(False)  # one edit per finished number, not per digit
    box.setToolTip(tip)
    return box


class _PathRow(QWidget):
    def __init__(self, button_text: str, on_browse, tip: str):
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setReadOnly(True)
        self.edit.setPlaceholderText("nothing chosen")
        self.edit.setToolTip("Where the data is read from (you can also drop it on the window)")
        button = QPushButton(button_text)
        button.setToolTip(tip)
        button.clicked.connect(lambda: on_browse())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(button)


class SourcePages(QStackedWidget):
    edited = Signal()
    browse = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pages: dict[str, QWidget] = {}
        self._build_synthetic()
        self._build_csv()
        self._build_images()
        self._build_npz()

    def _page(self, key: str) -> QFormLayout:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        self._pages[key] = page
        self.addWidget(page)
        return form

    def _build_synthetic(self) -> None:
        form = self._page("synthetic")
        self.kind = QComboBox()
        self.kind.addItems(list(SYNTHETIC_NAMES))
        self.samples = _spin(10, 1_000_000, "How many points to generate")
        self.classes = _spin(2, 20, "How many classes (spiral arms, blobs)")
        self.noise = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=5.0, singleStep=0.01)
        self.noise.setKeyboardTracking(False)
        self.seed = _spin(0, 2**31 - 1, "Random seed: the same seed gives the same points")
        for label, w in (
            ("Kind", self.kind),
            ("Samples", self.samples),
            ("Classes", self.classes),
            ("Noise", self.noise),
            ("Seed", self.seed),
        ):
            form.addRow(label, w)
        self.kind.activated.connect(lambda _: (self._kind_changed(), self.edited.emit()))
        for box in (self.samples, self.classes, self.noise, self.seed):
            box.valueChanged.connect(lambda _: self.edited.emit())

    def _kind_changed(self) -> None:
        self.classes.setEnabled(self.kind.currentText() in WITH_CLASSES)

    def _build_csv(self) -> None:
        form = self._page("csv")
        self.csv_path = _PathRow(
            "Open…", lambda: self.browse.emit("csv"), "Choose a CSV file: one row per sample"
        )
        self.target = QComboBox()
        self.target.setToolTip("The column the network learns to predict")
        self.features = QListWidget()
        self.features.setToolTip("Columns used as inputs (unticked ones are ignored)")
        form.addRow("File", self.csv_path)
        form.addRow("Target", self.target)
        form.addRow("Features", self.features)
        self.target.activated.connect(lambda _: (self._fill_features(None), self.edited.emit()))
        self.features.itemChanged.connect(lambda _: self.edited.emit())
        self._columns: list[str] = []

    def _build_images(self) -> None:
        form = self._page("images")
        self.img_path = _PathRow(
            "Choose…",
            lambda: self.browse.emit("images"),
            "Choose a folder with one sub-folder of images per class",
        )
        self.height = _spin(0, 4096, "Height every image is resized to (0: the first image's)")
        self.width = _spin(0, 4096, "Width every image is resized to (0: the first image's)")
        self.height.setSpecialValueText("auto")
        self.width.setSpecialValueText("auto")
        size = QWidget()
        row = QHBoxLayout(size)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.height)
        row.addWidget(self.width)
        self.color = QComboBox()
        self.color.addItems(["grayscale", "rgb"])
        form.addRow("Folder", self.img_path)
        form.addRow("Size (h, w)", size)
        form.addRow("Colour", self.color)
        for box in (self.height, self.width):
            box.valueChanged.connect(lambda _: self.edited.emit())
        self.color.activated.connect(lambda _: self.edited.emit())

    def _build_npz(self) -> None:
        form = self._page("npz")
        self.npz_path = _PathRow(
            "Open…", lambda: self.browse.emit("npz"), "Choose an .npz file with arrays x and y"
        )
        form.addRow("File", self.npz_path)

    # ------------------------------------------------------------------ API
    def show_page(self, key: str) -> None:
        """Show ``key``'s page; hidden pages take no room (a stack is as tall as its
        tallest page otherwise)."""
        for name, page in self._pages.items():
            policy = QSizePolicy.Policy.Preferred if name == key else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.setCurrentWidget(self._pages[key])
        self.adjustSize()

    def _path_row(self, key: str) -> _PathRow | None:
        return {"csv": self.csv_path, "images": self.img_path, "npz": self.npz_path}.get(key)

    def path(self, key: str) -> str:
        row = self._path_row(key)
        return row.edit.text() if row else ""

    def set_path(self, key: str, text: str) -> None:
        self._path_row(key).edit.setText(text)
        if key == "csv":
            self._columns = []
            self.target.clear()
            self.features.clear()

    def forget_paths(self) -> None:
        """Empty every file and folder row (another project is shown: choosing CSV must
        ask for its file, not reuse the previous project's)."""
        for w in self.findChildren(QWidget):
            w.blockSignals(True)
        try:
            for key in ("csv", "images", "npz"):
                self.set_path(key, "")
        finally:
            for w in self.findChildren(QWidget):
                w.blockSignals(False)

    def set_columns(self, columns: list[str], target: str | None = None) -> None:
        """The CSV's columns; the target stays if the file has it, else the last column."""
        if columns == self._columns and target is None:
            return
        keep = target or self.target.currentText()
        self._columns = list(columns)
        self.blockSignals(True)
        self.target.clear()
        self.target.addItems(self._columns)
        self.target.setCurrentText(keep if keep in self._columns else self._columns[-1])
        self.blockSignals(False)
        self._fill_features(None)

    def _fill_features(self, chosen) -> None:
        target = self.target.currentText()
        self.features.blockSignals(True)
        self.features.clear()
        for c in self._columns:
            if c == target:
                continue
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = chosen is None or c in chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.features.addItem(item)
        self.features.blockSignals(False)
        rows = max(self.features.count(), 1)  # as tall as its rows, up to a limit
        self.features.setFixedHeight(min(rows * self.features.sizeHintForRow(0) + 6, 140))

    def show_spec(self, spec: dict, base: Path) -> None:
        """Set the page for ``spec['source']`` from the spec (signals blocked)."""
        key = spec.get("source", "synthetic")
        for w in self.findChildren(QWidget):
            w.blockSignals(True)
        try:
            self._show(key, spec, base)
        finally:
            for w in self.findChildren(QWidget):
                w.blockSignals(False)
        self.show_page(key)

    def _show(self, key: str, spec: dict, base: Path) -> None:
        if key == "synthetic":
            self.kind.setCurrentText(spec.get("name", "spiral"))
            self.samples.setValue(int(spec.get("samples", 500)))
            self.classes.setValue(int(spec.get("classes", 2)))
            self.noise.setValue(float(spec.get("noise", 0.1)))
            self.seed.setValue(int(spec.get("seed", 0)))
            self._kind_changed()
        elif key in ("csv", "images", "npz"):
            self._path_row(key).edit.setText(spec.get("path", ""))
        if key == "csv" and spec.get("path"):
            self._show_csv(spec, base)
        if key == "images":
            size = spec.get("size") or [0, 0]
            self.height.setValue(int(size[0]))
            self.width.setValue(int(size[1]))
            self.color.setCurrentText(spec.get("color", "grayscale"))

    def _show_csv(self, spec: dict, base: Path) -> None:
        full = Path(spec["path"]).expanduser()
        try:
            columns = csv_columns(full if full.is_absolute() else base / full)
        except BpError:
            columns = []  # the loader reports the file's problem
        self._columns = columns
        self.target.clear()
        self.target.addItems(columns)
        if columns:
            want = spec.get("target")
            self.target.setCurrentText(want if want in columns else columns[-1])
        self._fill_features(spec.get("features"))

    def spec(self, key: str) -> dict:
        """The source's own keys as the controls set them."""
        if key == "synthetic":
            out = {
                "name": self.kind.currentText(),
                "samples": self.samples.value(),
                "noise": round(self.noise.value(), 4),
                "seed": self.seed.value(),
            }
            if out["name"] in WITH_CLASSES:
                out["classes"] = self.classes.value()
            return out
        out = {"path": self.path(key) or None}
        if key == "csv":
            out["target"] = self.target.currentText() or None
            checked = [self.features.item(i) for i in range(self.features.count())]
            used = [i.text() for i in checked if i.checkState() == Qt.CheckState.Checked]
            out["features"] = used if len(used) < len(checked) else None
        if key == "images":
            h, w = self.height.value(), self.width.value()
            out["size"] = [h, w] if h and w else None
            out["color"] = self.color.currentText()
        return out
