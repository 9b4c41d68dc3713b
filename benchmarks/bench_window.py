"""How long until the main window is up: a fresh ``bpstudio`` process, timed from its
launch until the window is shown and until the default example's data is loaded.

    python3 benchmarks/bench_window.py [--repeats 5]

Each run is a new interpreter with an empty settings folder (a first start, as for a
new user) and runs the app's own ``main()``; a probe hooked where main() installs the
welcome panel reports when the window is exposed and when the data has arrived, then
quits. Wall time (target <= 2 s) and the process's CPU time are printed; on a machine
shared with other work, CPU time is the steadier figure. The floor is the same
interpreter importing nothing (``python -c pass``) and importing PySide6's widgets.
Offscreen unless DISPLAY is set (then a real X server, e.g. under Xvfb).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = r"""
import sys
from PySide6.QtCore import QTimer
import bpstudio.ui.app as app_module

install = app_module.install_first_run

def probed(window):
    install(window)
    shown = []

    def check():
        handle = window.windowHandle()
        if not shown and handle is not None and handle.isExposed():
            shown.append(1)
            print("shown", flush=True)
        if shown and window.model.session.dataset is not None:
            print("loaded", flush=True)
            window.model.mark_saved()
            app_module.QApplication.instance().quit()
            return
        QTimer.singleShot(2, check)

    QTimer.singleShot(0, check)

app_module.install_first_run = probed
sys.exit(app_module.main())
"""


def one_run(code: str, env: dict) -> tuple[dict, float]:
    """({event: wall seconds since launch}, CPU seconds of the child)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=env, text=True,
    )  # fmt: skip
    marks = {}
    for line in proc.stdout:
        marks[line.strip()] = time.perf_counter() - t0
    _, status, usage = os.wait4(proc.pid, 0)
    marks.setdefault("exit", time.perf_counter() - t0)
    if status != 0 and code == PROBE:
        raise RuntimeError(f"the app exited with status {status}")
    return marks, usage.ru_utime + usage.ru_stime


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    probes = {
        "python -c pass": "pass",
        "import PySide6.QtWidgets": "import PySide6.QtWidgets",
        "bpstudio window": PROBE,
    }
    results = {name: {"wall": {}, "cpu": []} for name in probes}
    for _ in range(args.repeats):
        for name, code in probes.items():  # interleaved: machine drift hits all alike
            with tempfile.TemporaryDirectory() as home:
                env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home)
                marks, cpu = one_run(code, env)
            for event, t in marks.items():
                results[name]["wall"].setdefault(event, []).append(t)
            results[name]["cpu"].append(cpu)
    print(f"{args.repeats} runs each, medians, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name, r in results.items():
        walls = ", ".join(f"{event} {statistics.median(v):.2f} s" for event, v in r["wall"].items())
        print(f"  {name:26s} {walls}; CPU {statistics.median(r['cpu']):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
