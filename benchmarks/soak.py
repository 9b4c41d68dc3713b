"""Soak: train for a long time and show that memory stays flat and throughput steady.

    python3 benchmarks/soak.py [--minutes 10] [--example spiral] [--headless]

By default it opens the real app offscreen (the main window with its training panel,
live plots and run history, exactly as a person would leave it training) and starts a
run with an endless epoch count. ``--headless`` drives the same Session and Trainer
without Qt, recording steps into a Run as the panel does. Every ``--every`` seconds
(default 60) it prints the process RSS, Python's allocated blocks, the run history's
length and the samples per second over that interval; at the end a summary compares
the first report after warm-up with the last one. Nothing is asserted: the machine may
be shared, so read throughput as +-15%.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass

ENDLESS = 10**9  # epochs: the run ends when the soak says so


@dataclass
class Sample:
    minute: float
    rss_mb: float
    blocks: int
    history: int  # points kept in the run's loss history
    epochs: int  # epoch records kept by the run
    steps: int
    samples_per_s: float
    per_cpu_s: float  # samples per second of this process's CPU time: steadier when shared


def rss_mb() -> float:
    """The resident set size now (Linux /proc), else the peak (other systems)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


class Reporter:
    """Turns (time, steps done) readings into printed samples per interval."""

    def __init__(self, samples_per_step: float, every: float):
        self.per_step = samples_per_step
        self.every = every
        self.start = self.last_t = time.perf_counter()
        self.last_cpu = time.process_time()
        self.last_steps = 0
        self.samples: list[Sample] = []

    def due(self) -> bool:
        return time.perf_counter() - self.last_t >= self.every

    def report(self, steps: int, history: int, epochs: int) -> None:
        now = time.perf_counter()
        cpu = time.process_time()
        done = (steps - self.last_steps) * self.per_step
        rate = done / max(now - self.last_t, 1e-9)
        per_cpu = done / max(cpu - self.last_cpu, 1e-9)
        gc.collect()
        s = Sample((now - self.start) / 60, rss_mb(), sys.getallocatedblocks(), history,
                   epochs, steps, rate, per_cpu)  # fmt: skip
        self.samples.append(s)
        self.last_t, self.last_steps, self.last_cpu = now, steps, cpu
        print(
            f"{s.minute:6.1f} min  RSS {s.rss_mb:8.1f} MB  blocks {s.blocks:>9,}  "
            f"history {s.history:>6,}  epochs {s.epochs:>7,}  steps {s.steps:>10,}  "
            f"{s.samples_per_s:>8,.0f} samples/s  {s.per_cpu_s:>8,.0f} per CPU-s",
            flush=True,
        )

    def summary(self) -> None:
        if len(self.samples) < 2:
            print("too short for a summary: run at least two intervals")
            return
        warm, last = self.samples[0], self.samples[-1]
        print(
            f"\nmemory: RSS {warm.rss_mb:.1f} MB after the first interval, {last.rss_mb:.1f} MB "
            f"at the end ({last.rss_mb - warm.rss_mb:+.1f} MB); Python blocks "
            f"{warm.blocks:,} -> {last.blocks:,} ({last.blocks - warm.blocks:+,}); history "
            f"{last.history:,} points, {last.epochs:,} epoch records"
        )
        for label, key in (("wall", "samples_per_s"), ("CPU", "per_cpu_s")):
            rates = [getattr(s, key) for s in self.samples]
            mean = statistics.fmean(rates)
            print(
                f"throughput per {label} second: mean {mean:,.0f} samples, min "
                f"{min(rates):,.0f}, max {max(rates):,.0f} (spread "
                f"{100 * (max(rates) - min(rates)) / mean:.0f}% of the mean); first "
                f"{rates[0]:,.0f}, last {rates[-1]:,.0f}"
            )
        print(f"{last.steps:,} steps in {last.minute:.1f} min")


def open_session(example: str):
    from bpstudio.session import Session

    session = Session.open_example(example)
    session.project.training["epochs"] = ENDLESS
    session.load_data()
    return session


def samples_per_step(session) -> float:
    n = len(session.dataset.x_train)
    bs = int(session.project.training.get("batch_size", 32)) or n
    return n / max(1, -(-n // bs))  # the mean batch, counting the short last one


# ------------------------------------------------------------------ headless
def soak_headless(example: str, minutes: float, every: float) -> Reporter:
    from threadpoolctl import threadpool_limits

    from bpstudio.engine.trainer import EpochEvent, StepEvent

    session = open_session(example)
    trainer = session.make_trainer()
    trainer.config.stats_interval = 0.25  # what the app asks for: histograms etc. too
    run = session.new_run("soak")
    reporter = Reporter(samples_per_step(session), every)
    end = time.perf_counter() + minutes * 60
    with threadpool_limits(1):  # as the app's worker
        for ev in trainer.run():
            if isinstance(ev, StepEvent):
                run.add_step(ev.step, ev.loss)
            elif isinstance(ev, EpochEvent):
                run.epochs.append(ev)  # as the panel does
            if reporter.due():
                reporter.report(trainer.step, len(run.steps), len(run.epochs))
            if time.perf_counter() >= end:
                trainer.request_stop()
    reporter.report(trainer.step, len(run.steps), len(run.epochs))
    return reporter


# ----------------------------------------------------------------------- app
def soak_app(example: str, minutes: float, every: float) -> Reporter:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from bpstudio.ui.app import make_app
    from bpstudio.ui.main_window import MainWindow

    app = make_app()
    session = open_session(example)
    window = MainWindow(session)
    window.resize(1400, 900)
    window.show()
    panel = window.training_panel
    reporter = Reporter(samples_per_step(session), every)
    end = time.perf_counter() + minutes * 60

    def tick() -> None:
        run = panel.run
        steps = run.steps[-1] if run is not None and run.steps else 0
        if reporter.due():
            reporter.report(steps, len(run.steps) if run else 0, len(run.epochs) if run else 0)
        if time.perf_counter() >= end:
            reporter.report(steps, len(run.steps) if run else 0, len(run.epochs) if run else 0)
            timer.stop()
            panel.run_finished.connect(lambda _run: QTimer.singleShot(0, quit_app))
            panel.stop()

    def quit_app() -> None:
        window.model.mark_saved()  # an untouched project: close without asking
        window.close()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(250)
    QTimer.singleShot(0, panel.actions["start"].trigger)
    app.exec()
    return reporter


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--every", type=float, default=60.0, help="seconds between reports")
    p.add_argument("--example", default="spiral")
    p.add_argument("--headless", action="store_true", help="Session + Trainer, no Qt")
    args = p.parse_args(argv)
    mode = "headless (Session + Trainer)" if args.headless else "app, offscreen"
    print(f"soak: {args.example}, {args.minutes:g} min, {mode}, pid {os.getpid()}", flush=True)
    soak = soak_headless if args.headless else soak_app
    soak(args.example, args.minutes, args.every).summary()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
