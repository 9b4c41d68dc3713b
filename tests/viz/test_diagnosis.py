import numpy as np

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import StatsEvent, TrainConfig, TrainData, Trainer
from bpstudio.viz.diagnosis import (
    diagnose,
    diagnose_network,
    findings_by_node,
    layout_of,
    signals_from_stats,
)
from tests.viz.helpers import mlp, spiral


def _deep(act, init):
    return mlp(act, depth=8, width=16, init=init)


def test_fires_on_deep_sigmoid_not_on_relu_twin():
    x, y = spiral(300)
    sig = diagnose_network(_deep("Sigmoid", "default"), x, y)
    kinds = {f.kind for f in sig}
    assert "vanishing" in kinds
    van = next(f for f in sig if f.kind == "vanishing")
    assert van.severity == "error"
    assert "fc1" in van.nodes and "out" not in van.nodes
    assert any("ReLU" in r for r in van.remedies)
    assert any("BatchNorm" in r for r in van.remedies)
    assert diagnose_network(_deep("ReLU", "kaiming_normal"), x, y) == []


def test_from_trainer_stats_events():
    x, y = spiral(300)
    for act, init, want in [("Sigmoid", "default", True), ("ReLU", "kaiming_normal", False)]:
        net = _deep(act, init)
        opt = make_optimizer("sgd", net.named_params(), lr=0.01)
        cfg = TrainConfig(epochs=1, batch_size=100, stats_interval=0)
        events = Trainer(net, opt, TrainData(x, y), cfg).run()
        stats = next(e for e in events if isinstance(e, StatsEvent))
        found = diagnose(signals_from_stats(stats, layout_of(net)))
        assert any(f.kind == "vanishing" for f in found) is want, found


def test_dead_relu_and_saturation():
    x, y = spiral(100)
    net = mlp("ReLU", depth=2, width=8)
    net.named_params()["fc1.bias"][:6] = -50.0  # six of eight units never fire
    found = diagnose_network(net, x, y)
    dead = [f for f in found if f.kind == "dead_relu"]
    assert dead and dead[0].nodes == ("act1",) and "75%" in dead[0].message
    sat = mlp("Sigmoid", depth=2, width=8)
    sat.named_params()["fc1.weight"][...] *= 200.0
    found = diagnose_network(sat, x, y)
    assert "act1" in findings_by_node(found)
    assert any(f.kind == "saturated" for f in found)


def test_exploding_named():
    x, y = spiral(100)
    net = mlp("ReLU", depth=5, width=16, init="kaiming_normal")
    for k, w in net.named_params().items():
        if k.endswith("weight") and k != "fc1.weight":
            w *= 8.0
    found = diagnose_network(net, x, y)
    assert found[0].kind == "exploding" and "fc1" in found[0].nodes
    assert any("clip" in r for r in found[0].remedies)


def test_diagnosis_leaves_weights_alone():
    x, y = spiral(60)
    net = mlp("Sigmoid", depth=3)
    w0 = {k: np.array(v) for k, v in net.named_params().items()}
    diagnose_network(net, x, y)
    for k, v in net.named_params().items():
        np.testing.assert_array_equal(v, w0[k])
