"""The whole application state without Qt: project, dataset, compiled network, runs.

The GUI drives a Session; so do the command line and the tests. Nothing here imports Qt.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from bpstudio.data import load_dataset
from bpstudio.engine.backend import device_name, get_xp
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.schedules import make_schedule
from bpstudio.engine.trainer import EpochEvent, TrainConfig, TrainData, Trainer, evaluate
from bpstudio.errors import BpError, GraphError
from bpstudio.graph.compile import compile_graph, task_of
from bpstudio.graph.project import Project, load_project, save_project

DEFAULT_EXAMPLE = "spiral"
TRAINING_KEYS = ("epochs", "batch_size", "l1", "l2", "clip_norm", "seed", "device")


@dataclass(frozen=True)
class Example:
    name: str
    path: Path
    description: str


def list_examples() -> list[Example]:
    """The built-in example projects, in the order of ``resources/examples/index.json``."""
    folder = importlib.resources.files("bpstudio.resources") / "examples"
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return [Example(e["name"], Path(str(folder / e["file"])), e["description"]) for e in index]


def example_path(name: str) -> Path:
    for ex in list_examples():
        if ex.name == name:
            return ex.path
    names = ", ".join(e.name for e in list_examples())
    raise BpError(f"no example called {name!r} (examples: {names})")


@dataclass
class Run:
    """One training run's curves, kept for the session so runs can be compared."""

    name: str
    settings: dict
    epochs: list[EpochEvent] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    # plenty for a curve; a 10-minute spiral run reaches it
    EPOCH_CAP: ClassVar[int] = 5000

    def add_epochs(self, events) -> None:
        """Record epoch events; beyond ``EPOCH_CAP`` every other one is dropped (the
        latest always kept), so a run left going for hours does not grow without end."""
        self.epochs.extend(events)
        if len(self.epochs) > self.EPOCH_CAP:
            self.epochs = [*self.epochs[:-1:2], self.epochs[-1]]

    def add_step(self, step: int, loss: float, cap: int = 20000) -> None:
        """Record a step's loss; beyond ``cap`` points keep every other one (bounded memory)."""
        self.steps.append(step)
        self.losses.append(loss)
        if len(self.steps) > cap:
            self.steps = self.steps[::2]
            self.losses = self.losses[::2]


class Session:
    """A project with its data, network and runs; what the GUI and the CLI drive."""

    def __init__(self, project: Project):
        self.project = project
        self.dataset = None
        self.network = None
        self.optimizer = None
        self.schedule = None
        self.trainer: Trainer | None = None
        self.runs: list[Run] = []
        self.device = project.training.get("device", "auto") or "auto"
        self._network_key = None

    # --------------------------------------------------------------- projects
    @classmethod
    def open(cls, path: str | Path | None = None) -> Session:
        """Open a project file, or the default built-in example when ``path`` is None."""
        return cls(load_project(Path(path) if path else example_path(DEFAULT_EXAMPLE)))

    @classmethod
    def open_example(cls, name: str) -> Session:
        session = cls(load_project(example_path(name)))
        session.project.path = None  # examples are read-only: Save asks for a place
        session.project.source = example_path(name)
        return session

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self.project.path
        if target is None:
            raise BpError("the project has no file yet: choose where to save it")
        save_project(self.project, target)
        self.project.path = target
        return target

    @property
    def base_dir(self) -> Path:
        """The folder that relative data paths resolve against."""
        src = self.project.path or getattr(self.project, "source", None)
        return Path(src).resolve().parent if src else Path.cwd()

    def check_graph(self) -> None:
        """Raise a GraphError naming the node of the first structural problem."""
        from bpstudio.graph.validate import errors, validate

        problems = errors(validate(self.project.graph))
        if problems:
            first = problems[0]
            raise GraphError(str(first), first.node_id)

    # ------------------------------------------------------------------- data
    @property
    def task(self) -> str | None:
        return task_of(self.project.graph)

    def load_data(self, progress=None, cancel=None):
        """Load the project's dataset (DataError on bad input) and keep it."""
        self.dataset = load_dataset(
            self.project.data, self.base_dir, task=self.task, progress=progress, cancel=cancel
        )
        return self.dataset

    def fit_to_data(self) -> list[str]:
        """Make the graph fit the loaded data (Input shape, output units, a Flatten for
        images), as the editor does when a person picks new data. Returns what changed."""
        from bpstudio.graph.fit import fit_commands

        done = []
        for cmd in fit_commands(self.project.graph, self.dataset):
            cmd.do(self.project.graph)
            value = getattr(cmd, "value", None)
            done.append(f"{cmd.node_id}.{cmd.name} = {value}" if value is not None else cmd.text)
        return done

    def input_shape(self) -> tuple[int, ...]:
        """The Input node's shape: as given in the graph, else taken from the data."""
        node = self._input_node()
        given = node.params.get("shape")
        data_shape = tuple(self.dataset.input_shape) if self.dataset is not None else None
        if given is None:
            if data_shape is None:
                raise GraphError(f"node {node.id!r}: no shape given and no data loaded", node.id)
            return data_shape
        given = tuple(int(s) for s in given)
        if data_shape is not None and given != data_shape:
            raise GraphError(
                f"node {node.id!r}: Input shape {list(given)} does not fit the data, "
                f"whose samples have shape {list(data_shape)}",
                node.id,
            )
        return given

    def _input_node(self):
        inputs = [n for n in self.project.graph.nodes.values() if n.op == "Input"]
        if len(inputs) != 1:
            raise GraphError(f"the graph needs exactly one Input node, it has {len(inputs)}")
        return inputs[0]

    # ---------------------------------------------------------------- network
    def build_network(self, device: str | None = None, seed: int | None = None):
        """Compile the graph for the data and initialise weights from ``seed``."""
        device = device or self.device
        seed = int(self.project.training.get("seed", 0) if seed is None else seed)
        xp = get_xp(device)
        net = compile_graph(self.project.graph, self.input_shape(), xp=xp, dtype=np.float32)
        try:
            net.build(self.input_shape(), np.random.default_rng(seed))
        except MemoryError as exc:  # a graph too big for this machine: the user's to fix
            raise GraphError(f"the network does not fit in memory: {exc}") from None
        self._check_output(net)
        self.network = net
        self.optimizer = None
        self.trainer = None
        self._network_key = self.graph_structure()
        return net

    def graph_structure(self) -> str:
        """What the network is built from, as a comparable string: nodes and edges, not
        where the nodes sit on the canvas (moving one made the trained network stale:
        F5 began anew)."""
        d = self.project.graph.to_dict()
        nodes = [{k: v for k, v in n.items() if k != "pos"} for n in d["nodes"]]
        return json.dumps(nodes, sort_keys=True) + json.dumps(d["edges"])

    @property
    def network_stale(self) -> bool:
        """True when the graph changed since the network was built."""
        return self.network is None or self._network_key != self.graph_structure()

    def _check_output(self, net) -> None:
        """The tensor feeding the loss must fit the targets (classes or target columns)."""
        ds = self.dataset
        if ds is None:
            return
        shape = tuple(net.shapes[net.output_id])
        if self.task == "classification":
            want = (len(ds.class_names),)
            what = f"{want[0]} classes"
        elif self.task == "binary":
            want, what = (1,), "a binary target (1 output)"
            if shape == ():
                return
        else:
            want = tuple(ds.y_train.shape[1:]) or (1,)
            what = f"{want[0]} target value(s)"
        if shape != want:
            raise GraphError(
                f"node {net.output_id!r}: outputs shape {list(shape)} but the data has {what}: "
                f"set its units to {want[0]}",
                net.output_id,
            )

    def reset_weights(self, seed: int | None = None):
        return self.build_network(seed=seed)

    # --------------------------------------------------------------- training
    def train_config(self, **overrides) -> TrainConfig:
        t = {**self.project.training, **{k: v for k, v in overrides.items() if v is not None}}
        return TrainConfig(
            epochs=int(t.get("epochs", 10)),
            batch_size=int(t.get("batch_size", 32)),
            seed=int(t.get("seed", 0)),
            l1=float(t.get("l1", 0.0) or 0.0),
            l2=float(t.get("l2", 0.0) or 0.0),
            clip_norm=t.get("clip_norm"),
        )

    def make_trainer(self, config: TrainConfig | None = None, keep_optimizer: bool = True):
        """A Trainer continuing the current network (built if needed or stale)."""
        if self.dataset is None:
            self.load_data()
        if self.network is None or self.network_stale:
            self.build_network()
        config = config or self.train_config()
        spec = dict(self.project.training.get("optimizer") or {"name": "sgd", "lr": 0.01})
        name = spec.pop("name", "sgd")
        schedule_spec = self.project.training.get("schedule")
        if self.optimizer is None or not keep_optimizer or self._opt_spec != (name, spec):
            self.optimizer = make_optimizer(name, self.network.named_params(), **spec)
            self.schedule = make_schedule(schedule_spec, self.optimizer)
            self._opt_spec = (name, dict(spec))
        ds = self.dataset
        data = TrainData(ds.x_train, ds.y_train, ds.x_val, ds.y_val, self.task)
        self.trainer = Trainer(self.network, self.optimizer, data, config, self.schedule)
        return self.trainer

    _opt_spec = None

    def new_run(self, name: str | None = None) -> Run:
        run = Run(
            name or f"run {len(self.runs) + 1}", json.loads(json.dumps(self.project.training))
        )
        self.runs.append(run)
        return run

    def final_metrics(self) -> dict:
        """Losses and accuracies on the whole train and validation splits, eval mode."""
        ds, net, task = self.dataset, self.network, self.task
        train_loss, train_acc = evaluate(net, ds.x_train, ds.y_train, task)
        val_loss, val_acc = (None, None)
        if len(ds.x_val):
            val_loss, val_acc = evaluate(net, ds.x_val, ds.y_val, task)
        out = {"train_loss": _num(train_loss), "val_loss": _num(val_loss)}
        if task in ("classification", "binary"):
            out["train_accuracy"] = _num(train_acc)
            out["val_accuracy"] = _num(val_acc)
        out["device"] = device_name(net.xp)
        return out

    # ---------------------------------------------------------------- weights
    def weights_metadata(self) -> dict:
        """What travels with exported weights: graph, classes, input, preprocessing."""
        ds = self.dataset
        return {
            "graph": self.project.graph.to_dict(),
            "task": self.task,
            "class_names": list(ds.class_names) if ds and ds.class_names else None,
            "feature_names": list(ds.feature_names) if ds else None,
            "input_shape": list(self.input_shape()),
            "transform": ds.transform if ds else None,
            "data": self.project.data,
        }


def _num(x):
    """JSON-friendly float: None for a missing or non-finite value."""
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None
