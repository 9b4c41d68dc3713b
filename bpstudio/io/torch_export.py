"""PyTorch code export: a standalone, readable ``model.py`` plus its safetensors weights.

The generated module defines ``Model(nn.Module)`` for the project's DAG (its
``forward`` is one line per node, in topological order), keeps the data's
normalisation as buffers, and ``load_model()`` reads the safetensors file written
beside it with ``safetensors.torch.load_file`` through a plain name mapping
(``"<node>.<param>"`` -> module attribute). It needs only torch and safetensors, so a
person who outgrows bpstudio continues in PyTorch with the same weights.
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from pathlib import Path

import numpy as np

from bpstudio.errors import BpError
from bpstudio.io.atomic import atomic_write
from bpstudio.io.graphdict import PlanNode, inference_plan, plan_shapes
from bpstudio.io.metadata import categories_of, normalizer_of, to_json
from bpstudio.io.weights import save_weights

# Names the generated code uses itself, and nn.Module's public attributes (a node
# called "eval" must not shadow Module.eval).
_RESERVED = {
    "x", "self", "torch", "nn", "F", "Path", "load_file", "save_file", "save_model",
    "load_model", "Model", "normalize", "shift", "scale",
    "training", "T_destination", "add_module", "apply", "bfloat16", "buffers",
    "call_super_init", "children", "compile", "cpu", "cuda", "double", "dump_patches",
    "eval", "extra_repr", "float", "forward", "get_buffer", "get_extra_state",
    "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
    "register_backward_hook", "register_buffer", "register_forward_hook",
    "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_",
    "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty",
    "train", "type", "xpu", "zero_grad",
}  # fmt: skip


def py_names(ids) -> dict[str, str]:
    """Node id -> a unique Python identifier (``fc-1`` -> ``fc_1``, ``1st`` -> ``n_1st``)."""
    out, used = {}, set()
    for nid in ids:
        name = re.sub(r"\W", "_", nid, flags=re.ASCII) or "node"
        if name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED:
            name = f"n_{name}"
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out[nid] = name
    return out


# ------------------------------------------------------------ per-op code
def _module(pn: PlanNode, in_shape: tuple, tensors: dict) -> str | None:
    """The ``nn`` module constructor for ops that own params or settings, else None."""
    layer, op = pn.layer, pn.op
    if op == "Dense":
        bias = f"{pn.id}.bias" in tensors
        return f"nn.Linear({in_shape[0]}, {layer.units}, bias={bias})"
    if op == "Conv2D":
        bias = f"{pn.id}.bias" in tensors
        return (
            f"nn.Conv2d({in_shape[0]}, {layer.filters}, kernel_size={tuple(layer.kernel)}, "
            f"stride={tuple(layer.stride)}, padding={tuple(layer.padding)}, bias={bias})"
        )
    if op == "BatchNorm":
        kind = "BatchNorm1d" if len(in_shape) == 1 else "BatchNorm2d"
        return f"nn.{kind}({in_shape[0]}, eps={layer.eps!r}, momentum={layer.momentum!r})"
    if op in ("MaxPool2D", "AvgPool2D"):
        cls = "MaxPool2d" if op == "MaxPool2D" else "AvgPool2d"
        return f"nn.{cls}(kernel_size={tuple(layer.size)}, stride={tuple(layer.stride)})"
    if op == "Dropout":
        return f"nn.Dropout(p={layer.rate!r})"
    return None


def _expr(pn: PlanNode, args: list[str], attr: str) -> str:
    """The right-hand side of the node's line in ``forward``."""
    a = args[0]
    simple = {
        "ReLU": f"torch.relu({a})",
        "Sigmoid": f"torch.sigmoid({a})",
        "Tanh": f"torch.tanh({a})",
        "GELU": f"F.gelu({a})",  # exact (erf) form, as bpstudio's
        "Softmax": f"torch.softmax({a}, dim=1)",
        "Flatten": f"torch.flatten({a}, 1)",
        "Add": " + ".join(args),
        "Concat": f"torch.cat([{', '.join(args)}], dim=1)",
    }
    if pn.op in simple:
        return simple[pn.op]
    if pn.op == "LeakyReLU":
        return f"F.leaky_relu({a}, negative_slope={pn.layer.slope!r})"
    return f"self.{attr}({a})"


# ----------------------------------------------------------------- source
def generate_source(tensors: dict, metadata: dict, weights_file: str) -> str:
    """The text of ``model.py`` for ``metadata["graph"]``; loads ``weights_file``."""
    plan = inference_plan(metadata["graph"])
    shapes = plan_shapes(plan, metadata["input_shape"])
    names = py_names([plan.input_id] + [pn.id for pn in plan.nodes])
    modules, lines, mapping = [], [], {}
    for pn in plan.nodes:
        attr = names[pn.id]
        ctor = _module(pn, shapes[pn.inputs[0]], tensors)
        if ctor:
            modules.append(f"        self.{attr} = {ctor}")
        args = [names[i] for i in pn.inputs]
        lines.append(f"        {attr} = {_expr(pn, args, attr)}")
        for key in tensors:
            if key.startswith(pn.id + ".") and "." not in key[len(pn.id) + 1 :]:
                mapping[key] = f"{attr}.{key[len(pn.id) + 1 :]}"
    return _TEMPLATE.format(
        doc=_docstring(metadata, plan.loss_op),
        weights=json.dumps(weights_file),  # a literal: any file name stays data, not code
        classes=_literal(metadata.get("class_names")),
        features=_literal(metadata.get("feature_names")),
        categories=_literal(categories_of(metadata) or None),
        input_shape=tuple(int(s) for s in metadata["input_shape"]),
        mapping=_mapping_literal(mapping),
        norm=_norm_code(metadata),
        modules="\n".join(modules) or "        pass",
        first=f"        {names[plan.input_id]} = self.normalize(x)",
        body="\n".join(lines),
        head=names[plan.head],
    )


def _docstring(metadata: dict, loss_op: str) -> str:
    out = "logits (one per class)" if loss_op == "CrossEntropyLoss" else "values"
    if loss_op == "BCEWithLogitsLoss":
        out = "one logit (its sigmoid is the probability of CLASS_NAMES[1])"
    if len(metadata["input_shape"]) == 1:
        given = "the features in FEATURE_NAMES order (text columns one-hot as CATEGORIES)"
    else:
        given = "image pixels scaled to [0, 1], NCHW"
    text = (
        f"Input: float32 (N, *INPUT_SHAPE), {given}, not normalised: the model applies "
        f"bpstudio's normalisation itself. Output: {out}, the tensor that fed {loss_op} "
        "in bpstudio."
    )
    return (
        "A bpstudio model as a standalone PyTorch module (generated by bpstudio).\n\n"
        + textwrap.fill(text, 88)
        + "\n\n    model = load_model()  # reads WEIGHTS beside this file\n"
        "    with torch.no_grad():\n        output = model(torch.from_numpy(x))"
    )


def _literal(value) -> str:
    """A Python literal of JSON-able ``value`` (repr of its plain form: always valid code)."""
    return repr(json.loads(to_json(value)))


def _mapping_literal(mapping: dict[str, str]) -> str:
    rows = [f"    {k!r}: {v!r}," for k, v in mapping.items()]
    return "{\n" + "\n".join(rows) + "\n}" if rows else "{}"


def _floats(arr) -> str:
    """float32 values in their shortest exact text, so the buffers equal bpstudio's."""
    return "[" + ", ".join(str(np.float32(v)) for v in np.ravel(arr)) + "]"


def _norm_code(metadata: dict) -> str:
    norm = normalizer_of(metadata)
    if norm is None:
        return "        self.register_buffer('shift', torch.zeros(()), persistent=False)\n" + (
            "        self.register_buffer('scale', torch.ones(()), persistent=False)"
        )
    shape = (-1, 1, 1) if norm["axis"] == "channel" else tuple(metadata["input_shape"])
    out = []
    for key in ("shift", "scale"):
        out.append(
            f"        self.register_buffer(\n            {key!r},\n"
            f"            torch.tensor({_floats(norm[key])}).reshape{shape},\n"
            "            persistent=False,\n        )"
        )
    return "\n".join(out)


_TEMPLATE = '''"""{doc}
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

WEIGHTS = {weights}
CLASS_NAMES = {classes}
FEATURE_NAMES = {features}
CATEGORIES = {categories}
INPUT_SHAPE = {input_shape}

# bpstudio tensor name -> this module's state_dict name (a plain renaming).
WEIGHT_NAMES = {mapping}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        # The data's normalisation (x - shift) / scale, fitted on bpstudio's training split.
{norm}
{modules}

    def normalize(self, x):
        return (x - self.shift) / self.scale

    def forward(self, x):
{first}
{body}
        return {head}


def load_model(path=None) -> Model:
    """A Model in eval mode with the weights from ``path`` (default: WEIGHTS beside this file)."""
    path = Path(path) if path else Path(__file__).with_name(WEIGHTS)
    state = {{WEIGHT_NAMES.get(k, k): v for k, v in load_file(str(path)).items()}}
    model = Model()
    result = model.load_state_dict(state, strict=False)
    # bpstudio does not count BatchNorm batches; torch's num_batches_tracked stays 0.
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise RuntimeError(f"{{path}}: missing {{missing}}, unexpected {{result.unexpected_keys}}")
    return model.eval()


def save_model(model: Model, path) -> None:
    """Write ``model``'s weights under bpstudio's names, so bpstudio can load them back."""
    names = {{v: k for k, v in WEIGHT_NAMES.items()}}
    state = model.state_dict()
    save_file({{names[k]: state[k].detach().float().contiguous() for k in names}}, str(path))


if __name__ == "__main__":
    print(load_model())
'''


def export_torch(path, tensors: dict, metadata: dict) -> tuple[Path, Path]:
    """Write ``model.py`` at ``path`` and its weights as ``<stem>.safetensors`` beside it."""
    path = Path(path)
    if path.suffix != ".py":
        raise BpError(f"{path.name}: PyTorch code export writes a .py file")
    weights = path.with_suffix(".safetensors")
    source = generate_source(tensors, metadata, weights.name)
    save_weights(weights, tensors, metadata)
    atomic_write(path, lambda f: f.write(source.encode("utf-8")))
    return path, weights
