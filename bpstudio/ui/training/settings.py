"""The hyperparameter form: optimiser (fields from its torch-style signature), schedule,
epochs, batch size, L2, clipping, seed, device. Edits write into the project's
``training`` section at once; they apply to the next run."""

from __future__ import annotations

import inspect

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from bpstudio.engine.backend import gpu_status
from bpstudio.engine.optim import OPTIMIZERS
from bpstudio.engine.schedules import SCHEDULES
from bpstudio.ui.training.fields import NumberEdit, bool_box, int_box

# Starting values for a schedule's required parameters (they have no torch default).
SCHEDULE_STARTS = {"step_size": 30, "gamma": 0.5, "T_max": None}
DEVICES = (("Auto", "auto"), ("CPU", "cpu"), ("GPU", "gpu"))
HELP = {
    "lr": "learning rate: the size of each step along the negative gradient",
    "momentum": "share of the previous step added to this one (0 = plain SGD)",
    "dampening": "shrinks the gradient's share in the momentum buffer",
    "weight_decay": "adds weight_decay × w to each gradient (AdamW: shrinks w directly)",
    "nesterov": "Nesterov momentum: look ahead along the momentum before the step",
    "betas": "decay rates of Adam's running mean and running square of the gradient",
    "eps": "added to the denominator so a step never divides by zero",
    "amsgrad": "use the largest running square seen so far (AMSGrad)",
    "alpha": "decay rate of RMSprop's running square of the gradient",
    "centered": "divide by the gradient's running variance instead of its square",
    "lr_decay": "Adagrad: the rate shrinks as lr / (1 + (t - 1) lr_decay)",
    "initial_accumulator_value": "starting value of Adagrad's sum of squared gradients",
    "step_size": "epochs between two multiplications of the rate by gamma",
    "gamma": "factor the learning rate is multiplied by",
    "T_max": "epochs of one half cosine from the start rate down to eta_min",
    "eta_min": "the lowest learning rate of the cosine",
}


class HyperparamForm(QWidget):
    """Edits ``training()`` (the project's training dict) in place; ``changed`` after."""

    changed = Signal()  # the dict was written (by a person or by ``load``)
    edited = Signal()  # a person changed a value

    def __init__(self, training, parent=None):
        super().__init__(parent)
        self.training = training  # callable -> the live dict (the session can be replaced)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.opt_fields: dict = {}
        self.opt_box = QFormLayout()
        self.schedule = QComboBox()
        self.schedule.addItems(["none", *SCHEDULES])
        self.sched_fields: dict = {}
        self.sched_box = QFormLayout()
        self.epochs = int_box(1, 1, 1_000_000)
        self.batch_size = int_box(0, 0, 1_000_000, "full batch")
        self.l2 = NumberEdit(0.0)
        self.clip = NumberEdit(None, optional=True)
        self.seed = int_box(0, 0, 2**31 - 1)
        self.device = QComboBox()
        self.gpu_note = QLabel()
        self._tooltips()
        self._layout()
        self.load()
        self._connect()

    def _tooltips(self) -> None:
        tips = {
            self.optimizer: "the update rule (torch.optim names and defaults)",
            self.schedule: "how the learning rate changes from epoch to epoch",
            self.epochs: "passes over the training data in the next run",
            self.batch_size: "samples per step (0 = the whole training set per step)",
            self.l2: "L2 penalty: adds l2 × w to every gradient",
            self.clip: "rescale the gradients when their total norm exceeds this (empty = off)",
            self.seed: "seed of the initial weights and the batch order",
            self.device: "where the next run trains: CPU (NumPy), GPU (CuPy) or the best",
        }
        for widget, tip in tips.items():
            widget.setToolTip(tip)

    def _layout(self) -> None:
        f = self.form
        f.addRow("optimiser", self.optimizer)
        f.addRow(self.opt_box)
        f.addRow("LR schedule", self.schedule)
        f.addRow(self.sched_box)
        f.addRow("epochs", self.epochs)
        f.addRow("batch size", self.batch_size)
        f.addRow("L2", self.l2)
        f.addRow("clip grad norm", self.clip)
        f.addRow("seed", self.seed)
        for text, key in DEVICES:
            self.device.addItem(text, key)
        f.addRow("device", self.device)
        ok, reason = gpu_status()
        if not ok:
            item = self.device.model().item(2)
            item.setEnabled(False)
            item.setToolTip(reason)
            self.device.setToolTip(f"GPU unavailable: {reason}")
            self.gpu_note.setText(f"GPU unavailable: {reason}")
            self.gpu_note.setWordWrap(True)
            self.gpu_note.setStyleSheet("color: #6b7280; font-size: 8pt;")
            f.addRow(self.gpu_note)

    def _connect(self) -> None:
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        self.schedule.currentTextChanged.connect(self._schedule_changed)
        for box in (self.epochs, self.batch_size, self.seed):
            box.valueChanged.connect(self._write)
        for edit in (self.l2, self.clip):
            edit.edited.connect(self._write)
        self.device.currentIndexChanged.connect(self._write)

    # ---------------------------------------------------------------- reading
    def load(self) -> None:
        """Show the project's training settings (a new project, or after a run)."""
        t = self.training()
        widgets = (
            self.optimizer,
            self.schedule,
            self.epochs,
            self.batch_size,
            self.seed,
            self.device,
        )
        for w in widgets:
            w.blockSignals(True)
        opt = t.get("optimizer") or {"name": "sgd"}
        self.optimizer.setCurrentText(opt.get("name", "sgd"))
        self._fill_optimizer(opt)
        sched = t.get("schedule") or {"name": "none"}
        self.schedule.setCurrentText(sched.get("name", "none"))
        self._fill_schedule(sched)
        self.epochs.setValue(int(t.get("epochs", 10)))
        self.batch_size.setValue(int(t.get("batch_size", 32)))
        self.seed.setValue(int(t.get("seed", 0)))
        self.l2.set_value(float(t.get("l2", 0.0) or 0.0))
        self.clip.set_value(t.get("clip_norm"))
        index = self.device.findData(t.get("device", "auto"))
        self.device.setCurrentIndex(max(0, index))
        for w in widgets:
            w.blockSignals(False)

    def _fill_optimizer(self, given: dict) -> None:
        name = self.optimizer.currentText()
        values = {**OPTIMIZERS[name].defaults(), **{k: v for k, v in given.items() if k != "name"}}
        if given.get("name") != name:
            values = OPTIMIZERS[name].defaults() | {"lr": given.get("lr", values["lr"])}
        kinds = OPTIMIZERS[name].defaults()
        self.opt_fields = _fill(self.opt_box, values, kinds, self._write)

    def _fill_schedule(self, given: dict) -> None:
        name = self.schedule.currentText()
        if name == "none":
            self.sched_fields = _fill(self.sched_box, {}, {}, self._write)
            return
        values, kinds = {}, {}
        for key, default in SCHEDULES[name].parameters().items():
            start = SCHEDULE_STARTS.get(key) if default is inspect.Parameter.empty else default
            if key == "T_max" and start is None:
                start = max(1, self.epochs.value())
            kinds[key] = start
            values[key] = given.get(key, start) if given.get("name") == name else start
        self.sched_fields = _fill(self.sched_box, values, kinds, self._write)

    # ---------------------------------------------------------------- writing
    def _optimizer_changed(self, _name: str) -> None:
        self._fill_optimizer(dict(self.training().get("optimizer") or {}))
        self._write()

    def _schedule_changed(self, _name: str) -> None:
        self._fill_schedule(dict(self.training().get("schedule") or {}))
        self._write()

    def _write(self, *_args) -> None:
        """A widget changed: store the values, and say a person edited them."""
        self._store()
        self.edited.emit()

    def _store(self) -> None:
        t = self.training()
        t["optimizer"] = {"name": self.optimizer.currentText(), **_values(self.opt_fields)}
        sched = self.schedule.currentText()
        t["schedule"] = None if sched == "none" else {"name": sched, **_values(self.sched_fields)}
        t["epochs"] = self.epochs.value()
        t["batch_size"] = self.batch_size.value()
        t["seed"] = self.seed.value()
        t["l2"] = float(self.l2.value())
        t["clip_norm"] = self.clip.value()
        t["device"] = self.device.currentData()
        self.changed.emit()


def _fill(box: QFormLayout, values: dict, kinds: dict, on_edit) -> dict:
    """Replace ``box``'s rows with one field per value, its kind that of ``kinds[name]``
    (a default: bool, int, float or tuple); returns name -> widget."""
    while box.rowCount():
        box.removeRow(0)
    fields = {}
    for name, value in values.items():
        kind = kinds.get(name, value)
        if isinstance(kind, bool):
            w = bool_box(value)
            w.toggled.connect(on_edit)
        elif isinstance(kind, int):
            w = int_box(value, 1, 1_000_000)
            w.valueChanged.connect(on_edit)
        else:
            w = NumberEdit(tuple(value) if isinstance(kind, tuple) else float(value))
            w.edited.connect(on_edit)
        w.setToolTip(HELP.get(name, name))
        fields[name] = w
        box.addRow(f"  {name}", w)
    return fields


def _values(fields: dict) -> dict:
    out = {}
    for name, w in fields.items():
        if isinstance(w, QCheckBox):
            out[name] = w.isChecked()
        elif isinstance(w, QSpinBox):
            out[name] = w.value()
        else:
            v = w.value()
            out[name] = list(v) if isinstance(v, tuple) else v
    return out
