"""A private copy of the session's network, so tools never touch the live weights.

While training, the worker thread owns ``session.network``. The gradient check, the
learning-rate finder and the inference panel each work on their own compiled copy:
the same graph, its weights loaded from ``state_dict()`` (host copies, read only; taken
between two updates it may mix them, which these tools tolerate).
"""

from __future__ import annotations

import numpy as np

from bpstudio.errors import DataError
from bpstudio.graph.compile import compile_graph


def network_copy(session, xp=np, dtype=np.float32):
    """A new built Network for ``session``'s graph on ``xp`` in ``dtype``.

    Its weights are the live network's when one exists and the graph has not changed
    since; otherwise the project's seed initialises them, which is what the next
    training run would start from. Raises GraphError for a graph that does not compile.
    """
    if session.dataset is None:
        raise DataError("no data loaded: load the data first (Dataset panel)")
    shape = session.input_shape()
    net = compile_graph(session.project.graph, shape, xp=xp, dtype=dtype)
    seed = int(session.project.training.get("seed", 0))
    net.build(shape, np.random.default_rng(seed))
    live = session.network
    if live is not None and not session.network_stale:
        net.load_state_dict(live.state_dict(), strict=True)
    return net


def weights_source(session) -> str:
    """Says where ``network_copy``'s weights come from, for the person."""
    if session.network is not None and not session.network_stale:
        return "the current weights"
    seed = int(session.project.training.get("seed", 0))
    return f"fresh weights from seed {seed} (no trained network for this graph yet)"


def targets_for(session, y: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Targets as the loss takes them: int64 classes, else floats in ``dtype``
    (BCE's 0/1 classes included)."""
    if session.task == "classification":
        return np.asarray(y, dtype=np.int64)
    return np.asarray(y, dtype=dtype)
