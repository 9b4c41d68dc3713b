"""Counting and timing helpers: matrix FLOPs per sample, the BLAS peak, medians."""

from __future__ import annotations

import math
import statistics
import time

import numpy as np


def gemm_flops_per_sample(case) -> int:
    """Multiply-add FLOPs (2 per MAC) of one training step's matrix products, per sample.

    Each Dense/Conv2D layer does three products of the same size (forward, dW, dX),
    except the first layer, whose dX the engine skips (nobody reads it; torch skips it
    too because the input does not require grad).
    """
    shape, total, first = case.input_shape, 0, True
    for _, op, p in case.layers:
        if op == "Dense":
            macs = shape[0] * p["units"]
            shape = (p["units"],)
        elif op == "Conv2D":
            k, c = p["kernel"], shape[0]
            shape = (p["filters"], *shape[1:])  # 'same' padding in both cases
            macs = p["filters"] * c * k * k * shape[1] * shape[2]
        elif op == "MaxPool2D":
            shape = (shape[0], shape[1] // p["size"], shape[2] // p["size"])
            continue
        elif op == "Flatten":
            shape = (math.prod(shape),)
            continue
        else:
            continue
        total += 2 * macs * (2 if first else 3)
        first = False
    return total


def matmul_peak(n: int = 768, repeats: int = 12) -> float:
    """Best float32 GFLOP/s per CPU-second of an (n, n) @ (n, n) product under the
    current BLAS threads: CPU time, like the epochs it is compared with, because wall
    time on a shared machine also counts the other processes' turns."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
    best = math.inf
    for _ in range(repeats):
        t = time.process_time()
        np.matmul(a, b, out=out)
        best = min(best, time.process_time() - t)
    return 2 * n**3 / best / 1e9


def median(values) -> float:
    return statistics.median(values) if values else math.nan


def spread(values) -> str:
    """'median (min-max)' in seconds, for the raw timings line."""
    if not values:
        return "-"
    return f"{median(values):.3f} ({min(values):.3f}-{max(values):.3f})"
