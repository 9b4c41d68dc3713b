import numpy as np
import pytest

from bpstudio.errors import BpError
from bpstudio.viz.boundary import (
    decision_image,
    grid_over,
    hidden_units,
    is_planar,
    probability_rgb,
    raw_extent,
    value_rgb,
)
from tests.viz.helpers import mlp, spiral


def test_grid_covers_the_data():
    x, _ = spiral(90)
    g = grid_over(x, resolution=40, margin=0.1)
    assert g.shape == (40, 40) and g.points.shape == (1600, 2)
    x0, x1, y0, y1 = g.extent
    assert x0 < x[:, 0].min() and x1 > x[:, 0].max() and y0 < x[:, 1].min()
    with pytest.raises(BpError, match="2-D"):
        grid_over(np.zeros((3, 4)))


def test_probability_image_matches_predict():
    net = mlp("Tanh", depth=2, width=8)
    x, _ = spiral(90)
    g = grid_over(x, resolution=30)
    probs = decision_image(net, g)
    assert probs.shape == (30, 30, 3) and is_planar(net)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-9)
    # pixel (row i, column j) is the model at (xs[j], ys[i])
    logits = net.predict(np.array([[g.xs[7], g.ys[3]]], np.float32))[0]
    p = np.exp(logits - logits.max())
    np.testing.assert_allclose(probs[3, 7], p / p.sum(), rtol=1e-5)
    rgb = probability_rgb(probs)
    assert rgb.shape == (30, 30, 3) and rgb.dtype == np.uint8


def test_binary_gives_two_columns_and_hidden_units():
    net = mlp("ReLU", depth=2, width=5, n_out=1, loss="BCEWithLogitsLoss")
    g = grid_over(spiral(30)[0], resolution=12)
    probs = decision_image(net, g)
    assert probs.shape == (12, 12, 2)
    units = hidden_units(net, g, max_units=4)
    assert set(units) == {"fc1", "act1", "fc2", "act2"}
    assert units["act1"].shape == (4, 12, 12) and units["act1"].min() >= 0
    act = np.maximum(
        g.points @ np.array(net.named_params()["fc1.weight"]).T
        + np.array(net.named_params()["fc1.bias"]),
        0,
    )
    np.testing.assert_allclose(units["act1"][2], act[:, 2].reshape(12, 12), rtol=1e-5)
    assert value_rgb(units["fc1"][0]).shape == (12, 12, 3)


def test_raw_extent_undoes_standardisation():
    g = grid_over(np.array([[-1.0, -2.0], [1.0, 2.0]]), margin=0)
    tr = {
        "normalize": {"method": "standard", "axis": "feature", "shift": [10, 0], "scale": [2, 0.5]}
    }
    assert raw_extent(g, tr) == pytest.approx((8, 12, -1, 1))
    assert raw_extent(g, None) == g.extent
