"""A private host copy of the session's network, for pictures and evaluation.

While training, the worker thread owns the live network: its layers reuse output
buffers, so a forward pass from another thread would corrupt the step in flight.
Views therefore draw with a ShadowNetwork: the same graph compiled on numpy, whose
weights are refreshed from ``state_dict()`` copies (a read only; taken between two
updates it may mix them, which a picture tolerates).
"""

from __future__ import annotations

import numpy as np

from bpstudio.errors import BpError
from bpstudio.graph.compile import compile_graph


def ensure_network(session) -> None:
    """Build the session's network from its seed when data is loaded and none exists yet
    (what training would do first), so views can show the untrained model."""
    if session.network is None and session.dataset is not None:
        session.build_network()


def why_no_network(session) -> str:
    """One line telling the person why there is nothing to draw yet."""
    if session.dataset is None:
        return "Load the data first (Dataset panel)."
    if session.network is not None and session.network_stale:
        return (
            "The graph changed since the network was built: start training or a "
            "step-through batch to rebuild it."
        )
    return "Build the network first (start training or a step-through batch)."


class ShadowNetwork:
    """``sync(session)`` -> a numpy Network with the live weights, or None;
    ``network_for(session)`` -> (network or None, why there is none)."""

    def __init__(self):
        self.net = None
        self._key = None

    def sync(self, session):
        live = getattr(session, "network", None)
        if live is None or session.network_stale:
            return None
        key = (id(live), tuple(live.shapes.items()))
        if key != self._key:
            shape = live.shapes[live.input_id]
            net = compile_graph(session.project.graph, shape, xp=np, dtype=np.float32)
            net.build(shape, np.random.default_rng(0))
            self.net, self._key = net, key
        self.net.load_state_dict(live.state_dict(), strict=True)
        return self.net

    def network_for(self, session):
        """(the synced copy, "") or (None, one line saying why there is nothing to draw):
        builds the untrained network first when data is loaded and none exists."""
        try:
            ensure_network(session)
            net = self.sync(session) if session.dataset is not None else None
        except BpError as exc:
            return None, str(exc)
        return (net, "") if net is not None else (None, why_no_network(session))
