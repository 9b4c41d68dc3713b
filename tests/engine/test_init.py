"""Initialisers: torch.nn.init's formulas (bounds and standard deviations), statistics
of large draws, and the per-layer ``init`` choice."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpstudio.engine import init
from bpstudio.engine.layers import Conv2D, Dense

SHAPES = [(300, 200), (64, 16, 3, 3)]


def _fans(shape):
    rf = math.prod(shape[2:])
    return shape[1] * rf, shape[0] * rf


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    assert init.fans(shape) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name,bound",
    [
        ("default", lambda fi, fo: 1 / math.sqrt(fi)),
        ("xavier_uniform", lambda fi, fo: math.sqrt(6 / (fi + fo))),
        ("kaiming_uniform", lambda fi, fo: math.sqrt(6 / fi)),
    ],
)
def test_uniform_bounds(shape, name, bound):
    w, _ = init.init_weight_bias(name, shape, False, np.random.default_rng(0))
    b = bound(*_fans(shape))
    assert np.abs(w).max() <= b
    assert np.abs(w).max() > 0.99 * b  # many draws reach the edge
    assert w.std() == pytest.approx(b / math.sqrt(3), rel=0.03)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name,std",
    [
        ("xavier_normal", lambda fi, fo: math.sqrt(2 / (fi + fo))),
        ("kaiming_normal", lambda fi, fo: math.sqrt(2 / fi)),
    ],
)
def test_normal_std(shape, name, std):
    w, _ = init.init_weight_bias(name, shape, False, np.random.default_rng(0))
    assert w.std() == pytest.approx(std(*_fans(shape)), rel=0.03)
    assert abs(w.mean()) < 0.05 * std(*_fans(shape))


TORCH_INITS = {
    "xavier_uniform": lambda t, w: t.nn.init.xavier_uniform_(w),
    "xavier_normal": lambda t, w: t.nn.init.xavier_normal_(w),
    "kaiming_uniform": lambda t, w: t.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal": lambda t, w: t.nn.init.kaiming_normal_(w, nonlinearity="relu"),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(TORCH_INITS))
def test_same_distribution_as_torch(shape, name):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tw = TORCH_INITS[name](torch, torch.empty(shape)).numpy()
    w, _ = init.init_weight_bias(name, shape, False, np.random.default_rng(0))
    assert w.std() == pytest.approx(tw.std(), rel=0.05)
    if name.endswith("uniform"):
        assert np.abs(w).max() == pytest.approx(np.abs(tw).max(), rel=0.02)


def test_default_matches_torch_linear_and_conv():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lin, conv = torch.nn.Linear(200, 300), torch.nn.Conv2d(16, 64, 3)
    for module, shape in ((lin, (300, 200)), (conv, (64, 16, 3, 3))):
        w, b = init.init_weight_bias("default", shape, True, np.random.default_rng(0))
        tw, tb = module.weight.detach().numpy(), module.bias.detach().numpy()
        assert np.abs(w).max() == pytest.approx(np.abs(tw).max(), rel=0.02)
        assert w.std() == pytest.approx(tw.std(), rel=0.05)
        assert np.abs(b).max() <= 1 / math.sqrt(_fans(shape)[0])
        assert np.abs(tb).max() <= 1 / math.sqrt(_fans(shape)[0])


@pytest.mark.parametrize("name", init.INITS)
def test_bias_rule(name):
    _, b = init.init_weight_bias(name, (50, 40), True, np.random.default_rng(0))
    assert b.shape == (50,)
    if name == "default":
        assert 0 < np.abs(b).max() <= 1 / math.sqrt(40)
    else:
        assert not b.any()


def test_layers_use_their_init_and_are_reproducible():
    def build(layer, shape, seed):
        layer.build([shape], np, np.float32, np.random.default_rng(seed))
        return layer.params["weight"]

    a = build(Dense(units=64, init="kaiming_normal"), (100,), 1)
    b = build(Dense(units=64, init="kaiming_normal"), (100,), 1)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert a.std() == pytest.approx(math.sqrt(2 / 100), rel=0.05)
    c = build(Conv2D(filters=32, kernel=3, init="xavier_uniform"), (8, 5, 5), 2)
    assert np.abs(c).max() <= math.sqrt(6 / (8 * 9 + 32 * 9)) + 1e-7
    d = build(Dense(units=64, bias=False), (100,), 1)
    assert np.abs(d).max() <= 0.1
