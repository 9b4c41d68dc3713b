"""Shared by the worker tests: a session to train, a plain training loop, and exact
comparison of state dicts."""

from __future__ import annotations

import numpy as np

from bpstudio.graph.document import Node
from bpstudio.session import Session


def session(example="spiral", epochs=2, dropout=False, **training) -> Session:
    """The example with ``training`` settings; ``dropout`` adds a Dropout after act1
    (spiral's fc1 -> act1 -> drop -> fc2)."""
    s = Session.open_example(example)
    s.project.training.update(epochs=epochs, **training)
    if dropout:
        g = s.project.graph
        g.add_node(Node("drop", "Dropout", {"rate": 0.3}))
        g.edges[g.edges.index(("act1", "fc2"))] = ("act1", "drop")
        g.edges.append(("drop", "fc2"))
    return s


def train(trainer) -> None:
    """Run ``trainer`` to its end."""
    for _ in trainer.run():
        pass


def same(a: dict, b: dict) -> bool:
    """The same names and bit-identical arrays."""
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
