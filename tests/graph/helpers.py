"""Graphs the graph tests share."""

from bpstudio.graph.document import Graph

IRIS = {
    "nodes": [
        {"id": "x", "op": "Input", "params": {"shape": [4]}, "pos": [0.0, 0.0]},
        {"id": "fc1", "op": "Dense", "params": {"units": 16}, "pos": [120.0, 0.0]},
        {"id": "act1", "op": "Tanh"},
        {"id": "fc2", "op": "Dense", "params": {"units": 3}},
        {"id": "loss", "op": "CrossEntropyLoss"},
    ],
    "edges": [["x", "fc1"], ["fc1", "act1"], ["act1", "fc2"], ["fc2", "loss"]],
}


def iris() -> Graph:
    """Input(4) -> Dense 16 -> Tanh -> Dense 3 -> CrossEntropyLoss."""
    return Graph.from_dict(IRIS)


def chain(*ops_params, shape=(4,)) -> Graph:
    """A straight chain from an Input: chain(("Dense", {"units": 3}), ("MSELoss", {}))."""
    nodes = [{"id": "x", "op": "Input", "params": {"shape": list(shape)}}]
    edges, prev = [], "x"
    for i, (op, params) in enumerate(ops_params):
        nid = f"n{i}"
        nodes.append({"id": nid, "op": op, "params": params})
        edges.append([prev, nid])
        prev = nid
    return Graph.from_dict({"nodes": nodes, "edges": edges})
