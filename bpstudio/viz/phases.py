"""What the step-through panel lists for each phase: headers, rows and bar values.

Qt-free formatting (plain strings and floats) so the tests can compare the panel's
cells with the engine's numbers through the same ``fmt``.
"""

from __future__ import annotations

import math

from bpstudio.viz.stepper import StepThrough

EXPLAIN = {
    "forward": (
        "Forward pass: each node computes its output from its inputs, first layer to last. "
        "The bars show the mean |output| per node."
    ),
    "loss": (
        "Loss: the prediction is compared with the targets. ∂L/∂prediction is where the "
        "backward pass starts."
    ),
    "backward": (
        "Backward pass: the chain rule carries ∂L/∂output from the loss back to the first "
        "layer (listed in the order it arrives). Bars: log10 of the gradient norm per sample; "
        "a falling staircase is a vanishing gradient."
    ),
    "update": (
        "Update: the optimiser changes every parameter. Nothing has changed yet: "
        "'Apply update' does it. Bars: log10 |Δw|/|w| (about -3 is healthy)."
    ),
}


def frozen_params(st: StepThrough) -> list[str]:
    """Parameters with a non-zero gradient whose update rounds away entirely in float32
    (the step is below the weights' precision: the deep-sigmoid example shows it)."""
    return [u.name for u in st.update if u.grad_norm > 0 and u.delta_norm == 0]


def fmt(v) -> str:
    """The one number format of the panel (4 significant digits)."""
    if v is None:
        return "–"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return f"{v:.4g}"


def phase_table(st: StepThrough, phase: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of cell texts) for ``phase``."""
    if phase == "forward":
        head = ["node", "op", "shape", "mean", "std", "min", "max", "zeros"]
        rows = [
            [r.node_id, r.op, "×".join(map(str, r.out.shape[1:])) or "1", fmt(r.out.mean),
             fmt(r.out.std), fmt(r.out.min), fmt(r.out.max), f"{r.out.frac_zero:.0%}"]
            for r in st.forward
        ]  # fmt: skip
        return head, rows
    if phase == "loss":
        lo = st.loss
        acc = "–" if lo.accuracy is None else f"{lo.accuracy:.1%}"
        head = ["loss", "value", "batch accuracy", "|∂L/∂prediction|", "task"]
        return head, [[lo.name, fmt(lo.value), acc, fmt(lo.grad.norm), lo.task]]
    if phase == "backward":
        head = ["node", "op", "|∂L/∂out| per sample", "mean |∂L/∂out|", "parameter gradients"]
        rows = []
        for r in st.backward:
            params = ", ".join(f"{k} {fmt(v.norm)}" for k, v in r.param_grads.items())
            rows.append(
                [r.node_id, r.op, fmt(r.grad.per_sample_norm), fmt(r.grad.mean_abs), params]
            )
        return head, rows
    head = ["parameter", "shape", "|gradient|", "|w|", "|Δw|", "|Δw|/|w|"]
    rows = [
        [u.name, "×".join(map(str, u.shape)), fmt(u.grad_norm), fmt(u.weight_norm),
         fmt(u.delta_norm), fmt(u.ratio)]
        for u in st.update
    ]  # fmt: skip
    return head, rows


def phase_bars(st: StepThrough, phase: str) -> tuple[list[str], list[float], bool]:
    """(labels, values, log scale) for the phase's bar plot."""
    if phase in ("forward", "loss"):
        return [r.node_id for r in st.forward], [r.out.mean_abs for r in st.forward], False
    if phase == "backward":
        return [r.node_id for r in st.backward], [r.grad.per_sample_norm for r in st.backward], True
    return [u.name for u in st.update], [u.ratio for u in st.update], True


def detail_values(st: StepThrough, phase: str, row: int):
    """(title, (k, m) array or None) of one row's values for the detail table."""
    if phase == "forward":
        r = st.forward[row]
        return f"{r.node_id}: output values, first samples", r.out.values
    if phase == "loss":
        return "∂L/∂prediction, first samples", st.loss.grad.values
    if phase == "backward":
        r = st.backward[row]
        return f"{r.node_id}: ∂L/∂output, first samples", r.grad.values
    u = st.update[row]
    return f"{u.name}: Δw (first rows)", u.delta.values
