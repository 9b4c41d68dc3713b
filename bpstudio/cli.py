"""The command line: ``bpstudio [PROJECT]`` opens the app; subcommands work headless.

Exit status: 0 success, 2 bad input (one line on stderr naming the file or node and the
problem), 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path

from threadpoolctl import threadpool_limits

from bpstudio.errors import BpError, GraphError
from bpstudio.fsutil import atomic_write_text

COMMANDS = ("train", "predict", "export", "gradcheck", "examples")


class UsageError(BpError):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 by itself; keep it to one line
        command = self.prog.removeprefix("bpstudio").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def _at_least(lo: int):
    """An argparse type: a whole number >= lo (the project file's own rule)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {lo}, got {text!r}")
        return value

    return parse


_whole, _counting = _at_least(0), _at_least(1)


def _positive(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def _add_train_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", nargs="?", help="a .bpstudio file (default: built-in example)")
    p.add_argument("--data", help="dataset path: .csv, .npz or a folder of class folders")
    p.add_argument("--target", help="the CSV column to predict")
    p.add_argument("--epochs", type=_whole)
    p.add_argument("--batch-size", type=_whole, help="0 = full batch")
    p.add_argument("--optimizer", help="sgd, adam, adamw, rmsprop or adagrad")
    p.add_argument("--lr", type=_positive)
    p.add_argument("--seed", type=_whole)
    p.add_argument("--device", choices=("cpu", "gpu", "auto"))
    p.add_argument("--save-weights", metavar="FILE", help=".safetensors or .npz")
    p.add_argument("--load-weights", metavar="FILE", help="start from saved weights")
    p.add_argument("--onnx", metavar="FILE", help="also export the trained model to ONNX")
    p.add_argument("--metrics", metavar="FILE", help="per-epoch CSV of losses and grad norms")
    p.add_argument("--quiet", action="store_true", help="print only the final JSON line")
    p.add_argument(
        "--threads",
        type=_counting,
        default=1,
        help="BLAS threads (default 1: small networks gain little from more, and several "
        "threads collapse when other programs share the cores)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bpstudio", description=__doc__.splitlines()[0].replace("``", "'"))
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_train_options(sub.add_parser("train", help="train headless"))
    p = sub.add_parser("predict", help="predict with trained weights")
    p.add_argument("project")
    p.add_argument("--weights", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", help="predictions CSV (default: stdout)")
    p = sub.add_parser("export", help="export weights (safetensors, npz, onnx, torch)")
    p.add_argument("project")
    p.add_argument("--weights", required=True)
    p.add_argument("--format", required=True, choices=("safetensors", "npz", "onnx", "torch"))
    p.add_argument("--out", required=True)
    p = sub.add_parser("gradcheck", help="numerical vs analytic gradients, per parameter")
    p.add_argument("project", nargs="?")
    p.add_argument("--samples", type=_counting, default=8, help="samples in the checked batch")
    p.add_argument(
        "--max-entries",
        type=_whole,
        default=64,
        help="entries checked per tensor, chosen at random (0 = all)",
    )
    # 1e-5: small enough for ReLU kinks, large enough that rounding of tiny gradients
    # (deep sigmoid nets) stays below the 1e-6 threshold (measured on the examples).
    p.add_argument("--eps", type=_positive, default=1e-5, help="finite-difference step")
    sub.add_parser("examples", help="list the built-in example projects")
    return parser


# ------------------------------------------------------------------------ helpers
def _say(*args, quiet=False):
    if not quiet:
        print(*args, file=sys.stderr, flush=True)


def _data_spec_for(path: str, old: dict) -> dict:
    """The project's data settings with the source replaced by ``path``."""
    p = Path(path)
    keep = {k: v for k, v in old.items() if k in ("normalize", "validation", "split_seed")}
    if p.is_dir():
        keep.update(
            {
                k: v
                for k, v in old.items()
                if k in ("size", "color") and old.get("source") == "images"
            }
        )
        return {**keep, "source": "images", "path": str(p.resolve())}
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return {**keep, "source": "npz", "path": str(p.resolve())}
    if suffix in (".csv", ".tsv", ".txt"):
        spec = {**keep, "source": "csv", "path": str(p.resolve())}
        if old.get("source") == "csv":
            spec.update({k: old[k] for k in ("target", "features") if k in old})
        return spec
    if not p.exists():
        raise UsageError(f"{path}: no such file or folder")
    raise UsageError(f"{path}: unknown data type (use a .csv or .npz file or an image folder)")


def _project_path(project: str | None) -> str | None:
    """A project file, or the name of a built-in example (``bpstudio train iris``)."""
    from bpstudio.session import example_path, list_examples

    if not project or Path(project).exists() and Path(project).suffix == ".bpstudio":
        return project
    p = Path(project)
    if p.is_dir() or p.suffix.lower() in (".csv", ".tsv", ".npz"):
        raise UsageError(f"{project}: is a dataset, not a project: use --data {project}")
    if not p.exists():
        if project in {e.name for e in list_examples()}:
            return str(example_path(project))
        raise UsageError(f"{project}: no such project file (or example: see 'bpstudio examples')")
    return project


def _open_session(project: str | None):
    from bpstudio.session import Session

    return Session.open(_project_path(project))


def _apply_train_options(session, args) -> None:
    t = session.project.training
    if args.data:
        session.project.data = _data_spec_for(args.data, session.project.data)
    if args.target:
        source = session.project.data.get("source")
        if source != "csv":
            raise UsageError(f"--target names a CSV column; this data is {source or 'not chosen'}")
        session.project.data["target"] = args.target
    elif args.data and session.project.data.get("source") == "csv":
        _fallback_target(session.project.data)
    for key, val in (
        ("epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("seed", args.seed),
        ("device", args.device),
    ):
        if val is not None:
            t[key] = val
    opt = dict(t.get("optimizer") or {"name": "sgd", "lr": 0.01})
    if args.optimizer and args.optimizer.lower() != opt.get("name"):
        opt = {"name": args.optimizer.lower(), "lr": opt.get("lr", 0.01)}
    if args.lr is not None:
        opt["lr"] = args.lr
    t["optimizer"] = opt
    if args.device:
        session.device = args.device
    elif t.get("device"):
        session.device = t["device"]


def _fallback_target(spec: dict) -> None:
    """DESIGN.md: the project's target if the new CSV has that column, else the last."""
    from bpstudio.data.csv import read_columns

    if spec.get("target") not in read_columns(Path(spec["path"])):
        spec.pop("target", None)
        spec.pop("features", None)


class _Progress:
    """A one-line progress bar on a terminal; epoch lines elsewhere."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and not quiet
        self.last = 0.0

    def step(self, ev, epochs: int) -> None:
        now = time.perf_counter()
        if not self.tty or now - self.last < 0.1:
            return
        self.last = now
        done = (ev.epoch + (ev.batch + 1) / ev.n_batches) / max(epochs, 1)
        bar = "#" * int(30 * done)
        sys.stderr.write(
            f"\r[{bar:<30}] epoch {ev.epoch + 1}/{epochs} loss {ev.loss:.4f} "
            f"{ev.samples_per_s:,.0f} samples/s "
        )
        sys.stderr.flush()

    def epoch(self, ev) -> None:
        if self.quiet:
            return
        if self.tty:
            sys.stderr.write("\r" + " " * 90 + "\r")
        parts = [f"epoch {ev.epoch + 1}/{ev.epochs}", f"loss {ev.train_loss:.4f}"]
        if ev.train_accuracy is not None:
            parts.append(f"acc {ev.train_accuracy:.3f}")
        if ev.val_loss is not None:
            parts.append(f"val_loss {ev.val_loss:.4f}")
        if ev.val_accuracy is not None:
            parts.append(f"val_acc {ev.val_accuracy:.3f}")
        every = max(1, ev.epochs // 20)
        if self.tty or (ev.epoch + 1) % every == 0 or ev.epoch + 1 == ev.epochs:
            print("  ".join(parts), file=sys.stderr, flush=True)


class _MetricsFile:
    """Per-epoch CSV: losses, accuracies, lr, and each parameter's mean gradient norm."""

    def __init__(self, path: str | None):
        self.path = path
        self.rows: list[dict] = []
        self._norm_sums: dict[str, float] = {}
        self._steps = 0

    def step(self, ev) -> None:
        if not self.path:
            return
        for k, v in ev.grad_norms.items():
            self._norm_sums[k] = self._norm_sums.get(k, 0.0) + v
        self._steps += 1

    def epoch(self, ev) -> None:
        if not self.path:
            return
        row = {
            "epoch": ev.epoch + 1,
            "train_loss": ev.train_loss,
            "train_accuracy": ev.train_accuracy,
            "val_loss": ev.val_loss,
            "val_accuracy": ev.val_accuracy,
            "lr": ev.lr,
            "seconds": round(ev.seconds, 4),
        }
        for k, v in self._norm_sums.items():
            row[f"grad_norm:{k}"] = v / max(self._steps, 1)
        self.rows.append(row)
        self._norm_sums, self._steps = {}, 0

    def write(self) -> None:
        if not self.path or not self.rows:
            return
        fields = list(self.rows[0])
        lines = []

        class _Sink:
            def write(self, s):
                lines.append(s)

        writer = csv.DictWriter(_Sink(), fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{k: ("" if v is None else v) for k, v in r.items()} for r in self.rows])
        atomic_write_text(Path(self.path), "".join(lines))


# ----------------------------------------------------------------------- commands
@contextlib.contextmanager
def _graph_errors_name(session):
    """Prefix graph errors with the project file, so the one line names file and node."""
    try:
        yield
    except GraphError as exc:
        raise GraphError(f"{_project_name(session)}: {exc}", exc.node_id) from None


def _project_name(session) -> str:
    src = session.project.path or getattr(session.project, "source", None)
    return Path(src).name if src else "project"


def cmd_train(args) -> int:
    session = _open_session(args.project)
    with _graph_errors_name(session):
        return _train(session, args)


def _train(session, args) -> int:
    _apply_train_options(session, args)
    _check_outputs(args, _data_file(session))
    _need_data(session)
    session.check_graph()
    _warn_about_graph(session, args.quiet)
    # Only a terminal sees progress lines: on bad input stderr must hold exactly one line.
    tty = sys.stderr.isatty()
    _say(f"loading data ({session.project.data.get('source')})...", quiet=args.quiet or not tty)
    ds = session.load_data()
    for msg in ds.messages:
        _say(msg, quiet=args.quiet)
    if args.data:
        # New data: the network follows it as in the editor (Input shape, output units).
        for change in session.fit_to_data():
            # Node moves and the re-wiring around an added Flatten are the editor's detail.
            if not change.startswith(("Move ", "Connect ", "Disconnect ")):
                _say(f"fitted to the data: {change}", quiet=args.quiet)
    session.build_network()
    if args.load_weights:
        from bpstudio.io.weights import load_into_network

        load_into_network(session.network, args.load_weights)
        _say(f"loaded weights from {args.load_weights}", quiet=args.quiet)
    with _named_after(session):  # optimizer and schedule errors name only the setting
        trainer = session.make_trainer()
    trainer.config.stats_interval = None  # nobody draws histograms here
    progress, metrics = _Progress(args.quiet), _MetricsFile(args.metrics)
    with threadpool_limits(limits=max(1, args.threads), user_api="blas"):
        status, seconds = _run_events(trainer, progress, metrics)
        metrics.write()
        _save_outputs(session, args)
        result = {"epochs": trainer.epoch, **session.final_metrics(), "seconds": round(seconds, 4)}
    if status != "finished":
        result["status"] = status
    print(json.dumps(result))
    return 0


def _warn_about_graph(session, quiet: bool) -> None:
    """The editor's warnings (a node off the loss path, Softmax before the loss)."""
    from bpstudio.graph.validate import validate

    for problem in validate(session.project.graph):
        if not problem.is_error:
            _say(f"{_project_name(session)}: warning: {problem}", quiet=quiet)


def _need_data(session) -> None:
    """A project saved before any data was chosen (allowed) cannot train."""
    if not session.project.data:
        raise UsageError(
            f"{_project_name(session)}: the project has no data yet; give one with --data PATH"
        )


def _data_file(session) -> str | None:
    from bpstudio.graph.project import resolve_data_path

    path = session.project.data.get("path")
    return str(resolve_data_path(session.project, path)) if isinstance(path, str) else None


def _check_outputs(args, data_file: str | None) -> None:
    """Refuse unwritable output paths before training, not after it (the run is lost)."""
    if args.save_weights:
        from bpstudio.io.weights import weights_format

        weights_format(args.save_weights)
    for path in (args.save_weights, args.onnx, args.metrics):
        if not path:
            continue
        p = Path(path)
        if p.is_dir():
            raise UsageError(f"{path}: is a folder; give a file name")
        if not p.absolute().parent.is_dir():
            raise UsageError(f"{path}: cannot write (no folder {str(p.absolute().parent)!r})")
    _not_an_input([args.save_weights, args.onnx, args.metrics], [data_file, args.project])


def _not_an_input(outputs: list, inputs: list) -> None:
    """An output path that names an input file would overwrite it (a typo costs data)."""
    given = {Path(i).resolve() for i in inputs if i and Path(i).is_file()}
    for out in outputs:
        if out and Path(out).resolve() in given:
            raise UsageError(f"{out}: is an input of this command; writing there would replace it")


@contextlib.contextmanager
def _named_after(session):
    """Prefix a refusal with the project file's name, keeping its class."""
    try:
        yield
    except GraphError:
        raise  # _graph_errors_name names these
    except BpError as exc:
        raise type(exc)(f"{_project_name(session)}: {exc}") from None


def _run_events(trainer, progress, metrics) -> tuple[str, float]:
    """Drive the trainer, printing progress; returns (status, training seconds)."""
    from bpstudio.engine.trainer import DivergedEvent, DoneEvent, EpochEvent, StepEvent

    epochs = trainer.config.epochs
    status, seconds = "finished", 0.0
    for ev in trainer.run():
        if isinstance(ev, StepEvent):
            progress.step(ev, epochs)
            metrics.step(ev)
        elif isinstance(ev, EpochEvent):
            progress.epoch(ev)
            metrics.epoch(ev)
        elif isinstance(ev, DivergedEvent):
            where = f"at node {ev.node_id!r} ({ev.phase} pass)" if ev.node_id else "in the loss"
            print(
                f"training diverged at step {ev.step}: NaN/Inf {where}; the weights are "
                f"those of the last good step. Try: {ev.advice}",
                file=sys.stderr,
            )
            status = "diverged"
        elif isinstance(ev, DoneEvent):
            seconds = ev.seconds
    return status, seconds


def _save_outputs(session, args) -> None:
    if args.save_weights:
        from bpstudio.io.weights import save_network_weights

        save_network_weights(session, args.save_weights)
        _say(f"weights saved to {args.save_weights}", quiet=args.quiet)
    if args.onnx:
        from bpstudio.io.onnx_export import export_session_onnx

        export_session_onnx(session, args.onnx)
        _say(f"ONNX model saved to {args.onnx}", quiet=args.quiet)


def cmd_examples(args) -> int:
    from bpstudio.session import DEFAULT_EXAMPLE, list_examples

    for ex in list_examples():
        mark = " (default)" if ex.name == DEFAULT_EXAMPLE else ""
        print(f"{ex.name:<14}{ex.description}{mark}")
    return 0


def cmd_gradcheck(args) -> int:
    session = _open_session(args.project)
    with _graph_errors_name(session):
        return _gradcheck(session, args)


def _gradcheck(session, args) -> int:
    import numpy as np

    from bpstudio.engine.gradcheck import gradcheck_network
    from bpstudio.graph.compile import compile_graph

    session.device = "cpu"
    _need_data(session)
    ds = session.load_data()
    shape = session.input_shape()
    net = compile_graph(session.project.graph, shape, xp=np, dtype=np.float64)
    net.build(shape, np.random.default_rng(0))
    n = max(1, min(args.samples, len(ds.x_train)))
    x = ds.x_train[:n].astype(np.float64)
    y = ds.y_train[:n] if session.task == "classification" else ds.y_train[:n].astype(np.float64)
    errors = gradcheck_network(net, x, y, eps=args.eps, max_entries=args.max_entries or None)
    worst = 0.0
    print(f"{'parameter':<32}{'relative error':>16}")
    for name, err in errors.items():
        worst = max(worst, err)
        flag = "" if err < 1e-6 else "  <-- exceeds 1e-6"
        print(f"{name:<32}{err:>16.3e}{flag}")
    ok = worst < 1e-6
    verdict = "PASSED" if ok else "FAILED"
    scope = f"up to {args.max_entries} entries per tensor" if args.max_entries else "all entries"
    print(f"{verdict}: worst relative error {worst:.3e} (float64, {n} samples, {scope})")
    return 0 if ok else 1


def cmd_predict(args) -> int:
    from bpstudio.io.predict import predict_cli

    _not_an_input([args.out], [args.data, args.weights, args.project])
    return predict_cli(_project_path(args.project), args.weights, args.data, args.out)


def cmd_export(args) -> int:
    from bpstudio.io.export import export_cli

    return export_cli(_project_path(args.project), args.weights, args.format, args.out)


def cmd_gui(project: str | None) -> int:
    project = _project_path(project)
    try:
        from bpstudio.ui.app import main as gui_main
    except ImportError as exc:
        raise BpError(f"the desktop app cannot start: {exc}") from None
    return gui_main(project)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if len(argv) > 1:
                raise UsageError(f"bpstudio: unexpected arguments {' '.join(argv[1:])}")
            return cmd_gui(argv[0] if argv else None)
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 0
        handler = {
            "train": cmd_train,
            "examples": cmd_examples,
            "gradcheck": cmd_gradcheck,
            "predict": cmd_predict,
            "export": cmd_export,
        }[args.command]
        return handler(args)
    except BpError as exc:
        print(f"bpstudio: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpstudio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception:
        traceback.print_exc()
        print(
            "bpstudio: internal error (a bug: please report it with the lines above)",
            file=sys.stderr,
        )
        return 1


def _one_line(msg: str) -> str:
    return " ".join(msg.split()) if msg else "error"


if __name__ == "__main__":
    raise SystemExit(main())
