"""The op catalogue: every op a graph may use, its parameters and their rules.

The GUI renders these specs (palette by ``category``, inspector fields by ``ParamSpec``),
validation checks node params against them, and compile passes the resolved params to
the engine layer constructors, whose keywords are exactly these names. Defaults are
PyTorch's, so a learner's numbers mean what they mean in ``torch.nn``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PARAM_TYPES = ("int", "float", "bool", "choice", "ints")
INITS = ("default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of an op.

    ``type``: "int", "float", "bool", "choice" (one of ``choices``) or "ints" (an int,
    or a list of ints whose length lies in ``length``; ``min``/``max`` bound each int).
    ``default``: the value used when the param is absent (PyTorch's); ``None`` means
    "not set" (an Input's shape comes from the data, a pool's stride equals its size).
    A ``required`` param has no PyTorch default: ``default`` is then only the value a
    new node starts with, and a node without the param is invalid.
    """

    name: str
    type: str
    default: object = None
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    help: str = ""
    length: tuple[int, int] | None = None
    required: bool = False


@dataclass(frozen=True)
class OpSpec:
    """An op: ``n_inputs`` is 0 (Input), 1, or None for "two or more" (Add, Concat)."""

    name: str
    category: str
    n_inputs: int | None
    params: list[ParamSpec] = field(default_factory=list)
    help: str = ""

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def is_loss(self) -> bool:
        return self.category == "Losses"


CATEGORIES = (
    "Input",
    "Layers",
    "Convolution",
    "Normalisation",
    "Activations",
    "Merge",
    "Losses",
)

# Which task each loss means (the data loader encodes targets to match).
LOSS_TASKS = {
    "CrossEntropyLoss": "classification",
    "BCEWithLogitsLoss": "binary",
    "MSELoss": "regression",
}


def _init() -> ParamSpec:
    return ParamSpec(
        "init",
        "choice",
        "default",
        choices=INITS,
        help="How the starting weights are drawn: PyTorch's own rule, or Xavier/Glorot "
        "(suits tanh, sigmoid) or Kaiming/He (suits ReLU).",
    )


def _bias() -> ParamSpec:
    return ParamSpec("bias", "bool", True, help="Add a learned offset to every output.")


def _pool(name: str, how: str) -> OpSpec:
    return OpSpec(
        name,
        "Convolution",
        1,
        [
            ParamSpec(
                "size",
                "ints",
                2,
                1,
                64,
                length=(2, 2),
                required=True,
                help="Window height and width (one number for a square window).",
            ),
            ParamSpec(
                "stride",
                "ints",
                None,
                1,
                64,
                length=(2, 2),
                help="How far the window moves each step (rows, columns); empty means the "
                "window size.",
            ),
        ],
        f"Shrinks each image channel by keeping the {how} of every small window.",
    )


def _plain(name: str, category: str, help: str, n_inputs: int | None = 1) -> OpSpec:
    return OpSpec(name, category, n_inputs, [], help)


_SPECS = [
    OpSpec(
        "Input",
        "Input",
        0,
        [
            ParamSpec(
                "shape",
                "ints",
                None,
                1,
                1 << 20,
                length=(1, 3),
                help="The size of one sample: [features], or [channels, height, width] "
                "for images. Leave empty to take it from the data.",
            )
        ],
        "Where each sample of the dataset enters the network.",
    ),
    OpSpec(
        "Dense",
        "Layers",
        1,
        [
            ParamSpec(
                "units",
                "int",
                16,
                1,
                100_000,
                required=True,
                help="How many outputs (neurons) the layer has.",
            ),
            _bias(),
            _init(),
        ],
        "A fully connected layer: every output is a weighted sum of all inputs plus a bias.",
    ),
    OpSpec(
        "Flatten",
        "Layers",
        1,
        [],
        "Lays an image's channels, rows and columns out as one long vector for Dense.",
    ),
    OpSpec(
        "Dropout",
        "Layers",
        1,
        [
            ParamSpec(
                "rate",
                "float",
                0.5,
                0.0,
                0.99,
                help="The fraction of values zeroed at random while training.",
            )
        ],
        "While training, zeroes random values (and scales the rest up) so the network "
        "cannot rely on any single one; does nothing when predicting.",
    ),
    OpSpec(
        "Conv2D",
        "Convolution",
        1,
        [
            ParamSpec(
                "filters",
                "int",
                8,
                1,
                4096,
                required=True,
                help="How many feature maps (output channels) the layer learns.",
            ),
            ParamSpec(
                "kernel",
                "ints",
                3,
                1,
                64,
                length=(2, 2),
                required=True,
                help="Filter height and width (one number for a square filter).",
            ),
            ParamSpec(
                "stride",
                "ints",
                1,
                1,
                64,
                length=(2, 2),
                help="How far the filter moves each step (one number, or [rows, columns]).",
            ),
            ParamSpec(
                "padding",
                "ints",
                0,
                0,
                64,
                length=(2, 2),
                help="Rows and columns of zeros added around the image.",
            ),
            _bias(),
            _init(),
        ],
        "Slides small learned filters over an image; each filter makes one feature map.",
    ),
    _pool("MaxPool2D", "largest value"),
    _pool("AvgPool2D", "average"),
    OpSpec(
        "BatchNorm",
        "Normalisation",
        1,
        [
            ParamSpec(
                "eps",
                "float",
                1e-5,
                1e-12,
                1.0,
                help="A small number added to the variance so it never divides by zero.",
            ),
            ParamSpec(
                "momentum",
                "float",
                0.1,
                0.0,
                1.0,
                help="How fast the running mean and variance (used when predicting) follow "
                "each batch.",
            ),
        ],
        "Rescales each feature (or image channel) to mean 0 and variance 1 over the batch, "
        "then applies a learned scale and shift.",
    ),
    _plain("ReLU", "Activations", "Keeps positive values and turns negative ones into 0."),
    OpSpec(
        "LeakyReLU",
        "Activations",
        1,
        [
            ParamSpec(
                "slope",
                "float",
                0.01,
                -100.0,
                100.0,
                help="What negative values are multiplied by.",
            )
        ],
        "Like ReLU, but lets negative values through multiplied by a small slope.",
    ),
    _plain("Sigmoid", "Activations", "Squashes every value into the range 0 to 1."),
    _plain("Tanh", "Activations", "Squashes every value into the range -1 to 1."),
    _plain("GELU", "Activations", "A smooth ReLU: weights each value by how likely it is >0."),
    _plain(
        "Softmax",
        "Activations",
        "Turns a vector of scores into probabilities that add up to 1 "
        "(not needed before CrossEntropyLoss, which includes it).",
    ),
    _plain("Add", "Merge", "Adds its inputs element by element (all the same shape).", None),
    _plain(
        "Concat",
        "Merge",
        "Joins its inputs along the features (or channels) axis, in connection order.",
        None,
    ),
    _plain(
        "MSELoss",
        "Losses",
        "Regression loss: the mean squared difference between prediction and target.",
    ),
    _plain(
        "CrossEntropyLoss",
        "Losses",
        "Classification loss on raw scores (logits), one per class; applies softmax itself.",
    ),
    _plain(
        "BCEWithLogitsLoss",
        "Losses",
        "Two-class loss on one raw score per sample; applies the sigmoid itself.",
    ),
]

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}


def initial_params(op: str) -> dict:
    """The params a newly placed node starts with: its required ones, at their defaults."""
    spec = OPS.get(op)
    return {p.name: p.default for p in spec.params if p.required} if spec else {}


def resolved_params(op: str, params: dict) -> dict:
    """Every param of ``op``: the node's values over the defaults (lists become tuples)."""
    out = {p.name: p.default for p in OPS[op].params}
    out.update(params)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in out.items()}


def check_value(spec: ParamSpec, value) -> str | None:
    """Why ``value`` cannot be ``spec``'s value (one phrase naming it), or None if it can."""
    if value is None:
        if spec.default is None and not spec.required:
            return None
        return f"{spec.name} needs a value"
    checker = _CHECKERS[spec.type]
    return checker(spec, value)


def check_param(op: str, name: str, value) -> str | None:
    """Why ``op`` cannot take ``name=value``, or None if it can. ``value=None`` asks
    whether the param may be removed (left at its default).

    The GUI inspector asks this before it changes a field.
    """
    spec = OPS.get(op)
    if spec is None:
        return f"{op!r} is not a known op"
    p = spec.param(name)
    if p is None:
        known = ", ".join(q.name for q in spec.params) or "none"
        return f"{op} has no parameter {name!r} (it has: {known})"
    if value is None:  # removing the param: back to its default
        return f"{op} needs {name!r}; it cannot be left empty" if p.required else None
    msg = check_value(p, value)
    return f"{op}: {msg}" if msg else None


def check_params(op: str, params: dict) -> list[str]:
    """Every problem with ``params`` for ``op``: unknown op or param, wrong type, range,
    a missing required param. Empty when the params are usable."""
    if op not in OPS:
        return [f"{op!r} is not a known op"]
    if not isinstance(params, dict):
        return [f"{op} params must be an object"]
    problems = []
    for name, value in params.items():
        p = OPS[op].param(name)
        # An explicit null in a file is only a value where the default is null too.
        msg = check_param(op, name, value) if value is not None or p is None else None
        if value is None and p is not None and (msg := check_value(p, None)):
            msg = f"{op}: {msg}"
        if msg:
            problems.append(msg)
    for p in OPS[op].params:
        if p.required and p.name not in params:
            problems.append(f"{op} needs {p.name!r} (for example {p.default!r})")
    return problems


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _range(spec: ParamSpec, v) -> str | None:
    lo, hi = spec.min, spec.max
    if lo is not None and hi is not None and not lo <= v <= hi:
        return f"{spec.name} must be between {lo} and {hi}, got {v}"
    if lo is not None and v < lo:
        return f"{spec.name} must be at least {lo}, got {v}"
    if hi is not None and v > hi:
        return f"{spec.name} must be at most {hi}, got {v}"
    return None


def _check_int(spec: ParamSpec, v) -> str | None:
    if not _is_int(v):
        return f"{spec.name} must be a whole number, got {v!r}"
    return _range(spec, v)


def _check_float(spec: ParamSpec, v) -> str | None:
    if not (isinstance(v, int | float) and not isinstance(v, bool)) or not math.isfinite(v):
        return f"{spec.name} must be a number, got {v!r}"
    return _range(spec, v)


def _check_bool(spec: ParamSpec, v) -> str | None:
    return None if isinstance(v, bool) else f"{spec.name} must be true or false, got {v!r}"


def _check_choice(spec: ParamSpec, v) -> str | None:
    if v in spec.choices and isinstance(v, type(spec.choices[0])):
        return None
    return f"{spec.name} must be one of {', '.join(map(str, spec.choices))}; got {v!r}"


def _check_ints(spec: ParamSpec, v) -> str | None:
    lo, hi = spec.length or (1, 1)
    if _is_int(v):
        return _range(spec, v)
    if not isinstance(v, list | tuple) or not all(_is_int(x) for x in v):
        return f"{spec.name} must be a whole number or a list of them, got {v!r}"
    if not lo <= len(v) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        return f"{spec.name} must list {want} numbers, got {len(v)}"
    return next((m for x in v if (m := _range(spec, x))), None)


_CHECKERS = {
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "choice": _check_choice,
    "ints": _check_ints,
}
