"""Training in a process of its own, so that the window's Python work (plots, tables,
the graph) never waits for the training loop's GIL, nor the loop for the window's.

Why a process: on the CPU the app trains in Python and NumPy; with the loop on a thread
of the GUI process, every plot refresh, every Python callback of Qt's painting took the
GIL from the trainer. Measured on 2 cores: 86-88% of headless throughput and GUI stalls
of 45-54 ms with a thread; see docs/performance.md for the figures with a process.

The parent (``TrainingProcess``) starts one child with multiprocessing's "spawn" (a
fresh interpreter: no forked Qt state) and keeps it for the window's life. Messages on
one duplex pipe, pickled (a private channel between two processes of one app, never a
file):

parent -> child
    ("data", TrainData)                  the arrays to train on (sent once per dataset)
    ("run", RunSpec, paused, steps)      start a run (``RunLoop`` with a fresh Control)
    ("control", flags)                   ``Control.update(**flags)`` of the current run
    ("load", TrainState)                 while paused: state edited in the app (a
                                         step-through update), applied before resuming
    ("quit",)                            end the child
child -> parent
    ("packet", (Packet, counters))       counters: (epoch, step, seconds) of the trainer
    ("weights", state_dict)              at most every ``WEIGHTS_INTERVAL`` s, for views
    ("sync", TrainState)                 before "paused", "diverged", "done", "failed"
    ("state", "paused" | "running"), ("diverged", DivergedEvent), ("done", DoneEvent)
    ("failed", RemoteFailure)            an exception in the child, as text
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
import traceback
import weakref
from dataclasses import dataclass

from bpstudio.errors import BpError
from bpstudio.worker.shared import attach_data, release, share_data

WEIGHTS_INTERVAL = 1.0  # seconds between weight copies for the views while training
JOIN_TIMEOUT = 5.0  # seconds to wait for the child to end before killing it


@dataclass(frozen=True)
class RemoteFailure:
    """An exception raised in the training process."""

    kind: str  # its class name
    message: str
    detail: str  # the child's traceback
    user_error: bool  # a BpError: one line for the person, no traceback


class TrainingProcessError(Exception):
    """An unexpected exception in the training process (its traceback is ``detail``)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


def as_exception(failure: RemoteFailure) -> Exception:
    """The exception the app shows for a child's failure."""
    if failure.user_error:
        return BpError(failure.message)
    return TrainingProcessError(
        f"{failure.kind} in the training process: {failure.message}", failure.detail
    )


# ------------------------------------------------------------------ the child side
def child_main(conn) -> None:
    """The training process: take runs from ``conn`` until told to quit (or the app's
    end of the pipe closes)."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread, as in the app (ui/blas.py): set before this process's first
    # BLAS call, when no other thread can be inside one.
    threadpool_limits(limits=1, user_api="blas")
    inbox: queue.Queue = queue.Queue()
    current = _Current()
    threading.Thread(target=_read, args=(conn, inbox, current), daemon=True).start()
    data, blocks = None, []
    while True:
        msg = inbox.get()
        if msg[0] == "quit":
            return
        if msg[0] == "data":
            old, data = blocks, None  # the old arrays go before their mappings close
            data, blocks = attach_data(msg[1])
            release(old, unlink=False)
        elif msg[0] == "run":
            _, spec, control = msg
            try:
                _run(conn, spec, data, control, current)
            except (BrokenPipeError, EOFError, OSError):
                return  # the app is gone


class _Current:
    """The run the reader thread's control messages go to."""

    def __init__(self):
        self.lock = threading.Lock()
        self.control = None
        self.trainer = None
        self.pending = None  # a TrainState to load before the run goes on


def _read(conn, inbox: queue.Queue, current: _Current) -> None:
    """The child's reader thread: control messages act at once, the rest queue up."""
    from bpstudio.worker.loop import Control

    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the app closed its end: stop any run, then quit
            msg = ("quit",)
        kind = msg[0]
        if kind == "run":
            _, spec, paused, steps = msg
            control = Control(paused, steps)
            with current.lock:  # control messages after this one belong to this run
                current.control, current.trainer, current.pending = control, None, None
            inbox.put(("run", spec, control))
        elif kind == "control":
            _control(current, msg[1])
        elif kind == "load":
            with current.lock:
                current.pending = msg[1]
        else:
            if kind == "quit":
                _control(current, {"stop": True})
            inbox.put(msg)
            if kind == "quit":
                return


def _control(current: _Current, flags: dict) -> None:
    with current.lock:
        control, trainer = current.control, current.trainer
    if control is None:
        return
    control.update(**flags)
    if flags.get("stop") and trainer is not None:
        trainer.request_stop()


def _run(conn, spec, data, control, current: _Current) -> None:
    """One run: build the trainer, drive it with a RunLoop, send what it emits."""
    from bpstudio.worker.loop import RunLoop
    from bpstudio.worker.state import build_trainer, capture, restore

    send = conn.send
    try:
        if data is None:
            raise RuntimeError("no training data was sent before the run")
        trainer = build_trainer(spec, data)
    except Exception as exc:
        send(("failed", _failure(exc)))
        return
    with current.lock:
        current.trainer = trainer
        stop = control.stop
    if stop:
        trainer.request_stop()
    last_weights = [time.perf_counter()]

    def emit(kind, payload):
        if kind in ("diverged", "done", "failed"):
            send(("sync", capture(trainer)))
        if kind == "packet":
            payload = (payload, (trainer.epoch, trainer.step, trainer.seconds))
        elif kind == "failed":
            payload = _failure(payload)
        send((kind, payload))

    def on_flush():
        now = time.perf_counter()
        if now - last_weights[0] >= WEIGHTS_INTERVAL:
            last_weights[0] = now
            send(("weights", trainer.net.state_dict()))

    def on_resume():
        with current.lock:
            state, current.pending = current.pending, None
        if state is not None:
            restore(trainer, state, counters=False)

    loop = RunLoop(trainer, control, emit)
    loop.on_flush = on_flush
    loop.on_pause = lambda: send(("sync", capture(trainer)))
    loop.on_resume = on_resume
    loop.run()


def _failure(exc: BaseException) -> RemoteFailure:
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return RemoteFailure(type(exc).__name__, str(exc), detail, isinstance(exc, BpError))


# ----------------------------------------------------------------- the app's side
class TrainingProcess:
    """The app's handle on its training process: started on first use, restarted if it
    died, ended by ``close()``. ``send`` is for one thread (the GUI's), ``recv`` for one
    other (the run's reader)."""

    def __init__(self):
        self._proc = None
        self._conn = None
        self._data_sent = ()  # weak references to the arrays the child holds
        self._blocks = []  # the shared memory holding the child's large arrays
        self.runs = 0  # runs sent to the current child

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def exitcode(self) -> int | None:
        return None if self._proc is None else self._proc.exitcode

    def ensure_started(self) -> None:
        if self.alive:
            return
        self.close()
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=child_main, args=(child,), name="bpstudio-training")
        proc.daemon = True  # never outlives the app
        proc.start()
        child.close()  # the child holds its own copy; ours would hide its end (EOF)
        self._proc, self._conn = proc, parent
        # a handle dropped without close() (a window never closed) still ends its child
        self._finalizer = weakref.finalize(self, _let_go, parent, self._blocks)
        self._data_sent = ()
        self.runs = 0

    def start_run(self, spec, data, paused: bool, steps: int | None) -> None:
        """Send ``data`` unless the child has these very arrays, then the run."""
        self.ensure_started()
        arrays = (data.x_train, data.y_train, data.x_val, data.y_val)
        if not self._holds(arrays):
            shared, blocks = share_data(data)
            self._conn.send(("data", shared))
            release(self._blocks, unlink=True)  # the child maps the new ones from now on
            self._blocks[:] = blocks  # the same list: the finalizer holds it
            self._data_sent = tuple(_ref(a) for a in arrays)
        self._conn.send(("run", spec, paused, steps))
        self.runs += 1

    def _holds(self, arrays) -> bool:
        if len(self._data_sent) != len(arrays):
            return False
        return all(r() is a for r, a in zip(self._data_sent, arrays, strict=True))

    def send(self, msg) -> None:
        """A message to the child; lost without error when it has died (the reader
        reports that)."""
        if self._conn is None:
            return
        with contextlib.suppress(BrokenPipeError, EOFError, OSError):
            self._conn.send(msg)

    def recv(self):
        """The child's next message; EOFError when it has died."""
        if self._conn is None:
            raise EOFError("no training process")
        try:
            return self._conn.recv()
        except OSError as exc:
            raise EOFError(str(exc)) from None

    def reap(self, timeout: float = JOIN_TIMEOUT) -> int | None:
        """After the pipe broke: wait for the child to be gone, return its exit code."""
        proc = self._proc
        if proc is None:
            return None
        proc.join(timeout)
        return proc.exitcode

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def close(self) -> None:
        """Ask the child to quit, wait briefly, then make sure it is gone."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if getattr(self, "_finalizer", None) is not None:
            self._finalizer.detach()
        if conn is not None:
            with contextlib.suppress(BrokenPipeError, EOFError, OSError):
                conn.send(("quit",))
        if proc is not None:
            proc.join(JOIN_TIMEOUT)
            if proc.is_alive():
                proc.kill()
                proc.join(JOIN_TIMEOUT)
        if conn is not None:
            conn.close()
        release(self._blocks, unlink=True)
        self._blocks.clear()
        self._data_sent = ()


def _let_go(conn, blocks: list) -> None:
    """Tell a child whose handle was dropped to quit, without waiting for it (a
    collection must not block; its reader also quits when the pipe closes), and remove
    its shared memory (its mappings stay valid until it has ended)."""
    with contextlib.suppress(BrokenPipeError, EOFError, OSError):
        conn.send(("quit",))
        conn.close()
    release(blocks, unlink=True)


def _ref(a):
    """A weak reference to an array (None stays None)."""
    if a is None:
        return lambda: None
    return weakref.ref(a)
