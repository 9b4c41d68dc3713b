"""One batch of backprop as four inspectable phases: forward, loss, backward, update.

``StepThrough`` runs the real engine once (``network.loss`` then ``network.backward``)
and records host copies of what each phase produced, so every number shown is the
engine's own. The update phase is a *preview*: the optimiser is deep-copied and the
copy steps, so neither the weights nor the optimiser's state change until ``commit``
applies the same gradients with the real optimiser (as ``Trainer`` would). Going back
before the commit therefore leaves the network exactly as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.optim import clip_grad_norm
from bpstudio.errors import BpError
from bpstudio.viz.tensors import TensorSummary, host_copy, l2, summarize

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class ForwardRow:
    """One node's output in the forward pass; ``out.values`` for small layers."""

    node_id: str
    op: str
    inputs: tuple[str, ...]
    out: TensorSummary


@dataclass(frozen=True)
class LossResult:
    """The loss value and its gradient w.r.t. the prediction ``(N, ...)``."""

    name: str
    task: str
    value: float
    pred: TensorSummary
    grad: TensorSummary
    accuracy: float | None


@dataclass(frozen=True)
class BackwardRow:
    """d loss / d node output, and the node's parameter gradients (short names)."""

    node_id: str
    op: str
    grad: TensorSummary
    param_grads: dict  # "weight" -> TensorSummary


@dataclass(frozen=True)
class UpdateRow:
    """One parameter's change: ``delta = w_after - w_before``; ratio = |delta| / |w|."""

    name: str
    node_id: str
    shape: tuple[int, ...]
    grad_norm: float  # after clipping and l1/l2, i.e. what the optimiser received
    weight_norm: float
    delta_norm: float
    ratio: float
    delta: TensorSummary


class StepThrough:
    """Forward, loss, backward and update of one batch ``xb (N, ...)``, ``yb (N,...)``.

    ``config`` is an optional TrainConfig (``clip_norm``, ``l1``, ``l2``), applied to
    the gradients exactly as the Trainer does before the optimiser's step.
    """

    def __init__(self, network, optimizer, xb, yb, config=None):
        self.net = network
        self.opt = optimizer
        self.config = config
        xp = network.xp
        self.xb = xp.asarray(xb, dtype=network.dtype)
        ydt = np.int64 if network.loss_fn.task == "classification" else network.dtype
        self.yb = xp.asarray(yb, dtype=ydt)
        self.index = -1  # -1: nothing run yet; else an index into PHASES
        self.committed = False
        self.forward: list[ForwardRow] = []
        self.loss: LossResult | None = None
        self.backward: list[BackwardRow] = []
        self.update: list[UpdateRow] = []
        self.clipped_norm: float | None = None
        self._grads: dict | None = None
        self._buffers: dict | None = None

    # ------------------------------------------------------------- navigation
    @property
    def phase(self) -> str | None:
        return PHASES[self.index] if self.index >= 0 else None

    def next(self) -> str | None:
        """Show the next phase; from ``update`` this commits the step. Returns the phase."""
        if self.committed:
            return self.phase
        if self.index < 0:
            self._run()
        if self.index < len(PHASES) - 1:
            self.index += 1
        else:
            self.commit()
        return self.phase

    def back(self) -> str | None:
        """Show the previous phase; nothing is undone in the network (nothing was done)."""
        if self.committed:
            raise BpError("this step is already applied: start a new batch to step again")
        self.index = max(0, self.index - 1) if self.index >= 0 else -1
        return self.phase

    def commit(self) -> list[UpdateRow]:
        """Apply the update with the real optimiser; the rows then show the actual change."""
        if self.committed:
            return self.update
        if self.index < 0:
            self._run()
        before = {k: host_copy(v) for k, v in self.net.named_params().items()}
        self.opt.step(self._grads)
        after = {k: host_copy(v) for k, v in self.net.named_params().items()}
        self.update = self._update_rows(before, after)
        self.committed = True
        self.index = len(PHASES) - 1
        return self.update

    def discard(self) -> None:
        """Abandon an uncommitted step: restore BatchNorm running statistics too."""
        if self.committed or self._buffers is None:
            return
        for name, arr in self.net.named_buffers().items():
            self.net.xp.copyto(arr, self.net.xp.asarray(self._buffers[name]))

    # ------------------------------------------------------------- computing
    def _run(self) -> None:
        net = self.net
        self._buffers = {k: host_copy(v) for k, v in net.named_buffers().items()}
        loss = net.loss(self.xb, self.yb)
        self.forward = self._forward_rows()
        pred = net.activations[net.output_id]
        self.loss = LossResult(
            type(net.loss_fn).__name__,
            net.loss_fn.task,
            float(loss),
            summarize(pred),
            summarize(net.loss_fn.backward()),
            batch_accuracy(pred, self.yb, net.loss_fn.task),
        )
        net.backward()
        self.backward = self._backward_rows()
        self._grads = self._prepared_grads()
        self.update = self._preview()

    def _forward_rows(self) -> list[ForwardRow]:
        net = self.net
        rows = [ForwardRow(net.input_id, "Input", (), summarize(net.activations[net.input_id]))]
        for node in net.nodes:
            act = net.activations[node.id]
            rows.append(ForwardRow(node.id, _op(node), tuple(node.inputs), summarize(act)))
        return rows

    def _backward_rows(self) -> list[BackwardRow]:
        """Reverse topological order: the order in which the chain rule reaches nodes."""
        net, rows = self.net, []
        for node in reversed(net.nodes):
            g = net.out_grads.get(node.id)
            if g is None:
                continue
            pgrads = {k: summarize(v) for k, v in node.layer.grads.items()}
            rows.append(BackwardRow(node.id, _op(node), summarize(g), pgrads))
        return rows

    def _prepared_grads(self) -> dict:
        """Copies of the gradients with clipping and l1/l2 applied, as Trainer._update."""
        net, cfg = self.net, self.config
        grads = {k: v.copy() for k, v in net.named_grads().items()}
        if cfg is not None and cfg.clip_norm:
            self.clipped_norm = clip_grad_norm(grads, cfg.clip_norm)
        if cfg is not None and (cfg.l2 or cfg.l1):
            for name, w in net.named_params().items():
                if cfg.l2:
                    grads[name] += cfg.l2 * w
                if cfg.l1:
                    grads[name] += cfg.l1 * net.xp.sign(w)
        return grads

    def _preview(self) -> list[UpdateRow]:
        """The update a step would make, computed on a deep copy of the optimiser."""
        # The array module is shared, not copied (modules do not deep-copy).
        shadow = copy.deepcopy(self.opt, {id(self.opt.xp): self.opt.xp})
        shadow.step({k: v.copy() for k, v in self._grads.items()})
        before = {k: host_copy(v) for k, v in self.net.named_params().items()}
        after = {k: host_copy(shadow.params[k]) for k in before}
        return self._update_rows(before, after)

    def _update_rows(self, before: dict, after: dict) -> list[UpdateRow]:
        owner = self.net.param_owner()
        rows = []
        for name, w0 in before.items():
            delta = after[name].astype(np.float64) - w0.astype(np.float64)
            wn, dn = l2(w0), l2(delta)
            rows.append(
                UpdateRow(
                    name,
                    owner[name],
                    tuple(w0.shape),
                    l2(self._grads[name]),
                    wn,
                    dn,
                    dn / wn if wn > 0 else 0.0,
                    summarize(delta[None] if delta.ndim < 2 else delta),
                )
            )
        return rows


def batch_accuracy(pred, y, task: str) -> float | None:
    """Share of correct predictions (classification and binary), else None."""
    p, t = host_copy(pred), host_copy(y)
    if task == "classification":
        return float(np.mean(p.argmax(axis=1) == t))
    if task == "binary":
        return float(np.mean((p.reshape(-1) > 0) == (t.reshape(-1) > 0.5)))
    return None


def _op(node) -> str:
    return type(node.layer).__name__
