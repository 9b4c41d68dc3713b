"""The training process's side: take runs from the app's pipe and train them.

A reader thread takes every message as it comes, so control (pause, step, stop) and
state sent while paused act at once, between two batches; data and runs queue up for
the main thread, which trains. See ``process.py`` for the message table.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from bpstudio.errors import BpError
from bpstudio.worker.shared import attach_data, release
from bpstudio.worker.stream import receive_arrays

WEIGHTS_INTERVAL = 1.0  # seconds between weight copies for the views while training
# ...or longer for a large network: at most this many bytes of weights a second cross
# the pipe (a 100M-parameter network would otherwise send 400 MB every second)
WEIGHTS_BYTES_PER_S = 50e6


@dataclass(frozen=True)
class RemoteFailure:
    """An exception raised in the training process."""

    kind: str  # its class name
    message: str
    detail: str  # the child's traceback
    user_error: bool  # a BpError: one line for the person, no traceback


def child_main(conn) -> None:
    """The training process: take runs from ``conn`` until told to quit (or the app's
    end of the pipe closes)."""
    from threadpoolctl import threadpool_limits

    # Ctrl+C in a terminal signals the app and this process alike: the app decides
    # whether to end (this process then reads EOF and quits); dying here mid-run would
    # turn it into "the training process ended unexpectedly"
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One BLAS thread, as in the app (ui/blas.py): set before this process's first
    # BLAS call, when no other thread can be inside one.
    threadpool_limits(limits=1, user_api="blas")
    inbox: queue.Queue = queue.Queue()
    current = _Current()
    threading.Thread(target=_read, args=(conn, inbox, current), daemon=True).start()
    data, blocks, data_error = None, [], None
    while True:
        msg = inbox.get()
        if msg[0] == "quit":
            sys.exit(msg[1] if len(msg) > 1 else 0)
        if msg[0] == "data":
            old, data = blocks, None  # the old arrays go before their mappings close
            try:
                data, blocks, data_error = *attach_data(msg[1]), None
            except Exception as exc:  # a block gone, no memory to map: the run says so
                blocks, data_error = [], exc
            release(old, unlink=False)
        elif msg[0] == "run":
            _, spec, control = msg
            try:
                _run(conn, spec, data if data is not None else data_error, control, current)
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
            if msg[0] == "data":  # its large arrays may follow in pieces (stream.py)
                msg = ("data", receive_arrays(conn, msg[1]))
        except (EOFError, OSError):  # the app closed its end: stop any run, then quit
            msg = ("quit",)
        except Exception:  # e.g. MemoryError unpickling large data: a deaf child would
            traceback.print_exc()  # leave the app waiting forever; end, the app hears EOF
            msg = ("quit", 1)
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
    """One run: build the trainer, drive it with a RunLoop, send what it emits.
    ``data``: the TrainData, or the exception that came instead of it."""
    from bpstudio.worker.loop import RunLoop
    from bpstudio.worker.state import build_trainer, capture, restore

    send = conn.send
    try:
        if data is None:
            raise RuntimeError("no training data was sent before the run")
        if isinstance(data, Exception):  # the data could not be mapped
            raise data
        trainer = build_trainer(spec, data)
        with current.lock:
            current.trainer = trainer
            stop = control.stop
            early, current.pending = current.pending, None
        if early is not None:  # an edit sent with a resume that came during the build
            restore(trainer, early, counters=False)
    except Exception as exc:
        send(("failed", _failure(exc)))
        return
    if stop:
        trainer.request_stop()
    last_weights = [time.perf_counter()]
    weight_bytes = sum(p.nbytes for p in trainer.net.named_params().values())
    weights_every = max(WEIGHTS_INTERVAL, weight_bytes / WEIGHTS_BYTES_PER_S)

    def emit(kind, payload):
        if kind in ("diverged", "done", "failed"):
            sync()
        if kind == "packet":
            payload = (payload, (trainer.epoch, trainer.step, trainer.seconds))
        elif kind == "failed":
            payload = _failure(payload)
        send((kind, payload))

    def sync():
        try:
            state = capture(trainer)
        except MemoryError:  # e.g. after "out of memory": that message must get out
            return  # the app keeps the last weights it got
        send(("sync", state))

    def on_flush():
        now = time.perf_counter()
        if now - last_weights[0] >= weights_every:
            last_weights[0] = now
            send(("weights", trainer.net.state_dict()))

    def on_resume():
        with current.lock:
            state, current.pending = current.pending, None
        if state is not None:
            restore(trainer, state, counters=False)

    def on_pause():
        # a "load" belongs to the pause the app saw; one that came earlier (the app
        # thought the run paused when it had not yet) would roll this pause back later
        with current.lock:
            current.pending = None
        sync()

    loop = RunLoop(trainer, control, emit)
    loop.on_flush = on_flush
    loop.on_pause = on_pause
    loop.on_resume = on_resume
    try:
        loop.run()
    finally:  # the trainer maps the data: let the next data's release close it
        with current.lock:
            if current.trainer is trainer:
                current.trainer = None


def _failure(exc: BaseException) -> RemoteFailure:
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, MemoryError):  # no text of its own, and the person's to fix
        message = "the training process ran out of memory: use a smaller network or data set"
        return RemoteFailure("MemoryError", message, detail, True)
    return RemoteFailure(type(exc).__name__, str(exc), detail, isinstance(exc, BpError))
