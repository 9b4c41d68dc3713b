"""Status-bar messages for what just happened: data loaded, project opened, training.

``install_status_messages(window)`` listens to signals the window's parts already emit
(the project model, the training panel and its runner) and says in one line what
changed, so a person who looks away from a panel still sees the outcome. Messages go
away after a few seconds; errors keep their own dialogs and banners.
"""

from __future__ import annotations

from bpstudio.ui.errors import guarded

SHORT, LONG = 4000, 8000  # ms on screen


def dataset_summary(ds) -> str:
    """'600 samples (480 train, 120 validation), input [2], 3 classes'."""
    n_train, n_val = len(ds.x_train), len(ds.x_val)
    shape = ", ".join(map(str, ds.input_shape))
    what = f"{len(ds.class_names)} classes" if ds.class_names else "regression"
    return (
        f"{n_train + n_val:,} samples ({n_train:,} train, {n_val:,} validation), "
        f"input [{shape}], {what}"
    )


def run_summary(run) -> str:
    """'60 epochs, validation loss 0.231, accuracy 0.908' from a session Run."""
    if not run.epochs:
        return "no epoch finished"
    last = run.epochs[-1]
    parts = [f"{last.epoch + 1} epochs"]
    loss, acc = last.val_loss, last.val_accuracy
    label = "validation"
    if loss is None:  # no validation split: report the training numbers
        loss, acc, label = last.train_loss, last.train_accuracy, "training"
    parts.append(f"{label} loss {loss:.4g}")
    if acc is not None:
        parts.append(f"accuracy {acc:.3f}")
    return ", ".join(parts)


def run_ended(run) -> str:
    """The status line for a run's end: how it ended (the training panel's note on the
    run: 'diverged at step 3', 'stopped at step 40'), then its last epoch's numbers. A
    diverged run's numbers are NaN: the line points at the panel that explains it."""
    note = getattr(run, "note", "") or ""
    if note.startswith("diverged"):
        return f"Training {note}: see the Training panel"
    if note.startswith("stopped"):
        return f"Training {note}: {run_summary(run)} (at the end of the last full epoch)"
    return f"Training ended: {run_summary(run)}"


def install_status_messages(window) -> None:
    """Connect the window's signals to one-line status-bar messages."""
    bar = window.statusBar()
    model = window.model

    def data_loaded() -> None:
        if model.dataset is not None:
            bar.showMessage(f"Data loaded: {dataset_summary(model.dataset)}", LONG)

    model.datasetChanged.connect(guarded(data_loaded))
    model.loadStarted.connect(lambda: bar.showMessage("Loading the data…"))

    def load_failed(exc) -> None:
        """The reason in the status bar, and the Dataset panel (which says it too) in
        front: a layout saved with the Training tab raised left only 'The data could not
        be loaded' in sight when a project's CSV had moved."""
        bar.showMessage(f"The data could not be loaded: {exc}", LONG)
        dock = getattr(window, "docks", {}).get("datasetDock")
        if dock is not None and dock.toggleViewAction().isChecked():  # open, maybe behind a tab
            dock.raise_()

    model.loadFailed.connect(guarded(load_failed))
    model.projectReplaced.connect(
        lambda: bar.showMessage(f"Opened {window.project_display_name()}", SHORT)
    )
    panel = getattr(window, "training_panel", None)
    if panel is not None:
        _training_messages(bar, panel)


def _training_messages(bar, panel) -> None:
    words = {"running": "Training…", "paused": "Training paused", "stopping": "Stopping…"}
    panel.runner.state_changed.connect(
        lambda state: state in words and bar.showMessage(words[state], LONG)
    )
    panel.run_finished.connect(guarded(lambda run: bar.showMessage(run_ended(run), LONG)))

    def diverged(node) -> None:
        where = f" at node '{node}'" if node else ""
        bar.showMessage(f"Training diverged{where}: see the Training panel", LONG)

    panel.diverged_at.connect(diverged)
