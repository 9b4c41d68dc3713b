"""Learning-rate schedules: torch's values epoch by epoch, spec parsing, state dicts."""

import json
import math

import numpy as np
import pytest

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.schedules import CosineAnnealingLR, ExponentialLR, StepLR, make_schedule
from bpstudio.errors import BpError

SPECS = [
    {"name": "step", "step_size": 3},
    {"name": "step", "step_size": 10, "gamma": 0.5},
    {"name": "exponential", "gamma": 0.95},
    {"name": "cosine", "T_max": 7},
    {"name": "cosine", "T_max": 5, "eta_min": 0.01},
]


def optimizer(lr=0.1):
    return make_optimizer("sgd", {"w": np.zeros(3)}, lr=lr)


def lrs(schedule, epochs):
    """The rate in force for each of ``epochs`` epochs (the first is the base rate)."""
    out = []
    for _ in range(epochs):
        out.append(schedule.optimizer.lr)
        schedule.step()
    return out


def closed_form(spec, base, epoch):
    """The published formula for the rate in epoch ``epoch`` (from 0)."""
    if spec["name"] == "step":
        return base * spec.get("gamma", 0.1) ** (epoch // spec["step_size"])
    if spec["name"] == "exponential":
        return base * spec["gamma"] ** epoch
    lo, n = spec.get("eta_min", 0.0), spec["T_max"]
    return lo + (base - lo) * (1 + math.cos(math.pi * epoch / n)) / 2


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: json.dumps(s))
def test_follows_the_published_formula(spec):
    got = lrs(make_schedule(spec, optimizer(0.1)), 30)  # cosine: several half periods
    want = [closed_form(spec, 0.1, e) for e in range(30)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: json.dumps(s))
def test_matches_torch_lr_scheduler_even_after_a_manual_change(spec):
    torch = pytest.importorskip("torch")
    classes = {
        "step": torch.optim.lr_scheduler.StepLR,
        "exponential": torch.optim.lr_scheduler.ExponentialLR,
        "cosine": torch.optim.lr_scheduler.CosineAnnealingLR,
    }
    topt = torch.optim.SGD([torch.zeros(3, requires_grad=True)], lr=0.1)
    tsched = classes[spec["name"]](topt, **{k: v for k, v in spec.items() if k != "name"})
    sched = make_schedule(spec, optimizer(0.1))
    for epoch in range(25):
        if epoch == 12:  # the user edits the rate mid-run; torch's recursive form keeps it
            sched.optimizer.lr = topt.param_groups[0]["lr"] = 0.03
        assert sched.optimizer.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        topt.step()
        tsched.step()
        sched.step()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: json.dumps(s))
def test_state_dict_round_trip_continues_identically(spec):
    sched = make_schedule(spec, optimizer(0.2))
    lrs(sched, 4)
    saved = json.loads(json.dumps(sched.state_dict()))
    resumed_opt = optimizer(0.2)
    resumed = make_schedule(spec, resumed_opt)
    resumed.load_state_dict(saved)
    resumed_opt.lr = sched.optimizer.lr  # the optimiser's own state carries its rate
    assert lrs(resumed, 20) == lrs(sched, 20)


def test_none_means_constant():
    opt = optimizer()
    assert make_schedule(None, opt) is None
    assert make_schedule("none", opt) is None
    assert make_schedule({"name": "none"}, opt) is None


def test_classes_are_usable_directly():
    assert isinstance(make_schedule({"name": "step", "step_size": 2}, optimizer()), StepLR)
    assert lrs(ExponentialLR(optimizer(1.0), gamma=0.5), 3) == [1.0, 0.5, 0.25]
    assert CosineAnnealingLR(optimizer(), T_max=4).eta_min == 0.0


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"name": "cyclic"}, "unknown schedule"),
        ({"name": "step"}, "needs step_size"),
        ({"name": "step", "step_size": 0}, "step_size"),
        ({"name": "step", "step_size": 2.5}, "step_size"),
        ({"name": "step", "step_size": 2, "gamma": -0.1}, "gamma"),
        ({"name": "exponential", "gamma": float("inf")}, "gamma"),
        ({"name": "cosine", "T_max": 10, "eta_min": -1}, "eta_min"),
        ({"name": "cosine", "T_max": 10, "tmax": 3}, "unknown parameter 'tmax'"),
        ("cosine", "expected an object"),
    ],
)
def test_bad_specs_are_one_line_errors(spec, words):
    with pytest.raises(BpError) as err:
        make_schedule(spec, optimizer())
    assert words in str(err.value) and "\n" not in str(err.value)


def test_load_state_dict_refuses_another_schedule():
    saved = make_schedule({"name": "step", "step_size": 2}, optimizer()).state_dict()
    with pytest.raises(BpError, match="step"):
        make_schedule({"name": "cosine", "T_max": 3}, optimizer()).load_state_dict(saved)
