"""Every layer: float64 gradcheck over random shapes, torch as a second oracle, the fast
conv/pool kernels against slow loop versions, shape rules and refusals, dtype and
buffer-reuse behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpstudio.engine.layers import (
    GELU,
    LAYERS,
    Add,
    AvgPool2D,
    BatchNorm,
    Concat,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from bpstudio.engine.layers._erf import erf
from bpstudio.errors import GraphError, ShapeError
from tests.engine.helpers import FixedRng, check_layer

SEEDS = [0, 1, 2]


def shape_rng(seed):
    return np.random.default_rng(1000 + seed)


# ------------------------------------------------------------- slow references


def conv_loop(x, w, b, stride, pad):
    """Obviously-correct convolution: one dot product per output element."""
    (sh, sw), (ph, pw) = stride, pad
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    y = np.zeros((n, f, ho, wo))
    for i in range(n):
        for o in range(f):
            for a in range(ho):
                for bb in range(wo):
                    win = xp[i, :, a * sh : a * sh + kh, bb * sw : bb * sw + kw]
                    y[i, o, a, bb] = np.sum(win * w[o]) + (b[o] if b is not None else 0)
    return y


def conv_loop_backward(x, w, dy, stride, pad):
    """(dx, dw, db) by accumulating each output element's contribution."""
    (sh, sw), (ph, pw) = stride, pad
    n, c, h, wd = x.shape
    _, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i, o, a, bb in np.ndindex(*dy.shape):
        rows, cols = slice(a * sh, a * sh + kh), slice(bb * sw, bb * sw + kw)
        dxp[i, :, rows, cols] += dy[i, o, a, bb] * w[o]
        dw[o] += dy[i, o, a, bb] * xp[i, :, rows, cols]
    return dxp[:, :, ph : ph + h, pw : pw + wd], dw, dy.sum(axis=(0, 2, 3))


def pool_loop(x, size, stride, kind):
    """(y, dx for dy = 1 everywhere): max gives the first maximum in row-major order."""
    (kh, kw), (sh, sw) = size, stride
    n, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    y, dx = np.zeros((n, c, ho, wo)), np.zeros_like(x)
    for i, ch, a, b in np.ndindex(n, c, ho, wo):
        win = x[i, ch, a * sh : a * sh + kh, b * sw : b * sw + kw]
        if kind == "max":
            k = int(np.argmax(win))  # argmax returns the first maximum
            y[i, ch, a, b] = win.flat[k]
            dx[i, ch, a * sh + k // kw, b * sw + k % kw] += 1
        else:
            y[i, ch, a, b] = win.mean()
            dx[i, ch, a * sh : a * sh + kh, b * sw : b * sw + kw] += 1 / (kh * kw)
    return y, dx


# --------------------------------------------------------------------- Dense


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bias", [True, False])
def test_dense(seed, bias):
    r = shape_rng(seed)
    n, fin, units = (int(v) for v in r.integers(1, 7, size=3))

    def torch_fn(t, xs, p, b):
        return t.nn.functional.linear(xs[0], p["weight"], p.get("bias"))

    layer = check_layer(lambda: Dense(units=units, bias=bias), [(n, fin)], torch_fn, seed=seed)
    assert layer.params["weight"].shape == (units, fin)
    assert ("bias" in layer.params) == bias


# -------------------------------------------------------------------- Conv2D

CONV_CASES = [
    # (C, H, W, filters, kernel, stride, padding)
    (2, 7, 6, 3, 3, 2, 1),
    (3, 5, 5, 2, [2, 3], 1, 0),
    (1, 8, 7, 2, 3, [2, 1], [1, 2]),
    (2, 6, 6, 4, 1, 1, 0),
    (2, 5, 4, 2, 5, 3, 2),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck_and_torch(case):
    c, h, w, f, k, s, p = case

    def torch_fn(t, xs, prm, b):
        return t.nn.functional.conv2d(xs[0], prm["weight"], prm["bias"], stride=s, padding=p)

    check_layer(lambda: Conv2D(filters=f, kernel=k, stride=s, padding=p), [(2, c, h, w)], torch_fn)


@pytest.mark.parametrize("case", [*CONV_CASES, (1, 6, 7, 8, 3, 1, 1), (2, 5, 5, 16, 2, 1, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("first_layer", [False, True])
def test_conv2d_matches_loop(case, dtype, first_layer):
    """Both column layouts (wide rows, plain windows) and both backward paths (with and
    without the input gradient, as for a first layer) against the loop version."""
    c, h, w, f, k, s, p = case
    rng = np.random.default_rng(3)
    layer = Conv2D(filters=f, kernel=k, stride=s, padding=p)
    layer.build([(c, h, w)], np, dtype, rng)
    layer.needs_input_grad = [not first_layer]
    x = rng.standard_normal((3, c, h, w)).astype(dtype)
    wt, b = layer.params["weight"].astype(np.float64), layer.params["bias"].astype(np.float64)
    y = layer.forward([x])
    assert y.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, conv_loop(x, wt, b, layer.stride, layer.padding), atol=tol)
    dy = rng.standard_normal(y.shape).astype(dtype)
    (dx,) = layer.backward(dy)
    rdx, rdw, rdb = conv_loop_backward(x.astype(np.float64), wt, dy, layer.stride, layer.padding)
    if first_layer:
        assert dx is None
    else:
        np.testing.assert_allclose(dx, rdx, atol=tol * 10)
    np.testing.assert_allclose(layer.grads["weight"], rdw, atol=tol * 10)
    np.testing.assert_allclose(layer.grads["bias"], rdb, atol=tol * 10)


@pytest.mark.parametrize("seed", range(6))
def test_conv2d_random_shapes(seed):
    r = shape_rng(seed)
    k = (int(r.integers(1, 4)), int(r.integers(1, 4)))
    s = (int(r.integers(1, 3)), int(r.integers(1, 3)))
    p = (int(r.integers(0, 2)), int(r.integers(0, 2)))
    c, f = int(r.integers(1, 4)), int(r.integers(1, 4))
    h, w = (int(v) for v in r.integers(max(k), 8, size=2))

    def torch_fn(t, xs, prm, b):
        return t.nn.functional.conv2d(xs[0], prm["weight"], prm["bias"], stride=s, padding=p)

    check_layer(
        lambda: Conv2D(filters=f, kernel=list(k), stride=list(s), padding=list(p)),
        [(int(r.integers(1, 4)), c, h, w)],
        torch_fn,
        seed=seed,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cls,kind", [(MaxPool2D, "max"), (AvgPool2D, "avg")])
def test_pool_random_shapes(seed, cls, kind):
    r = shape_rng(seed)
    size = [int(v) for v in r.integers(1, 4, size=2)]
    stride = [int(v) for v in r.integers(1, 4, size=2)]
    h, w = (int(v) for v in r.integers(max(size), 9, size=2))
    check_layer(
        lambda: cls(size=size, stride=stride),
        [(2, 2, h, w)],
        _torch_pool(kind, size, stride),
        seed=seed,
    )


def test_conv2d_eval_mode_and_non_contiguous_input():
    rng = np.random.default_rng(0)
    layer = Conv2D(filters=3, kernel=3)
    layer.build([(2, 6, 5)], np, np.float64, rng)
    x = rng.standard_normal((2, 2, 5, 6)).transpose(0, 1, 3, 2)  # a view, not C-contiguous
    want = conv_loop(x, layer.params["weight"], layer.params["bias"], (1, 1), (0, 0))
    np.testing.assert_allclose(layer.forward([x]), want, atol=1e-12)
    layer.training = False
    np.testing.assert_allclose(layer.forward([x]), want, atol=1e-12)


def test_conv2d_second_batch_reuses_buffers_correctly():
    rng = np.random.default_rng(0)
    layer = Conv2D(filters=2, kernel=3, padding=1)
    layer.build([(1, 5, 5)], np, np.float64, rng)
    x1, x2 = rng.standard_normal((2, 2, 1, 5, 5))
    layer.forward([x1])
    y2 = np.array(layer.forward([x2]))
    w, b = layer.params["weight"], layer.params["bias"]
    np.testing.assert_allclose(y2, conv_loop(x2, w, b, (1, 1), (1, 1)), atol=1e-12)


# ------------------------------------------------------------------- pooling

POOL_CASES = [
    # (H, W, size, stride): overlapping, non-overlapping, ragged edges, rectangular
    (7, 7, 3, 2),
    (6, 6, 2, None),
    (7, 5, 2, None),
    (6, 7, [2, 3], [1, 2]),
    (5, 5, 3, 1),
]


def _torch_pool(kind, size, stride):
    def fn(t, xs, p, b):
        f = t.nn.functional.max_pool2d if kind == "max" else t.nn.functional.avg_pool2d
        return f(xs[0], size, stride)

    return fn


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("cls,kind", [(MaxPool2D, "max"), (AvgPool2D, "avg")])
def test_pool_gradcheck_and_torch(case, cls, kind):
    h, w, size, stride = case
    check_layer(
        lambda: cls(size=size, stride=stride), [(2, 2, h, w)], _torch_pool(kind, size, stride)
    )


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("cls,kind", [(MaxPool2D, "max"), (AvgPool2D, "avg")])
def test_pool_matches_loop_with_ties(case, cls, kind):
    h, w, size, stride = case
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(2, 3, h, w)).astype(np.float32)  # many ties
    layer = cls(size=size, stride=stride)
    layer.build([x.shape[1:]], np, np.float32, rng)
    y = layer.forward([x])
    (dx,) = layer.backward(np.ones_like(y))
    ry, rdx = pool_loop(x, layer.size, layer.stride, kind)
    np.testing.assert_allclose(y, ry, rtol=1e-6)
    np.testing.assert_allclose(dx, rdx, rtol=1e-6)


def test_maxpool_ties_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).integers(0, 2, size=(2, 2, 7, 7)).astype(np.float64)
    layer = MaxPool2D(size=3, stride=2)
    layer.build([x.shape[1:]], np, np.float64, np.random.default_rng(0))
    y = layer.forward([x])
    (dx,) = layer.backward(np.ones_like(y))
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 3, 2).sum().backward()
    np.testing.assert_array_equal(dx, tx.grad.numpy())


# ----------------------------------------------------------------- BatchNorm


def _torch_bn(training):
    def fn(t, xs, p, b):
        return t.nn.functional.batch_norm(
            xs[0],
            b["running_mean"],
            b["running_var"],
            p["weight"],
            p["bias"],
            training=training,
            momentum=0.1,
            eps=1e-5,
        )

    return fn


@pytest.mark.parametrize("shape", [(5, 4), (3, 2, 4, 4), (2, 3, 1, 1), (7, 1)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm(shape, training):
    def make():
        bn = BatchNorm()
        return bn

    layer = check_layer(make, [shape], _torch_bn(training), training=training)
    assert set(layer.buffers) == {"running_mean", "running_var"}


def test_batchnorm_eval_uses_updated_running_stats_like_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.normal(3.0, 2.0, size=(8, 3, 4, 4)).astype(np.float32)
    bn = BatchNorm(momentum=0.3)
    bn.build([x.shape[1:]], np, np.float32, rng)
    tbn = torch.nn.BatchNorm2d(3, momentum=0.3)
    for _ in range(3):
        bn.forward([x])
        tbn(torch.tensor(x))
    np.testing.assert_allclose(bn.buffers["running_var"], tbn.running_var.numpy(), rtol=1e-5)
    bn.training = False
    tbn.eval()
    y = bn.forward([x])
    np.testing.assert_allclose(y, tbn(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_batchnorm_refuses_single_value_per_channel():
    bn = BatchNorm()
    bn.build([(3,)], np, np.float32, np.random.default_rng(0))
    with pytest.raises(Exception, match="more than 1 value"):
        bn.forward([np.ones((1, 3), np.float32)])


# --------------------------------------------------------------- activations

ACTIVATIONS = [
    (ReLU, {}, lambda t, x: t.relu(x)),
    (LeakyReLU, {"slope": 0.2}, lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    (LeakyReLU, {"slope": 1.5}, lambda t, x: t.nn.functional.leaky_relu(x, 1.5)),
    (LeakyReLU, {"slope": -0.3}, lambda t, x: t.nn.functional.leaky_relu(x, -0.3)),
    (Sigmoid, {}, lambda t, x: t.sigmoid(x)),
    (Tanh, {}, lambda t, x: t.tanh(x)),
    (GELU, {}, lambda t, x: t.nn.functional.gelu(x)),
    (Softmax, {}, lambda t, x: t.softmax(x, dim=1)),
]


@pytest.mark.parametrize("cls,kw,tfn", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 3, 2)])
def test_activation(cls, kw, tfn, shape):
    check_layer(lambda: cls(**kw), [shape], lambda t, xs, p, b: tfn(t, xs[0]))


def test_gelu_large_inputs_and_torch_float32():
    torch = pytest.importorskip("torch")
    x = np.linspace(-12, 12, 1001, dtype=np.float32).reshape(1, -1)
    g = GELU()
    g.build([x.shape[1:]], np, np.float32, np.random.default_rng(0))
    y = g.forward([x])
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, torch.nn.functional.gelu(torch.tensor(x)).numpy(), atol=2e-6)


def test_sigmoid_is_stable_for_huge_inputs():
    s = Sigmoid()
    s.build([(3,)], np, np.float32, np.random.default_rng(0))
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is the right answer
        y = s.forward([np.array([[-1e4, 0.0, 1e4]], np.float32)])
    np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0]])


def test_erf_matches_math_erf():
    x = np.linspace(-9, 9, 20001)
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(np, x), ref, rtol=0, atol=2e-15)


# ------------------------------------------------------ shape and routing ops


def test_flatten():
    check_layer(Flatten, [(2, 3, 2, 2)], lambda t, xs, p, b: xs[0].flatten(1))
    assert Flatten().output_shape([(3, 4, 5)]) == (60,)


@pytest.mark.parametrize("n", [2, 3])
def test_add(n):
    check_layer(Add, [(3, 4)] * n, lambda t, xs, p, b: sum(xs))


@pytest.mark.parametrize("shapes", [[(2, 3), (2, 5)], [(2, 1, 3, 2), (2, 4, 3, 2), (2, 2, 3, 2)]])
def test_concat(shapes):
    check_layer(Concat, shapes, lambda t, xs, p, b: t.cat(xs, dim=1))


def test_dropout_with_fixed_mask():
    u = np.random.default_rng(9).random((4, 6))

    def make():
        d = Dropout(rate=0.4)
        d.rng = FixedRng(u)
        return d

    mask = (u >= 0.4) / 0.6
    check_layer(make, [(4, 6)], lambda t, xs, p, b: xs[0] * t.tensor(mask))


def test_dropout_statistics_and_eval_identity():
    d = Dropout(rate=0.25)
    d.build([(1000,)], np, np.float32, np.random.default_rng(0))
    x = np.ones((100, 1000), np.float32)
    y = d.forward([x])
    assert y.dtype == np.float32
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.75)}
    d.training = False
    assert d.forward([x]) is x


# ------------------------------------------------------------ shape rules


@pytest.mark.parametrize(
    "layer,shapes,match",
    [
        (Dense(units=3), [(2, 4)], "flat"),
        (Conv2D(filters=2, kernel=5), [(1, 3, 3)], "larger"),
        (Conv2D(filters=2), [(4,)], r"image \(C, H, W\)"),
        (MaxPool2D(size=4), [(1, 3, 3)], "larger"),
        (Add(), [(3,), (4,)], "one shape"),
        (Add(), [(3,)], "2 or more"),
        (Concat(), [(3, 2, 2), (3, 3, 2)], "axis 1"),
        (ReLU(), [(3,), (3,)], "needs 1 input"),
        (BatchNorm(), [(2, 3)], "features"),
    ],
)
def test_shape_errors(layer, shapes, match):
    with pytest.raises(ShapeError, match=match):
        layer.output_shape(shapes)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Dense(units=0),
        lambda: Dense(units=2.5),
        lambda: Dense(units=3, init="glorot"),
        lambda: Conv2D(filters=2, kernel=[3, 3, 3]),
        lambda: Conv2D(filters=2, padding=-1),
        lambda: MaxPool2D(size=0),
        lambda: Dropout(rate=1.0),
        lambda: LeakyReLU(slope="x"),
        lambda: BatchNorm(eps=0),
    ],
)
def test_bad_constructor_values(make):
    with pytest.raises(GraphError) as info:
        make()
    assert "\n" not in str(info.value)


def test_output_shapes():
    assert Conv2D(filters=8, kernel=3, padding=1).output_shape([(1, 28, 28)]) == (8, 28, 28)
    assert Conv2D(filters=4, kernel=3, stride=2).output_shape([(3, 8, 8)]) == (4, 3, 3)
    assert MaxPool2D(size=2).output_shape([(8, 28, 28)]) == (8, 14, 14)
    assert AvgPool2D(size=3, stride=2).output_shape([(2, 7, 7)]) == (2, 3, 3)
    assert Concat().output_shape([(2, 5, 5), (3, 5, 5)]) == (5, 5, 5)


def test_layers_registry_names_every_op():
    ops = {
        "Dense",
        "Conv2D",
        "MaxPool2D",
        "AvgPool2D",
        "Flatten",
        "Dropout",
        "BatchNorm",
        "ReLU",
        "LeakyReLU",
        "Sigmoid",
        "Tanh",
        "GELU",
        "Softmax",
        "Add",
        "Concat",
    }
    assert set(LAYERS) == ops
    assert all(LAYERS[name].__name__ == name for name in ops)


# ------------------------------------------------------ dtypes and buffers


def _built(name, shapes):
    kwargs = {"Dense": {"units": 3}, "Conv2D": {"filters": 2, "padding": 1}}.get(name, {})
    layer = LAYERS[name](**kwargs)
    layer.build([s[1:] for s in shapes], np, np.float32, np.random.default_rng(0))
    return layer


SAMPLE_SHAPES = {
    "Dense": [(4, 5)],
    "Conv2D": [(2, 3, 5, 5)],
    "MaxPool2D": [(2, 3, 4, 4)],
    "AvgPool2D": [(2, 3, 4, 4)],
    "Flatten": [(2, 3, 2, 2)],
    "BatchNorm": [(4, 3, 2, 2)],
    "Add": [(4, 5), (4, 5)],
    "Concat": [(4, 5), (4, 2)],
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_float32_stays_float32(name):
    shapes = SAMPLE_SHAPES.get(name, [(4, 5)])
    layer = _built(name, shapes)
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    y = layer.forward(xs)
    assert y.dtype == np.float32
    grads = layer.backward(np.ones_like(y))
    assert all(g is None or g.dtype == np.float32 for g in grads)
    assert all(g.dtype == np.float32 for g in layer.grads.values())


@pytest.mark.parametrize("name", ["Dense", "Conv2D", "MaxPool2D", "ReLU"])
def test_eval_outputs_are_fresh_arrays(name):
    shapes = SAMPLE_SHAPES.get(name, [(4, 5)])
    layer = _built(name, shapes)
    layer.training = False
    x = np.random.default_rng(1).standard_normal(shapes[0]).astype(np.float32)
    a = layer.forward([x])
    b = layer.forward([x * 2])
    assert not np.shares_memory(a, b)


def test_needs_input_grad_skips_the_data_gradient():
    layer = _built("Dense", [(4, 5)])
    layer.needs_input_grad = [False]
    y = layer.forward([np.ones((4, 5), np.float32)])
    assert layer.backward(np.ones_like(y)) == [None]
    assert float(np.abs(layer.grads["weight"]).sum()) > 0
