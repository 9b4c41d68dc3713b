"""One long-lived process per framework, driven over a pipe by bench_train.py.

The engine and PyTorch run in separate processes so that neither's thread pool (torch's
OpenMP workers spin for a while after each op) or second BLAS can slow the other, while
the parent still interleaves their epochs: engine, torch, engine, torch, ...

Commands (tuples) and answers:
    ("peak", threads)            -> GFLOP/s of the NumPy float32 matmul
    ("losses", steps)            -> the first ``steps`` batch losses from the initial weights
    ("epoch", threads, mode)     -> (wall, cpu) seconds of one epoch; engine modes:
                                    "trainer" (no stats), "stats" (histograms every
                                    0.25 s), "bare" (a hand-written loop on the Network);
                                    torch ignores mode
    ("quit",)
"""

from __future__ import annotations

import time

import numpy as np
from _measure import matmul_peak
from _models import CASES, engine_network, engine_trainer, synthetic, torch_epoch, torch_module
from threadpoolctl import threadpool_limits

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import EpochEvent, StepEvent


def serve(conn, framework: str, case_key: str, samples: int) -> None:
    """Answer commands on ``conn`` until "quit"; errors go back as ("error", text)."""
    case = CASES[case_key]
    x, y = synthetic(case, samples)
    runner = EngineRunner(case, x, y) if framework == "engine" else TorchRunner(case, x, y)
    while True:
        cmd = conn.recv()
        if cmd[0] == "quit":
            return
        try:
            conn.send(("ok", runner.handle(cmd)))
        except Exception as exc:  # report, keep serving: the parent decides
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Clock:
    """Wall and process-CPU seconds since creation. On a shared machine CPU time moves
    less than wall time (it stops while another process has the core), so both are kept."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class EngineRunner:
    def __init__(self, case, x, y):
        self.case, self.x, self.y = case, x, y
        self.net = engine_network(case)  # trained on across timed epochs
        self.rng = np.random.default_rng(1)
        self.stats_run = None  # the long run "stats" epochs are taken from

    def handle(self, cmd):
        if cmd[0] == "peak":
            with threadpool_limits(cmd[1]):
                return matmul_peak()
        if cmd[0] == "losses":
            return self.losses(cmd[1])
        with threadpool_limits(cmd[1]):
            return self.epoch(cmd[2])

    def losses(self, steps: int) -> list[float]:
        tr = engine_trainer(self.case, self.x, self.y, epochs=1)
        out = []
        for ev in tr.run():
            if isinstance(ev, StepEvent):
                out.append(ev.loss)
                if len(out) == steps:
                    tr.request_stop()
        return out

    def epoch(self, mode: str) -> tuple[float, float]:
        if mode == "bare":
            return self.bare_epoch()
        if mode == "stats":
            return self.stats_epoch()
        tr = engine_trainer(self.case, self.x, self.y, stats_interval=None, net=self.net)
        clock = Clock()
        for _ in tr.run():
            pass
        return clock.read()

    def stats_epoch(self) -> tuple[float, float]:
        """One epoch of a long run with statistics at the app's 0.25 s. A long run because
        the Trainer also takes ~64 snapshots spread over every run, a fixed cost per run
        that would swamp one-epoch runs (see docs/performance.md)."""
        if self.stats_run is None:
            tr = engine_trainer(self.case, self.x, self.y, 10**6, stats_interval=0.25)
            self.stats_run = tr.run()
        clock = Clock()
        for ev in self.stats_run:
            if isinstance(ev, EpochEvent):
                break
        return clock.read()

    def bare_epoch(self) -> tuple[float, float]:
        """The least a loop on the Network can do: gather, loss, backward, SGD step."""
        net, bs = self.net, self.case.batch
        opt = make_optimizer("sgd", net.named_params(), lr=self.case.lr)
        clock = Clock()
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), bs):
            idx = order[start : start + bs]
            net.loss(self.x[idx], self.y[idx])
            net.backward()
            opt.step(net.named_grads())
        return clock.read()


class TorchRunner:
    def __init__(self, case, x, y):
        import torch  # noqa: PLC0415  (this process only)

        self.torch, self.case = torch, case
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.state = engine_network(case).state_dict()
        self.model = torch_module(case, self.state)
        self.rng = np.random.default_rng(1)

    def handle(self, cmd):
        if cmd[0] == "losses":
            return self.losses(cmd[1])
        if cmd[0] != "epoch":
            raise ValueError(f"torch worker cannot {cmd[0]!r}")
        self.torch.set_num_threads(cmd[1])
        with threadpool_limits(cmd[1]):
            return self.epoch()

    def _sgd(self, model):
        return self.torch.optim.SGD(model.parameters(), lr=self.case.lr)

    def losses(self, steps: int) -> list[float]:
        """Same weights, same batches as the engine Trainer (its rng: default_rng(seed))."""
        model = torch_module(self.case, self.state)
        order = np.random.default_rng(0).permutation(len(self.x))
        order = self.torch.from_numpy(order[: steps * self.case.batch])
        out: list[float] = []
        torch_epoch(model, self._sgd(model), self.x, self.y, order, self.case.batch, out)
        return out

    def epoch(self) -> tuple[float, float]:
        opt = self._sgd(self.model)
        clock = Clock()
        order = self.torch.from_numpy(self.rng.permutation(len(self.x)))
        torch_epoch(self.model, opt, self.x, self.y, order, self.case.batch)
        return clock.read()
