"""Optimisers: each matches its published update rule step by step, resumes identically
from a state dict, refuses bad hyperparameters, and agrees with torch.optim."""

import json
import math
import tracemalloc

import numpy as np
import pytest

from bpstudio.engine.optim import OPTIMIZERS, Optimizer, clip_grad_norm, make_optimizer
from bpstudio.errors import BpError

# ---------------------------------------------------------------- the toy problem

_RNG = np.random.default_rng(7)
_A = _RNG.normal(size=(5, 3))
_Y = _RNG.normal(size=(5, 2))


def toy_params() -> dict:
    """A least-squares fit: weight (2, 3), bias (2,), float64."""
    return {"w": np.array([[0.5, -1.0, 0.3], [0.2, 0.8, -0.6]]), "b": np.array([0.1, -0.2])}


def toy_grads(p: dict) -> dict:
    """Gradient of 0.5 * mean ||A w^T + b - Y||^2 (analytic)."""
    r = (_A @ p["w"].T + p["b"] - _Y) / len(_A)
    return {"w": r.T @ _A, "b": r.sum(axis=0)}


# ------------------------------------------------- the published rules, one float at a time


def ref_sgd(x, g, s, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    g = g + weight_decay * x
    if momentum:
        s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return x - lr * g


def ref_adagrad(
    x, g, s, t, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    g = g + weight_decay * x
    s.setdefault("sum", initial_accumulator_value)
    s["sum"] += g * g
    return x - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(s["sum"]) + eps)


def ref_rmsprop(
    x, g, s, t, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    g = g + weight_decay * x
    s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["m"] = alpha * s.get("m", 0.0) + (1 - alpha) * g
        v = v - s["m"] ** 2
    step = g / (math.sqrt(v) + eps)
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0.0) + step
        step = s["b"]
    return x - lr * step


def ref_adam(
    x, g, s, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
):
    b1, b2 = betas
    if decoupled:
        x = x * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * x
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = max(s.get("vmax", 0.0), v)
    m_hat, v_hat = s["m"] / (1 - b1**t), v / (1 - b2**t)
    return x - lr * m_hat / (math.sqrt(v_hat) + eps)


def ref_adamw(x, g, s, t, lr, weight_decay=1e-2, **kw):
    return ref_adam(x, g, s, t, lr, weight_decay=weight_decay, decoupled=True, **kw)


REFS = {
    "sgd": ref_sgd,
    "adagrad": ref_adagrad,
    "rmsprop": ref_rmsprop,
    "adam": ref_adam,
    "adamw": ref_adamw,
}

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}),
    ("adagrad", {"lr": 0.2, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "eps": 1e-4}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adam", {"lr": 0.05, "amsgrad": True, "eps": 1e-6}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.05, "betas": [0.5, 0.9], "weight_decay": 0.3, "amsgrad": True}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CASES]


def reference_run(name, kw, n_steps):
    """Params after each of ``n_steps`` steps of the elementwise reference rule."""
    kw = {**OPTIMIZERS[name].defaults(), **kw}
    p = toy_params()
    states = {k: [{} for _ in range(v.size)] for k, v in p.items()}
    history = []
    for t in range(1, n_steps + 1):
        grads = toy_grads(p)
        new = {}
        for k, x in p.items():
            flat = [
                REFS[name](xi, gi, si, t, **kw)
                for xi, gi, si in zip(x.ravel(), grads[k].ravel(), states[k], strict=True)
            ]
            new[k] = np.array(flat).reshape(x.shape)
        p = new
        history.append(p)
    return history


def engine_run(opt: Optimizer, params, n_steps):
    history = []
    for _ in range(n_steps):
        opt.step(toy_grads(params))
        history.append({k: v.copy() for k, v in params.items()})
    return history


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_matches_published_rule_step_by_step(name, kw):
    params = toy_params()
    ours = engine_run(make_optimizer(name, params, **kw), params, 8)
    for step, (got, want) in enumerate(zip(ours, reference_run(name, kw, 8), strict=True)):
        for k in got:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-14, err_msg=f"{step}")


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, kw):
    params = toy_params()
    opt = make_optimizer(name, params, **kw)
    engine_run(opt, params, 3)
    saved = opt.state_dict()
    meta = json.loads(json.dumps({k: v for k, v in saved.items() if k != "state"}))
    assert all(isinstance(a, np.ndarray) for a in saved["state"].values())

    resumed_params = {k: v.copy() for k, v in params.items()}
    resumed = make_optimizer(name, resumed_params, lr=123.0)  # lr comes back from the state
    resumed.load_state_dict({**meta, "state": saved["state"]})
    assert resumed.lr == opt.lr
    want = engine_run(opt, params, 4)
    got = engine_run(resumed, resumed_params, 4)
    for a, b in zip(got, want, strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_float32_stays_float32_in_place_without_temporaries(name, kw):
    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(200, 250)).astype(np.float32)}
    grads = {"w": rng.normal(size=(200, 250)).astype(np.float32)}
    before = grads["w"].copy()
    live = params["w"]
    opt = make_optimizer(name, params, **kw)
    opt.step(grads)  # warm up: first-step branches
    tracemalloc.start()
    opt.step(grads)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < live.nbytes // 10, f"a step allocated {peak} bytes"
    assert params["w"] is live and live.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state["w"].values())
    np.testing.assert_array_equal(grads["w"], before)  # weight decay never edits the grads


def test_lr_is_settable_between_steps():
    params = toy_params()
    opt = make_optimizer("sgd", params, lr=0.1)
    g = toy_grads(params)
    w0 = params["w"].copy()
    opt.lr = 0.5
    opt.step(g)
    np.testing.assert_allclose(params["w"], w0 - 0.5 * g["w"])
    with pytest.raises(BpError):
        opt.lr = -1.0


def test_missing_grad_skips_that_parameter():
    params = toy_params()
    opt = make_optimizer("adam", params, lr=0.1)
    b0 = params["b"].copy()
    opt.step({"w": toy_grads(params)["w"]})
    np.testing.assert_array_equal(params["b"], b0)
    assert opt.steps == {"w": 1, "b": 0}


def test_defaults_are_torchs():
    assert OPTIMIZERS["sgd"].defaults()["lr"] == 1e-3
    assert OPTIMIZERS["adam"].defaults()["betas"] == (0.9, 0.999)
    assert OPTIMIZERS["adamw"].defaults()["weight_decay"] == 1e-2
    assert OPTIMIZERS["rmsprop"].defaults()["alpha"] == 0.99
    assert OPTIMIZERS["adagrad"].defaults()["eps"] == 1e-10


@pytest.mark.parametrize(
    ("name", "kw", "words"),
    [
        ("lbfgs", {}, "unknown optimizer"),
        ("sgd", {"lr": -0.1}, "lr"),
        ("sgd", {"lr": float("nan")}, "lr"),
        ("sgd", {"lr": "fast"}, "lr"),
        ("sgd", {"nesterov": True}, "nesterov"),
        ("sgd", {"momentum": 0.9, "nesterov": True, "dampening": 0.1}, "nesterov"),
        ("sgd", {"betas": (0.9, 0.99)}, "unknown parameter 'betas'"),
        ("sgd", {"momentum": -0.5}, "momentum"),
        ("adam", {"betas": (1.0, 0.999)}, "betas[0]"),
        ("adam", {"betas": (0.9, -0.1)}, "betas[1]"),
        ("adam", {"betas": 0.9}, "betas"),
        ("adamw", {"weight_decay": -1e-2}, "weight_decay"),
        ("adam", {"amsgrad": "yes"}, "amsgrad"),
        ("rmsprop", {"alpha": -0.1}, "alpha"),
        ("rmsprop", {"eps": -1e-8}, "eps"),
        ("adagrad", {"lr_decay": -1.0}, "lr_decay"),
        ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    ],
)
def test_bad_values_are_one_line_errors(name, kw, words):
    with pytest.raises(BpError) as err:
        make_optimizer(name, toy_params(), **kw)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_load_state_dict_refuses_a_mismatch():
    params = toy_params()
    adam = make_optimizer("adam", params)
    with pytest.raises(BpError, match="adam"):
        make_optimizer("sgd", params).load_state_dict(adam.state_dict())
    saved = adam.state_dict()
    saved["state"]["w.exp_avg"] = np.zeros((3, 3))
    with pytest.raises(BpError, match="shape"):
        make_optimizer("adam", params).load_state_dict(saved)
    with pytest.raises(BpError, match="other parameters"):
        make_optimizer("adam", {"w": params["w"]}).load_state_dict(adam.state_dict())


def test_clip_grad_norm_scales_only_above_the_limit():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}
    assert clip_grad_norm(grads, 10.0) == pytest.approx(5.0)
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(grads["a"], [3.0 * coef, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.0], [4.0 * coef]])


# --------------------------------------------------------------------- against torch


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_matches_torch_optim(name, kw):
    torch = pytest.importorskip("torch")
    classes = {
        "sgd": torch.optim.SGD,
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
    }
    params = toy_params()
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tkw = {k: tuple(v) if k == "betas" else v for k, v in kw.items()}
    topt = classes[name](list(tparams.values()), foreach=False, **tkw)
    opt = make_optimizer(name, params, **kw)
    for step in range(6):
        if step == 4:  # a schedule or the user changes lr mid-run
            opt.lr = topt.param_groups[0]["lr"] = kw["lr"] * 0.5
        grads = toy_grads(params)
        for k, t in tparams.items():
            t.grad = torch.from_numpy(grads[k].copy())
        opt.step(grads)
        topt.step()
        for k, t in tparams.items():
            np.testing.assert_allclose(params[k], t.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = {"w": rng.normal(size=(4, 5)), "b": rng.normal(size=(4,))}
    tensors = [torch.zeros(g.shape, dtype=torch.float64) for g in grads.values()]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.from_numpy(g.copy())
    want = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    got = clip_grad_norm(grads, max_norm)
    assert got == pytest.approx(float(want), rel=1e-12)
    for t, g in zip(tensors, grads.values(), strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)
