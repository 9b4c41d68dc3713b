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
    ("data", TrainData)                  the arrays to train on (sent once per dataset;
                                         large ones in shared memory, or in pieces
                                         right after it: stream.py)
    ("run", RunSpec, paused, steps)      start a run (``RunLoop`` with a fresh Control)
    ("control", flags)                   ``Control.update(**flags)`` of the current run
    ("load", TrainState)                 while paused: state edited in the app (a
                                         step-through update), applied before resuming
    ("quit",), ("quit", code)            end the child (exit code ``code``: 1 when a
                                         message could not be sent)
child -> parent
    ("packet", (Packet, counters))       counters: (epoch, step, seconds) of the trainer
    ("weights", state_dict)              at most every ``WEIGHTS_INTERVAL`` s, for views
    ("sync", TrainState)                 before "paused", "diverged", "done", "failed"
    ("state", "paused" | "running"), ("diverged", DivergedEvent), ("done", DoneEvent)
    ("failed", RemoteFailure)            an exception in the child, as text

The app never waits on the pipe: what it sends goes through a queue to a sender
thread (which also copies the data into shared memory), so a child still starting, or
busy unpickling, cannot freeze the window; the order of messages is kept.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import traceback
import weakref

from bpstudio.errors import BpError
from bpstudio.worker.child import RemoteFailure, child_main
from bpstudio.worker.shared import arrays_of, release, share_data
from bpstudio.worker.stream import send_arrays, split_streamed

JOIN_TIMEOUT = 5.0  # seconds to wait for the child to end before killing it


class TrainingProcessError(Exception):
    """An unexpected exception in the training process (its traceback is ``detail``)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


def importing_main_in_child() -> bool:
    """True while a "spawn" child re-imports the app's main script: a script without an
    ``if __name__ == "__main__":`` guard then runs again there, and must not open the app
    a second time (that child would never read its pipe: Start would wait forever)."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def as_exception(failure: RemoteFailure) -> Exception:
    """The exception the app shows for a child's failure."""
    if failure.user_error:
        return BpError(failure.message)
    return TrainingProcessError(
        f"{failure.kind} in the training process: {failure.message}", failure.detail
    )


class TrainingProcess:
    """The app's handle on its training process: started on first use, restarted if it
    died, ended by ``close()``. ``start_run``/``send`` queue messages (never block);
    ``recv`` is for one thread (the run's reader)."""

    def __init__(self):
        self._proc = None
        self._conn = None
        self._outbox: queue.SimpleQueue | None = None
        self._sender: threading.Thread | None = None
        self._finalizer = None
        self._data_sent = ()  # weak references to the arrays the child holds
        self._blocks: list = []  # the shared memory holding the child's large arrays
        self.runs = 0  # runs sent to the current child

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

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
        self._outbox = queue.SimpleQueue()
        self._blocks = []
        self._sender = threading.Thread(
            target=_send_loop,
            args=(parent, self._outbox, self._blocks),
            name="bpstudio-training-send",
            daemon=True,
        )
        self._sender.start()
        # a handle dropped without close() (a window never closed) still ends its child
        self._finalizer = weakref.finalize(self, _let_go, self._outbox)
        self._data_sent = ()
        self.runs = 0

    def start_run(self, spec, data, paused: bool, steps: int | None) -> None:
        """Queue ``data`` unless the child has these very arrays, then the run."""
        self.ensure_started()
        arrays = arrays_of(data)
        if not self._holds(arrays):
            self._outbox.put(("data", data))
            self._data_sent = tuple(_ref(a) for a in arrays)
        self._outbox.put(("run", spec, paused, steps))
        self.runs += 1

    def _holds(self, arrays) -> bool:
        if len(self._data_sent) != len(arrays):
            return False
        return all(r() is a for r, a in zip(self._data_sent, arrays, strict=True))

    def send(self, msg) -> None:
        """Queue a message to the child (lost when it has died: the reader says so)."""
        if self._outbox is not None:
            self._outbox.put(msg)

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

    def close(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Ask the child to quit, wait up to ``timeout`` seconds, then make sure it is
        gone."""
        proc, conn, outbox, sender = self._proc, self._conn, self._outbox, self._sender
        self._proc = self._conn = self._outbox = self._sender = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if outbox is not None:
            _let_go(outbox)
            sender.join(timeout)
        if proc is not None:
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(JOIN_TIMEOUT)
        if conn is not None:
            conn.close()
        self._data_sent = ()


def _send_loop(conn, outbox: queue.SimpleQueue, blocks: list) -> None:
    """The app's sender thread: messages in order until ``None``; then the shared
    memory goes (the child's mappings stay valid until it lets them go)."""
    broken = False
    while (msg := outbox.get()) is not None:
        if broken:
            continue  # the child is gone: the run's reader reports it
        try:
            if msg[0] == "data":
                shared, new = share_data(msg[1])
                shared, streamed = split_streamed(shared)  # no room in shared memory
                try:
                    conn.send(("data", shared))
                    send_arrays(conn, streamed)
                finally:  # kept even if the child is gone: they go with the others
                    release(blocks, unlink=True)  # the child maps the new ones now
                    blocks[:] = new
            else:
                conn.send(msg)
        except (BrokenPipeError, EOFError, OSError):
            broken = True
        except Exception:  # cannot go (unpicklable, no memory to copy): without it the
            traceback.print_exc()  # child would wait, and the run's reader, forever
            with contextlib.suppress(OSError):
                conn.send(("quit", 1))  # the child ends; the app hears EOF
            broken = True
    release(blocks, unlink=True)
    blocks.clear()


def _let_go(outbox: queue.SimpleQueue) -> None:
    """Tell the child to quit and the sender to end after that, without waiting (a
    garbage collection must not block)."""
    outbox.put(("quit",))
    outbox.put(None)


def _ref(a):
    """A weak reference to an array (None stays None)."""
    if a is None:
        return lambda: None
    return weakref.ref(a)
