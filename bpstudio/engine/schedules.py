"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s semantics.

A schedule reads the optimiser's ``lr`` when built (the base rate) and sets
``optimizer.lr`` on every ``step()``, called once per epoch after that epoch's
optimiser steps. Like torch, each new rate derives from the *current* one (the
"chainable" form), so a rate the user changes mid-run carries on from where they set it.
"""

from __future__ import annotations

import inspect
import math

from bpstudio.errors import BpError


class Schedule:
    """Base: checks, epoch counting and state dicts. Subclasses declare their parameters
    in ``__init__``'s signature (torch's names and defaults) and compute ``_next_lr``."""

    name = ""

    def __init__(self, optimizer, **hyper):
        self.optimizer = optimizer
        for key, value in _check(self.name, hyper).items():
            setattr(self, key, value)
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0  # torch's value after the scheduler's own initial step

    @classmethod
    def parameters(cls) -> dict:
        """Parameter name -> default (``inspect.Parameter.empty`` when required)."""
        sig = inspect.signature(cls.__init__)
        return {k: v.default for k, v in sig.parameters.items() if k not in ("self", "optimizer")}

    def step(self) -> None:
        """Advance one epoch and set the optimiser's learning rate for the next one."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(float(self.optimizer.lr))

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def get_last_lr(self) -> float:
        """The learning rate the schedule set last (the optimiser's current one)."""
        return float(self.optimizer.lr)

    def state_dict(self) -> dict:
        """JSON-able: name, hyperparameters, ``last_epoch`` and ``base_lr``."""
        out = {"name": self.name, "last_epoch": self.last_epoch, "base_lr": self.base_lr}
        return out | {k: getattr(self, k) for k in self.parameters()}

    def load_state_dict(self, d: dict) -> None:
        """Restore from ``state_dict()``; the optimiser's own state holds its lr."""
        _require(self.name, d.get("name") == self.name, f"state is for {d.get('name')!r}")
        hyper = _check(self.name, {k: d[k] for k in self.parameters() if k in d})
        for key, value in hyper.items():
            setattr(self, key, value)
        self.last_epoch = int(d["last_epoch"])
        self.base_lr = float(d["base_lr"])


class StepLR(Schedule):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    name = "step"

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer, step_size=step_size, gamma=gamma)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(Schedule):
    """Multiply the rate by ``gamma`` every epoch."""

    name = "exponential"

    def __init__(self, optimizer, gamma: float):
        super().__init__(optimizer, gamma=gamma)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(Schedule):
    """Follow half a cosine from the base rate down to ``eta_min`` over ``T_max`` epochs,

    eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2, then back up (torch's
    recursive form, which keeps a rate the user changed).
    """

    name = "cosine"

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803 (torch's name)
        super().__init__(optimizer, T_max=T_max, eta_min=eta_min)

    def _next_lr(self, lr: float) -> float:
        t, n, lo = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - n) % (2 * n) == 0:  # leaving the bottom, where the ratio below is 0/0
            return lr + (self.base_lr - lo) * (1 - math.cos(math.pi / n)) / 2
        ratio = (1 + math.cos(math.pi * t / n)) / (1 + math.cos(math.pi * (t - 1) / n))
        return ratio * (lr - lo) + lo


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (StepLR, ExponentialLR, CosineAnnealingLR)
}


def make_schedule(spec: dict | str | None, optimizer) -> Schedule | None:
    """The schedule a spec names, e.g. ``{"name": "step", "step_size": 10, "gamma": 0.5}``,
    ``{"name": "exponential", "gamma": 0.95}``, ``{"name": "cosine", "T_max": 100}``;
    None, ``"none"`` or ``{"name": "none"}`` mean a constant rate (returns None)."""
    if spec is None or spec == "none":
        return None
    if not isinstance(spec, dict):
        raise BpError(f"schedule: expected an object with a name, got {spec!r}")
    name = str(spec.get("name", "")).lower()
    if name == "none":
        return None
    cls = SCHEDULES.get(name)
    _require(name, cls is not None, f"unknown schedule: use none, {', '.join(SCHEDULES)}")
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    params = cls.parameters()
    for key, default in params.items():
        _require(name, key in kwargs or default is not inspect.Parameter.empty, f"needs {key}")
    for key in kwargs:
        _require(name, key in params, f"unknown parameter {key!r} (known: {', '.join(params)})")
    return cls(optimizer, **kwargs)


def _check(name: str, hyper: dict) -> dict:
    """Validated copies of schedule parameters (counts stay ints, rates become floats)."""
    out = dict(hyper)
    for key in ("step_size", "T_max"):
        if key in out:
            v = out[key]
            ok = isinstance(v, int) and not isinstance(v, bool) and v >= 1
            _require(name, ok, f"{key} must be a whole number >= 1, got {v!r}")
    for key in ("gamma", "eta_min"):
        if key in out:
            v = out[key]
            ok = isinstance(v, int | float) and not isinstance(v, bool)
            ok = ok and math.isfinite(v) and v >= 0
            _require(name, ok, f"{key} must be a number >= 0, got {v!r}")
            out[key] = float(v)
    return out


def _require(name: str, ok: bool, message: str) -> None:
    """Raise the one-line BpError ``schedule <name>: <message>`` unless ``ok``."""
    if not ok:
        raise BpError(f"schedule {name}: {message}")
