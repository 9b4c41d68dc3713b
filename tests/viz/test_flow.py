import math

import pytest

from bpstudio.engine.optim import make_optimizer
from bpstudio.viz.flow import colormap, frame_from_step, legend_ticks, log_range
from bpstudio.viz.stepper import StepThrough
from tests.viz.helpers import mlp, spiral


def test_colors_follow_log_magnitude():
    assert colormap(0) == (68, 1, 84) and colormap(1) == (253, 231, 37)
    assert log_range([1e-6, 1e-2, 0, None]) == (-6, -2)
    lo, hi = log_range([1e-3, 2e-3])  # similar values: at least two decades shown
    assert hi == pytest.approx(math.log10(2e-3)) and hi - lo == pytest.approx(2.0)


def test_frames_from_a_step():
    net = mlp("Sigmoid", depth=6, width=8)
    st = StepThrough(net, make_optimizer("sgd", net.named_params(), lr=0.1), *spiral(60))
    st.next()
    back = frame_from_step(st, "backward")
    # vanishing: the first layer's gradient is the smallest, so the darkest
    assert back.position(back.values["fc1"]) == 0.0
    assert back.position(back.values["out"]) == 1.0
    assert "x" not in back.values and back.color("x") == (160, 160, 160)
    assert "fc1 → act1" in back.edge_tip("fc1", "act1") and "mean" in back.edge_tip("fc1", "act1")
    fwd = frame_from_step(st, "forward")
    assert set(fwd.values) >= {"x", "fc1", "out"}
    assert len(legend_ticks(fwd)) == 5
