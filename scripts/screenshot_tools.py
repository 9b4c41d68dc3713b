"""Screenshots of the tools into docs/images/tools-*.png.

Run under Xvfb from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshot_tools.py
Training runs synchronously here (no worker thread), so the pictures are reproducible;
the tools themselves run as in the app, in their background threads.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bpstudio.session import Session

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"


def settle(ms: int = 300) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def open_window(example: str):
    from bpstudio.ui.main_window import MainWindow

    session = Session.open_example(example)
    session.project.training["device"] = "cpu"
    session.device = "cpu"
    window = MainWindow(session)
    window.resize(1600, 1000)
    window.show()
    window.model.load_data()
    while window.model.loading:
        settle(50)
    settle(300)
    return window, window.tools


def train(session: Session, epochs: int) -> None:
    trainer = session.make_trainer(session.train_config(epochs=epochs))
    trainer.config.stats_interval = None
    for _ in trainer.run():
        pass


def float_dock(tools, key: str, w: int, h: int):
    dock = tools.docks[key]
    dock.show()
    dock.setFloating(True)
    dock.resize(w, h)
    dock.raise_()
    settle(300)
    return dock


def wait(jobbar) -> None:
    while jobbar.busy:
        settle(50)
    settle(200)


def save(widget, name: str) -> None:
    settle(200)
    path = OUT / name
    widget.grab().save(str(path))
    print(path)


def gradcheck() -> None:
    window, tools = open_window("spiral")
    train(window.model.session, 20)
    dock = float_dock(tools, "gradcheck", 900, 360)
    tools.gradcheck.run()
    wait(tools.gradcheck.jobs)
    save(dock, "tools-gradcheck.png")
    window.hide()


def lr_finder() -> None:
    window, tools = open_window("iris")
    dock = float_dock(tools, "lr_finder", 900, 560)
    tools.lr_finder.run()
    wait(tools.lr_finder.jobs)
    save(dock, "tools-lr-finder.png")
    window.hide()


def inference_rows() -> None:
    window, tools = open_window("iris")
    train(window.model.session, 30)
    dock = float_dock(tools, "inference", 620, 720)
    panel = tools.inference
    panel.refresh_weights()
    panel.select_row(7)
    save(dock, "tools-inference-rows.png")
    panel.tabs.setCurrentIndex(1)
    panel.form.widgets["petal_length"].setText("4.9")
    panel.form.submit()
    save(dock, "tools-inference-form.png")
    window.hide()


def inference_images() -> None:
    window, tools = open_window("digits")
    train(window.model.session, 3)
    dock = float_dock(tools, "inference", 620, 720)
    panel = tools.inference
    panel.refresh_weights()
    panel.select_row(5)
    save(dock, "tools-inference-images.png")
    window.hide()


def main() -> int:
    from bpstudio.ui.app import make_app

    app = make_app()
    app.setApplicationName("bpstudio-screenshots")  # keep the user's layout out of it
    OUT.mkdir(parents=True, exist_ok=True)
    gradcheck()
    lr_finder()
    inference_rows()
    inference_images()
    return 0


if __name__ == "__main__":
    sys.exit(main())
