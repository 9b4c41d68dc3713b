"""The dataset panel: choose the data (synthetic, CSV, image folder, .npz), its target,
features, normalisation and validation split, see a preview, and load it off the GUI
thread with a progress bar. Every change is an undoable edit of the project's ``data``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.errors import BpError
from bpstudio.ui import dialogs
from bpstudio.ui.analysis import loss_feeder
from bpstudio.ui.dataset_preview import DataPreview
from bpstudio.ui.dataset_sources import SOURCES, SourcePages
from bpstudio.ui.errors import guarded, show_error
from bpstudio.ui.preview_data import csv_columns

NORMALIZE = ("none", "standard", "minmax")


class DatasetPanel(QWidget):
    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self._showing = False  # True while controls are set from the spec (no edits)
        self.source = QComboBox()
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.pages = SourcePages(self)
        self.normalize = QComboBox()
        self.normalize.addItems(NORMALIZE)
        self.validation = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, singleStep=0.05)
        self.validation.setKeyboardTracking(False)
        self.validation.setToolTip("Fraction of the rows held out to measure generalisation")
        self._build_layout()
        self.source.activated.connect(guarded(self._source_chosen))
        self.pages.edited.connect(guarded(self.apply))
        self.pages.browse.connect(guarded(self.browse))
        self.normalize.activated.connect(guarded(lambda _: self.apply()))
        self.validation.valueChanged.connect(guarded(lambda _: self.apply()))
        self.cancel.clicked.connect(model.cancel_load)
        self.fit.clicked.connect(guarded(self.fit_network))
        model.sectionChanged.connect(self._section_changed)
        model.projectReplaced.connect(self._project_replaced)
        model.loadStarted.connect(self._load_started)
        model.loadProgress.connect(self._progress)
        model.loadFinished.connect(self._load_finished)
        model.datasetChanged.connect(self._dataset_changed)
        model.graphChanged.connect(self._show_fit)
        model.previewReady.connect(self._preview)
        model.loadFailed.connect(self._failed)
        self.show_spec()

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Source", self.source)
        settings = QFormLayout()
        settings.addRow("Normalise", self.normalize)
        settings.addRow("Validation", self.validation)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop loading; the project keeps its data settings")
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        self.busy = QWidget()
        self.busy.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.busy.hide()
        self.summary = _label("")
        self.problem = _label("", "color: #b91c1c;")
        self.fit = QPushButton("Fit network to data")
        self.fit.setToolTip("Set the Input shape and the output layer's units to match the data")
        self.fit.hide()
        self.preview = DataPreview(self)
        self.preview.setMinimumHeight(220)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.pages)
        layout.addLayout(settings)
        layout.addWidget(self.busy)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.fit, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.preview, 1)

    # ----------------------------------------------------------- spec <-> UI
    def show_spec(self) -> None:
        """Set every control from the project's ``data`` (no edit is made)."""
        spec = self.model.project.data or {}
        self._showing = True
        try:
            key = spec.get("source", "synthetic")
            self.source.setCurrentIndex(max(self.source.findData(key), 0))
            self.pages.show_spec(spec, self.model.session.base_dir)
            self.normalize.setCurrentText(spec.get("normalize", "none"))
            self.validation.setValue(float(spec.get("validation", 0.0)))
        finally:
            self._showing = False
        self._show_fit()

    def _project_replaced(self) -> None:
        self.pages.forget_paths()
        self.show_spec()

    def current_spec(self) -> dict:
        """The ``data`` object the controls describe (other keys of the same source kept)."""
        old = self.model.project.data or {}
        key = self.source.currentData()
        spec = (
            {k: v for k, v in old.items() if k == "split_seed"}
            if old.get("source") != key
            else dict(old)
        )
        spec.update(self.pages.spec(key))
        spec["source"] = key
        spec["normalize"] = self.normalize.currentText()
        spec["validation"] = round(self.validation.value(), 4)
        return {k: v for k, v in spec.items() if v is not None}

    def apply(self) -> None:
        """Record the controls' spec as an undoable edit; the data then reloads."""
        if self._showing:
            return
        spec = self.current_spec()
        if spec.get("source") != "synthetic" and not spec.get("path"):
            return  # nothing chosen yet
        self.model.fit_after_load = True
        self.model.set_section("data", spec, "Change data")

    def _section_changed(self, key: str) -> None:
        if key == "data":
            self.show_spec()
            self.model.load_data()

    # ------------------------------------------------------------- choosing
    def _source_chosen(self, index: int) -> None:
        key = self.source.currentData()
        self.pages.show_page(key)
        self._standardise_leaving_synthetic(key)
        if key != "synthetic" and not self.pages.path(key):
            if not self.browse(key):
                self.show_spec()  # cancelled: back to what the project has
                return
            return
        self.apply()

    def browse(self, key: str | None = None) -> bool:
        key = key or self.source.currentData()
        start = str(self.model.session.base_dir)
        if key == "images":
            path = dialogs.open_folder(
                self, "Choose an image folder (one sub-folder per class)", start
            )
        else:
            flt = {"csv": "CSV files (*.csv)", "npz": "NumPy arrays (*.npz)"}[key]
            path = dialogs.open_file(self, "Choose a data file", start, f"{flt};;All files (*)")
        if not path:
            return False
        self.open_path(path)
        return True

    def open_path(self, path: str) -> None:
        """Use a CSV file, an .npz file or an image folder (dialog or drop)."""
        p = Path(path)
        if p.is_dir():
            key = "images"
        elif p.suffix.lower() in (".csv", ".npz"):
            key = p.suffix.lower()[1:]
        else:
            raise BpError(f"{p.name}: not a CSV file, an .npz file or a folder of images")
        self._standardise_leaving_synthetic(key)
        self.source.setCurrentIndex(self.source.findData(key))
        self.pages.set_path(key, self._stored_path(p))
        if key == "csv":  # the target choice needs the header now (the last column first)
            self.pages.set_columns(csv_columns(p), self.model.project.data.get("target"))
        self.apply()

    def _standardise_leaving_synthetic(self, key: str) -> None:
        """Synthetic sets are already in [-1.5, 1.5]; real columns (wine's proline is
        ~1000) are not, and unscaled they train poorly: a CSV or npz replacing a
        synthetic set starts from 'standard' normalisation."""
        was = (self.model.project.data or {}).get("source", "synthetic")
        if was == "synthetic" and key in ("csv", "npz") and self.normalize.currentText() == "none":
            self.normalize.setCurrentText("standard")

    def _stored_path(self, p: Path) -> str:
        """Relative to a saved project's folder when the data lies inside it."""
        project = self.model.project.path
        p = p.resolve()
        if project is not None and p.is_relative_to(project.parent.resolve()):
            return p.relative_to(project.parent.resolve()).as_posix()
        return str(p)

    # ------------------------------------------------------------- loading
    def _load_started(self) -> None:
        self.progress.setRange(0, 0)  # busy until the loader reports its size
        self.busy.show()
        self.summary.setText("Loading…")
        self.problem.clear()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _load_finished(self) -> None:
        self.busy.hide()

    def _failed(self, exc) -> None:
        self.summary.setText("Not loaded.")
        self.problem.setText(str(exc) if isinstance(exc, BpError) else f"Internal error: {exc}")
        if getattr(self.model, "fit_after_load", False):
            self.model.fit_after_load = False
            show_error(str(exc))

    def _preview(self, preview) -> None:
        from bpstudio.ui.preview_data import CsvPreview, ImagePreview

        if isinstance(preview, CsvPreview):
            spec = self.model.project.data
            target = spec.get("target") or preview.columns[-1]
            used = spec.get("features")
            unused = [c for c in preview.columns if used is not None and c not in used]
            self.preview.show_csv(preview, target, [c for c in unused if c != target])
            self.pages.set_columns(preview.columns)
        elif isinstance(preview, ImagePreview):
            self.preview.show_images(preview)

    def _dataset_changed(self) -> None:
        ds = self.model.dataset
        if ds is None:
            if not self.model.loading and self.model.load_error is None:
                has_data = bool(self.model.project.data)
                self.summary.setText("Not loaded (cancelled)." if has_data else "No data chosen.")
            return
        n_train, n_val = len(ds.x_train), len(ds.x_val)
        what = f"{len(ds.class_names)} classes" if ds.class_names else "regression"
        shape = ", ".join(map(str, ds.input_shape))
        self.summary.setText(
            f"{n_train + n_val} samples ({n_train} train, {n_val} validation) · "
            f"input [{shape}] · {what}" + ("\n" + "\n".join(ds.messages) if ds.messages else "")
        )
        if self.model.project.data.get("source") in ("synthetic", "npz"):
            import numpy as np

            x = np.concatenate([ds.x_train, ds.x_val])
            y = np.concatenate([ds.y_train, ds.y_val])
            if not self.preview.show_scatter(x, y, ds.class_names):
                self.preview.show_note(f"No plot for {x.shape[1:]}-shaped samples")
        self._show_fit()

    def _show_fit(self) -> None:
        """The mismatch between network and data, with the button that fixes it."""
        if self.model.dataset is None:
            self.fit.hide()
            return
        graph, analysis = self.model.graph, self.model.analysis()
        ends = [n.id for n in graph.nodes_of_op("Input")]  # where data enters and leaves
        pair = loss_feeder(graph)
        ends += [pair[1]] if pair else []
        issues = [f"{i.node_id}: {i.message}" for n in ends for i in analysis.issues_for(n)]
        self.problem.setText("\n".join(f"⚠ {m}" for m in issues))
        self.fit.setVisible(bool(self.model.fit_commands()))

    def fit_network(self) -> None:
        self.model.push_all(self.model.fit_commands(), "Fit network to data")


def _label(text: str, style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
