"""Losses: float64 gradcheck, values and gradients against torch, stability, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.engine.gradcheck import gradcheck_loss
from bpstudio.engine.losses import LOSSES, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from bpstudio.errors import BpError


def _cases(seed):
    r = np.random.default_rng(seed)
    n, k = int(r.integers(1, 8)), int(r.integers(2, 6))
    return r, n, k


@pytest.mark.parametrize("seed", range(4))
def test_cross_entropy_gradcheck_and_torch(seed):
    r, n, k = _cases(seed)
    logits, t = r.standard_normal((n, k)) * 3, r.integers(0, k, n)
    assert gradcheck_loss(CrossEntropyLoss(), logits, t) < 1e-6
    _against_torch(CrossEntropyLoss(), logits, t, lambda F, p, y: F.cross_entropy(p, y))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("flat", [True, False])
def test_bce_gradcheck_and_torch(seed, flat):
    r, n, _ = _cases(seed)
    logits = r.standard_normal((n,) if flat else (n, 1)) * 3
    t = r.integers(0, 2, n).astype(np.float64)
    assert gradcheck_loss(BCEWithLogitsLoss(), logits, t) < 1e-6

    def torch_loss(F, p, y):
        return F.binary_cross_entropy_with_logits(p, y.reshape(p.shape))

    _against_torch(BCEWithLogitsLoss(), logits, t, torch_loss)


@pytest.mark.parametrize("seed", range(4))
def test_mse_gradcheck_and_torch(seed):
    r, n, k = _cases(seed)
    pred, t = r.standard_normal((n, k)), r.standard_normal((n, k))
    assert gradcheck_loss(MSELoss(), pred, t) < 1e-6
    _against_torch(MSELoss(), pred, t, lambda F, p, y: F.mse_loss(p, y))


def _against_torch(loss, pred, target, torch_loss):
    torch = pytest.importorskip("torch")
    value = float(loss.forward(pred, target))
    grad = loss.backward()
    tp = torch.tensor(pred, requires_grad=True)
    tv = torch_loss(torch.nn.functional, tp, torch.tensor(target))
    tv.backward()
    assert value == pytest.approx(tv.item(), rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(grad, tp.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], np.float32)
    loss = CrossEntropyLoss()
    with np.errstate(over="raise", invalid="raise"):
        v = float(loss.forward(logits, np.array([1, 2])))
        g = loss.backward()
    # row 0: logsumexp = 1e4, picked 0 -> 1e4; row 1: log 2 + 1e4 - 1e4.
    assert v == pytest.approx((1e4 + np.log(2)) / 2, rel=1e-6)
    np.testing.assert_allclose(g, [[0.5, -0.5, 0.0], [0.0, 0.25, -0.25]], atol=1e-7)


def test_bce_is_stable_for_huge_logits():
    loss = BCEWithLogitsLoss()
    with np.errstate(over="raise", invalid="raise"):
        v = float(loss.forward(np.array([1e4, -1e4], np.float32), np.array([0.0, 0.0])))
        g = loss.backward()
    assert v == pytest.approx(5e3)
    np.testing.assert_allclose(g, [0.5, 0.0])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_in_float32_out(name):
    loss = LOSSES[name]()
    pred = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    if name == "CrossEntropyLoss":
        target = np.array([0, 1, 2, 0, 1, 2])
    elif name == "BCEWithLogitsLoss":
        pred, target = pred[:, :1], np.array([0, 1, 1, 0, 1, 0], np.float64)
    else:
        target = np.zeros((6, 3), np.float64)
    v = loss.forward(pred, target)
    assert v.shape == () and v.dtype == np.float32
    assert loss.backward().dtype == np.float32


def test_tasks():
    assert CrossEntropyLoss.task == "classification"
    assert BCEWithLogitsLoss.task == "binary"
    assert MSELoss.task == "regression"


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0]])
def test_cross_entropy_refuses_out_of_range_classes(bad):
    with pytest.raises(BpError, match="out of range for 3 outputs"):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array(bad))


def test_cross_entropy_refuses_float_targets_and_bad_shapes():
    with pytest.raises(BpError, match="integer class indices"):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(BpError, match=r"\(N, K\)"):
        CrossEntropyLoss().forward(np.zeros((2, 3)), np.array([[0], [1]]))


def test_size_mismatch_refused():
    with pytest.raises(BpError, match="one target per output"):
        BCEWithLogitsLoss().forward(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(BpError, match="shaped like"):
        MSELoss().forward(np.zeros((3, 2)), np.zeros(3))


def test_mse_reshapes_a_flat_target():
    loss = MSELoss()
    v = loss.forward(np.array([[1.0], [3.0]]), np.array([0.0, 1.0]))
    assert float(v) == pytest.approx((1 + 4) / 2)
