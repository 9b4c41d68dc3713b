"""Screenshots of the tools into docs/images/tools-*.png.

Run under Xvfb from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshot_tools.py
Training runs synchronously here (no worker thread), so the pictures are reproducible;
the tools themselves run as in the app, in their background threads.
"""

from __future__ import annotations

import sys

from _shots import float_dock, save, settle, show_loaded, start_app, train

from bpstudio.session import Session


def open_window(example: str):
    from bpstudio.ui.main_window import MainWindow

    session = Session.open_example(example)
    session.project.training["device"] = "cpu"
    session.device = "cpu"
    window = MainWindow(session)
    show_loaded(window)
    return window, window.tools


def wait(jobbar) -> None:
    while jobbar.busy:
        settle(50)
    settle(200)


def gradcheck() -> None:
    window, tools = open_window("spiral")
    train(window.model.session, 20)
    dock = float_dock(tools.docks, "gradcheck", 900, 360)
    tools.gradcheck.run()
    wait(tools.gradcheck.jobs)
    save(dock, "tools-gradcheck.png")
    window.hide()


def lr_finder() -> None:
    window, tools = open_window("iris")
    dock = float_dock(tools.docks, "lr_finder", 900, 560)
    tools.lr_finder.run()
    wait(tools.lr_finder.jobs)
    save(dock, "tools-lr-finder.png")
    window.hide()


def inference_rows() -> None:
    window, tools = open_window("iris")
    train(window.model.session, 30)
    dock = float_dock(tools.docks, "inference", 620, 720)
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
    dock = float_dock(tools.docks, "inference", 620, 720)
    panel = tools.inference
    panel.refresh_weights()
    panel.select_row(5)
    save(dock, "tools-inference-images.png")
    window.hide()


def main() -> int:
    start_app()
    gradcheck()
    lr_finder()
    inference_rows()
    inference_images()
    return 0


if __name__ == "__main__":
    sys.exit(main())
