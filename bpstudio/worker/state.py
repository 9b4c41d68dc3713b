"""What crosses between the app and the training process: a run's recipe, and the
trainable state that goes there at the start and comes back at every pause and end.

``RunSpec`` rebuilds the app's Trainer in the training process: the graph compiled for
the same input shape, then weights, optimiser and schedule state loaded into it, so
training there continues exactly where the app's network stands (bit for bit: the
same float32 arrays, optimiser buffers and step counts). ``TrainState`` is that state
plus the run's counters; ``capture`` takes it from a Trainer, ``restore`` puts it back.
Everything here is plain data (numpy arrays, numbers, dicts) and pickles as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.schedules import make_schedule
from bpstudio.engine.trainer import TrainConfig, TrainData, Trainer
from bpstudio.graph.compile import compile_graph
from bpstudio.graph.document import Graph


@dataclass
class TrainState:
    """A Trainer's trainable state: ``weights`` (``Network.state_dict()``, float32 host
    arrays), ``optimizer`` and ``schedule`` (their ``state_dict()``s; schedule None
    when the rate is constant), the run's counters and the layers' generators."""

    weights: dict
    optimizer: dict
    schedule: dict | None
    epoch: int = 0
    step: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)  # the run's recent EpochEvents
    # node id -> its layer's random generator state (Dropout's masks): without it each
    # run in the process would rebuild the generators and repeat the same masks
    rngs: dict = field(default_factory=dict)


@dataclass
class RunSpec:
    """How to rebuild a Trainer elsewhere: ``graph`` (``Graph.to_dict()``), the input
    shape per sample, the config and the state to start from."""

    graph: dict
    input_shape: tuple
    task: str
    config: TrainConfig
    state: TrainState


def capture(trainer, counters: bool = True) -> TrainState:
    """The trainer's state as host copies (safe to send or keep while it trains on)."""
    sched = trainer.schedule
    state = TrainState(
        trainer.net.state_dict(),
        trainer.opt.state_dict(),
        sched.state_dict() if sched is not None else None,
        rngs=_rng_states(trainer.net),
    )
    if counters:
        state.epoch, state.step, state.seconds = trainer.epoch, trainer.step, trainer.seconds
        state.history = list(trainer.history)
    return state


def restore(trainer, state: TrainState, counters: bool = True) -> None:
    """Load ``state`` into ``trainer``'s network, optimiser and schedule, in place (the
    optimiser keeps the network's arrays, views keep their network)."""
    trainer.net.load_state_dict(state.weights, strict=True)
    trainer.opt.load_state_dict(state.optimizer)
    if trainer.schedule is not None and state.schedule is not None:
        trainer.schedule.load_state_dict(state.schedule)
    _set_rng_states(trainer.net, state.rngs)
    if counters:
        trainer.epoch, trainer.step, trainer.seconds = state.epoch, state.step, state.seconds
        trainer.history.clear()
        trainer.history.extend(state.history)


def _rng_states(net) -> dict:
    """The state of every layer's NumPy generator (a GPU network's stay where they are:
    its runs never leave the app)."""
    out = {}
    for node in net.nodes:
        rng = getattr(node.layer, "rng", None)
        if isinstance(rng, np.random.Generator):
            out[node.id] = rng.bit_generator.state
    return out


def _set_rng_states(net, states: dict) -> None:
    for node in net.nodes:
        rng = getattr(node.layer, "rng", None)
        if node.id in states and isinstance(rng, np.random.Generator):
            rng.bit_generator.state = states[node.id]


def spec_of(trainer, graph: Graph) -> RunSpec:
    """The recipe for ``trainer`` (its network compiled from ``graph``)."""
    net = trainer.net
    return RunSpec(
        graph.to_dict(),
        tuple(net.shapes[net.input_id]),
        trainer.task,
        trainer.config,
        capture(trainer),
    )


def data_of(trainer) -> TrainData:
    """The arrays ``trainer`` trains on, as the training process needs them."""
    return TrainData(trainer.x, trainer.y, trainer.x_val, trainer.y_val, trainer.task)


def build_trainer(spec: RunSpec, data: TrainData) -> Trainer:
    """A numpy Trainer equal to the one ``spec`` was taken from."""
    shape = tuple(spec.input_shape)
    net = compile_graph(Graph.from_dict(spec.graph), shape, xp=np, dtype=np.float32)
    net.build(shape, np.random.default_rng(0))  # overwritten by the weights below
    opt_state = spec.state.optimizer
    opt = make_optimizer(opt_state["name"], net.named_params(), **opt_state["hyperparams"])
    sched_state = spec.state.schedule
    sched = None
    if sched_state is not None:
        keys = ("last_epoch", "base_lr")
        sched = make_schedule({k: v for k, v in sched_state.items() if k not in keys}, opt)
    trainer = Trainer(net, opt, data, spec.config, sched)
    restore(trainer, spec.state)
    return trainer
