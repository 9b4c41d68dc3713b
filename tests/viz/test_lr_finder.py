"""The learning-rate range test finds a sensible rate on a toy problem and never
changes the session's real weights."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.viz.lr_finder import LRFindCancelled, centred_mean, ema, find_lr, suggest

PLANE_GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input", "params": {}, "pos": [0, 0]},
        {"id": "fc", "op": "Dense", "params": {"units": 1}, "pos": [0, 100]},
        {"id": "loss", "op": "MSELoss", "pos": [0, 200]},
    ],
    "edges": [["x", "fc"], ["fc", "loss"]],
}
PLANE = {"source": "synthetic", "name": "plane", "samples": 256, "noise": 0.05, "seed": 0,
         "validation": 0.0, "normalize": "standard"}  # fmt: skip
SGD = {"epochs": 5, "batch_size": 0, "optimizer": {"name": "sgd", "lr": 0.01}, "seed": 0,
       "device": "cpu"}  # fmt: skip


def _session(training=SGD) -> Session:
    s = Session(Project(Graph.from_dict(PLANE_GRAPH), dict(PLANE), dict(training)))
    s.load_data()
    return s


def _critical_rate(session) -> float:
    """Full-batch gradient descent on mean squared error diverges above 2 / lambda_max
    of the Hessian (2/N) X1' X1, X1 = the inputs with a column of ones (the bias)."""
    x = session.dataset.x_train.astype(np.float64)
    x1 = np.c_[x, np.ones(len(x))]
    hessian = 2.0 * x1.T @ x1 / len(x)
    return 2.0 / float(np.linalg.eigvalsh(hessian).max())


def test_suggests_a_rate_that_learns_fast_and_stays_stable():
    s = _session()
    res = find_lr(s, 1e-5, 10.0, 100)
    critical = _critical_rate(s)
    assert res.reason == "diverged"  # gradient descent blows up past 2 / lambda_max
    assert res.lrs[-1] > critical
    assert res.method == "steepest descent"
    assert critical / 100 < res.suggestion < critical  # measured: about critical / 27
    # Training at the suggestion gets far lower than at a timid rate, and stays finite.
    finals = {}
    for lr in (res.suggestion, 1e-4):
        s.project.training["optimizer"]["lr"] = lr
        s.build_network()
        for _ in s.make_trainer(s.train_config(epochs=30)).run():
            pass
        finals[lr] = s.final_metrics()["train_loss"]
    assert finals[res.suggestion] < 0.1 * finals[1e-4]


def test_never_changes_the_real_weights():
    s = _session({**SGD, "optimizer": {"name": "adam", "lr": 0.01}})
    net = s.build_network()
    before = {k: v.copy() for k, v in s.network.state_dict().items()}
    res = find_lr(s, 1e-4, 1.0, 40)
    assert len(res.lrs) > 10 and res.optimizer == "adam"
    assert s.network is net and s.optimizer is None and s.trainer is None
    after = s.network.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_progress_and_cancel():
    s = _session()
    seen = []

    def progress(done, total):
        seen.append((done, total))

    with pytest.raises(LRFindCancelled):
        find_lr(s, 1e-5, 1.0, 50, progress=progress, cancel=lambda: len(seen) >= 3)
    assert seen == [(1, 50), (2, 50), (3, 50)]


def test_suggest_falls_back_to_a_tenth_of_the_minimum_on_an_early_explosion():
    lrs = np.geomspace(1e-3, 1.0, 12)
    losses = np.r_[1.0, 0.8, 0.6, 0.5, np.linspace(0.6, 5.0, 8)]
    rate, method = suggest(lrs, losses)
    assert method == "minimum / 10"
    assert rate == pytest.approx(lrs[int(np.argmin(centred_mean(losses, 5)))] / 10)
    assert suggest(lrs[:2], losses[:2]) == (None, "")


def test_smoothing():
    v = np.array([4.0, 2.0, 0.0, 2.0, 4.0])
    assert centred_mean(v, 1).tolist() == [3.0, 2.0, 4 / 3, 2.0, 3.0]
    assert ema(np.full(7, 3.0)) == pytest.approx(np.full(7, 3.0))  # bias-corrected
