"""The learning-rate range test (Leslie Smith 2015; fastai's ``lr_find``), without Qt.

A short run on a COPY of the network (``netcopy.network_copy``: the live weights are
never touched) raises the learning rate exponentially each step, from ``start`` to
``end`` over ``steps`` optimiser steps, and records each batch's loss. The loss first
barely moves (the rate is too small), then falls, then explodes (too large); the run
stops early once the smoothed loss exceeds ``DIVERGE`` times its minimum or turns
non-finite.

Each step is the real training step (``engine.trainer.Trainer``: the project's
optimiser and its settings, clipping, l1/l2), only the rate changes between steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import DivergedEvent, StepEvent, TrainConfig, TrainData, Trainer
from bpstudio.errors import BpError
from bpstudio.viz.netcopy import network_copy, targets_for

BETA = 0.9  # EMA of the recorded loss; fastai's 0.98 lags ~50 steps, half a short run
DIVERGE = 4.0  # stop when the smoothed loss passes this multiple of its minimum
MIN_STEPS_BEFORE_STOP = 10  # the first few smoothed values are too noisy to judge by
WINDOW = 5  # half-width of the centred smoothing the suggestion is read from
# A descent is real when the smoothed loss falls by this share of its start, or by
# this many times its own noise (the scatter of the raw losses, reduced by smoothing).
MIN_DROP = 0.05
MIN_DROP_NOISE = 4.0
NO_DESCENT = "no clear descent"


class LRFindCancelled(BpError):
    """The person cancelled the range test."""


@dataclass(frozen=True)
class LRFindResult:
    """``(S,)`` arrays over the S steps run: ``lrs``, ``losses`` (raw batch losses),
    ``smoothed`` (centred moving average: no lag, what is drawn and read) and ``ema``
    (the causal average the run watched to stop); ``suggestion`` is None when the
    curve is too short to read."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    ema: np.ndarray
    suggestion: float | None
    method: str  # "steepest descent" | "minimum / 10" | "no clear descent" | "" (none)
    reason: str  # "diverged" | "finished"
    optimizer: str  # e.g. "adam" (the suggestion is for this optimiser)


def lr_schedule(start: float, end: float, steps: int) -> np.ndarray:
    """``(steps,)`` rates growing by a constant factor from ``start`` to ``end``."""
    if not (0 < start < end) or steps < 2:
        raise BpError(f"learning-rate range: need 0 < start < end and 2+ steps, got "
                      f"{start:g} to {end:g} over {steps}")  # fmt: skip
    return np.geomspace(start, end, steps)


def ema(losses: np.ndarray, beta: float = BETA) -> np.ndarray:
    """Bias-corrected exponential moving average of ``(S,)`` losses (as fastai)."""
    out, avg = np.empty(len(losses)), 0.0
    for i, v in enumerate(np.asarray(losses, dtype=np.float64)):
        avg = beta * avg + (1 - beta) * v
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def suggest(lrs: np.ndarray, losses: np.ndarray) -> tuple[float | None, str]:
    """(rate, method) read from a range test's ``(S,)`` rates and raw losses.

    Primary: the rate where the loss falls fastest per decade of rate (the minimum of
    d loss / d log10 lr), on the part of the curve before its minimum. That is Smith's
    reading: the largest rate at which the network still learns fast and stably, and
    it does not depend on how the run happened to blow up. It is read from a centred
    moving average of the raw losses, not from the EMA, because the EMA lags and would
    move the steepest point to larger rates.
    Fallback, when fewer than 2*WINDOW steps precede the minimum (an early explosion,
    or a curve that only rises): a tenth of the minimum-loss rate, fastai's older rule
    (the minimum itself is already too fast to train at).
    None, "no clear descent" when the smoothed loss neither falls meaningfully nor
    explodes (a flat, noisy curve: any point read from it would be noise).
    """
    lrs, losses = np.asarray(lrs, np.float64), np.asarray(losses, np.float64)
    finite = np.isfinite(losses)
    if finite.sum() < 3:
        return None, ""
    lrs, smooth = lrs[finite], centred_mean(losses[finite], WINDOW)
    lowest = int(np.argmin(smooth))
    exploded = smooth[lowest:].max() - smooth[lowest] > abs(smooth[lowest])  # doubled
    if not exploded and not falls(losses[finite], smooth, lowest):
        return None, NO_DESCENT
    if lowest >= 2 * WINDOW:
        slope = np.gradient(smooth[: lowest + 1], np.log10(lrs[: lowest + 1]))
        return float(lrs[int(np.argmin(slope))]), "steepest descent"
    return float(lrs[lowest]) / 10, "minimum / 10"


def falls(losses: np.ndarray, smooth: np.ndarray, lowest: int) -> bool:
    """Whether the ``(S,)`` smoothed loss falls meaningfully from its start to its
    minimum at ``lowest``: by MIN_DROP of its start or MIN_DROP_NOISE times its noise."""
    drop = smooth[0] - smooth[lowest]
    if drop <= 0:
        return False
    if drop >= MIN_DROP * abs(smooth[0]):
        return True
    steps = np.diff(losses[: max(lowest + 1, 2 * WINDOW + 1)])
    # differences cancel a trend; their std is sqrt(2) times the losses' own scatter
    noise = np.std(steps) / math.sqrt(2) / math.sqrt(2 * WINDOW + 1) if len(steps) else 0.0
    return drop >= MIN_DROP_NOISE * noise


def centred_mean(v: np.ndarray, half: int) -> np.ndarray:
    """``(S,)`` moving average over ``2*half+1`` points, the window shrinking at the ends
    (no lag, unlike an EMA)."""
    c = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(len(v))
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, len(v))
    return (c[hi] - c[lo]) / (hi - lo)


def find_lr(
    session,
    start: float = 1e-6,
    end: float = 1.0,
    steps: int = 100,
    progress=None,
    cancel=None,
    live: list | None = None,
) -> LRFindResult:
    """Run the range test on a copy of ``session``'s network and its training data.

    ``progress(done, steps)`` is called after each step; ``cancel()`` returning true
    raises LRFindCancelled between steps; each raw loss is appended to ``live`` as it
    comes (another thread may draw it). ``session.network`` is never modified.
    """
    ds = session.dataset
    if ds is None or len(ds.x_train) == 0:
        raise BpError("the learning-rate finder needs training data: load the data first")
    rates = lr_schedule(start, end, steps)
    net = network_copy(session)
    spec = dict(session.project.training.get("optimizer") or {"name": "sgd"})
    name = spec.pop("name", "sgd")
    spec["lr"] = float(rates[0])
    trainer = _trainer(session, net, make_optimizer(name, net.named_params(), **spec), steps)
    losses, reason = _run(trainer, rates, progress, cancel, [] if live is None else live)
    losses = np.array(losses, dtype=np.float64)
    lrs = rates[: len(losses)]
    rate, method = suggest(lrs, losses)
    smoothed = centred_mean(losses, WINDOW) if len(losses) else losses
    return LRFindResult(lrs, losses, smoothed, ema(losses), rate, method, reason, name)


def _trainer(session, net, optimizer, steps: int) -> Trainer:
    ds = session.dataset
    cfg = session.train_config()
    n_batches = max(1, math.ceil(len(ds.x_train) / max(1, cfg.batch_size or len(ds.x_train))))
    config = TrainConfig(
        epochs=steps // n_batches + 2,  # enough epochs for ``steps`` batches
        batch_size=cfg.batch_size,
        seed=cfg.seed,
        l1=cfg.l1,
        l2=cfg.l2,
        clip_norm=cfg.clip_norm,
        stats_interval=None,
        eval_every_epoch=False,
    )
    empty = ds.x_train[:0]
    data = TrainData(ds.x_train, targets_for(session, ds.y_train), empty, ds.y_train[:0],
                     session.task)  # fmt: skip
    return Trainer(net, optimizer, data, config)


def _run(trainer: Trainer, rates, progress, cancel, losses: list) -> tuple[list[float], str]:
    """Step with rate ``rates[i]`` at step i, appending each raw loss to ``losses``;
    returns (losses, why it ended)."""
    best = math.inf
    avg = 0.0
    events = trainer.run()
    try:
        for ev in events:
            if isinstance(ev, DivergedEvent):  # a non-finite loss: the curve ends here
                return losses, "diverged"
            if not isinstance(ev, StepEvent):
                continue
            losses.append(ev.loss)
            i = len(losses)
            avg = BETA * avg + (1 - BETA) * ev.loss
            smooth = avg / (1 - BETA**i)
            best = min(best, smooth)
            if progress is not None:
                progress(i, len(rates))
            if i > MIN_STEPS_BEFORE_STOP and smooth > DIVERGE * best:
                return losses, "diverged"
            if i >= len(rates):
                return losses, "finished"
            if cancel is not None and cancel():
                raise LRFindCancelled("learning-rate finder cancelled")
            trainer.opt.lr = float(rates[i])
    finally:
        events.close()
    return losses, "finished"
