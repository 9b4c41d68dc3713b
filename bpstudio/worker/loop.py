"""One run of a Trainer under cooperative control, Qt-free.

``RunLoop`` pulls events from ``trainer.run()``, coalesces steps into packets
(``packets.py``: about 20 per second however fast the batches are) and hands what it
has to ``emit(kind, payload)``:

- ``("packet", Packet)``: steps, epochs and the newest statistics since the last one;
- ``("diverged", DivergedEvent)`` and ``("done", DoneEvent)``, at once, after the
  pending steps;
- ``("state", "paused" | "running")`` when the loop really waits or goes on;
- ``("failed", exception)`` when the trainer raised.

Control acts between batches through a ``Control`` shared with whoever drives the run:
pause makes the loop wait on its condition, ``steps_left`` runs that many batches and
pauses again, stop asks the trainer to end (its DoneEvent still comes). The same loop
runs on the app's worker thread (``ui/training/runner.py``) and in the training process
(``worker/process.py``), so both behave alike.
"""

from __future__ import annotations

import threading
import time

from bpstudio.engine.trainer import DivergedEvent, DoneEvent, StepEvent
from bpstudio.worker.packets import Coalescer

DELIVERY_INTERVAL = 0.05  # seconds between packets: ~20 per second


class Control:
    """Flags shared by the driver and the loop, guarded by one condition."""

    def __init__(self, paused: bool = False, steps: int | None = None):
        self.cond = threading.Condition()
        self.paused = paused
        self.stop = False
        self.steps_left = steps  # None = run freely; n = pause after n more steps

    def update(self, **flags) -> None:
        """Set flags (``paused``, ``stop``, ``steps_left``) and wake the loop."""
        with self.cond:
            for key, value in flags.items():
                setattr(self, key, value)
            self.cond.notify_all()


class RunLoop:
    """Runs one trainer to its DoneEvent (or an exception) under ``control``.

    Hooks for the training process: ``on_flush()`` after every packet, ``on_pause()``
    before "paused" is announced and ``on_resume()`` when the wait ends (both on the
    loop's own thread, while no batch is in flight)."""

    def __init__(self, trainer, control: Control, emit, interval: float = DELIVERY_INTERVAL):
        self.trainer = trainer
        self.control = control
        self.emit = emit
        self.interval = interval
        self.coalescer = Coalescer()
        self.on_flush = None
        self.on_pause = None
        self.on_resume = None
        self._last_flush = 0.0
        self._started = False  # whether the generator ran its first batch
        self._saved_interval = None  # the trainer's stats interval while single-stepping

    def run(self) -> None:
        """The whole run; an exception from the trainer is emitted as "failed"."""
        try:
            self._loop()
        except Exception as exc:  # handed to the driver, which shows it
            self._flush()
            self.emit("failed", exc)
        finally:  # a run that ended while stepping: the config is the app's on a thread
            self._restore_interval()

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
            self.emit("diverged" if isinstance(event, DivergedEvent) else "done", event)
            return
        self.coalescer.add(event)
        now = time.perf_counter()
        if now - self._last_flush >= self.interval:
            self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        if self.coalescer.pending:
            self.emit("packet", self.coalescer.take())
            if self.on_flush is not None:
                self.on_flush()
        self._last_flush = time.perf_counter() if now is None else now

    # --------------------------------------------------------------- control
    def _count_step(self) -> bool:
        """One more step done; True when a single step just completed."""
        c = self.control
        if c.steps_left is None:  # free running (read without the lock: see _gate)
            return False
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
        # Free running, the common case, is read without the lock: a flag set a moment
        # after this read is seen at the next batch, as it would be with the lock. (Three
        # lock round trips per batch cost a tiny network ~3% of its speed.)
        if not (c.paused or c.stop or c.steps_left is not None):
            if self._saved_interval is not None:  # a Step overtaken by Resume
                self._restore_interval()
            return True
        with c.cond:
            waiting = c.paused and not c.stop
        if waiting:
            self._flush()
            self._restore_interval()
            if self.on_pause is not None:
                self.on_pause()
            self.emit("state", "paused")
            with c.cond:
                while c.paused and not c.stop:
                    c.cond.wait()
            if self.on_resume is not None:
                self.on_resume()
            self.emit("state", "running")
        with c.cond:
            if c.steps_left is not None:
                self._force_stats()
            else:
                self._restore_interval()
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
            self.emit("done", DoneEvent("stopped", getattr(t, "epoch", 0), steps, 0.0))
            return
        for event in events:
            self._deliver(event)
            if isinstance(event, DoneEvent):
                return
        self._flush()
