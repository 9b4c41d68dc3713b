"""A small project and session for the backprop-view tests (no window needed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session

SMALL_GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input", "params": {"shape": [2]}, "pos": [0, 0]},
        {"id": "fc1", "op": "Dense", "params": {"units": 5}, "pos": [0, 100]},
        {"id": "act1", "op": "Tanh", "pos": [0, 200]},
        {"id": "out", "op": "Dense", "params": {"units": 3}, "pos": [0, 300]},
        {"id": "loss", "op": "CrossEntropyLoss", "pos": [0, 400]},
    ],
    "edges": [["x", "fc1"], ["fc1", "act1"], ["act1", "out"], ["out", "loss"]],
}
SPIRAL = {
    "source": "synthetic",
    "name": "spiral",
    "samples": 120,
    "noise": 0.05,
    "seed": 0,
    "classes": 3,
    "validation": 0.25,
    "normalize": "standard",
}
TRAINING = {
    "epochs": 5000,  # runs are stopped by the tests
    "batch_size": 16,
    "optimizer": {"name": "adam", "lr": 0.02},
    "l1": 0.0,
    "l2": 0.0,
    "clip_norm": None,
    "seed": 0,
    "device": "cpu",
}


def small_session(graph=SMALL_GRAPH, data=SPIRAL) -> Session:
    s = Session(Project(Graph.from_dict(graph), dict(data), dict(TRAINING)))
    s.load_data()
    return s


def model_of(session):
    """What the views need of the ProjectModel: ``.session``."""
    return SimpleNamespace(session=session)


def weights(net) -> dict:
    return {k: np.array(v) for k, v in net.named_params().items()}
