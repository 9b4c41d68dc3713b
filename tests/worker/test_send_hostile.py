"""The app's sender thread when the training process is already gone: the shared
memory it made for data the child never got is removed all the same."""

from __future__ import annotations

import multiprocessing
import os
import queue

import numpy as np

from bpstudio.engine.trainer import TrainData
from bpstudio.worker.child import _Current
from bpstudio.worker.process import _send_loop


def _blocks_in_shm() -> set:
    return {n for n in os.listdir("/dev/shm") if n.startswith("psm_")}


def test_data_for_a_dead_child_leaves_no_shared_memory():
    before = _blocks_in_shm()
    ours, theirs = multiprocessing.get_context("spawn").Pipe(duplex=True)
    theirs.close()  # the child died (killed for memory) before the data went out
    x = np.ones((1000, 300), np.float32)  # 1.2 MB: through shared memory
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    for msg in (("data", TrainData(x, np.zeros(1000, np.int64))), ("quit",), None):
        outbox.put(msg)
    blocks: list = []
    _send_loop(ours, outbox, blocks)
    ours.close()
    assert _blocks_in_shm() - before == set() and blocks == []


def test_data_without_room_in_shared_memory_does_not_starve_the_app(monkeypatch):
    # a Docker container's /dev/shm is 64 MB: the arrays are sent through the pipe,
    # where pickling 100 MB in one piece held the GIL (the window froze 0.6 s on F5)
    import threading
    import time

    from bpstudio.worker import shared
    from bpstudio.worker.child import _read

    monkeypatch.setattr(shared, "_room", lambda: 1000.0)
    x = np.arange(25_000_000, dtype=np.float32).reshape(-1, 100)  # 100 MB
    y = np.arange(250_000, dtype=np.int64)
    ours, theirs = multiprocessing.get_context("spawn").Pipe(duplex=True)
    inbox: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read, args=(theirs, inbox, _Current()), daemon=True)
    reader.start()  # the child's side, here on a thread
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    outbox.put(("data", TrainData(x, y, None, None, "classification")))
    sender = threading.Thread(target=_send_loop, args=(ours, outbox, []), daemon=True)
    gaps, last = [], time.perf_counter()
    sender.start()
    while sender.is_alive() and inbox.empty():  # the GUI thread, ticking
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    kind, got = inbox.get(timeout=30)
    outbox.put(None)
    sender.join(10)
    assert kind == "data" and np.array_equal(got.x_train, x) and np.array_equal(got.y_train, y)
    assert max(gaps) < 0.06, f"the app thread waited {max(gaps):.2f} s"


def test_streamed_arrays_arrive_whole_in_any_size():
    import threading

    from bpstudio.worker.stream import CHUNK_BYTES, receive_arrays, send_arrays, split_streamed

    x = np.arange(CHUNK_BYTES // 4 * 2 + 3, dtype=np.float32).reshape(-1, 1)  # 2 pieces + 12 B
    y = np.arange(len(x), dtype=np.int64)[::-1]  # not contiguous: sent as a copy
    xv = np.zeros((0, 1), np.float32)  # nothing
    data, arrays = split_streamed(TrainData(x, y, xv, None, "regression"))
    assert len(arrays) == 2 and data.x_val is xv and data.y_val is None
    ours, theirs = multiprocessing.get_context("spawn").Pipe(duplex=True)
    sender = threading.Thread(target=send_arrays, args=(ours, arrays))
    sender.start()
    got = receive_arrays(theirs, data)
    sender.join()
    assert np.array_equal(got.x_train, x) and np.array_equal(got.y_train, y)
    assert got.y_train.dtype == np.int64 and got.task == "regression"
