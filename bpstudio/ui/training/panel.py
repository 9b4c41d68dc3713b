"""The training panel: hyperparameters, Start/Pause (F5), Step, Stop, Reset weights,
progress, the divergence message and the run list. It drives a Session through a
TrainingRunner and feeds a TrainingPlots widget when given one.

A run trains the session's current network for ``epochs`` more epochs with the
settings as they are when it starts; changing the graph during a run offers to
restart with the new network instead of editing a model the worker is training.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpstudio.engine.backend import device_name
from bpstudio.errors import BpError
from bpstudio.ui import dialogs, errors
from bpstudio.ui.gc_thread import collect_before_a_run
from bpstudio.ui.plots.dashboard import PAINT_SHARE, PAINT_SHARE_PROCESS
from bpstudio.ui.training.history import RunList
from bpstudio.ui.training.progress import ProgressView
from bpstudio.ui.training.runner import TrainingRunner
from bpstudio.ui.training.settings import HyperparamForm
from bpstudio.worker.state import capture, restore

STATS_INTERVAL = 0.25  # seconds between histogram snapshots while training
BANNER_STYLE = "background: #fef2f2; color: #991b1b; border: 1px solid #dc2626; padding: 4px;"


class TrainingPanel(QWidget):
    """Signals: ``diverged_at(node id or None)``, ``run_finished(Run)``."""

    diverged_at = Signal(object)
    run_finished = Signal(object)

    def __init__(self, session, plots=None, parent=None):
        super().__init__(parent)
        self.session = session
        self.plots = plots
        self.runner = TrainingRunner(self)
        self.run = None  # the session.Run being recorded
        self._restart_pending = False
        self._stepping = False  # F6 drives the run one batch at a time
        self._graph_ack = False  # "keep training the old network" was chosen this run
        self._trained_graph = ""  # the structure the running network was built from
        self.data_loading = lambda: False  # the window tells whether its data loads
        self._after_load = None  # (steps,) of a Start pressed while the data loaded
        self._trainer = None  # the running Trainer, until its run has ended
        self._make_actions()
        self._build()
        self._connect()
        self._update_controls("idle")

    # ------------------------------------------------------------------ build
    def _make_actions(self) -> None:
        def act(text, slot, key=None, tip=""):
            a = QAction(text, self)
            if key:
                a.setShortcut(QKeySequence(key))
            a.setToolTip(tip or text)
            a.triggered.connect(errors.guarded(slot))
            self.addAction(a)
            return a

        self.actions = {
            "start": act("Start", self.start_pause, "F5", "Start, pause or resume training (F5)"),
            "step": act("Step", self.step, "F6", "Train exactly one batch, then pause (F6)"),
            "stop": act("Stop", self.stop, "Shift+F5", "Stop the run after this batch"),
            "reset": act("Reset weights", self.reset_weights, None, "Initialise again (seed)"),
        }

    def _build(self) -> None:
        self.form = HyperparamForm(lambda: self.session.project.training)
        settings = QGroupBox("Settings (apply to the next run)")
        QVBoxLayout(settings).addWidget(self.form)
        buttons = QHBoxLayout()
        for key in ("start", "step", "stop", "reset"):
            b = QToolButton()
            b.setDefaultAction(self.actions[key])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.progress = ProgressView()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.runs = RunList()
        self.runs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        # what matters during a run first: controls, progress, a divergence; then settings
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.banner)
        layout.addWidget(settings)
        layout.addWidget(QLabel("Runs (tick to overlay):"))
        layout.addWidget(self.runs, 1)

    def _connect(self) -> None:
        r = self.runner
        r.packet.connect(errors.guarded(self._on_packet))
        r.diverged.connect(errors.guarded(self._on_diverged))
        r.finished.connect(errors.guarded(self._on_finished))
        r.failed.connect(self._on_failed)
        r.state_changed.connect(self._update_controls)
        # before the views' own slots (connected later): they draw what it leaves
        r.state_changed.connect(self._keep_trained)
        if self.plots is not None:
            self.runs.overlays_changed.connect(self.plots.show_runs)

    def set_session(self, session) -> None:
        """Another project is shown: stop its predecessor's run, show the new settings."""
        self._restart_pending = False
        self._after_load = None
        self.runner.shutdown(keep_process=True)  # the next project trains there too
        self.session = session
        self.run = None
        self.banner.hide()
        self.form.load()
        self.runs.set_runs(session.runs)
        self.clear_live()

    def clear_live(self, text: str = "not started") -> None:
        """The last run's bar and curves go (another project or other data is shown);
        ticked earlier runs of this project stay overlaid."""
        if self.runner.active:
            return
        self.progress.reset(text)
        if self.plots is not None:
            self.plots.show_runs(self.runs.ticked())
            self.plots.begin_run(None)
            self.plots.set_live(False)  # pushes the emptied buffers to the plots

    # --------------------------------------------------------------- commands
    def start_pause(self) -> None:
        """F5: start a run, or pause the running one, or resume the paused one."""
        state = self.runner.state
        if state == "running":
            self.runner.pause()
        elif state == "paused":
            self._stepping = False
            self.runner.resume()
        elif state == "idle":
            self.start()

    def step(self) -> None:
        self._stepping = True
        if self.runner.active:
            self.runner.step()
        else:
            self.start(steps=1)

    def stop(self) -> None:
        if self._after_load is not None:  # a Start still waiting for the data
            self._after_load = None
            self.progress.reset("not started")
            self._update_controls(self.runner.state)
        self.runner.stop()

    def reset_weights(self) -> None:
        if self.runner.active:
            return
        self.session.reset_weights()
        self.banner.hide()
        self.progress.end(f"weights initialised again (seed {self._seed()})")

    def shutdown(self) -> bool:
        """Stop a run and wait for the worker (closing the window)."""
        self._restart_pending = False
        return self.runner.shutdown()

    def start(self, steps: int | None = None) -> None:
        """A new run on the current network (built first if missing or stale); while the
        data loads, once it is in (``data_loaded``)."""
        if self.data_loading():
            # loading it here as well, on the GUI thread, froze the window (0.7 s for
            # the digits, seconds for a large set) and trained on what was there before
            self._after_load = (steps,)
            self.progress.reset("the data is loading: training starts once it is in")
            self.actions["stop"].setEnabled(True)  # Stop cancels it
            return
        self._after_load = None
        trainer = self._make_trainer()
        self._stepping = steps is not None
        self.run = self.session.new_run()
        self.run.batches_per_epoch = trainer.n_batches  # to draw it against epochs later
        self._graph_ack = False
        self._trained_graph = self.session.graph_structure()
        self.banner.hide()
        if self.plots is not None:
            self.plots.begin_run(trainer.config.epochs)
            self.plots.set_live(True)
        per_batch = trainer.n_samples / max(1, trainer.n_batches)
        self.progress.begin(trainer.config.epochs, trainer.n_batches, per_batch, trainer.step)
        self.runs.set_runs(self.session.runs, live=self.run)
        collect_before_a_run()
        self._trainer = trainer
        self.runner.start(trainer, steps=steps, graph=self.session.project.graph)
        if self.plots is not None:  # painting slows a run only on a thread of the app
            share = PAINT_SHARE_PROCESS if self.runner.in_process else PAINT_SHARE
            self.plots.paint_share = share

    def data_loaded(self) -> None:
        """The window's data load ended: a Start pressed meanwhile goes ahead (a turn of
        the event loop later: a load restarted at its end is loading again by then)."""
        if self._after_load is not None:
            QTimer.singleShot(0, errors.guarded(self._start_after_load))

    def _start_after_load(self) -> None:
        pending, self._after_load = self._after_load, None
        self._update_controls(self.runner.state)
        if pending is None or self.runner.active:
            return
        if self.session.dataset is None and not self.data_loading():
            self.progress.reset("not started: the data did not load")
            return
        self.start(*pending)

    def _make_trainer(self):
        s = self.session
        self._follow_device()
        config = s.train_config()
        config.stats_interval = STATS_INTERVAL
        return s.make_trainer(config)

    def _follow_device(self) -> None:
        """Move the network to the chosen device, keeping its weights."""
        s = self.session
        wanted = s.project.training.get("device", "auto") or "auto"
        if wanted == s.device:
            return
        s.device = wanted
        net = s.network
        if net is None or s.network_stale:
            return
        state = net.state_dict()
        s.build_network()
        s.network.load_state_dict(state)
        if device_name(s.network.xp) != device_name(net.xp):
            self.progress.end(f"training on the {device_name(s.network.xp).upper()} now")

    def _seed(self) -> int:
        return int(self.session.project.training.get("seed", 0))

    # ---------------------------------------------------------------- events
    def _on_packet(self, packet) -> None:
        if self.plots is not None:
            self.plots.add_packet(packet)
        run = self.run
        if packet.steps is not None:
            steps = packet.steps
            for step, loss in zip(steps.step.tolist(), steps.loss.tolist(), strict=True):
                run.add_step(step, loss)
            free = self.runner.state == "running" and not self._stepping
            self.progress.show_step(packet.steps.last, free)
        if packet.epochs:
            run.add_epochs(packet.epochs)
            self.runs.update_live(run)

    def _keep_trained(self, state: str) -> None:
        """A run ended. Other data of the same shape loaded while it trained made the
        session drop its network (the graph is unchanged: no restart was offered), and
        the run's weights were lost: they go into the session's network instead."""
        if state != "idle" or self._trainer is None:
            return
        trainer, self._trainer = self._trainer, None
        s = self.session
        if s.network is trainer.net or self._restart_pending or s.dataset is None:
            return
        if self.session.graph_structure() != self._trained_graph:
            return  # the graph changed: its new network is meant
        # the new data may not fit it (other classes): a new network it is then
        with contextlib.suppress(BpError):
            _carry_over(s, trainer)

    def _on_diverged(self, ev) -> None:
        where = f"in node '{ev.node_id}' " if ev.node_id else ""
        self.banner.setText(
            f"<b>Training diverged</b> at step {ev.step} (epoch {ev.epoch + 1}) {where}"
            f"during the {ev.phase} pass (loss {ev.loss:g}). Training stopped; the weights "
            f"are those before this step.<br><b>Try:</b> {ev.advice}."
        )
        self.banner.show()
        self.run.note = f"diverged at step {ev.step}"
        if self.plots is not None and ev.node_id:
            self.plots.highlight_node(ev.node_id)
        self.diverged_at.emit(ev.node_id)

    def _on_finished(self, done) -> None:
        run = self.run
        if done.reason == "stopped":
            run.note = f"stopped at step {done.steps}"
        text = f"{done.reason}: {done.epochs_done} epochs, {done.steps} steps, {done.seconds:.1f} s"
        self.progress.end(text)
        if done.reason == "finished":
            self.progress.bar.set_fraction(1.0)
        self.runs.set_runs(self.session.runs)
        if self.plots is not None:
            self.plots.set_live(False, at_once=False)  # no 50 ms freeze as a run ends
        self.run_finished.emit(run)
        if self._restart_pending:
            self._restart_pending = False
            self.start()

    def _on_failed(self, exc) -> None:
        self._restart_pending = False
        if self.run is not None:
            self.run.note = "failed"
        self.progress.end(f"failed: {exc}")
        if self.plots is not None:
            self.plots.set_live(False)
        self.runs.set_runs(self.session.runs)
        errors.report_exception(exc)

    # ------------------------------------------------------------ the graph
    def on_graph_changed(self) -> None:
        """The main window calls this after every graph edit."""
        if not self.runner.active or self._graph_ack or self._restart_pending:
            return
        if self.session.graph_structure() == self._trained_graph:
            return  # a node moved on the canvas: the network is the same
        was_running = self.runner.state == "running"
        self.runner.pause()
        if self.ask_restart():
            self._restart_pending = True
            self.runner.stop()
        else:
            self._graph_ack = True
            if was_running:
                self.runner.resume()

    def ask_restart(self) -> bool:
        """True to restart with the edited network (tests replace this)."""
        return dialogs.ask_yes_no(
            self,
            "bpstudio",
            "The network changed during training. Restart training with the new network?\n"
            "(No keeps training the network as it was when the run started.)",
        )

    # -------------------------------------------------------------- controls
    def _update_controls(self, state: str) -> None:
        a = self.actions
        a["start"].setText({"running": "Pause", "paused": "Resume"}.get(state, "Start"))
        a["start"].setEnabled(state != "stopping")
        a["step"].setEnabled(state in ("idle", "paused", "running"))
        a["stop"].setEnabled(state in ("running", "paused"))
        a["reset"].setEnabled(state == "idle")
        if state == "paused":
            self.progress.paused()


def _carry_over(session, trainer) -> None:
    """The session's network (built for its current data) takes ``trainer``'s weights,
    and its optimiser the trainer's state unless its settings changed since."""
    old = capture(trainer, counters=False)
    net = trainer.net
    if tuple(net.shapes[net.input_id]) != tuple(session.input_shape()):
        raise BpError("the data's input shape changed")
    kept = session.make_trainer(session.train_config())
    new_opt = kept.opt.state_dict()
    if all(old.optimizer[k] == new_opt[k] for k in ("name", "hyperparams")):
        restore(kept, old, counters=False)
    else:
        kept.net.load_state_dict(old.weights, strict=True)
