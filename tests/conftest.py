"""Shared fixtures: the array backends the engine can run on here."""

import numpy as np
import pytest

from bpstudio.engine.backend import get_xp, gpu_status


def _backends():
    ok, reason = gpu_status()
    gpu = pytest.param("gpu", marks=pytest.mark.gpu)
    if not ok:
        gpu = pytest.param("gpu", marks=[pytest.mark.gpu, pytest.mark.skip(reason=reason)])
    return ["cpu", gpu]


@pytest.fixture(params=_backends())
def xp(request):
    """numpy, and cupy where CuPy and a CUDA device are usable (skipped elsewhere)."""
    return get_xp(request.param)


@pytest.fixture
def gpu_xp():
    """cupy, or skip with the reason it is unusable."""
    ok, reason = gpu_status()
    if not ok:
        pytest.skip(reason)
    return get_xp("gpu")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
