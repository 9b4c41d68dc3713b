"""Runs the Trainer away from the GUI thread and delivers its events as Qt signals.

Two ways, one behaviour (both drive the same ``worker.loop.RunLoop``):

- in the training process (``worker/process.py``), for networks on the CPU when the
  caller gives the graph: the window's Python work then never competes with training
  for the GIL. The app's Trainer stays the document: its counters follow every packet,
  its network takes the child's weights about once a second (for the views) and its
  whole state (weights, optimiser, schedule) at every pause and at the end; what the
  app changed while paused (a step-through update) goes back before the run resumes.
- on a worker thread of the app (GPU runs, callers without a graph, or
  ``BPSTUDIO_TRAIN_PROCESS=0``), the trainer itself running there.

Control is cooperative and acts between batches: pause waits, step runs exactly one
batch and pauses again, stop ends the run (its DoneEvent still arrives). An exception
in the run, or the training process dying, becomes the ``failed`` signal.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from bpstudio.engine.trainer import Trainer
from bpstudio.errors import BpError
from bpstudio.ui.blas import use_app_blas_threads
from bpstudio.worker.loop import DELIVERY_INTERVAL, Control, RunLoop
from bpstudio.worker.process import TrainingProcess, as_exception
from bpstudio.worker.state import capture, data_of, restore, spec_of

log = logging.getLogger(__name__)

# BPSTUDIO_TRAIN_PROCESS=0 trains on a thread of the app instead (for debugging).
USE_PROCESS = os.environ.get("BPSTUDIO_TRAIN_PROCESS", "1") != "0"

# While a worker trains, the GUI thread gets the GIL back within 1 ms instead of
# Python's default 5 ms: painting a plot crosses from C++ into Python dozens of times,
# and each crossing may wait that long for the worker to let go.
SWITCH_INTERVAL = 0.001
_default_switch = sys.getswitchinterval()

# Closing the window waits this long for a run in the training process to end its batch,
# and the process this long to quit, before ending it: a batch that takes minutes (or a
# child that hangs) froze the window for 15 s. The weights are dropped with the window.
PROCESS_STOP_MS = 1500
PROCESS_QUIT_S = 1.0

# Workers stay referenced until their thread has ended, even if their runner is dropped
# first: Qt aborts the process when a running QThread is destroyed.
_LIVE: set = set()


@atexit.register
def _end_live_workers() -> None:
    """At interpreter exit, let workers that are still ending finish first."""
    for worker in list(_LIVE):
        worker.control.update(stop=True)
        worker.request_stop()
        worker.wait(10000)


class _Worker(QThread):
    """Runs one trainer to its DoneEvent (or an exception) on a thread of the app."""

    # Each signal carries (kind, payload): "packet" (packets.Packet), "diverged"
    # (DivergedEvent), "done" (DoneEvent), "failed" (the exception), "state" ("running" |
    # "paused", when the worker actually changes). One signal keeps their order.
    event = Signal(str, object)

    def __init__(self, trainer, control: Control, interval: float):
        super().__init__()
        self.trainer = trainer
        self.control = control
        self.loop = RunLoop(trainer, control, self.event.emit, interval)

    def run(self) -> None:
        self.loop.run()

    def request_stop(self) -> None:
        self.trainer.request_stop()


class _ProcessLink(QThread):
    """Reads one run's messages from the training process and passes them on as
    ``event`` (the same kinds as ``_Worker``'s, plus "sync" and "weights" with the
    child's state); ends after "done" or "failed", or when the child dies."""

    event = Signal(str, object)

    def __init__(self, process: TrainingProcess, control: Control):
        super().__init__()
        self.process = process
        self.control = control

    def run(self) -> None:
        first_run = self.process.runs == 1
        heard = False
        while True:
            try:
                kind, payload = self.process.recv()
            except EOFError:
                code = self.process.reap()
                if first_run and not heard and not _killed(code):
                    # a child that cannot even start (e.g. a script without an
                    # ``if __name__ == "__main__"`` guard, which "spawn" re-imports):
                    # the runner trains on a thread instead
                    self.event.emit("unavailable", code)
                else:
                    self.event.emit("failed", BpError(_died(code)))
                return
            heard = True
            if kind == "failed":
                payload = as_exception(payload)
            self.event.emit(kind, payload)
            if kind in ("done", "failed"):
                return

    def request_stop(self) -> None:
        self.process.send(("control", {"stop": True}))


def _killed(code) -> bool:
    """True for a child ended by a signal: it was running (the system killed it for
    memory while it mapped a large data set, say), so it is a death, not a child that
    could not start (those exit with a code: an exception while importing)."""
    return code is not None and code < 0


def _died(code) -> str:
    """One line for a training process that died mid-run."""
    if code is not None and code >= 0:
        how = f"exit code {code}"
    elif code == -9:  # what the system's out-of-memory killer sends
        how = "signal 9: often the system running out of memory"
    else:
        how = f"signal {-(code or 0)}" if code else "no exit code"
    return (
        f"the training process ended unexpectedly ({how}); the network keeps the last "
        "weights it sent (at most a second old): Start again to train on"
    )


class TrainingRunner(QObject):
    """Start/pause/resume/step/stop one trainer at a time, off the GUI thread.

    Signals arrive on the GUI thread: ``packet(Packet)`` about 20 times per second,
    ``diverged(DivergedEvent)``, ``finished(DoneEvent)`` at the end of every run,
    ``failed(Exception)`` when the run raised (no ``finished`` then), and
    ``state_changed(str)``: "running", "paused", "stopping", "idle". ``finished`` and
    ``failed`` come after the run's thread has ended (the runner is idle then, so a
    slot can start the next run); ``shutdown`` drops what was still queued.
    """

    packet = Signal(object)
    diverged = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    state_changed = Signal(str)

    def __init__(self, parent=None, interval=DELIVERY_INTERVAL):
        super().__init__(parent)
        self.interval = interval
        self.use_process = USE_PROCESS
        self._process = TrainingProcess()  # its process starts at warm_up or the first run
        self._worker = None  # the run's _Worker or _ProcessLink
        self._trainer = None  # the app's Trainer of the run
        self._control: Control | None = None
        self._state = "idle"
        self._final = None  # (signal, payload) to emit once the worker thread has ended
        self._fallback = False  # the process could not start: run this one on a thread

    @property
    def state(self) -> str:
        return self._state

    @property
    def active(self) -> bool:
        """True from ``start`` until the run's thread has ended."""
        return self._worker is not None

    @property
    def in_process(self) -> bool:
        """True while the active run trains in the training process."""
        return isinstance(self._worker, _ProcessLink)

    def start(self, trainer, paused: bool = False, steps: int | None = None, graph=None) -> None:
        """Run ``trainer`` (a Trainer: ``run()`` generator, ``request_stop()``).

        ``paused``: wait for ``resume``/``step`` before the first batch; ``steps``: pause
        after that many batches (``steps=1`` is the Step button on an idle run);
        ``graph``: the Graph its network was compiled from, which lets a CPU run train
        in the training process."""
        if self._worker is not None:
            raise RuntimeError("a run is already active: stop it first")
        use_app_blas_threads()  # before the worker exists: see ui/blas.py
        self._control = Control(paused, steps)
        self._trainer = trainer
        if self._can_use_process(trainer, graph):
            w = self._start_in_process(trainer, graph, paused, steps)
        else:
            w = _Worker(trainer, self._control, self.interval)
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._launch(w)
        self._set_state("paused" if paused else "running")

    def _launch(self, w) -> None:
        w.event.connect(self._relay)
        w.finished.connect(self._worker_ended)
        self._worker = w
        for old in [x for x in _LIVE if x.isFinished()]:
            _LIVE.discard(old)
        _LIVE.add(w)
        w.start()

    def warm_up(self) -> None:
        """Start the training process now (the app calls this once its window is up), so
        the first F5 does not wait for a Python to start."""
        if self.use_process:
            self._process.ensure_started()

    def _can_use_process(self, trainer, graph) -> bool:
        """Only the engine's own Trainer, unmodified, on the CPU, can be rebuilt in the
        training process (a GPU run keeps the device in one process)."""
        return (
            self.use_process
            and graph is not None
            and isinstance(trainer, Trainer)
            and "run" not in vars(trainer)
            and trainer.net.xp is np
        )

    def _start_in_process(self, trainer, graph, paused, steps) -> _ProcessLink:
        spec = spec_of(trainer, graph)
        self._process.start_run(spec, data_of(trainer), paused, steps)
        return _ProcessLink(self._process, self._control)

    def pause(self) -> None:
        self._update(paused=True)

    def resume(self) -> None:
        self._push_edits()
        self._update(paused=False, steps_left=None)

    def step(self) -> None:
        """Exactly one more batch, then pause."""
        self._push_edits()
        self._update(paused=False, steps_left=1)

    def stop(self) -> None:
        """Ask the run to end after the current batch; ``finished`` follows."""
        if self._worker is None:
            return
        self._push_edits()  # the run's final state must include them
        self._update(stop=True)
        self._worker.request_stop()
        self._set_state("stopping")

    def shutdown(self, timeout_ms: int = 10000, keep_process: bool = False) -> bool:
        """Stop and wait for the run (closing the window); True when it ended. The
        training process ends too, unless ``keep_process`` (another project opens).
        A run in the process gets ``PROCESS_STOP_MS`` to end its batch, then the process
        is ended (a thread cannot be: it gets ``timeout_ms``)."""
        worker = self._worker
        ended = True
        if worker is not None:
            wait = min(timeout_ms, PROCESS_STOP_MS) if self.in_process else timeout_ms
            self.stop()
            ended = worker.wait(wait)
            if ended:
                self._worker_ended()
        if not (keep_process and ended):
            self._process.close(PROCESS_QUIT_S if ended else 0.0)
            if not ended:  # the child is gone now, so is the reader's pipe
                ended = worker.wait(timeout_ms)
                if ended:
                    self._worker_ended()
        return ended

    def _push_edits(self) -> None:
        """Paused in the training process: the app's state (maybe changed by a
        step-through update) goes back before the run takes its next batch."""
        if self.in_process and self._state == "paused":
            self._process.send(("load", capture(self._trainer, counters=False)))

    def _relay(self, kind: str, payload) -> None:
        """On the GUI thread: pass on what the current worker sent (a worker dropped by
        ``shutdown`` may still have events queued: they are ignored)."""
        if self._worker is None or self.sender() is not self._worker:
            return
        if kind == "state":
            self._set_state(payload)
        elif kind in ("done", "failed"):
            # told once the thread has ended, so a slot may start the next run at once
            self._final = (self.finished if kind == "done" else self.failed, payload)
        elif kind == "unavailable":
            log.warning(
                "the training process did not start (exit code %s): training on "
                "a thread of the app instead",
                payload,
            )
            self.use_process = False
            self._fallback = True
        elif kind == "sync":
            restore(self._trainer, payload)
        elif kind == "weights":
            self._trainer.net.load_state_dict(payload, strict=True)
        elif kind == "packet" and self.in_process:
            packet, counters = payload
            t = self._trainer
            t.epoch, t.step, t.seconds = counters
            self.packet.emit(packet)
        else:
            (self.packet if kind == "packet" else self.diverged).emit(payload)

    def _update(self, **flags) -> None:
        c = self._control
        if c is None or self._worker is None:
            return
        c.update(**flags)
        if self.in_process:
            self._process.send(("control", flags))
        # "paused" is announced by the worker once it waits between batches (a slot may
        # then read the weights); "running" can be shown at once
        if flags.get("paused") is False and not c.stop:
            self._set_state("running")

    def _set_state(self, state: str) -> None:
        if self._worker is None and state != "idle":
            return  # a late signal from a worker that has already ended
        if self._control is not None and self._control.stop and state != "idle":
            state = "stopping"
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _worker_ended(self) -> None:
        if self._worker is None:
            return
        self._worker.wait()
        _LIVE.discard(self._worker)
        if self._fallback:  # the same run, from where it stands, on a thread
            self._fallback = False
            sys.setswitchinterval(SWITCH_INTERVAL)
            self._launch(_Worker(self._trainer, self._control, self.interval))
            return
        if not any(isinstance(x, _Worker) and x.isRunning() for x in _LIVE):
            sys.setswitchinterval(_default_switch)
        self._worker = None
        self._trainer = None
        self._control = None
        self._set_state("idle")
        final, self._final = self._final, None
        if final is not None:
            final[0].emit(final[1])
