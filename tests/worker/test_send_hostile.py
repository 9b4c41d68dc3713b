"""The app's sender thread when the training process is already gone: the shared
memory it made for data the child never got is removed all the same."""

from __future__ import annotations

import multiprocessing
import os
import queue

import numpy as np

from bpstudio.engine.trainer import TrainData
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
