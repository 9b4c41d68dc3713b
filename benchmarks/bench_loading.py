"""Loading speed: a 1,000,000 x 20 numeric CSV (target < 3 s) and 10,000 small PNGs
(target < 10 s), generated in a temporary folder.

Each figure is the median of ``--repeat`` runs and is printed beside a reference measured
in the same run on the same files: pandas' bare ``read_csv`` + ``to_numpy`` for the CSV,
a one-thread Pillow decode loop for the PNGs. Run: ``python benchmarks/bench_loading.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from bpstudio.data import load_dataset

ROWS, COLS = 1_000_000, 20
IMAGES, CLASSES, SIDE = 10_000, 10, 28
BLOCK = 50_000  # distinct rows formatted once, written ROWS / BLOCK times


def make_csv(path: Path, seed: int = 0) -> None:
    """ROWS x COLS: 19 float features and a float target, 6 significant digits."""
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(4):
        x = rng.standard_normal((BLOCK, COLS)).astype(np.float32)
        blocks.append(pd.DataFrame(x).to_csv(index=False, header=False, float_format="%.6g"))
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(COLS - 1)) + ",target\n")
        for i in range(ROWS // BLOCK):
            f.write(blocks[i % len(blocks)])


def make_pngs(root: Path, seed: int = 0) -> None:
    """IMAGES grayscale SIDE x SIDE PNGs: smooth blobs plus noise, CLASSES folders."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for i in range(IMAGES):
        folder = root / str(i % CLASSES)
        folder.mkdir(parents=True, exist_ok=True)
        cy, cx = rng.uniform(4, SIDE - 4, 2)
        blob = 255 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 30)
        px = np.clip(blob + rng.normal(0, 20, blob.shape), 0, 255).astype(np.uint8)
        Image.fromarray(px, "L").save(folder / f"{i:05d}.png")


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall seconds, median CPU seconds of this process (all threads), last result.

    On a shared machine wall time counts the waits for a core; CPU time does not, so a
    one-thread step's CPU time is close to its wall time on an idle machine.
    """
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def show(label: str, wall: float, cpu: float, ref: float | None = None) -> None:
    ratio = f"  ({wall / ref:.2f}x ref wall)" if ref else ""
    print(f"  {label:<38} wall {wall:6.2f} s  cpu {cpu:6.2f} s{ratio}")


def bench_csv(tmp: Path, repeat: int) -> None:
    path = tmp / "big.csv"
    t = time.perf_counter()
    make_csv(path)
    size = path.stat().st_size / 1e6
    print(f"CSV {ROWS:,} x {COLS}, {size:.0f} MB, generated in {time.perf_counter() - t:.1f} s")
    ref, ref_cpu, _ = timed(lambda: pd.read_csv(path).to_numpy(np.float32), repeat)
    plain = {"source": "csv", "path": path.name}
    full = {**plain, "normalize": "standard", "validation": 0.2}
    t_plain, c_plain, ds = timed(lambda: load_dataset(plain, tmp), repeat)
    t_full, c_full, _ = timed(lambda: load_dataset(full, tmp), repeat)
    assert ds.x_train.shape == (ROWS, COLS - 1)
    show("reference pandas.read_csv + to_numpy", ref, ref_cpu)
    show("load_dataset (no split, no scaling)", t_plain, c_plain, ref)
    show("load_dataset (standard, 20% val)", t_full, c_full, ref)
    print(f"  target < 3 s wall: {'met' if t_full < 3 else 'MISSED'}")


def bench_pngs(tmp: Path, repeat: int) -> None:
    root = tmp / "pngs"
    t = time.perf_counter()
    make_pngs(root)
    print(f"PNG {IMAGES:,} x {SIDE}x{SIDE} grayscale, generated in {time.perf_counter() - t:.1f} s")
    files = sorted(root.glob("*/*.png"))

    def sequential():
        return [np.asarray(Image.open(p).convert("L"), dtype=np.float32) / 255 for p in files]

    ref, ref_cpu, _ = timed(sequential, repeat)
    spec = {"source": "images", "path": "pngs", "color": "grayscale", "normalize": "standard"}
    t_load, c_load, ds = timed(lambda: load_dataset(spec, tmp, progress=lambda i, n: None), repeat)
    assert ds.x_train.shape == (IMAGES, 1, SIDE, SIDE)
    show("reference one-thread Pillow loop", ref, ref_cpu)
    show("load_dataset (threads, standard)", t_load, c_load, ref)
    print(f"  target < 10 s wall: {'met' if t_load < 10 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["csv", "png"])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bpstudio-bench-") as tmp:
        if args.only != "png":
            bench_csv(Path(tmp), args.repeat)
        if args.only != "csv":
            bench_pngs(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
