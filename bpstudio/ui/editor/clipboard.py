"""Copy and paste of nodes as JSON text (Qt-free: the scene puts it on the clipboard)."""

from __future__ import annotations

import json

from bpstudio.errors import BpError
from bpstudio.graph.document import Graph, Node

FORMAT = "bpstudio-nodes"


def copy_text(graph: Graph, ids) -> str:
    """The chosen nodes and the edges between them, as the project file writes them."""
    chosen = set(ids)
    nodes = [graph.nodes[i].copy() for i in graph.nodes if i in chosen]
    edges = [[s, d] for s, d in graph.edges if s in chosen and d in chosen]
    payload = {"format": FORMAT, "nodes": Graph(nodes).to_dict()["nodes"], "edges": edges}
    return json.dumps(payload, indent=1)


def parse_text(text: str) -> tuple[list[Node], list[tuple[str, str]]]:
    """The nodes and edges of a copy, or two empty lists when the text is not one, so
    pasting ordinary text does nothing."""
    try:
        payload = json.loads(text)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            return [], []
        copied = Graph.from_dict({"nodes": payload["nodes"], "edges": payload["edges"]})
    except (ValueError, KeyError, TypeError, BpError):
        return [], []
    return list(copied.nodes.values()), list(copied.edges)
