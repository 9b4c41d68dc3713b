"""Training in the app versus headless: throughput ratio and the longest GUI stall.

    python3 benchmarks/bench_app.py [--example spiral] [--epochs 200]
        [--repeats 2] [--window | --panel]

Runs the same project, seed and settings (a) headless: the Trainer generator in a plain
loop, (b) in the app, offscreen: the TrainingRunner (on the CPU: the training process,
started before F5 as the app does once its window is up) feeding the panel and the
live plots (``--window``: the whole main window with every dock, the default;
``--panel``: only the training panel and plots). Prints samples per second of each,
their ratio (target >= 90%), and the longest gap between ticks of a 5 ms QTimer on the
GUI thread during training (target < 50 ms), measured in app runs of their own: the
meter's 200 wake-ups a second slow training by a few percent, and are not the app's.
The app's run is timed from F5 to its last batch (when "done" reaches the app). Both
sides compute with one BLAS thread, as the app and its training process do.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bpstudio.session import Session  # noqa: E402
from bpstudio.ui.blas import APP_BLAS_THREADS, use_app_blas_threads  # noqa: E402
from bpstudio.ui.gc_thread import freeze_what_the_start_made  # noqa: E402

STATS_INTERVAL = 0.25  # as the panel trains
VERBOSE = "-v" in sys.argv
# CPU seconds the training thread spent in the last run (time.thread_time on that
# thread): samples per CPU second separate work the app adds to training (GIL hand-overs,
# caches) from time it only waited (for the GIL or for a core the machine lent elsewhere)
LAST_TRAIN_CPU = [0.0]
# When the app's worker ended its last batch: the app's run is timed from F5 to there,
# as the headless run is timed over its loop (the window's refresh after the run is
# not training throughput).
LAST_TRAIN_END = [0.0]


def _time_worker_cpu() -> None:
    """Make the app's run record its training CPU time in LAST_TRAIN_CPU: the worker
    thread's, or the training process's (from /proc, Linux only; NaN elsewhere)."""
    from bpstudio.ui.training import runner as runner_module

    run = runner_module._Worker.run

    def timed(self):
        cpu0 = time.thread_time()
        try:
            run(self)
        finally:
            LAST_TRAIN_CPU[0] = time.thread_time() - cpu0
            LAST_TRAIN_END[0] = time.perf_counter()

    link_run = runner_module._ProcessLink.run

    def timed_link(self):
        # the link returns as soon as the child's "done" arrives: its last batch ended
        # less than a millisecond before (the final state is sent first)
        cpu0 = _process_cpu(self.process.pid)
        try:
            link_run(self)
        finally:
            LAST_TRAIN_END[0] = time.perf_counter()
            LAST_TRAIN_CPU[0] = _process_cpu(self.process.pid) - cpu0

    runner_module._Worker.run = timed
    runner_module._ProcessLink.run = timed_link


def _process_cpu(pid) -> float:
    """User + system CPU seconds of process ``pid`` so far (NaN where /proc is absent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def session_for(example: str, epochs: int) -> Session:
    s = Session.open_example(example)
    s.project.training["epochs"] = epochs
    s.project.training["device"] = "cpu"
    s.load_data()
    return s


def headless(example: str, epochs: int) -> tuple[float, int]:
    """(seconds, samples) for one headless run."""
    s = session_for(example, epochs)
    config = s.train_config()
    config.stats_interval = STATS_INTERVAL
    trainer = s.make_trainer(config)
    t0, cpu0 = time.perf_counter(), time.thread_time()
    for _ in trainer.run():
        pass
    seconds = time.perf_counter() - t0
    LAST_TRAIN_CPU[0] = time.thread_time() - cpu0
    return seconds, trainer.n_samples * epochs


def headless_in_thread(example: str, epochs: int) -> tuple[float, int]:
    """The headless run on a plain Python thread: the same kind of thread the app's
    worker is, so app / this isolates what the GUI costs. (On this machine a loop on
    the main thread trains markedly slower than the same loop on another thread.)"""
    out = {}
    t = threading.Thread(target=lambda: out.update(r=headless(example, epochs)))
    t.start()
    t.join()
    return out["r"]


class StallMeter:
    """The longest gap between ticks of a 5 ms timer on the GUI thread, and how much of
    it the GUI thread spent on the CPU (the rest: waiting for the GIL or for a core)."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self.longest_cpu = 0.0
        self._last = None
        self._last_cpu = 0.0
        self.longest_at = 0.0

    def start(self) -> None:
        self._last = self._start = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.longest = 0.0
        self.longest_at = 0.0
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        # only gaps that began while training: the window's refresh after the worker's
        # last batch (every plot at once, ~50 ms) is not a stall during training
        training = LAST_TRAIN_END[0] < self._start or self._last < LAST_TRAIN_END[0]
        if training and now - self._last > self.longest:
            self.longest = now - self._last
            self.longest_cpu = cpu - self._last_cpu
            self.longest_at = self._last - self._start
        self._last, self._last_cpu = now, cpu


def in_app(app, example: str, epochs: int, whole_window: bool, meter: bool = True):
    """(seconds, samples, longest stall in s, GUI CPU share) for one run in the app.

    ``meter`` False: no stall meter. Its 5 ms timer wakes the GUI thread 200 times a
    second, each wake taking the GIL from the worker: measured 2-6% of the app's
    throughput, a cost of the instrument, not of the app (stall 0 is then reported)."""
    s = session_for(example, epochs)
    owner, panel = _build(s, whole_window)
    stall = StallMeter()
    times = {}
    # exit(), not quit(): Qt 6's quit() closes every window first, which put the
    # window's teardown (ending the training process: ~0.1 s) into the last "stall"
    panel.runner.finished.connect(
        lambda _e: (times.__setitem__("end", time.perf_counter()), app.exit(0))
    )
    panel.runner.warm_up()  # as the app's main() does once its window is up
    _settle(app, 0.5)  # the window is up and painted before F5, as for a person
    freeze_what_the_start_made()  # as the app's main() does once its window is up
    if meter:
        stall.start()
    times["start"] = time.perf_counter()
    cpu0 = time.thread_time()
    panel.start()
    app.exec()
    gui_cpu = time.thread_time() - cpu0
    stall.stop()
    trainer = s.trainer
    samples = trainer.n_samples * trainer.epoch
    _close(owner, panel)
    wall = LAST_TRAIN_END[0] - times["start"]
    if VERBOSE:
        print(
            f"  app run: {samples / wall:,.0f} samples/s, longest stall "
            f"{stall.longest * 1000:.0f} ms of which GUI CPU {stall.longest_cpu * 1000:.0f} ms, "
            f"{stall.longest_at:.2f} s after F5 (the worker's last batch "
            f"{LAST_TRAIN_END[0] - times['start']:.2f} s after)"
        )
    return wall, samples, stall.longest, gui_cpu / wall


def _settle(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def _build(session, whole_window: bool):
    if whole_window:
        from bpstudio.ui.main_window import MainWindow
        from bpstudio.ui.projects import Recovery

        w = MainWindow(session, recovery=Recovery())
        w.resize(1600, 1000)
        w.show()
        return w, w.training_panel
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from bpstudio.ui.plots.dashboard import TrainingPlots
    from bpstudio.ui.training.panel import TrainingPanel

    w = QWidget()
    plots = TrainingPlots()
    panel = TrainingPanel(session, plots)
    layout = QHBoxLayout(w)
    layout.addWidget(panel)
    layout.addWidget(plots, 1)
    w.resize(1600, 1000)
    w.show()
    return w, panel


def _close(owner, panel) -> None:
    panel.shutdown()
    if hasattr(owner, "model"):
        owner.model.mark_saved()
    owner.close()
    owner.deleteLater()
    # Delete it now: a deleteLater outside the event loop runs when the next app.exec()
    # starts, which put this window's teardown into the next run's F5 stall.
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.unfreeze()  # the benchmark's discarded window: not the next run's garbage
    gc.collect()


def _pairs(a: list, b: list) -> str:
    r = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(r):.0%} (pairs: {', '.join(f'{x:.0%}' for x in r)})"


def report(runs: dict, stalls, shares, cpu_runs: dict) -> None:
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(
        f"BLAS threads {APP_BLAS_THREADS}: samples/s (medians) headless main thread "
        f"{med['headless']:,.0f}, headless worker thread {med['thread']:,.0f}, app "
        f"{med['app']:,.0f}, app with the stall meter {med['metered']:,.0f}\n"
        f"  app / headless {_pairs(runs['app'], runs['headless'])}\n"
        f"  app / headless worker thread {_pairs(runs['app'], runs['thread'])}\n"
        f"  app with the stall meter / headless {_pairs(runs['metered'], runs['headless'])}\n"
        f"  longest GUI stall {max(stalls) * 1000:.0f} ms "
        f"(runs: {', '.join(f'{x * 1000:.0f}' for x in stalls)} ms); GUI thread CPU "
        f"{statistics.median(shares):.0%} of the run's wall time (median)"
    )
    print(
        f"  per CPU second of training (the app's training process, or its worker thread): "
        f"app / headless worker thread "
        f"{_pairs(cpu_runs['app'], cpu_runs['thread'])}"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--example", default="spiral")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--repeats", type=int, default=4, help="headless/app pairs per setting")
    p.add_argument("-v", action="store_true", help="print every app run")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--window", action="store_true", default=True)
    group.add_argument("--panel", action="store_true")
    p.add_argument(
        "--no-viz",
        action="store_true",
        help="main window without the backprop views (to see what they cost)",
    )
    args = p.parse_args(argv)
    from bpstudio.ui.app import make_app

    app = make_app()
    use_app_blas_threads()
    _time_worker_cpu()
    whole = not args.panel
    if args.no_viz:
        import bpstudio.ui.viz.install as viz

        viz.install_viz = lambda window: None
    print(
        f"{args.example}, {args.epochs} epochs, "
        f"{'panel+plots' if not whole else 'main window' + (' without viz' * args.no_viz)}, "
        f"{os.cpu_count()} cores, {args.repeats} pairs"
    )
    headless(args.example, max(1, args.epochs // 10))  # warm-up, not timed
    sides = ("headless", "thread", "app", "metered")
    runs = {k: [] for k in sides}
    cpu_runs = {k: [] for k in sides}
    stalls, shares = [], []
    for i in range(args.repeats):
        # ABBA order: a machine that speeds up or slows down during the benchmark
        # favours no side. Throughput comes from app runs without the stall meter,
        # stalls from the metered ones (the meter itself slows training: see in_app).
        order = sides if i % 2 == 0 else sides[::-1]
        for side in order:
            if side in ("app", "metered"):
                metered = side == "metered"
                sec, n, stall, share = in_app(app, args.example, args.epochs, whole, metered)
                if metered:
                    stalls.append(stall)
                else:
                    shares.append(share)
            else:
                run = headless if side == "headless" else headless_in_thread
                sec, n = run(args.example, args.epochs)
            runs[side].append(n / sec)
            cpu_runs[side].append(n / max(LAST_TRAIN_CPU[0], 1e-9))
    report(runs, stalls, shares, cpu_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
