"""Small matrix work on the GUI thread runs with one BLAS thread.

The views' passes (a 120x120 grid through a small MLP, one batch of step-through) use
matrices of a few thousand by a few dozen: several BLAS threads only fight over the
cores (measured 50x slower on 2 busy cores). The training runner already limits BLAS
to one thread while it trains; this does the same for the views when it does not.
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    # Scanning the loaded libraries costs milliseconds: do it once, not per call.
    return ThreadpoolController()


def one_blas_thread(fn):
    """Decorator: run ``fn`` with BLAS limited to one thread, restored afterwards."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper
