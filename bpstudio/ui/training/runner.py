"""The Trainer's generator on a worker thread, its events delivered as Qt signals.

The worker pulls events from ``trainer.run()`` and coalesces them (``packets.py``) so
the GUI thread receives about 20 packets per second however fast the batches are;
divergence and the end of the run are delivered at once, after the pending steps.
Control is cooperative and acts between batches: pause makes the worker wait on a
condition, step runs exactly one batch and pauses again, stop asks the trainer to end
(its DoneEvent still arrives). An exception in the worker becomes the ``failed`` signal.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time

from PySide6.QtCore import QObject, QThread, Signal

from bpstudio.engine.trainer import DivergedEvent, DoneEvent, StepEvent
from bpstudio.ui.blas import use_app_blas_threads
from bpstudio.ui.training.packets import Coalescer

DELIVERY_INTERVAL = 0.05  # seconds between packets: ~20 per second

# While a worker trains, the GUI thread gets the GIL back within 1 ms instead of
# Python's default 5 ms: painting a plot crosses from C++ into Python dozens of times,
# and each crossing may wait that long for the worker to let go.
SWITCH_INTERVAL = 0.001
_default_switch = sys.getswitchinterval()

# Workers stay referenced until their thread has ended, even if their runner is dropped
# first: Qt aborts the process when a running QThread is destroyed.
_LIVE: set = set()


@atexit.register
def _end_live_workers() -> None:
    """At interpreter exit, let workers that are still ending finish first."""
    for worker in list(_LIVE):
        worker.trainer.request_stop()
        with worker.control.cond:
            worker.control.stop = True
            worker.control.cond.notify_all()
        worker.wait(10000)


class _Control:
    """Flags shared by the GUI thread and the worker, guarded by one condition."""

    def __init__(self, paused: bool, steps: int | None):
        self.cond = threading.Condition()
        self.paused = paused
        self.stop = False
        self.steps_left = steps  # None = run freely; n = pause after n more steps


class _Worker(QThread):
    """Runs one trainer to its DoneEvent (or an exception); lives for one run."""

    # Each signal carries (kind, payload): "packet" (packets.Packet), "diverged"
    # (DivergedEvent), "done" (DoneEvent), "failed" (the exception), "state" ("running" |
    # "paused", when the worker actually changes). One signal keeps their order.
    event = Signal(str, object)

    def __init__(self, trainer, control: _Control, interval: float):
        super().__init__()
        self.trainer = trainer
        self.control = control
        self.interval = interval
        self.coalescer = Coalescer()
        self._last_flush = 0.0
        self._started = False  # whether the generator ran its first batch
        self._saved_interval = None  # the trainer's stats interval while single-stepping

    def run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # handed to the GUI thread, which shows it
            self._flush()
            self.event.emit("failed", exc)

    def _loop(self) -> None:
        events = self.trainer.run()
        pause_after_stats = False
        while True:
            if not self._gate():
                self._finish_stopped(events)
                return
            try:
                event = next(events)
            except StopIteration:
                self._flush()
                return
            self._started = True
            if pause_after_stats:  # the single step's statistics are in: pause now
                pause_after_stats = False
                self._deliver(event)
                self._pause_now()
                continue
            self._deliver(event)
            if isinstance(event, StepEvent) and self._count_step():
                pause_after_stats = self._saved_interval is not None
                if not pause_after_stats:
                    self._pause_now()
            if isinstance(event, DoneEvent):
                return

    def _deliver(self, event) -> None:
        if isinstance(event, DivergedEvent | DoneEvent):
            self._flush()
            self.event.emit("diverged" if isinstance(event, DivergedEvent) else "done", event)
            return
        self.coalescer.add(event)
        now = time.perf_counter()
        if now - self._last_flush >= self.interval:
            self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        if self.coalescer.pending:
            self.event.emit("packet", self.coalescer.take())
        self._last_flush = time.perf_counter() if now is None else now

    # --------------------------------------------------------------- control
    def _count_step(self) -> bool:
        """One more step done; True when a single step just completed."""
        c = self.control
        with c.cond:
            if c.steps_left is None:
                return False
            c.steps_left -= 1
            return c.steps_left <= 0

    def _pause_now(self) -> None:
        with self.control.cond:
            self.control.paused = True
            self.control.steps_left = None

    def _gate(self) -> bool:
        """Wait while paused; False when the run must stop instead of taking a batch."""
        c = self.control
        with c.cond:
            waiting = c.paused and not c.stop
        if waiting:
            self._flush()
            self._restore_interval()
            self.event.emit("state", "paused")
            with c.cond:
                while c.paused and not c.stop:
                    c.cond.wait()
            self.event.emit("state", "running")
        with c.cond:
            if c.steps_left is not None:
                self._force_stats()
            return not c.stop

    def _force_stats(self) -> None:
        """A single step shows its histograms: statistics on every step while stepping."""
        config = getattr(self.trainer, "config", None)
        if config is not None and self._saved_interval is None:
            self._saved_interval = (config.stats_interval,)
            config.stats_interval = 0

    def _restore_interval(self) -> None:
        if self._saved_interval is not None:
            self.trainer.config.stats_interval = self._saved_interval[0]
            self._saved_interval = None

    def _finish_stopped(self, events) -> None:
        """Stop requested between batches: let the trainer end its run (DoneEvent)."""
        self._restore_interval()
        self.trainer.request_stop()
        if not self._started:  # the generator never ran: nothing to end but the run
            events.close()
            self._flush()
            t = self.trainer
            steps = getattr(t, "step", 0)
            self.event.emit("done", DoneEvent("stopped", getattr(t, "epoch", 0), steps, 0.0))
            return
        for event in events:
            self._deliver(event)
            if isinstance(event, DoneEvent):
                return
        self._flush()


class TrainingRunner(QObject):
    """Start/pause/resume/step/stop one trainer at a time on a worker thread.

    Signals arrive on the GUI thread: ``packet(Packet)`` about 20 times per second,
    ``diverged(DivergedEvent)``, ``finished(DoneEvent)`` at the end of every run,
    ``failed(Exception)`` when the worker raised (no ``finished`` then), and
    ``state_changed(str)``: "running", "paused", "stopping", "idle". ``finished`` and
    ``failed`` come after the worker thread has ended (the runner is idle then, so a
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
        self._worker: _Worker | None = None
        self._control: _Control | None = None
        self._state = "idle"
        self._final = None  # (signal, payload) to emit once the worker thread has ended

    @property
    def state(self) -> str:
        return self._state

    @property
    def active(self) -> bool:
        """True from ``start`` until the worker thread has ended."""
        return self._worker is not None

    def start(self, trainer, paused: bool = False, steps: int | None = None) -> None:
        """Run ``trainer`` (a Trainer: ``run()`` generator, ``request_stop()``).

        ``paused``: wait for ``resume``/``step`` before the first batch; ``steps``: pause
        after that many batches (``steps=1`` is the Step button on an idle run)."""
        if self._worker is not None:
            raise RuntimeError("a run is already active: stop it first")
        use_app_blas_threads()  # before the worker exists: see ui/blas.py
        self._control = _Control(paused, steps)
        w = _Worker(trainer, self._control, self.interval)
        w.event.connect(self._relay)
        w.finished.connect(self._worker_ended)
        self._worker = w
        for old in [x for x in _LIVE if x.isFinished()]:
            _LIVE.discard(old)
        _LIVE.add(w)
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._set_state("paused" if paused else "running")
        w.start()

    def pause(self) -> None:
        self._update(paused=True)

    def resume(self) -> None:
        self._update(paused=False, steps_left=None)

    def step(self) -> None:
        """Exactly one more batch, then pause."""
        self._update(paused=False, steps_left=1)

    def stop(self) -> None:
        """Ask the run to end after the current batch; ``finished`` follows."""
        if self._worker is None:
            return
        self._update(stop=True)
        self._worker.trainer.request_stop()
        self._set_state("stopping")

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop and wait for the worker (closing the window); True when it ended."""
        worker = self._worker
        if worker is None:
            return True
        self.stop()
        ended = worker.wait(timeout_ms)
        if ended:
            self._worker_ended()
        return ended

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
        else:
            (self.packet if kind == "packet" else self.diverged).emit(payload)

    def _update(self, **flags) -> None:
        c = self._control
        if c is None or self._worker is None:
            return
        with c.cond:
            for key, value in flags.items():
                setattr(c, key, value)
            c.cond.notify_all()
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
        if not any(x.isRunning() for x in _LIVE):
            sys.setswitchinterval(_default_switch)
        self._worker = None
        self._control = None
        self._set_state("idle")
        final, self._final = self._final, None
        if final is not None:
            final[0].emit(final[1])
