"""Optimisers with ``torch.optim``'s names, defaults and update rules.

Written in order of increasing complexity, so a reader learns while scrolling:
SGD (with momentum and Nesterov), Adagrad (per-weight step sizes from the sum of
squared gradients), RMSprop (a leaky average instead of the sum), Adam (momentum on
top of RMSprop, with bias correction) and AdamW (Adam with decoupled weight decay).

``params`` maps names (``"fc1.weight"``) to live numpy or cupy arrays; ``step(grads)``
updates them in place. All per-parameter state is allocated once, here, and every
step works through ``out=`` and in-place ops on two shared scratch buffers, so the hot
path makes no array temporaries. Hyperparameters are stored as Python floats, which
keep float32 arrays float32 (a numpy float64 scalar would silently upcast the maths).
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from bpstudio.engine.backend import to_numpy, xp_of
from bpstudio.errors import BpError


class Optimizer:
    """Base: hyperparameter checks, state allocation, state dicts and the step loop.

    Subclasses declare their hyperparameters as keyword arguments of ``__init__`` (the
    signature's defaults are torch's), name their per-parameter state arrays in
    ``_new_state`` and implement ``_update(p, g, state, step, t1, t2)`` for one
    parameter, where ``t1``/``t2`` are scratch arrays shaped like ``p``.
    """

    name = ""

    def __init__(self, params: dict, **hyper):
        self.params = dict(params)
        self.xp = xp_of(next(iter(self.params.values()))) if self.params else np
        for key, value in hyper.items():
            setattr(self, key, _coerce(self.name, key, value, self.defaults()[key]))
        self._validate()
        self.steps = dict.fromkeys(self.params, 0)  # per parameter, as torch's state["step"]
        self.state = {k: self._new_state(p) for k, p in self.params.items()}
        self._scratch = _scratch_views(self.params, self.xp)

    @classmethod
    def defaults(cls) -> dict:
        """Hyperparameter name -> torch's default, read from ``__init__``'s signature."""
        sig = inspect.signature(cls.__init__)
        keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
        named = [v for k, v in sig.parameters.items() if k not in ("self", "params")]
        return {v.name: v.default for v in named if v.kind is keyword}

    @property
    def lr(self) -> float:
        """Learning rate; schedules and the UI set it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        value = _coerce(self.name, "lr", value, 0.0)
        _require(self.name, value >= 0.0, f"lr must be >= 0, got {value}")
        self._lr = value

    def _validate(self) -> None:
        """Raise BpError on a hyperparameter torch would refuse (lr is the setter's)."""
        for key in ("eps", "weight_decay", "momentum", "alpha", "lr_decay"):
            value = getattr(self, key, 0.0)
            _require(self.name, value >= 0.0, f"{key} must be >= 0, got {value}")

    def _new_state(self, p) -> dict:
        """Per-parameter state arrays, allocated once (zeros like ``p``)."""
        return {}

    def step(self, grads: dict) -> None:
        """Update every parameter in place; a missing or None gradient skips it (as torch)."""
        for key, p in self.params.items():
            g = grads.get(key)
            if g is None:
                continue
            self.steps[key] += 1
            t1, t2 = self._scratch[key]
            self._update(p, g, self.state[key], self.steps[key], t1, t2)

    def _update(self, p, g, state: dict, step: int, t1, t2) -> None:
        raise NotImplementedError

    def _decayed(self, p, g, out):
        """``g + weight_decay * p`` in ``out`` (L2 penalty), or ``g`` itself when off."""
        if self.weight_decay == 0.0:
            return g
        self.xp.multiply(p, self.weight_decay, out=out)
        out += g
        return out

    def hyperparams(self) -> dict:
        """JSON-able hyperparameters (betas as a list)."""
        out = {k: getattr(self, k) for k in self.defaults()}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    def state_dict(self) -> dict:
        """``{"name", "hyperparams", "steps", "state"}``; state is flat:
        ``"<param>.<buffer>" -> np.ndarray`` (host copies), the rest is JSON-able."""
        arrays = {
            f"{k}.{b}": np.array(to_numpy(a)) for k, st in self.state.items() for b, a in st.items()
        }
        return {
            "name": self.name,
            "hyperparams": self.hyperparams(),
            "steps": dict(self.steps),
            "state": arrays,
        }

    def load_state_dict(self, d: dict) -> None:
        """Restore hyperparameters, step counts and state arrays from ``state_dict()``."""
        _require(self.name, d.get("name") == self.name, f"state is for {d.get('name')!r}")
        steps, arrays = d.get("steps", {}), d.get("state", {})
        _require(self.name, set(steps) == set(self.params), "state names other parameters")
        for key, value in d.get("hyperparams", {}).items():
            _require(self.name, key in self.defaults(), f"unknown hyperparameter {key!r}")
            setattr(self, key, _coerce(self.name, key, value, self.defaults()[key]))
        self._validate()
        # momentum, centered or amsgrad may have changed which buffers exist
        self.state = {k: self._new_state(p) for k, p in self.params.items()}
        for key, st in self.state.items():
            for buf, arr in st.items():
                src = arrays.get(f"{key}.{buf}")
                _require(self.name, src is not None, f"state lacks '{key}.{buf}'")
                _require(self.name, src.shape == arr.shape, f"'{key}.{buf}' has the wrong shape")
                self.xp.copyto(arr, self.xp.asarray(src, dtype=arr.dtype))
        self.steps = {k: int(v) for k, v in steps.items()}


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as torch.optim.SGD.

    g <- g + wd p;  b <- g on the first step, else mu b + (1 - dampening) g;
    g <- g + mu b (Nesterov) or b (momentum);  p <- p - lr g.
    """

    name = "sgd"

    def __init__(
        self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False
    ):
        super().__init__(
            params,
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )

    def _validate(self) -> None:
        super()._validate()
        ok = not self.nesterov or (self.momentum > 0.0 and self.dampening == 0.0)
        _require(self.name, ok, "nesterov needs momentum > 0 and dampening 0")

    def _new_state(self, p) -> dict:
        return {"momentum_buffer": self.xp.zeros_like(p)} if self.momentum != 0.0 else {}

    def _update(self, p, g, state, step, t1, t2) -> None:
        g = self._decayed(p, g, t1)
        if self.momentum != 0.0:
            g = self._momentum(g, state["momentum_buffer"], step, t2)
        self.xp.multiply(g, -self.lr, out=t2)
        p += t2

    def _momentum(self, g, buf, step, tmp):
        """Update the momentum buffer; return the direction to step along."""
        if step == 1:
            self.xp.copyto(buf, g)  # torch starts the buffer at g, undamped
        else:
            buf *= self.momentum
            self.xp.multiply(g, 1.0 - self.dampening, out=tmp)
            buf += tmp
        if not self.nesterov:
            return buf
        self.xp.multiply(buf, self.momentum, out=tmp)
        tmp += g
        return tmp


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad: each weight's step shrinks with its gradient history.

    g <- g + wd p;  s <- s + g^2;  p <- p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps).
    """

    name = "adagrad"

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
    ):
        super().__init__(
            params,
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )

    def _validate(self) -> None:
        super()._validate()
        v = self.initial_accumulator_value
        _require(self.name, v >= 0.0, f"initial_accumulator_value must be >= 0, got {v}")

    def _new_state(self, p) -> dict:
        return {"sum": self.xp.full_like(p, self.initial_accumulator_value)}

    def _update(self, p, g, state, step, t1, t2) -> None:
        g = self._decayed(p, g, t1)
        clr = self.lr / (1.0 + (step - 1) * self.lr_decay)
        self.xp.multiply(g, g, out=t2)
        state["sum"] += t2
        self.xp.sqrt(state["sum"], out=t2)
        t2 += self.eps
        self.xp.divide(g, t2, out=t2)
        t2 *= -clr
        p += t2


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop: Adagrad with a leaky average of squared gradients.

    g <- g + wd p;  v <- alpha v + (1 - alpha) g^2;  centered: m <- alpha m + (1 - alpha) g,
    d = sqrt(v - m^2) + eps, else d = sqrt(v) + eps;  momentum: b <- mu b + g / d,
    p <- p - lr b;  else p <- p - lr g / d.
    """

    name = "rmsprop"

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
    ):
        super().__init__(
            params,
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )

    def _new_state(self, p) -> dict:
        state = {"square_avg": self.xp.zeros_like(p)}
        if self.momentum > 0.0:
            state["momentum_buffer"] = self.xp.zeros_like(p)
        if self.centered:
            state["grad_avg"] = self.xp.zeros_like(p)
        return state

    def _update(self, p, g, state, step, t1, t2) -> None:
        g = self._decayed(p, g, t1)
        _ema(self.xp, state["square_avg"], g, g, self.alpha, t2)
        if self.centered:
            _ema(self.xp, state["grad_avg"], g, None, self.alpha, t2)
            self.xp.multiply(state["grad_avg"], state["grad_avg"], out=t2)
            self.xp.subtract(state["square_avg"], t2, out=t2)
            self.xp.sqrt(t2, out=t2)
        else:
            self.xp.sqrt(state["square_avg"], out=t2)
        t2 += self.eps
        self.xp.divide(g, t2, out=t2)
        if self.momentum > 0.0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += t2
            self.xp.multiply(buf, -self.lr, out=t2)
        else:
            t2 *= -self.lr
        p += t2


class Adam(Optimizer):
    """Adam, as torch.optim.Adam: momentum over RMSprop's scaling, bias-corrected.

    g <- g + wd p;  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    amsgrad: v_max <- max(v_max, v), used for v;
    p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    """

    name = "adam"
    decoupled = False  # AdamW decays the weights directly instead of the gradient

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False
    ):
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )

    def _validate(self) -> None:
        super()._validate()
        for i, beta in enumerate(self.betas):
            _require(self.name, 0.0 <= beta < 1.0, f"betas[{i}] must be in [0, 1), got {beta}")

    def _new_state(self, p) -> dict:
        state = {"exp_avg": self.xp.zeros_like(p), "exp_avg_sq": self.xp.zeros_like(p)}
        if self.amsgrad:
            state["max_exp_avg_sq"] = self.xp.zeros_like(p)
        return state

    def _update(self, p, g, state, step, t1, t2) -> None:
        beta1, beta2 = self.betas
        if self.decoupled:
            p *= 1.0 - self.lr * self.weight_decay
        else:
            g = self._decayed(p, g, t1)
        _ema(self.xp, state["exp_avg"], g, None, beta1, t2)
        v = _ema(self.xp, state["exp_avg_sq"], g, g, beta2, t2)
        if self.amsgrad:
            v = self.xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        step_size = self.lr / (1.0 - beta1**step)
        self.xp.sqrt(v, out=t2)
        t2 /= math.sqrt(1.0 - beta2**step)
        t2 += self.eps
        self.xp.divide(state["exp_avg"], t2, out=t2)
        t2 *= -step_size
        p += t2


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: Adam whose weight decay shrinks the weights directly,

    p <- p (1 - lr wd), before Adam's step on the undecayed gradient.
    """

    name = "adamw"
    decoupled = True

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False
    ):
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam, AdamW)
}


def make_optimizer(name: str, params: dict, **kwargs) -> Optimizer:
    """The optimiser called ``name`` (sgd, adam, adamw, rmsprop, adagrad) over ``params``."""
    cls = OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise BpError(f"unknown optimizer {name!r}: use {', '.join(OPTIMIZERS)}")
    for key in kwargs:
        known = ", ".join(cls.defaults())
        _require(cls.name, key in cls.defaults(), f"unknown parameter {key!r} (known: {known})")
    return cls(params, **kwargs)


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    """Scale all gradients in place so their global L2 norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_: coefficient max_norm / (total + 1e-6), clamped
    to 1. Returns the total norm before clipping (one device sync, for the caller).
    """
    gs = [g for g in grads.values() if g is not None]
    if not gs:
        return 0.0
    xp = xp_of(gs[0])
    total = float(xp.sqrt(sum(xp.vdot(g.ravel(), g.ravel()) for g in gs)))
    coef = float(max_norm) / (total + 1e-6)
    if not coef >= 1.0:  # also scales on NaN, as torch does
        for g in gs:
            g *= coef
    return total


def _ema(xp, avg, a, b, beta: float, tmp):
    """``avg <- beta avg + (1 - beta) a`` (or ``a * b`` when ``b`` is given), in place."""
    avg *= beta
    if b is None:
        xp.multiply(a, 1.0 - beta, out=tmp)
    else:
        xp.multiply(a, b, out=tmp)
        tmp *= 1.0 - beta
    avg += tmp
    return avg


def _scratch_views(params: dict, xp) -> dict:
    """Two scratch arrays per parameter: views into two buffers per dtype, sized to the
    largest parameter, so scratch memory is twice the largest tensor, not the model."""
    sizes: dict = {}
    for p in params.values():
        sizes[p.dtype] = max(sizes.get(p.dtype, 0), p.size)
    pools = {dt: (xp.empty(n, dt), xp.empty(n, dt)) for dt, n in sizes.items()}
    return {
        k: tuple(buf[: p.size].reshape(p.shape) for buf in pools[p.dtype])
        for k, p in params.items()
    }


def _coerce(opt: str, key: str, value, default):
    """``value`` in the type of torch's ``default`` (bool, pair of floats or float)."""
    if isinstance(default, bool):
        _require(opt, isinstance(value, bool | np.bool_), f"{key} must be true or false")
        return bool(value)
    if isinstance(default, tuple):
        ok = isinstance(value, list | tuple) and len(value) == len(default)
        _require(opt, ok, f"{key} must be a pair of numbers, got {value!r}")
        return tuple(_coerce(opt, f"{key}[{i}]", v, 0.0) for i, v in enumerate(value))
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
    _require(opt, ok and math.isfinite(value), f"{key} must be a finite number, got {value!r}")
    return float(value)


def _require(opt: str, ok: bool, message: str) -> None:
    """Raise the one-line BpError ``optimizer <name>: <message>`` unless ``ok``."""
    if not ok:
        raise BpError(f"optimizer {opt}: {message}")
