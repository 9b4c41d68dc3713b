"""The app's gradient check: a float64 copy, a per-tensor report, progress and cancel."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.session import Session
from bpstudio.viz.gradcheck_run import GradcheckCancelled, run_gradcheck


@pytest.fixture(scope="module")
def spiral():
    s = Session.open_example("spiral")
    s.device = "cpu"
    s.load_data()
    return s


def test_default_example_passes_with_sampled_entries(spiral):
    ticks = []
    report = run_gradcheck(spiral, samples=8, max_entries=16, progress=lambda d, t: ticks.append(d))
    assert report.passed and report.verdict.startswith("PASSED")
    params = spiral.build_network().named_params()
    assert [r.name for r in report.rows] == list(params)
    for row in report.rows:
        assert row.shape == params[row.name].shape
        assert row.checked == min(16, params[row.name].size)
        assert row.grad_norm > 0 and row.error < 1e-6
    assert f"{report.checked} of {report.total} entries" in report.verdict
    assert ticks[-1] == 1 + 2 * report.checked


def test_uses_a_copy_of_the_current_weights(spiral, monkeypatch):
    net = spiral.build_network()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    run_gradcheck(spiral, max_entries=4)
    assert spiral.network is net
    assert all(np.array_equal(v, net.state_dict()[k]) for k, v in before.items())


def test_a_wrong_gradient_fails(spiral, monkeypatch):
    from bpstudio.engine.layers.activations import ReLU

    backward = ReLU.backward
    monkeypatch.setattr(ReLU, "backward", lambda self, dy: [0.5 * g for g in backward(self, dy)])
    report = run_gradcheck(spiral, max_entries=8)
    assert not report.passed and report.verdict.startswith("FAILED")
    assert not next(r for r in report.rows if r.name.startswith("fc1")).passed


def test_cancel(spiral):
    calls = []
    with pytest.raises(GradcheckCancelled):
        run_gradcheck(spiral, cancel=lambda: calls.append(1) or len(calls) > 5)
