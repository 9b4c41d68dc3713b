"""The app computes with one BLAS thread, set once for the whole process.

Why one: the app's matrices are small (a 120x120 grid through a small MLP, one batch of
step-through, a training batch of 64); several BLAS threads only fight over the cores
with the GUI thread and the training worker (measured 50x slower on 2 busy cores).

Why once: OpenBLAS's thread count is process-global state, not per thread. Changing it
from one thread (a ``threadpool_limits`` block in a worker, a view's redraw) while
another thread is inside a threaded BLAS call can deadlock OpenBLAS (seen in CI: a
training worker and a gradient-check job hung forever; OpenMathLib/OpenBLAS#660, #937).
So the app sets it before its first worker thread starts and never touches it again.
"""

from __future__ import annotations

import threading

from threadpoolctl import ThreadpoolController

APP_BLAS_THREADS = 1

_applied = False
_lock = threading.Lock()


def use_app_blas_threads() -> None:
    """Limit BLAS to ``APP_BLAS_THREADS`` for the rest of the process; idempotent.

    Call it on the GUI thread before any worker starts (the window, the training runner
    and the job bar do); later calls return at once without touching OpenBLAS.
    """
    global _applied
    with _lock:
        if _applied:
            return
        ThreadpoolController().limit(limits=APP_BLAS_THREADS, user_api="blas")
        _applied = True
