"""The learning-rate finder refuses to read a rate off a flat, noisy curve."""

from __future__ import annotations

import numpy as np

from bpstudio.viz.lr_finder import NO_DESCENT, suggest


def test_a_flat_noisy_curve_gets_no_suggestion():
    rng = np.random.default_rng(0)
    lrs = np.geomspace(1e-6, 1.0, 100)
    losses = 0.69 + 0.03 * rng.standard_normal(100)  # deep_sigmoid's: pure noise
    assert suggest(lrs, losses) == (None, NO_DESCENT)


def test_a_small_but_clean_descent_is_still_read():
    lrs = np.geomspace(1e-6, 1.0, 100)
    rng = np.random.default_rng(1)
    # a 4% fall well above a small noise (the spiral's curve), then a rise
    clean = 1.10 - 0.045 * np.clip((np.log10(lrs) + 4) / 2, 0, 1) + 0.2 * (lrs > 0.3)
    rate, method = suggest(lrs, clean + 0.006 * rng.standard_normal(100))
    assert method == "steepest descent" and 1e-4 < rate < 1e-2


def test_an_early_explosion_still_falls_back_to_a_tenth_of_the_minimum():
    lrs = np.geomspace(1e-3, 1.0, 40)
    losses = np.r_[np.full(5, 0.7), np.geomspace(0.7, 50.0, 35)]  # rises from the start
    rate, method = suggest(lrs, losses)
    assert method == "minimum / 10" and rate is not None
