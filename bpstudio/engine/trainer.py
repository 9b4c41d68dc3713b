"""The training loop as a plain generator of small, immutable events.

Nothing here knows about Qt: the CLI prints the events, the GUI's runner re-emits them as
signals from a worker thread. Events carry Python floats and small numpy arrays (histogram
counts), never live engine arrays, so a consumer on another thread can keep them.

Cost control: the loss and the per-tensor gradient norms come back to the host once per
step (one sync; the norms double as the NaN/Inf check), everything heavier (histograms,
activation statistics, update ratios) only every ``stats_interval`` seconds.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.backend import device_free_bytes, is_out_of_memory, to_numpy
from bpstudio.engine.optim import clip_grad_norm
from bpstudio.errors import BpError

# A dataset may take at most this share of the device's free memory; beyond it the
# training set stays on the host and each batch is copied over (streaming).
DEVICE_DATA_SHARE = 0.5
HISTORY_EPOCHS = 1000  # EpochEvents a Trainer keeps in ``history``


@dataclass(frozen=True)
class StepEvent:
    """One optimiser step: ``loss`` is the batch loss before the update."""

    epoch: int  # 0-based
    batch: int  # 0-based within the epoch
    n_batches: int
    step: int  # global, 1-based after the update
    loss: float
    accuracy: float | None  # batch accuracy (classification) before the update
    lr: float
    samples_per_s: float
    grad_norms: dict  # "<node>.<param>" -> L2 norm of its gradient
    grad_norm_total: float


@dataclass(frozen=True)
class EpochEvent:
    epoch: int  # 0-based, the epoch just finished
    epochs: int
    train_loss: float  # mean of the epoch's batch losses (training mode)
    train_accuracy: float | None
    val_loss: float | None  # whole validation split, eval mode
    val_accuracy: float | None
    lr: float
    seconds: float  # training time so far


@dataclass(frozen=True)
class Histogram:
    counts: np.ndarray  # (bins,) int64
    edges: np.ndarray  # (bins + 1,) float64


@dataclass(frozen=True)
class StatsEvent:
    """What the app draws between steps; sampled every ``stats_interval`` seconds and
    at ~64 evenly spaced steps of a run (so a run of a second has histories too)."""

    step: int
    weight_hists: dict  # param name -> Histogram
    grad_hists: dict  # param name -> Histogram
    update_ratios: dict  # param name -> ||delta w|| / ||w|| of the last step
    activation_stats: dict  # node id -> ActivationStats
    out_grad_norms: dict  # node id -> L2 norm of d loss / d node output (per sample mean)


@dataclass(frozen=True)
class ActivationStats:
    mean: float
    std: float
    mean_abs: float
    frac_zero: float  # share of exact zeros (dead ReLU units show here)
    frac_saturated: float  # share of |a| > 0.99 for sigmoid/tanh-like outputs in [−1, 1]
    min: float
    max: float


@dataclass(frozen=True)
class DivergedEvent:
    """The loss or a gradient went NaN/Inf; the weights are those before this step."""

    step: int
    epoch: int
    node_id: str | None
    phase: str  # "forward" | "backward" | "loss"
    loss: float
    advice: str


@dataclass(frozen=True)
class DoneEvent:
    reason: str  # "finished" | "stopped" | "diverged"
    epochs_done: int
    steps: int
    seconds: float


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 32  # 0 = full batch
    seed: int = 0
    l1: float = 0.0
    l2: float = 0.0
    clip_norm: float | None = None
    stats_interval: float = 0.25  # seconds between StatsEvents (0 = every step, None = never)
    hist_bins: int = 30
    eval_every_epoch: bool = True


@dataclass
class TrainData:
    """Host (or device) arrays to train on; ``y`` int64 classes or float targets."""

    x_train: object
    y_train: object
    x_val: object = None
    y_val: object = None
    task: str = "classification"


def histogram(arr, bins: int) -> Histogram:
    """Counts of ``arr`` over its own range: ``bins`` equal bins, the last one closed."""
    flat = to_numpy(arr).ravel(order="K")  # memory order: a view even for transposes
    lo, hi = (float(flat.min()), float(flat.max())) if flat.size else (math.nan, math.nan)
    if not (math.isfinite(lo) and math.isfinite(hi)):  # NaN/Inf: only a diverging run
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            return Histogram(np.zeros(bins, np.int64), np.linspace(0, 1, bins + 1))
        lo, hi = float(flat.min()), float(flat.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    # Bin = floor((a - lo) * bins / (hi - lo)), counted by bincount: np.histogram's
    # uniform-bin rule without its float64 temporaries and per-block copies (3x faster).
    scaled = np.subtract(flat, lo)
    scaled *= bins / (hi - lo)
    idx = scaled.astype(np.intp)
    np.clip(idx, 0, bins - 1, out=idx)  # the maximum belongs to the last bin
    counts = np.bincount(idx, minlength=bins).astype(np.int64)
    return Histogram(counts, np.linspace(lo, hi, bins + 1))


def activation_stats(arr) -> ActivationStats:
    """Summary of one activation tensor, computed in its own dtype (no float64 copy of
    400k values): NumPy's pairwise sums are accurate to ~1e-7 relative in float32."""
    a = to_numpy(arr).ravel(order="K")  # a view where the layout allows one
    n = a.size
    if n == 0:
        return ActivationStats(0, 0, 0, 0, 0, 0, 0)
    lo, hi = float(a.min()), float(a.max())
    mean = float(a.sum()) / n
    centred = a - a.dtype.type(mean)
    mag = a if lo >= 0 else np.abs(a)  # ReLU and pooling outputs are their own |a|
    return ActivationStats(
        mean=mean,
        std=math.sqrt(float(np.vdot(centred, centred)) / n),
        mean_abs=float(mag.sum()) / n,
        # counting a boolean mask is 4x faster than count_nonzero on floats
        frac_zero=int(np.count_nonzero(a == 0)) / n,
        frac_saturated=int(np.count_nonzero(mag > 0.99)) / n if max(-lo, hi) <= 1 else 0.0,
        min=lo,
        max=hi,
    )


DIVERGENCE_ADVICE = (
    "lower the learning rate (try a tenth), turn on gradient clipping (clip_norm 1.0), "
    "or add BatchNorm; check the data for extreme values"
)


class Trainer:
    """Trains ``network`` with ``optimizer`` on ``data``; ``run()`` is the event generator."""

    def __init__(self, network, optimizer, data: TrainData, config: TrainConfig, schedule=None):
        self.net = network
        self.opt = optimizer
        self.config = config
        self.schedule = schedule
        self.task = data.task
        xp, dt = network.xp, network.dtype
        self.streamed = self._too_big_for_device(data.x_train)
        if self.streamed:
            self.x = np.ascontiguousarray(data.x_train, dtype=dt)
        else:
            self.x = xp.asarray(data.x_train, dtype=dt)
        self.y = self._targets(data.y_train)
        has_val = data.x_val is not None and len(data.x_val) > 0
        self.x_val = xp.asarray(data.x_val, dtype=dt) if has_val else None
        self.y_val = self._targets(data.y_val) if has_val else None
        self.rng = np.random.default_rng(config.seed)
        self.epoch = 0
        self.step = 0
        self.seconds = 0.0
        self._stop = False
        # The recent epochs only: a run of millions of epochs must not grow memory.
        self.history: deque[EpochEvent] = deque(maxlen=HISTORY_EPOCHS)

    def _too_big_for_device(self, x) -> bool:
        free = device_free_bytes(self.net.xp)
        need = int(np.prod(np.shape(x))) * self.net.dtype.itemsize
        return free is not None and need > DEVICE_DATA_SHARE * free

    def _batch(self, order_host, order_dev, b: int):
        """Batch ``b`` of the epoch: a device gather, or a host gather then one copy."""
        sl = slice(b * self.batch_size, (b + 1) * self.batch_size)
        if self.streamed:
            idx = order_host[sl]
            return self.net.xp.asarray(self.x[idx]), self.y[order_dev[sl]], len(idx)
        idx = order_dev[sl]
        return self.x[idx], self.y[idx], int(idx.shape[0])

    def _targets(self, y):
        xp = self.net.xp
        if self.task == "classification":
            return xp.asarray(y, dtype=np.int64)
        return xp.asarray(y, dtype=self.net.dtype)

    # --------------------------------------------------------------- control
    def request_stop(self) -> None:
        """Ask the loop to end after the current batch (safe from another thread)."""
        self._stop = True

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def batch_size(self) -> int:
        bs = self.config.batch_size
        return self.n_samples if bs <= 0 else min(bs, self.n_samples)

    @property
    def n_batches(self) -> int:
        return max(1, math.ceil(self.n_samples / self.batch_size)) if self.n_samples else 0

    # ----------------------------------------------------------------- loop
    def run(self):
        """Yield events until ``config.epochs`` epochs are done, or stop/divergence."""
        self._stop = False
        reason = "finished"
        last_stats = -math.inf
        while self.epoch < self.config.epochs and not self._stop:
            losses, correct, seen = 0.0, 0, 0
            order_host = self.rng.permutation(self.n_samples)
            order = self.net.xp.asarray(order_host)
            for b in range(self.n_batches):
                if self._stop:
                    reason = "stopped"
                    break
                t0 = time.perf_counter()
                xb, yb, n = self._batch(order_host, order, b)
                want_stats = self._stats_due(last_stats)
                result = self._guarded_step(xb, yb, want_stats)
                dt = time.perf_counter() - t0
                self.seconds += dt
                if isinstance(result, DivergedEvent):
                    yield result
                    reason = "diverged"
                    self._stop = True
                    break
                loss, acc, norms, total, stats = result
                losses += loss * n
                seen += n
                if acc is not None:
                    correct += acc * n
                yield StepEvent(
                    self.epoch,
                    b,
                    self.n_batches,
                    self.step,
                    loss,
                    acc,
                    self.opt.lr,
                    n / dt if dt > 0 else 0.0,
                    norms,
                    total,
                )
                if stats is not None:
                    last_stats = time.perf_counter()
                    yield stats
            if reason != "finished" or seen < self.n_samples:
                break
            yield self._end_epoch(losses / seen, correct / seen if self._is_class else None)
        if self._stop and reason == "finished":
            reason = "stopped"
        yield DoneEvent(reason, self.epoch, self.step, self.seconds)

    @property
    def _is_class(self) -> bool:
        return self.task in ("classification", "binary")

    def _stats_due(self, last: float) -> bool:
        interval = self.config.stats_interval
        if interval is None:
            return False
        # a run of a second would get a snapshot or two from the clock alone: a step
        # cadence gives every run ~64 (and its last step one), so histories have a shape
        total = self.config.epochs * self.n_batches
        every = max(1, total // 64)
        if self.step % every == 0 or self.step == total - 1:
            return True
        return time.perf_counter() - last >= interval

    def _guarded_step(self, xb, yb, want_stats: bool):
        try:
            with np.errstate(all="ignore"):  # overflow is reported as divergence
                return self._train_step(xb, yb, want_stats)
        except MemoryError:
            raise BpError(
                f"out of memory at batch size {self.batch_size}: use a smaller batch size"
            ) from None
        except Exception as exc:
            if is_out_of_memory(exc):
                raise BpError(
                    f"the GPU ran out of memory at batch size {self.batch_size}: "
                    "use a smaller batch size or train on the CPU"
                ) from None
            raise

    def _train_step(self, xb, yb, want_stats: bool):
        """Forward, backward, checks, update. Returns a DivergedEvent or the step's figures."""
        net, xp = self.net, self.net.xp
        loss_arr = net.loss(xb, yb)
        net.backward()
        grads = net.named_grads()
        # One host round trip per step: the loss and every gradient norm together.
        sq = [xp.vdot(g.ravel(), g.ravel()) for g in grads.values()]
        acc_arr = self._batch_correct(net.activations[net.output_id], yb)
        host = self._to_host([loss_arr, *sq, acc_arr])
        loss = float(host[0])
        norms = {
            k: math.sqrt(v) if v >= 0 else math.nan for k, v in zip(grads, host[1:-1], strict=True)
        }
        total = math.sqrt(sum(host[1:-1]))
        if not (math.isfinite(loss) and math.isfinite(total)):
            return self._diverged(loss)
        acc = float(host[-1]) / int(yb.shape[0]) if self._is_class else None
        before = {k: v.copy() for k, v in net.named_params().items()} if want_stats else None
        self._update(grads)
        stats = self._stats(grads, before) if want_stats else None
        return loss, acc, norms, total, stats

    def _to_host(self, scalars: list) -> list[float]:
        """0-d device arrays as floats: on a GPU one stacked copy (one sync); NumPy's are
        host scalars already, and stacking them would only add ~30 us of copies a step."""
        xp = self.net.xp
        if xp is np:
            return [float(v) for v in scalars]
        return to_numpy(xp.stack([v.astype(xp.float64) for v in scalars])).tolist()

    def _batch_correct(self, out, yb):
        xp = self.net.xp
        if self.task == "classification":
            return (out.argmax(axis=1) == yb).sum()
        if self.task == "binary":
            return ((out.reshape(-1) > 0) == (yb.reshape(-1) > 0.5)).sum()
        return xp.zeros((), xp.float64)

    def _update(self, grads: dict) -> None:
        cfg = self.config
        if cfg.clip_norm:
            clip_grad_norm(grads, cfg.clip_norm)
        if cfg.l2 or cfg.l1:
            xp = self.net.xp
            for name, w in self.net.named_params().items():
                g = grads[name]
                if cfg.l2:
                    g += cfg.l2 * w
                if cfg.l1:
                    g += cfg.l1 * xp.sign(w)
        self.opt.step(grads)
        self.step += 1

    def _diverged(self, loss: float) -> DivergedEvent:
        where = self.net.first_non_finite()
        node, phase = where if where else (None, "loss")
        return DivergedEvent(self.step, self.epoch, node, phase, loss, DIVERGENCE_ADVICE)

    def _stats(self, grads: dict, before: dict) -> StatsEvent:
        bins = self.config.hist_bins
        params = self.net.named_params()
        ratios = {}
        for k, w in params.items():
            denom = float(self.net.xp.linalg.norm(before[k]))
            delta = float(self.net.xp.linalg.norm(w - before[k]))
            ratios[k] = delta / denom if denom > 0 else 0.0
        acts = {
            n.id: activation_stats(self.net.activations[n.id])
            for n in self.net.nodes
            if n.id in self.net.activations
        }
        batch = max(1, int(self.net.activations[self.net.input_id].shape[0]))
        ograds = {
            k: float(self.net.xp.linalg.norm(v)) / batch
            for k, v in self.net.out_grads.items()
            if getattr(v, "ndim", 0) > 0
        }
        return StatsEvent(
            self.step,
            {k: histogram(v, bins) for k, v in params.items()},
            {k: histogram(v, bins) for k, v in grads.items()},
            ratios,
            acts,
            ograds,
        )

    def _end_epoch(self, train_loss: float, train_acc: float | None) -> EpochEvent:
        val_loss = val_acc = None
        if self.x_val is not None and self.config.eval_every_epoch:
            val_loss, val_acc = evaluate(self.net, self.x_val, self.y_val, self.task)
        if self.schedule is not None:
            self.schedule.step()
        ev = EpochEvent(
            self.epoch,
            self.config.epochs,
            train_loss,
            train_acc,
            val_loss,
            val_acc,
            self.opt.lr,
            self.seconds,
        )
        self.epoch += 1
        self.history.append(ev)
        return ev


def eval_batch_size(net) -> int:
    """Rows per evaluation batch: on the CPU about 2 MiB for the largest activation, so
    it stays in cache (the CNN's whole-split evaluation runs ~1.8x faster at 83 rows
    than at 4096); on a GPU large batches win."""
    if net.xp is not np:
        return 4096
    widest = max((math.prod(s) for s in net.shapes.values()), default=1)
    return int(min(4096, max(32, 2**19 // max(widest, 1))))


def evaluate(net, x, y, task: str, batch_size: int | None = None) -> tuple[float, float | None]:
    """Mean loss and accuracy (classification) of ``net`` on a whole split, eval mode."""
    xp = net.xp
    n = int(x.shape[0])
    if n == 0:
        return math.nan, None
    batch_size = batch_size or eval_batch_size(net)
    total, correct = 0.0, 0
    for start in range(0, n, batch_size):
        xb = xp.asarray(x[start : start + batch_size], dtype=net.dtype)
        yb = y[start : start + batch_size]
        yb = xp.asarray(yb, dtype=np.int64 if task == "classification" else net.dtype)
        out = net.forward(xb, training=False)
        total += float(net.loss_fn.forward(out, yb)) * int(xb.shape[0])
        if task == "classification":
            correct += int((out.argmax(axis=1) == yb).sum())
        elif task == "binary":
            correct += int(((out.reshape(-1) > 0) == (yb.reshape(-1) > 0.5)).sum())
    acc = correct / n if task in ("classification", "binary") else None
    return total / n, acc
