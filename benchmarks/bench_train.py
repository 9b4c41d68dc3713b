"""Training speed of the engine against PyTorch (CPU), as one table.

    python3 benchmarks/bench_train.py [--quick] [--threads 1,2] [--json FILE]

For each case (an MLP and a small CNN, see _models.py) the engine and PyTorch run in
their own long-lived processes on the same synthetic data from the same initial weights;
their first losses must agree. Epochs alternate between the two (engine, torch, engine,
...) and the table shows medians, with each BLAS thread count asked for. Then: what the
app's statistics cost, ``bpstudio train`` as a whole process against a plain PyTorch
script, start-up times, and the NumPy matmul peak under each OpenBLAS kernel choice.
Timings are never asserted anywhere: the machine is shared, read ratios as +-15%.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules beside us

import numpy as np  # noqa: E402
from _measure import gemm_flops_per_sample, median, spread  # noqa: E402
from _models import CASES  # noqa: E402
from _process import startup_commands, thread_env, timed, write_case  # noqa: E402
from _workers import serve  # noqa: E402

LOSS_STEPS = 5
ENGINE_MODES = ("bare", "trainer", "stats")


def torch_version() -> str | None:
    """torch's version without importing it here (it must not share our process)."""
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return version("torch")
    except Exception:
        return None


class Worker:
    """A framework's process; ``ask`` sends a command and returns its answer."""

    def __init__(self, framework: str, case_key: str, samples: int):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(child, framework, case_key, samples))
        self.proc.start()

    def ask(self, *cmd):
        self.conn.send(cmd)
        status, value = self.conn.recv()
        if status != "ok":
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        self.conn.send(("quit",))
        self.proc.join(timeout=30)


# ------------------------------------------------------------------ in-process runs
def run_case(case_key: str, args, with_torch: bool) -> dict:
    """Loss agreement and interleaved epoch timings of one case, per thread count."""
    case = CASES[case_key]
    samples = case.samples // args.scale
    engine = Worker("engine", case_key, samples)
    torch = Worker("torch", case_key, samples) if with_torch else None
    try:
        out = {"samples": samples, "loss_diff": None, "threads": {}}
        if torch is not None:
            ours, theirs = engine.ask("losses", LOSS_STEPS), torch.ask("losses", LOSS_STEPS)
            out["losses"] = [ours, theirs]
            out["loss_diff"] = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        for threads in args.threads:
            out["threads"][threads] = time_epochs(engine, torch, threads, args)
            print(f"  ({case_key}, {threads} thread(s) measured)", file=sys.stderr, flush=True)
        return out
    finally:
        engine.close()
        if torch is not None:
            torch.close()


def time_epochs(engine: Worker, torch: Worker | None, threads: int, args) -> dict:
    """Interleaved epochs (after one warm-up each): wall and CPU seconds per mode, and the
    matmul peak. Stops repeating once ``args.budget`` seconds are spent (two at least):
    with another busy process, two BLAS threads on two cores can run 10x slower."""
    times = {m: {"wall": [], "cpu": []} for m in (*ENGINE_MODES, "torch")}
    peaks, start = [], time.perf_counter()
    for r in range(args.repeats + 1):
        for mode in ENGINE_MODES:
            record(times[mode], engine.ask("epoch", threads, mode), r)
            if torch is not None and mode == "trainer":
                record(times["torch"], torch.ask("epoch", threads, ""), r)
        peaks.append(engine.ask("peak", threads))
        if r >= 2 and time.perf_counter() - start > args.budget:
            break
    return {"times": times, "peak": max(peaks)}


def record(into: dict, wall_cpu: tuple[float, float], repeat: int) -> None:
    if repeat:  # repeat 0 is the warm-up
        into["wall"].append(wall_cpu[0])
        into["cpu"].append(wall_cpu[1])


# ------------------------------------------------------------------ process runs
def run_processes(args, with_torch: bool) -> dict:
    """``bpstudio train`` vs the torch script, 3 epochs, 1 thread, interleaved runs."""
    out = {}
    env = thread_env(1)
    fws = ("engine", "torch") if with_torch else ("engine",)
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.cases:
            case = CASES[key]
            cmds = write_case(case, Path(tmp), case.samples // args.scale, 3, 1)
            res = {fw: {"wall": [], "cpu": [], "train": []} for fw in fws}
            res["error"] = None
            for _ in range(args.process_repeats):
                for fw in fws:
                    try:
                        wall, cpu, last = timed(cmds[fw], env)
                    except Exception as exc:
                        res["error"] = f"{fw}: {exc}"
                        continue
                    res[fw]["wall"].append(wall)
                    res[fw]["cpu"].append(cpu)
                    res[fw]["train"].append(json.loads(last).get("seconds", math.nan))
            out[key] = res
    return out


def run_startup(repeats: int) -> dict:
    """Command -> (median wall s, median CPU s), or the error text."""
    out = {}
    for name, cmd in startup_commands().items():
        walls, cpus = [], []
        try:
            for _ in range(repeats):
                wall, cpu, _ = timed(cmd)
                walls.append(wall)
                cpus.append(cpu)
        except Exception as exc:
            out[name] = str(exc)
            continue
        out[name] = (median(walls), median(cpus))
    return out


PEAK_SNIPPET = (
    "import sys, threadpoolctl; sys.path.insert(0, sys.argv[1]); from _measure import "
    "matmul_peak\nwith threadpoolctl.threadpool_limits(1):\n  p = matmul_peak(repeats=40)\n"
    "print(threadpoolctl.threadpool_info()[0].get('architecture'), p)"
)


def run_coretypes() -> dict:
    """1-thread matmul peak with the OpenBLAS kernel forced to Haswell, and auto-detected
    (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in that child process only)."""
    out = {}
    here = str(Path(__file__).resolve().parent)
    for label, forced in (("OPENBLAS_CORETYPE=Haswell", True), ("auto-detected", False)):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
        if forced:
            env["OPENBLAS_CORETYPE"] = "Haswell"
        proc = subprocess.run(
            [sys.executable, "-c", PEAK_SNIPPET, here], capture_output=True, text=True, env=env
        )
        arch, _, peak = proc.stdout.strip().rpartition(" ")
        out[label] = (arch, float(peak)) if proc.returncode == 0 else (proc.stderr[-200:], 0.0)
    return out


# ------------------------------------------------------------------------ report
def machine() -> str:
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tv = torch_version() or "not installed"
    core = os.environ.get("OPENBLAS_CORETYPE", "unset")
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, torch {tv}; OPENBLAS_CORETYPE={core}"
    )


def num(value: float, spec: str, unit: str = "") -> str:
    """``value`` formatted, or '-' where it is missing (no PyTorch: NaN)."""
    return "-" if math.isnan(value) else f"{value:{spec}}{unit}"


def print_speed(results: dict, args) -> None:
    print("\n## Epoch time, engine (Trainer, no stats) vs PyTorch, medians\n")
    print(
        "| case | threads | engine samples/s | torch samples/s | engine/torch time (wall) | "
        "(CPU) | engine GFLOP/s per CPU-second (% of 1-thread peak) | torch GFLOP/s per "
        "CPU-second | 1-thread matmul peak GFLOP/s per CPU-second |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for key, res in results.items():
        case, n = CASES[key], res["samples"]
        gflop = gemm_flops_per_sample(case) * n / 1e9
        # Matrix work per CPU-second against one core's peak: the steady figure on a
        # shared machine (for 2 threads it counts both threads' time, spinning included).
        peak = res["threads"].get(1, next(iter(res["threads"].values())))["peak"]
        for threads, t in res["threads"].items():
            eng, tor = t["times"]["trainer"], t["times"]["torch"]
            te, tt = median(eng["wall"]), median(tor["wall"])
            ce, ct = median(eng["cpu"]), median(tor["cpu"])
            print(
                f"| {case.name} b{case.batch}, {n:,} samples | {threads} | {n / te:,.0f} | "
                f"{num(n / tt, ',.0f')} | {num(te / tt, '.2f', 'x')} | "
                f"{num(ce / ct, '.2f', 'x')} | "
                f"{gflop / ce:.1f} ({100 * gflop / ce / peak:.0f}%) | {num(gflop / ct, '.1f')} | "
                f"{peak:.0f} |"
            )
    print()
    print_collapse(results)
    for key, res in results.items():
        if res["loss_diff"] is not None:
            ours, theirs = res["losses"]
            print(
                f"{CASES[key].name}: first {LOSS_STEPS} losses engine {ours[0]:.5f}..."
                f"{ours[-1]:.5f}, torch {theirs[0]:.5f}...{theirs[-1]:.5f}; "
                f"max |difference| {res['loss_diff']:.2e}"
            )
    if args.verbose:
        for key, res in results.items():
            for threads, t in res["threads"].items():
                raw = ", ".join(f"{m} {spread(v['wall'])}" for m, v in t["times"].items())
                print(f"  wall s, median (min-max): {key}, {threads} threads: {raw}")


def print_collapse(results: dict) -> None:
    """Say so where more BLAS threads made an epoch much slower (a busy core)."""
    for key, res in results.items():
        walls = {t: r["times"]["trainer"]["wall"] for t, r in res["threads"].items()}
        if 1 not in walls:
            continue
        for threads, w in walls.items():
            slower = median(w) / median(walls[1])
            if threads > 1 and slower > 2:
                print(
                    f"Note: {CASES[key].name} with {threads} threads took {slower:.0f}x the "
                    f"1-thread epoch time: its BLAS threads wait for a core another process "
                    f"holds (os.getloadavg() now: {os.getloadavg()[0]:.1f})."
                )


def print_stats(results: dict) -> None:
    print("\n## What the app's statistics cost (engine epoch CPU seconds, medians)\n")
    print(
        "| case | threads | bare loop | Trainer, no stats | Trainer, grad norms + "
        "histograms every 0.25 s | stats overhead | Trainer vs bare |"
    )
    print("|---|---|---|---|---|---|---|")
    for key, res in results.items():
        for threads, t in res["threads"].items():
            bare, plain, stats = (median(t["times"][m]["cpu"]) for m in ENGINE_MODES)
            print(
                f"| {CASES[key].name} | {threads} | {bare:.3f} | {plain:.3f} | {stats:.3f} | "
                f"{100 * (stats / plain - 1):+.1f}% | {100 * (plain / bare - 1):+.1f}% |"
            )


def print_processes(results: dict) -> None:
    print("\n## Whole process, 3 epochs, 1 thread: `bpstudio train` vs a PyTorch script\n")
    print(
        "| case | bpstudio train s (CPU s) | torch script s (CPU s) | ratio wall | ratio CPU | "
        "training s inside (bpstudio / torch) |"
    )
    print("|---|---|---|---|---|---|")
    for key, res in results.items():
        e, t = res["engine"], res.get("torch", {"wall": [], "cpu": [], "train": []})
        ew, ec, tw, tc = (median(v) for v in (e["wall"], e["cpu"], t["wall"], t["cpu"]))
        print(
            f"| {CASES[key].name} | {ew:.2f} ({ec:.2f}) | {num(tw, '.2f')} ({num(tc, '.2f')}) | "
            f"{num(ew / tw, '.2f', 'x')} | {num(ec / tc, '.2f', 'x')} | "
            f"{median(e['train']):.2f} / {num(median(t['train']), '.2f')} |"
        )
        if res["error"]:
            print(f"\n(failed: {res['error']})\n")


def print_startup(startup: dict, coretypes: dict) -> None:
    print("\n## Start-up of a fresh process (medians)\n")
    print("| command | wall s | CPU s |\n|---|---|---|")
    for name, v in startup.items():
        if isinstance(v, tuple):
            print(f"| `{name}` | {v[0]:.3f} | {v[1]:.3f} |")
        else:
            print(f"| `{name}` | failed: {v} | |")
    print("\n## NumPy float32 matmul peak, 1 thread, per CPU-second, by OpenBLAS kernel\n")
    print("| setting | kernel | GFLOP/s |\n|---|---|---|")
    for label, (arch, peak) in coretypes.items():
        print(f"| {label} | {arch} | {peak:.0f} |")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a fifth of the data, fewer repeats")
    p.add_argument("--threads", default="1,2", help="BLAS thread counts, e.g. 1,2")
    p.add_argument("--cases", default="mlp,cnn", help="comma-separated: mlp, cnn")
    p.add_argument("--no-process", action="store_true", help="skip the whole-process runs")
    p.add_argument("--budget", type=float, help="seconds per case and thread count")
    p.add_argument("--json", help="also write every timing to this file")
    p.add_argument("-v", "--verbose", action="store_true", help="raw timings too")
    args = p.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",")]
    args.cases = [c.strip() for c in args.cases.split(",")]
    args.scale = 5 if args.quick else 1
    args.repeats = 3 if args.quick else 5
    args.process_repeats = 1 if args.quick else 3
    args.budget = args.budget or (20 if args.quick else 90)
    return args


def main(argv=None) -> int:
    args = parse(argv)
    with_torch = torch_version() is not None
    print(f"# bench_train{' --quick' if args.quick else ''}\n\n{machine()}")
    results = {key: run_case(key, args, with_torch) for key in args.cases}
    print_speed(results, args)
    print_stats(results)
    processes = {} if args.no_process else run_processes(args, with_torch)
    if processes:
        print_processes(processes)
    startup, coretypes = run_startup(3 if args.quick else 5), run_coretypes()
    print_startup(startup, coretypes)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"speed": results, "process": processes, "startup": startup}, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
