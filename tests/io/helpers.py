"""Shared builders for the io tests: graphs, networks with non-trivial state, data files."""

from __future__ import annotations

import numpy as np
from PIL import Image

from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.graph.document import Graph
from bpstudio.io.graphdict import inference_plan


def node(nid: str, op: str, **params) -> dict:
    return {"id": nid, "op": op, "params": params}


def chain(ops: list[dict], loss: str = "CrossEntropyLoss") -> dict:
    """A graph dict running ``ops`` one after another from an Input ``x`` into the loss."""
    nodes = [node("x", "Input"), *ops, node("loss", loss)]
    edges = [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"nodes": nodes, "edges": edges}


def build_network(graph: dict, input_shape, seed: int = 0) -> Network:
    """The engine Network of a graph dict, through graph.compile when it exists."""
    try:
        from bpstudio.graph.compile import compile_graph
    except ImportError:
        compile_graph = None
    shape = tuple(input_shape)
    if compile_graph is not None:
        net = compile_graph(Graph.from_dict(graph), shape, xp=np, dtype=np.float32)
    else:  # graph.compile not there yet: the same layers through io's own plan
        plan = inference_plan(graph)
        nodes = [NodeSpec(p.id, p.layer, p.inputs) for p in plan.nodes]
        net = Network(nodes, plan.input_id, plan.head, LOSSES[plan.loss_op]())
    net.build(shape, np.random.default_rng(seed))
    _perturb(net, seed)
    return net


def _perturb(net: Network, seed: int) -> None:
    """BatchNorm running stats and affine params away from 0/1, so eval mode matters."""
    rng = np.random.default_rng(seed + 1)
    for name, arr in {**net.named_params(), **net.named_buffers()}.items():
        if name.endswith(("running_var", ".weight")) and arr.ndim == 1:
            arr[...] = rng.uniform(0.5, 1.5, arr.shape)
        elif name.endswith(("running_mean", ".bias")):
            arr[...] = rng.normal(0, 0.3, arr.shape)


def write_csv(path, n: int = 40, seed: int = 0, bad_rows=()) -> None:
    """Columns a (float), colour (text), b (float), label (yes/no); ``bad_rows`` get 'oops' in b."""
    rng = np.random.default_rng(seed)
    lines = ["a,colour,b,label"]
    for i in range(n):
        a, colour, b = rng.normal(), rng.choice(["red", "green", "blue"]), rng.normal() * 10
        label = "yes" if a + (colour == "red") > 0.3 else "no"
        b_text = "oops" if i in bad_rows else f"{b:.3f}"
        lines.append(f"{a:.4f},{colour},{b_text},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_images(folder, classes=("cat", "dog"), per_class: int = 4, size=(10, 12)) -> None:
    """A folder of class sub-folders holding small random RGB PNGs."""
    rng = np.random.default_rng(0)
    for c in classes:
        (folder / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / c / f"{i}.png")
