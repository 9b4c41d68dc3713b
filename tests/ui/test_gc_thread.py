"""ui/gc_thread: cyclic garbage is collected by a GUI-thread timer, never by a
collection that starts on a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_automatic_collection_is_off_and_the_gui_timer_collects(qtbot):
    from bpstudio.ui.gc_thread import collect_garbage_on_the_gui_thread

    collect_garbage_on_the_gui_thread()
    assert not gc.isenabled()
    refs = []

    def make_garbage():  # on a worker thread, as training or a data load allocates
        for _ in range(2000):
            refs.append(weakref.ref(Node()))

    t = threading.Thread(target=make_garbage)
    t.start()
    t.join()
    assert any(r() is not None for r in refs)  # the worker collected nothing
    qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=5000)  # the timer did
