import numpy as np
import pytest

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import TrainConfig
from bpstudio.errors import BpError
from bpstudio.viz.stepper import PHASES, StepThrough
from tests.viz.helpers import mlp, spiral


def _twins(act="Tanh", opt="adam", **kw):
    """Two identical networks with their optimisers: one stepped through, one plain."""
    nets = [mlp(act, depth=2, width=6, seed=3, **kw) for _ in range(2)]
    opts = [make_optimizer(opt, n.named_params(), lr=0.05) for n in nets]
    return nets, opts


def _weights(net):
    return {k: np.array(v) for k, v in net.named_params().items()}


def test_phases_equal_the_engine():
    (net, ref), (opt, ref_opt) = _twins()
    x, y = spiral(40)
    st = StepThrough(net, opt, x, y)
    assert [st.next() for _ in PHASES] == list(PHASES)

    loss = float(ref.loss(x, y))
    acts = {k: np.array(v) for k, v in ref.activations.items()}
    dpred = np.array(ref.loss_fn.backward())
    ref.backward()
    # forward: every node, input first, values for small layers
    assert [r.node_id for r in st.forward] == ["x", "fc1", "act1", "fc2", "act2", "out"]
    for row in st.forward:
        np.testing.assert_allclose(row.out.values, acts[row.node_id][:4], rtol=0, atol=0)
        assert row.out.mean == pytest.approx(float(acts[row.node_id].astype(np.float64).mean()))
    # loss and its gradient
    assert st.loss.value == loss
    np.testing.assert_array_equal(st.loss.grad.values, dpred[:4])
    # backward: reverse topological order, gradients equal
    assert [r.node_id for r in st.backward] == ["out", "act2", "fc2", "act1", "fc1"]
    for row in st.backward:
        g = np.array(ref.out_grads[row.node_id], dtype=np.float64)
        assert row.grad.norm == pytest.approx(float(np.linalg.norm(g)), rel=1e-12)
        np.testing.assert_array_equal(row.grad.values, ref.out_grads[row.node_id][:4])
    for name, g in ref.named_grads().items():
        node, p = name.split(".")
        row = next(r for r in st.backward if r.node_id == node)
        assert row.param_grads[p].norm == pytest.approx(float(np.linalg.norm(g.astype(float))))
    # update: the preview equals the real optimiser's step, and nothing changed yet
    w0 = _weights(ref)
    assert {k: np.array_equal(v, w0[k]) for k, v in _weights(net).items()} == dict.fromkeys(
        w0, True
    )
    ref_opt.step(ref.named_grads())
    for row in st.update:
        delta = _weights(ref)[row.name].astype(np.float64) - w0[row.name]
        assert row.delta_norm == pytest.approx(float(np.linalg.norm(delta)), rel=1e-12)
        assert row.ratio == pytest.approx(row.delta_norm / float(np.linalg.norm(w0[row.name])))
    assert st.next() == "update" and st.committed
    for k, v in _weights(net).items():
        np.testing.assert_array_equal(v, _weights(ref)[k])
    assert opt.steps == ref_opt.steps


def test_back_before_commit_changes_nothing():
    (net, _), (opt, _) = _twins(opt="sgd")
    x, y = spiral(30)
    w0 = _weights(net)
    st = StepThrough(net, opt, x, y)
    for _ in range(4):
        st.next()
    assert st.phase == "update"
    assert st.back() == "backward"
    assert st.back() == "loss"
    assert st.back() == "forward"
    assert st.back() == "forward"
    for k, v in _weights(net).items():
        np.testing.assert_array_equal(v, w0[k])
    assert set(opt.steps.values()) == {0}
    st.next(), st.next(), st.next()
    st.commit()
    assert any(not np.array_equal(v, w0[k]) for k, v in _weights(net).items())
    with pytest.raises(BpError):
        st.back()


def test_clipping_and_l2_as_the_trainer():
    (net, ref), (opt, ref_opt) = _twins(opt="sgd")
    x, y = spiral(30)
    cfg = TrainConfig(clip_norm=0.01, l2=0.1)
    st = StepThrough(net, opt, x, y, cfg)
    st.commit()
    ref.loss(x, y)
    ref.backward()
    from bpstudio.engine.trainer import TrainData, Trainer

    tr = Trainer(ref, ref_opt, TrainData(x, y), cfg)
    tr._update(ref.named_grads())
    for k, v in _weights(net).items():
        np.testing.assert_array_equal(v, _weights(ref)[k])
    assert st.clipped_norm > 0.01
    assert sum(r.grad_norm**2 for r in st.update) ** 0.5 < 0.011 + 0.1 * 10


def test_regression_and_large_layers_have_no_values():
    net = mlp("ReLU", depth=1, width=100, n_out=1, loss="MSELoss")
    opt = make_optimizer("sgd", net.named_params(), lr=0.01)
    x = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    st = StepThrough(net, opt, x, x[:, :1] * 2)
    st.next()
    big = next(r for r in st.forward if r.node_id == "fc1")
    assert big.out.values is None and big.out.shape == (8, 100)
    assert st.loss.accuracy is None and st.loss.task == "regression"
