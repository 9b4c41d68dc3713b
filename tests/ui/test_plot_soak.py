"""Live plots must survive thousands of updates from a timer.

PySide6 6.12.0 with pyqtgraph 0.14 aborts the process within about a hundred
``setData`` calls made from a QTimer; pyproject pins PySide6 below 6.12 for that. This
test repeats what the training plots do (a growing curve redrawn from a timer) 5000
times, offscreen, and must finish cleanly.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QTimer

CALLS = 5000
WINDOW = 300


@pytest.mark.slow  # every call repaints: about 10 to 40 s on a busy 2-core machine
def test_thousands_of_setdata_calls_from_a_timer(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    curve = widget.plot(pen="b")
    curve.setDownsampling(auto=True)
    curve.setClipToView(True)
    ys = np.cumsum(np.random.default_rng(0).normal(size=CALLS)).astype(np.float32)
    done = {"n": 0}

    def tick():
        n = done["n"] = done["n"] + 1
        start = max(0, n - WINDOW)  # a scrolling window: the call count is the hazard
        curve.setData(np.arange(start, n, dtype=np.float32), ys[start:n])
        if n >= CALLS:
            timer.stop()

    timer = QTimer(interval=0, timeout=tick)
    timer.start()
    qtbot.waitUntil(lambda: done["n"] >= CALLS, timeout=240000)
    assert len(curve.yData) == WINDOW and float(curve.yData[-1]) == float(ys[-1])
    assert done["n"] == CALLS
