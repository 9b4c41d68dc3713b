"""Whole-process timings: ``bpstudio train`` against a plain PyTorch script, start-up.

Each run is a fresh interpreter, so Python start-up, imports, reading the .npz and the
final whole-set evaluation are all counted, as a person at a terminal would see them.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _models import synthetic

TORCH_SCRIPT = '''\
"""What a person would write in PyTorch for the same job: load, train, evaluate."""
import json, sys, time
import numpy as np
import torch

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)
with np.load(spec["data"]) as f:
    x, y = torch.from_numpy(f["x"]), torch.from_numpy(f["y"])
mods, shape = [], spec["input_shape"]
for op, p in spec["layers"]:
    if op == "Dense":
        mods.append(torch.nn.Linear(shape[0], p["units"])); shape = [p["units"]]
    elif op == "Conv2D":
        mods.append(torch.nn.Conv2d(shape[0], p["filters"], p["kernel"], padding=p["padding"]))
        shape = [p["filters"], *shape[1:]]
    elif op == "MaxPool2D":
        mods.append(torch.nn.MaxPool2d(p["size"])); shape = [shape[0], shape[1] // 2, shape[2] // 2]
    elif op == "ReLU":
        mods.append(torch.nn.ReLU())
    else:
        mods.append(torch.nn.Flatten()); shape = [int(np.prod(shape))]
model = torch.nn.Sequential(*mods)
opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])
loss_fn = torch.nn.CrossEntropyLoss()
t0 = time.perf_counter()
for epoch in range(spec["epochs"]):
    order = torch.randperm(len(x))
    for s in range(0, len(x), spec["batch"]):
        idx = order[s : s + spec["batch"]]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
seconds = time.perf_counter() - t0
model.eval()
with torch.no_grad():
    total, correct = 0.0, 0
    for s in range(0, len(x), 4096):
        out = model(x[s : s + 4096])
        total += float(loss_fn(out, y[s : s + 4096])) * len(out)
        correct += int((out.argmax(1) == y[s : s + 4096]).sum())
print(json.dumps({"train_loss": total / len(x), "train_accuracy": correct / len(x),
                  "seconds": seconds}))
'''


def write_case(case, folder: Path, samples: int, epochs: int, threads: int) -> dict:
    """Project file, .npz and the torch script in ``folder``; returns the two commands."""
    x, y = synthetic(case, samples)
    data = folder / f"{case_slug(case)}.npz"
    np.savez(data, x=x, y=y)
    nodes = [{"id": "x", "op": "Input", "params": {"shape": list(case.input_shape)}}]
    nodes += [{"id": nid, "op": op, "params": dict(p)} for nid, op, p in case.layers]
    nodes.append({"id": "loss", "op": "CrossEntropyLoss", "params": {}})
    ids = [n["id"] for n in nodes]
    project = {
        "format": "bpstudio-project",
        "version": 1,
        "graph": {"nodes": nodes, "edges": [list(e) for e in zip(ids, ids[1:], strict=False)]},
        "data": {"source": "npz", "path": data.name, "normalize": "none", "validation": 0},
        "training": {
            "epochs": epochs,
            "batch_size": case.batch,
            "optimizer": {"name": "sgd", "lr": case.lr},
            "seed": 0,
            "device": "cpu",
        },
    }
    proj = folder / f"{case_slug(case)}.bpstudio"
    proj.write_text(json.dumps(project, indent=1), encoding="utf-8")
    script = folder / "torch_train.py"
    script.write_text(TORCH_SCRIPT, encoding="utf-8")
    spec = {
        "data": str(data),
        "layers": [[op, p] for _, op, p in case.layers],
        "input_shape": list(case.input_shape),
        "epochs": epochs,
        "batch": case.batch,
        "lr": case.lr,
        "threads": threads,
    }
    return {
        "engine": [*bpstudio_command(), "train", str(proj), "--quiet"],
        "torch": [sys.executable, str(script), json.dumps(spec)],
    }


def case_slug(case) -> str:
    return case.name.split()[0].lower()


def bpstudio_command() -> list[str]:
    """The installed console script where there is one, else ``python -m bpstudio``."""
    exe = shutil.which("bpstudio")
    return [exe] if exe else [sys.executable, "-m", "bpstudio"]


def thread_env(threads: int) -> dict:
    """The environment with every BLAS/OpenMP pool limited to ``threads``."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def timed(cmd: list[str], env: dict | None = None, timeout: float = 600):
    """(wall s, CPU s, last stdout line) of one run; RuntimeError with stderr's tail on
    failure. CPU time (user + system of the child) barely moves when other processes
    share the cores, so it is the steadier figure on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"exit {proc.returncode}: {tail}")
    lines = proc.stdout.strip().splitlines()
    return seconds, cpu, lines[-1] if lines else ""


def startup_commands() -> dict[str, list[str]]:
    """Start-up probes; the bare interpreter is the floor they are read against."""
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import bpstudio.session": [sys.executable, "-c", "import bpstudio.session"],
        "bpstudio examples": [*bpstudio_command(), "examples"],
        "import torch": [sys.executable, "-c", "import torch"],
    }
