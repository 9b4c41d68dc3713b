"""The run list: every run of the session, tick runs to overlay their curves."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem


def describe(run) -> str:
    """'run 2 · adam lr 0.01 · 120 epochs · val acc 0.95'."""
    opt = run.settings.get("optimizer") or {}
    text = f"{run.name} · {opt.get('name', '?')} lr {opt.get('lr', '?')}"
    text += f" · {len(run.epochs)} epochs"
    if run.epochs:
        last = run.epochs[-1]
        acc, loss = last.val_accuracy, last.val_loss
        if acc is not None:
            text += f" · val acc {acc:.3f}"
        elif loss is not None and math.isfinite(loss):
            text += f" · val loss {loss:.4g}"
    note = getattr(run, "note", "")
    return f"{text} · {note}" if note else text


class RunList(QListWidget):
    """``overlays_changed(list[Run])`` when the ticked runs change."""

    overlays_changed = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._runs: list = []
        self.itemChanged.connect(lambda _item: self.overlays_changed.emit(self.ticked()))
        self.setToolTip("Tick finished runs to overlay their loss and accuracy curves")

    def set_runs(self, runs: list, live=None) -> None:
        """Show ``runs``; ``live`` (the running one) cannot be ticked."""
        ticked = {id(r) for r in self.ticked()}
        self.blockSignals(True)
        self.clear()
        self._runs = list(runs)
        for run in self._runs:
            item = QListWidgetItem(describe(run))
            if run is live:
                item.setText(describe(run) + " · running")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            else:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                on = id(run) in ticked
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)

    def update_live(self, run) -> None:
        """Refresh the running run's line (its epoch count) without rebuilding the list."""
        i = self._index(run)
        if i is not None:
            item = self.item(i)
            self.blockSignals(True)
            item.setText(describe(run) + " · running")
            self.blockSignals(False)

    def ticked(self) -> list:
        return [
            run
            for i, run in enumerate(self._runs)
            if self.item(i) is not None and self.item(i).checkState() == Qt.CheckState.Checked
        ]

    def tick(self, run, on: bool = True) -> None:
        self.item(self._index(run)).setCheckState(
            Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        )

    def _index(self, run) -> int | None:
        """Position of ``run`` by identity (runs compare equal by value)."""
        return next((i for i, r in enumerate(self._runs) if r is run), None)
