"""One oracle helper for every layer test: finite differences always, torch when present.

``check_layer`` runs ``gradcheck_layer`` (float64 central differences on a random linear
functional of the output) and, when torch imports, the same forward and backward
through a torch function, comparing the output, every input gradient, every parameter
gradient and every buffer (running statistics) after the pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.engine.gradcheck import gradcheck_layer


class FixedRng:
    """A stand-in ``xp.random`` generator whose every draw is the same array."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def random(self, size, dtype=np.float64):
        assert tuple(size) == self.values.shape
        return self.values.astype(dtype)


def check_layer(make_layer, in_shapes, torch_fn=None, *, training=True, seed=0, tol=1e-6):
    """Gradcheck ``make_layer()`` on inputs of ``in_shapes`` (batch first); then torch.

    torch_fn(torch, xs, params, buffers) -> output tensor, where xs and params are
    float64 tensors requiring grad and buffers are tensors it may update in place.
    Returns the layer (built, float64).
    """
    rng = np.random.default_rng(seed)
    layer = make_layer()
    layer.training = training
    errors = gradcheck_layer(layer, in_shapes, rng)
    assert errors and max(errors.values()) < tol, errors
    if torch_fn is not None:
        _compare_with_torch(layer, in_shapes, torch_fn, rng)
    return layer


def _compare_with_torch(layer, in_shapes, torch_fn, rng):
    torch = pytest.importorskip("torch")
    before = {k: v.copy() for k, v in layer.buffers.items()}
    xs = [rng.standard_normal(s) for s in in_shapes]
    y = np.array(layer.forward(xs))
    r = rng.standard_normal(y.shape)
    dxs = layer.backward(r)

    txs = [torch.tensor(x, requires_grad=True) for x in xs]
    tps = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    tbs = {k: torch.tensor(v) for k, v in before.items()}
    ty = torch_fn(torch, txs, tps, tbs)
    (ty * torch.tensor(r)).sum().backward()

    close = {"rtol": 1e-9, "atol": 1e-10}
    np.testing.assert_allclose(y, ty.detach().numpy(), **close, err_msg="output")
    for i, (dx, tx) in enumerate(zip(dxs, txs, strict=True)):
        if dx is not None:
            np.testing.assert_allclose(dx, tx.grad.numpy(), **close, err_msg=f"input{i}")
    for k, tp in tps.items():
        np.testing.assert_allclose(layer.grads[k], tp.grad.numpy(), **close, err_msg=k)
    for k, tb in tbs.items():
        np.testing.assert_allclose(layer.buffers[k], tb.numpy(), **close, err_msg=k)
