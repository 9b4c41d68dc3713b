import numpy as np

from bpstudio.viz.evaluation import (
    confusion_matrix,
    evaluate_split,
    image_of,
    misclassified,
    regression_fit,
)
from tests.viz.helpers import mlp, spiral


def test_confusion_and_mistakes():
    net = mlp("ReLU", depth=1, width=8)
    x, y = spiral(90)
    ev = evaluate_split(net, x, y, ["a", "b", "c"])
    m = confusion_matrix(ev.y, ev.pred, 3)
    assert m.sum() == 90 and np.trace(m) == int(np.sum(ev.pred == y))
    assert ev.accuracy == np.trace(m) / 90
    wrong = misclassified(ev, limit=5)
    assert len(wrong) == min(5, 90 - np.trace(m))
    conf = ev.probs[wrong, ev.pred[wrong]]
    assert np.all(np.diff(conf) <= 0) and np.all(ev.pred[wrong] != y[wrong])


def test_regression_fit():
    net = mlp("ReLU", depth=1, width=8, n_out=1, loss="MSELoss")
    x = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32)
    ev = evaluate_split(net, x, x[:, 0])
    fit = regression_fit(ev)
    assert fit.true.shape == fit.pred.shape == (50,)
    np.testing.assert_allclose(fit.pred, net.predict(x)[:, 0], rtol=1e-6)
    assert fit.rmse >= fit.mae > 0 and fit.r2 is not None and ev.accuracy is None


def test_image_of():
    assert image_of(np.random.rand(1, 8, 8)).shape == (8, 8, 3)
    assert image_of(np.random.rand(3, 8, 8)).dtype == np.uint8


def test_raw_features_undo_standardisation():
    from bpstudio.viz.evaluation import raw_features

    tr = {"normalize": {"method": "standard", "axis": "feature", "shift": [1, 2], "scale": [2, 4]}}
    np.testing.assert_allclose(raw_features(np.array([[0.5, -1.0]]), tr), [[2.0, -2.0]])
    assert raw_features(np.ones((1, 2)), {}).tolist() == [[1.0, 1.0]]
