"""A Network runs a DAG of layers in topological order and backpropagates through it.

Backward is one walk over the nodes in reverse order (as micrograd's ``backward``): each
node's output gradient is handed to its layer, and the gradients the layer returns are
*added* into its inputs' gradients, which is what makes fan-out (skip connections, one
output feeding several consumers) correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpstudio.engine.backend import to_numpy
from bpstudio.errors import GraphError, ShapeError, WeightsError


@dataclass
class NodeSpec:
    """One node of a compiled network: its id, its layer and its input node ids."""

    id: str
    layer: object
    inputs: list[str]


@dataclass
class LoadReport:
    """What ``load_state_dict`` found: names missing from / unexpected in the file."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        """One line listing every mismatch by name."""
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        if self.unexpected:
            parts.append("unexpected " + ", ".join(self.unexpected))
        for name, want, got in self.mismatched:
            parts.append(f"{name} has shape {got}, the network needs {want}")
        return "; ".join(parts) if parts else "all tensors match"


class Network:
    """A compiled DAG: ``nodes`` are topologically ordered and exclude the Input node;
    they are fixed at construction (to change the graph, compile a new Network)."""

    def __init__(self, nodes, input_id, output_id, loss, xp=np, dtype=np.float32):
        self.nodes: list[NodeSpec] = list(nodes)
        self.input_id = input_id
        self.output_id = output_id
        self.loss_fn = loss
        self.xp = xp
        self.dtype = np.dtype(dtype)
        self.shapes: dict[str, tuple] = {}
        self.activations: dict = {}
        self.out_grads: dict = {}
        self._loss_value = None
        self._on_path = self._nodes_on_loss_path()
        # The per-batch walks read these flat tuples, made once: no attribute lookups or
        # set membership tests per node and batch (a tenth of a small network's step).
        self._forward_plan = [(n.id, n.layer, n.inputs) for n in self.nodes]
        self._backward_plan = [p for p in reversed(self._forward_plan) if p[0] in self._on_path]

    # ---------------------------------------------------------------- building
    def _nodes_on_loss_path(self) -> set[str]:
        """Ids whose output reaches the output node: only they need a backward pass."""
        inputs = {n.id: n.inputs for n in self.nodes}
        seen, todo = set(), [self.output_id]
        while todo:
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            todo.extend(inputs.get(nid, []))
        return seen

    def build(self, input_shape, rng: np.random.Generator) -> None:
        """Infer every node's per-sample shape and initialise parameters from ``rng``."""
        self.shapes = {self.input_id: tuple(int(s) for s in input_shape)}
        for node in self.nodes:
            in_shapes = [self.shapes[i] for i in node.inputs]
            try:
                self.shapes[node.id] = tuple(node.layer.output_shape(in_shapes))
            except ShapeError as exc:
                raise GraphError(f"node {node.id!r}: {exc}", node.id) from None
            node.layer.build(in_shapes, self.xp, self.dtype, rng)
            # Inputs fed by the data need no gradient: skipping d/dx of the first layer
            # saves its largest matrix product.
            node.layer.needs_input_grad = [i != self.input_id for i in node.inputs]
            node.layer.rng = self._device_rng(int(rng.integers(2**31)))

    def _device_rng(self, seed: int):
        return self.xp.random.default_rng(seed)

    # ----------------------------------------------------------------- running
    def set_training(self, training: bool) -> None:
        for node in self.nodes:
            node.layer.training = training

    def forward(self, x, training: bool = True):
        """Run every node; returns the tensor feeding the loss, ``(N, ...)``."""
        self.set_training(training)
        acts = {self.input_id: x}
        for nid, layer, inputs in self._forward_plan:
            acts[nid] = layer.forward([acts[i] for i in inputs])
        self.activations = acts
        return acts[self.output_id]

    def loss(self, x, y):
        """Forward in training mode, then the loss: a 0-d array on the device."""
        pred = self.forward(x, training=True)
        self._loss_value = self.loss_fn.forward(pred, y)
        return self._loss_value

    def backward(self) -> None:
        """Fill every layer's ``grads`` from the last ``loss``; fan-out gradients add up."""
        grads = {self.output_id: self.loss_fn.backward()}
        for nid, layer, inputs in self._backward_plan:
            dy = grads.get(nid)
            if dy is None:
                continue
            for src, dx in zip(inputs, layer.backward(dy), strict=True):
                if dx is None:
                    continue
                # Not in place: a layer may hand the same array to several inputs (Add).
                grads[src] = dx if src not in grads else grads[src] + dx
        self.out_grads = grads

    def predict(self, x, batch_size: int = 1024) -> np.ndarray:
        """Eval-mode outputs for host array ``x`` ``(N, ...)``, batched; a host array."""
        outs = []
        for start in range(0, len(x), batch_size):
            xb = self.xp.asarray(x[start : start + batch_size], dtype=self.dtype)
            outs.append(to_numpy(self.forward(xb, training=False)))
        if not outs:
            return np.zeros((0, *self.shapes[self.output_id]), np.float32)
        return np.concatenate(outs)

    # ------------------------------------------------------------- parameters
    def named_params(self) -> dict:
        """``"<node>.<param>"`` -> the live trainable array."""
        return {f"{n.id}.{k}": v for n in self.nodes for k, v in n.layer.params.items()}

    def named_grads(self) -> dict:
        return {f"{n.id}.{k}": v for n in self.nodes for k, v in n.layer.grads.items()}

    def named_buffers(self) -> dict:
        return {f"{n.id}.{k}": v for n in self.nodes for k, v in n.layer.buffers.items()}

    def param_owner(self) -> dict[str, str]:
        """``"<node>.<param>"`` -> node id (for naming where a problem is)."""
        return {f"{n.id}.{k}": n.id for n in self.nodes for k in n.layer.params}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers as host float32 copies, PyTorch layouts."""
        tensors = {**self.named_params(), **self.named_buffers()}
        return {k: np.array(to_numpy(v), dtype=np.float32) for k, v in tensors.items()}

    def load_state_dict(self, tensors: dict, strict: bool = True) -> LoadReport:
        """Copy matching tensors in place; with ``strict`` any mismatch is a WeightsError."""
        own = {**self.named_params(), **self.named_buffers()}
        report = LoadReport(
            missing=[k for k in own if k not in tensors],
            unexpected=[k for k in tensors if k not in own],
        )
        for name, arr in own.items():
            if name not in tensors:
                continue
            src = np.asarray(tensors[name])
            if tuple(src.shape) != tuple(arr.shape):
                report.mismatched.append((name, tuple(arr.shape), tuple(src.shape)))
            elif not strict or report.ok:
                report.loaded.append(name)
        if strict and not report.ok:
            raise WeightsError(f"weights do not fit the network: {report.describe()}")
        for name in report.loaded:
            own[name][...] = self.xp.asarray(tensors[name], dtype=own[name].dtype)
        return report

    def first_non_finite(self) -> tuple[str, str] | None:
        """(node id, 'forward'|'backward') where the last pass first went NaN/Inf."""
        xp = self.xp
        for node in self.nodes:
            act = self.activations.get(node.id)
            if act is not None and not bool(xp.isfinite(act).all()):
                return node.id, "forward"
        for node in reversed(self.nodes):
            g = self.out_grads.get(node.id)
            if g is not None and not bool(xp.isfinite(g).all()):
                return node.id, "backward"
            for arr in node.layer.grads.values():
                if not bool(xp.isfinite(arr).all()):
                    return node.id, "backward"
        return None
