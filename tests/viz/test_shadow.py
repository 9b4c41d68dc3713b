import numpy as np

from bpstudio.graph.commands import SetParam
from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.viz.shadow import ShadowNetwork, ensure_network, why_no_network

GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input"},
        {"id": "fc1", "op": "Dense", "params": {"units": 4}},
        {"id": "act1", "op": "ReLU"},
        {"id": "out", "op": "Dense", "params": {"units": 2}},
        {"id": "loss", "op": "CrossEntropyLoss"},
    ],
    "edges": [["x", "fc1"], ["fc1", "act1"], ["act1", "out"], ["out", "loss"]],
}
DATA = {"source": "synthetic", "name": "xor", "samples": 40, "seed": 0, "validation": 0}


def test_shadow_copies_weights_and_never_touches_the_live_network():
    s = Session(Project(Graph.from_dict(GRAPH), dict(DATA)))
    shadow = ShadowNetwork()
    assert shadow.sync(s) is None and "Load the data" in why_no_network(s)
    s.load_data()
    ensure_network(s)
    live = s.network
    net = shadow.sync(s)
    assert net is not live
    for k, v in live.named_params().items():
        np.testing.assert_array_equal(net.named_params()[k], v)
    live.loss(s.dataset.x_train[:8], s.dataset.y_train[:8])
    kept = np.array(live.activations["act1"])
    net.predict(s.dataset.x_train)  # a picture's pass on the copy
    np.testing.assert_array_equal(live.activations["act1"], kept)
    live.named_params()["fc1.weight"][...] += 1.0
    np.testing.assert_array_equal(shadow.sync(s).named_params()["fc1.weight"],
                                  live.named_params()["fc1.weight"])  # fmt: skip
    SetParam("fc1", "units", 5).do(s.project.graph)
    assert shadow.sync(s) is None and "graph changed" in why_no_network(s)
