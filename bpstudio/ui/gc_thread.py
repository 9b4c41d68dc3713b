"""Python's cyclic garbage collector runs on the GUI thread only.

Left automatic, a collection runs in whichever thread allocates when a threshold is
crossed: often the training worker or a loader job. When the garbage holds Qt objects
(a closed window's widgets in a reference cycle), their C++ destructors then run on
that thread while the GUI thread is using them: seen here as a deadlock (the worker's
collection destroying a menu's actions on a Qt mutex the GUI thread held while it
waited for the GIL). pyqtgraph's GarbageCollector disables automatic collection and
collects on a GUI-thread timer instead; reference counting still frees everything
that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

_COLLECTOR: GarbageCollector | None = None


def collect_garbage_on_the_gui_thread(interval_s: float = 1.0) -> GarbageCollector:
    """Start the GUI-thread collector once per process (the QApplication must exist);
    it collects each generation when its count passes Python's own threshold."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = GarbageCollector(interval=interval_s)
    return _COLLECTOR


def collect_before_a_run() -> None:
    """Collect now, on the GUI thread, as a run starts: garbage left by earlier work (a
    closed project's views) is freed while the person waits for Start anyway, not
    mid-run, where one such collection stalled the window for 206 ms."""
    gc.collect()


def freeze_what_the_start_made() -> None:
    """Move every object alive after start-up (modules, the window, its views) out of
    the collector's sight (``gc.freeze``): later collections walk only what came after,
    so they stay short. Such objects are still freed by reference counting; only a
    cycle among them would now live on."""
    gc.collect()
    gc.freeze()
