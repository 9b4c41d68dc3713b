"""Why a network stops learning: vanishing/exploding gradients, dead ReLUs, saturation.

The signals are per node: the norm of d loss / d node output (the Trainer's
``out_grad_norms``: L2 norm over the batch divided by the batch size) and the node's
output statistics. They come either from a finished pass of a Network
(``signals_from_network``) or from a StatsEvent during training (``signals_from_stats``).
``diagnose`` turns them into findings that name the nodes and suggest remedies.

The depth profile uses the layers with weights (Dense, Conv2D): the chain rule
multiplies one Jacobian per layer, so a gradient that shrinks (or grows) by a steady
factor per layer spans orders of magnitude between the first and the last of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.backend import to_numpy

WEIGHTED = ("Dense", "Conv2D")
SATURATING = ("Sigmoid", "Tanh")
RELUS = ("ReLU",)

# Thresholds (orders of magnitude / shares) picked so that 8 Dense(16) + Sigmoid at
# PyTorch's default init (6 orders) fires and the ReLU + He twin (under 1) does not.
WARN_ORDERS = 2.0
ERROR_ORDERS = 3.0
DEAD_SHARE = 0.5  # share of a ReLU's units that never activate over the batch
MOSTLY_ZERO = 0.95  # without per-unit data: share of exact zeros in the output
SATURATED_SHARE = 0.3  # share of outputs within 1% of a sigmoid/tanh asymptote

REMEDIES = {
    "vanishing": (
        "use ReLU instead of Sigmoid/Tanh in hidden layers",
        "He (kaiming) initialisation for ReLU layers",
        "add BatchNorm after the Dense layers",
        "add a residual Add (skip connection) around blocks",
    ),
    "exploding": (
        "a smaller learning rate (try a tenth)",
        "gradient clipping (clip_norm 1.0)",
        "add BatchNorm after the Dense layers",
        "Xavier or He initialisation instead of large weights",
    ),
    "dead_relu": (
        "a smaller learning rate",
        "LeakyReLU instead of ReLU",
        "He (kaiming) initialisation",
        "add BatchNorm before the ReLU",
    ),
    "no_gradient": (
        "a smaller learning rate (try a hundredth), then Reset weights",
        "gradient clipping (clip_norm 1.0)",
        "LeakyReLU instead of ReLU",
    ),
    "saturated": (
        "use ReLU instead of Sigmoid/Tanh in hidden layers",
        "Xavier initialisation (smaller weights)",
        "add BatchNorm before the activation",
        "normalise the inputs (standard)",
    ),
}


@dataclass(frozen=True)
class LayerSignal:
    """What one node tells about learning; fields are None when not measured."""

    node_id: str
    op: str
    grad_norm: float | None  # ||d loss / d output|| / batch
    dead_share: float | None = None  # ReLU: share of units zero for every sample
    zero_share: float | None = None  # share of exact zeros in the output
    saturated_share: float | None = None  # sigmoid/tanh: share near an asymptote


@dataclass(frozen=True)
class Finding:
    kind: (
        str  # "vanishing" | "exploding" | "dead_relu" | "saturated" | "non_finite" | "no_gradient"
    )
    severity: str  # "warning" | "error"
    nodes: tuple[str, ...]
    message: str
    remedies: tuple[str, ...]


# ----------------------------------------------------------------- signals
def layout_of(network) -> list[tuple[str, str]]:
    """(node id, op name) in topological order, Input excluded."""
    return [(n.id, type(n.layer).__name__) for n in network.nodes]


def signals_from_network(network) -> list[LayerSignal]:
    """Signals from the network's last forward and backward pass."""
    out = []
    batch = max(1, int(network.activations[network.input_id].shape[0]))
    for nid, op in layout_of(network):
        act = np.asarray(to_numpy(network.activations[nid]), dtype=np.float64)
        g = network.out_grads.get(nid)
        gn = None if g is None else float(np.linalg.norm(to_numpy(g).astype(np.float64))) / batch
        out.append(
            LayerSignal(
                nid,
                op,
                gn,
                dead_share(act) if op in RELUS else None,
                float(np.mean(act == 0)),
                saturated_share(op, act),
            )
        )
    return out


def signals_from_stats(stats, layout: list[tuple[str, str]]) -> list[LayerSignal]:
    """Signals from a Trainer StatsEvent; ``layout`` from ``layout_of(network)``."""
    out = []
    for nid, op in layout:
        a = stats.activation_stats.get(nid)
        sat = None
        if a is not None and op == "Tanh":
            sat = a.frac_saturated
        out.append(
            LayerSignal(
                nid,
                op,
                stats.out_grad_norms.get(nid),
                None,
                None if a is None else a.frac_zero,
                sat,
            )
        )
    return out


def dead_share(act: np.ndarray) -> float:
    """act (N, units) or (N, C, H, W): share of units (channels) never positive."""
    if act.ndim < 2 or act.shape[0] == 0:
        return 0.0
    per_unit = act.max(axis=0)
    if per_unit.ndim == 3:  # a conv channel is dead when no position activates
        per_unit = per_unit.reshape(per_unit.shape[0], -1).max(axis=1)
    return float(np.mean(per_unit <= 0))


def saturated_share(op: str, act: np.ndarray) -> float | None:
    """Share of sigmoid outputs outside [0.01, 0.99] or tanh outputs outside ±0.99."""
    if op == "Sigmoid":
        return float(np.mean((act < 0.01) | (act > 0.99)))
    if op == "Tanh":
        return float(np.mean(np.abs(act) > 0.99))
    return None


# ---------------------------------------------------------------- findings
def diagnose(signals: list[LayerSignal]) -> list[Finding]:
    """Every problem the signals show, most severe first."""
    found = [
        *_non_finite(signals),
        *_no_gradient(signals),
        *_gradient_profile(signals),
        *_dead_relus(signals),
        *_saturation(signals),
    ]
    return sorted(found, key=lambda f: f.severity != "error")


def _non_finite(signals) -> list[Finding]:
    bad = [s.node_id for s in signals if s.grad_norm is not None and not math.isfinite(s.grad_norm)]
    if not bad:
        return []
    return [
        Finding(
            "non_finite",
            "error",
            tuple(bad),
            f"Gradients are NaN or infinite at {_names(bad)}: training has diverged.",
            REMEDIES["exploding"],
        )
    ]


def _no_gradient(signals) -> list[Finding]:
    """Every weighted layer's gradient exactly 0: no weight changes (seen after a
    learning rate of 1e6: certain, right predictions on the training rows, or every
    unit dead), where the depth profile alone would find nothing wrong."""
    layers = [s for s in signals if s.op in WEIGHTED and s.grad_norm is not None]
    if not layers or any(s.grad_norm != 0 for s in layers):
        return []
    ids = [s.node_id for s in layers]
    msg = (
        f"No gradient: it is exactly 0 at {_names(ids)}, so no weight changes and "
        "training has stopped (the predictions are certain, or every unit is dead)."
    )
    return [Finding("no_gradient", "error", tuple(ids), msg, REMEDIES["no_gradient"])]


def _gradient_profile(signals) -> list[Finding]:
    layers = [
        s
        for s in signals
        if s.op in WEIGHTED and s.grad_norm is not None and math.isfinite(s.grad_norm)
    ]
    if len(layers) < 3:
        return []
    norms = np.array([max(s.grad_norm, 1e-300) for s in layers])
    orders = float(np.log10(norms[-1] / norms[0]))  # > 0: smaller towards the input
    if abs(orders) < WARN_ORDERS:
        return []
    severity = "error" if abs(orders) >= ERROR_ORDERS else "warning"
    profile = " → ".join(f"{s.node_id} {s.grad_norm:.1e}" for s in reversed(layers))
    if orders > 0:
        weak = [s.node_id for s, n in zip(layers, norms, strict=True) if n < norms[-1] / 100]
        msg = (
            f"Vanishing gradients: going back from {layers[-1].node_id} to "
            f"{layers[0].node_id} the gradient shrinks {fold(10**orders)}-fold "
            f"({profile}); {_names(weak)} barely learn."
        )
        return [Finding("vanishing", severity, tuple(weak), msg, REMEDIES["vanishing"])]
    strong = [s.node_id for s, n in zip(layers, norms, strict=True) if n > norms[-1] * 100]
    msg = (
        f"Exploding gradients: going back from {layers[-1].node_id} to "
        f"{layers[0].node_id} the gradient grows {fold(10 ** (-orders))}-fold ({profile})."
    )
    return [Finding("exploding", severity, tuple(strong), msg, REMEDIES["exploding"])]


def _dead_relus(signals) -> list[Finding]:
    found = []
    for s in signals:
        if s.op not in RELUS:
            continue
        if s.dead_share is not None and s.dead_share >= DEAD_SHARE:
            what = f"{s.dead_share:.0%} of its units never activate on this batch"
        elif s.dead_share is None and s.zero_share is not None and s.zero_share >= MOSTLY_ZERO:
            what = f"{s.zero_share:.0%} of its outputs are exactly zero"
        else:
            continue
        severity = "error" if (s.dead_share or s.zero_share) >= 0.9 else "warning"
        msg = f"Dead ReLU at {s.node_id}: {what}; no gradient flows through them."
        found.append(Finding("dead_relu", severity, (s.node_id,), msg, REMEDIES["dead_relu"]))
    return found


def _saturation(signals) -> list[Finding]:
    hit = [
        s
        for s in signals
        if s.op in SATURATING
        and s.saturated_share is not None
        and s.saturated_share >= SATURATED_SHARE
    ]
    if not hit:
        return []
    parts = ", ".join(f"{s.node_id} {s.saturated_share:.0%}" for s in hit)
    msg = (
        f"Saturated activations ({parts} of outputs at an asymptote): their derivative is "
        "almost 0, so the gradient stops there."
    )
    worst = max(s.saturated_share for s in hit)
    severity = "error" if worst >= 0.8 else "warning"
    return [
        Finding("saturated", severity, tuple(s.node_id for s in hit), msg, REMEDIES["saturated"])
    ]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fold(x: float) -> str:
    """A factor for people: 37 -> '37', 8.1e6 -> '8×10⁶'."""
    if x < 1000:
        return f"{x:.0f}"
    exp = int(math.floor(math.log10(x)))
    return f"{x / 10**exp:.0f}×10{str(exp).translate(_SUPERSCRIPT)}"


def _names(ids: list[str]) -> str:
    return ", ".join(ids) if len(ids) <= 4 else f"{', '.join(ids[:3])} and {len(ids) - 3} more"


# --------------------------------------------------------------- one call
def diagnose_network(network, xb, yb) -> list[Finding]:
    """Run one forward/backward pass on a batch and diagnose it; weights, optimiser
    and BatchNorm running statistics are left as they were."""
    buffers = {k: np.array(to_numpy(v)) for k, v in network.named_buffers().items()}
    xp = network.xp
    ydt = np.int64 if network.loss_fn.task == "classification" else network.dtype
    network.loss(xp.asarray(xb, dtype=network.dtype), xp.asarray(yb, dtype=ydt))
    network.backward()
    for name, arr in network.named_buffers().items():
        xp.copyto(arr, xp.asarray(buffers[name]))
    return diagnose(signals_from_network(network))


def findings_by_node(findings: list[Finding]) -> dict[str, list[Finding]]:
    """node id -> the findings naming it (for badges on the graph)."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        for nid in f.nodes:
            out.setdefault(nid, []).append(f)
    return out
