"""The Trainer's fast statistics against plain float64 NumPy references."""

import numpy as np
import pytest

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.trainer import activation_stats, eval_batch_size, evaluate, histogram


def test_histogram_matches_numpy_on_float64():
    a = np.random.default_rng(0).normal(size=5000)
    h = histogram(a, 30)
    counts, edges = np.histogram(a, 30, range=(a.min(), a.max()))
    np.testing.assert_array_equal(h.counts, counts)
    np.testing.assert_allclose(h.edges, edges)
    assert h.counts.dtype == np.int64


def test_histogram_float32_counts_everything_within_rounding_of_numpy():
    a = np.random.default_rng(1).normal(size=(256, 784)).astype(np.float32)
    h = histogram(a, 30)
    assert h.counts.sum() == a.size
    ref, _ = np.histogram(a, 30, range=(float(a.min()), float(a.max())))
    assert np.abs(h.counts - ref).sum() <= 10  # values on a bin edge may land either side


def test_histogram_skips_non_finite_and_handles_constants():
    h = histogram(np.array([np.nan, 1.0, 2.0, np.inf, -np.inf]), 4)
    assert h.counts.sum() == 2 and h.edges[0] == 1.0 and h.edges[-1] == 2.0
    h = histogram(np.full(7, 3.0, np.float32), 5)
    assert h.counts.sum() == 7 and h.edges[0] == 2.5 and h.edges[-1] == 3.5
    assert histogram(np.array([np.nan]), 3).counts.sum() == 0
    assert histogram(np.zeros((0, 4)), 3).counts.sum() == 0


@pytest.mark.parametrize("relu", [False, True])
def test_activation_stats_match_float64(relu):
    rng = np.random.default_rng(2)
    a = rng.normal(0.3, 2.0, size=(64, 8, 28, 28)).astype(np.float32)
    if relu:
        a = np.maximum(a, 0)
    view = a.transpose(0, 2, 3, 1)  # a non-contiguous layout
    s, ref = activation_stats(view), a.astype(np.float64)
    assert s.mean == pytest.approx(ref.mean(), rel=1e-5)
    assert s.std == pytest.approx(ref.std(), rel=1e-4)
    assert s.mean_abs == pytest.approx(np.abs(ref).mean(), rel=1e-5)
    assert s.frac_zero == pytest.approx(np.mean(ref == 0))
    assert (s.min, s.max) == (ref.min(), ref.max())


def test_activation_stats_saturation_only_for_bounded_outputs():
    t = np.tanh(np.linspace(-4, 4, 1001))
    assert activation_stats(t).frac_saturated == pytest.approx(np.mean(np.abs(t) > 0.99))
    assert activation_stats(t * 3).frac_saturated == 0.0
    assert activation_stats(np.zeros(0)).mean == 0


def _cnn():
    nodes = [
        NodeSpec("conv", LAYERS["Conv2D"](filters=4, kernel=3, padding=1), ["x"]),
        NodeSpec("act", LAYERS["ReLU"](), ["conv"]),
        NodeSpec("flat", LAYERS["Flatten"](), ["act"]),
        NodeSpec("fc", LAYERS["Dense"](units=3), ["flat"]),
    ]
    net = Network(nodes, "x", "fc", LOSSES["CrossEntropyLoss"]())
    net.build((1, 12, 12), np.random.default_rng(0))
    return net


def test_eval_batches_are_cache_sized_and_do_not_change_results():
    net = _cnn()
    assert eval_batch_size(net) == 2**19 // (4 * 12 * 12)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 1, 12, 12)).astype(np.float32)
    y = rng.integers(0, 3, 2000)
    loss, acc = evaluate(net, x, y, "classification")
    loss_big, acc_big = evaluate(net, x, y, "classification", batch_size=4096)
    assert loss == pytest.approx(loss_big, rel=1e-5) and acc == acc_big
