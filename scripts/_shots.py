"""Helpers shared by the screenshot scripts (run under Xvfb, on the GUI thread)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bpstudio.engine.trainer import EpochEvent

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"


def settle(ms: int = 300) -> None:
    """Let Qt process events for ``ms`` milliseconds (layouts, timers, paints)."""
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def show_loaded(window) -> None:
    """Show ``window`` at 1600x1000 and wait until its data has loaded."""
    window.resize(1600, 1000)
    window.show()
    window.model.load_data()
    while window.model.loading:
        settle(50)
    settle(300)


def train(session, epochs: int) -> None:
    """Train on the GUI thread (a script, not the app): reproducible pictures."""
    trainer = session.make_trainer(session.train_config(epochs=epochs))
    trainer.config.stats_interval = None
    for ev in trainer.run():
        if isinstance(ev, EpochEvent) and ev.epoch % 50 == 0:
            print(f"  epoch {ev.epoch}: loss {ev.train_loss:.4f}", file=sys.stderr)


def float_dock(docks: dict, key: str, w: int, h: int):
    """Float the dock ``docks[key]`` at w x h, on top."""
    dock = docks[key]
    dock.show()
    dock.setFloating(True)
    dock.resize(w, h)
    dock.raise_()
    settle(300)
    return dock


def save(widget, name: str) -> None:
    settle(200)
    path = OUT / name
    widget.grab().save(str(path))
    print(path)


_APP = []  # the QApplication's Python wrapper must outlive every window


def start_app():
    """The QApplication, with its own settings name so the user's layout stays out."""
    from bpstudio.ui.app import make_app

    app = make_app()
    _APP.append(app)
    app.setApplicationName("bpstudio-screenshots")
    OUT.mkdir(parents=True, exist_ok=True)
    return app
