"""ONNX export with the official ``onnx`` helpers (DESIGN.md, "ONNX export").

One input ``input`` (N, *input_shape) with a dynamic batch dimension, one output
``output``: the tensor that feeds the loss (logits for classification). The data's
normalisation sits inside the model as Sub/Div constants in front of the first layer,
so the model takes raw features in the dataset's column order (text columns already
one-hot; the category lists are in the metadata props) or image pixels in [0, 1].
Initialisers keep the weight file's names (``fc1.weight``), so Netron shows them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bpstudio.errors import GraphError, WeightsError
from bpstudio.io.atomic import atomic_write
from bpstudio.io.graphdict import PlanNode, inference_plan, plan_shapes
from bpstudio.io.metadata import categories_of, normalizer_of, to_json

OPSET = 17  # GELU is written as its erf formula (the Gelu op arrived in opset 20)


class _Builder:
    """Collects ONNX nodes and initialisers while the plan is walked."""

    def __init__(self, tensors: dict[str, np.ndarray]):
        self.tensors = tensors
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, onnx.TensorProto] = {}

    def const(self, name: str, value) -> str:
        """A float32 initialiser (added once per name)."""
        if name not in self.inits:
            arr = np.asarray(value, dtype=np.float32)
            self.inits[name] = numpy_helper.from_array(arr, name)
        return name

    def param(self, node_id: str, key: str, required: bool = True) -> str | None:
        """The weight ``<node>.<key>`` as an initialiser of that name, or None if absent."""
        name = f"{node_id}.{key}"
        if name not in self.tensors:
            if required:
                raise WeightsError(f"node {node_id!r}: the weights have no tensor {name!r}")
            return None
        return self.const(name, self.tensors[name])

    def op(self, op_type: str, inputs: list[str], output: str, name: str, **attrs) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=name, **attrs))
        return output


# ----------------------------------------------------------------- op emitters
# Each takes (builder, plan node, input tensor names, output name) and returns the name.
def _dense(b, pn, ins, out):
    w, bias = b.param(pn.id, "weight"), b.param(pn.id, "bias", required=False)
    return b.op("Gemm", [ins[0], w] + ([bias] if bias else []), out, pn.id, transB=1)


def _conv(b, pn, ins, out):
    w, bias = b.param(pn.id, "weight"), b.param(pn.id, "bias", required=False)
    layer = pn.layer
    (ph, pw) = layer.padding
    attrs = {"kernel_shape": list(layer.kernel), "strides": list(layer.stride)}
    attrs["pads"] = [ph, pw, ph, pw]  # begin (h, w), then end (h, w)
    return b.op("Conv", [ins[0], w] + ([bias] if bias else []), out, pn.id, **attrs)


def _pool(onnx_op: str, **extra):
    def emit(b, pn, ins, out):
        attrs = {"kernel_shape": list(pn.layer.size), "strides": list(pn.layer.stride)}
        return b.op(onnx_op, ins, out, pn.id, **attrs, **extra)

    return emit


def _batchnorm(b, pn, ins, out):
    names = [b.param(pn.id, k) for k in ("weight", "bias", "running_mean", "running_var")]
    return b.op("BatchNormalization", [ins[0], *names], out, pn.id, epsilon=pn.layer.eps)


def _gelu(b, pn, ins, out):
    """0.5 * x * (1 + erf(x / sqrt(2))): the exact GELU, as the engine computes it."""
    x, p = ins[0], pn.id
    inv_sqrt2 = b.const("gelu.inv_sqrt2", 1 / math.sqrt(2))
    scaled = b.op("Mul", [x, inv_sqrt2], f"{p}/scaled", f"{p}/scale")
    erf = b.op("Erf", [scaled], f"{p}/erf", f"{p}/erf")
    cdf2 = b.op("Add", [erf, b.const("gelu.one", 1.0)], f"{p}/cdf2", f"{p}/plus1")
    half = b.op("Mul", [x, b.const("gelu.half", 0.5)], f"{p}/half", f"{p}/half")
    return b.op("Mul", [half, cdf2], out, p)


def _add(b, pn, ins, out):
    acc = ins[0]
    for i, other in enumerate(ins[1:], start=1):
        last = i == len(ins) - 1
        acc = b.op("Add", [acc, other], out if last else f"{pn.id}/sum{i}", f"{pn.id}/add{i}")
    return acc


def _simple(onnx_op: str, **attrs):
    def emit(b, pn, ins, out):
        return b.op(onnx_op, ins, out, pn.id, **attrs)

    return emit


EMITTERS = {
    "Dense": _dense,
    "Conv2D": _conv,
    "MaxPool2D": _pool("MaxPool"),
    "AvgPool2D": _pool("AveragePool", count_include_pad=0),
    "Flatten": _simple("Flatten", axis=1),
    "Dropout": _simple("Identity"),  # eval mode
    "BatchNorm": _batchnorm,
    "ReLU": _simple("Relu"),
    "LeakyReLU": lambda b, pn, ins, out: b.op("LeakyRelu", ins, out, pn.id, alpha=pn.layer.slope),
    "Sigmoid": _simple("Sigmoid"),
    "Tanh": _simple("Tanh"),
    "GELU": _gelu,
    "Softmax": _simple("Softmax", axis=1),
    "Add": _add,
    "Concat": _simple("Concat", axis=1),
}


# --------------------------------------------------------------------- model
def build_model(tensors: dict[str, np.ndarray], metadata: dict) -> onnx.ModelProto:
    """The ONNX model of ``metadata["graph"]`` with ``tensors``; checked by onnx.checker."""
    graph = metadata.get("graph")
    if not graph or metadata.get("input_shape") is None:
        raise WeightsError("ONNX export needs the graph and input shape in the metadata")
    plan = inference_plan(graph)
    in_shape = [int(s) for s in metadata["input_shape"]]
    out_shape = plan_shapes(plan, in_shape)[plan.head]
    b = _Builder(tensors)
    names = {plan.input_id: _normalize(b, metadata, in_shape)}
    for pn in plan.nodes:
        out = "output" if pn.id == plan.head else pn.id
        names[pn.id] = _emit(b, pn, [names[i] for i in pn.inputs], out)
    if plan.head == plan.input_id:
        b.op("Identity", [names[plan.input_id]], "output", "output")
    onnx_graph = helper.make_graph(
        b.nodes,
        "bpstudio",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *in_shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", *out_shape])],
        initializer=list(b.inits.values()),
    )
    model = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="bpstudio",
        doc_string=_doc(metadata, plan.loss_op),
    )
    model.ir_version = min(model.ir_version, 9)  # readable by onnxruntime releases from 1.16
    helper.set_model_props(model, _props(metadata))
    onnx.checker.check_model(model, full_check=True)
    # Recorded intermediate shapes let viewers (Netron) label every edge.
    return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)


def _emit(b: _Builder, pn: PlanNode, ins: list[str], out: str) -> str:
    emitter = EMITTERS.get(pn.op)
    if emitter is None:
        raise GraphError(f"node {pn.id!r}: op {pn.op} has no ONNX export", pn.id)
    return emitter(b, pn, ins, out)


def _normalize(b: _Builder, metadata: dict, in_shape: list[int]) -> str:
    """Sub/Div by the stored shift/scale (per feature, or per channel for images)."""
    norm = normalizer_of(metadata)
    if norm is None:
        return "input"
    shape = (-1, 1, 1) if norm["axis"] == "channel" else in_shape
    shift = np.asarray(norm["shift"], np.float32).reshape(shape)
    scale = np.asarray(norm["scale"], np.float32).reshape(shape)
    shifted = b.op("Sub", ["input", b.const("normalize.shift", shift)], "shifted", "normalize/sub")
    return b.op("Div", [shifted, b.const("normalize.scale", scale)], "normalized", "normalize")


def _props(metadata: dict) -> dict[str, str]:
    props = {"bpstudio": to_json(metadata, sort_keys=True)}
    for key in ("task", "class_names", "feature_names", "input_shape"):
        if metadata.get(key) is not None:
            props[key] = to_json(metadata[key])
    cats = categories_of(metadata)
    if cats:
        props["categories"] = to_json(cats)
    return props


def _doc(metadata: dict, loss_op: str) -> str:
    kind = "logits" if loss_op != "MSELoss" else "predicted values"
    classes = metadata.get("class_names")
    text = f"bpstudio model; output: {kind} (the tensor feeding {loss_op})."
    if classes:
        text += f" Classes in order: {', '.join(map(str, classes))}."
    return text + " Normalisation is inside the model; see metadata_props for the encoding."


def export_onnx(path, tensors: dict[str, np.ndarray], metadata: dict) -> Path:
    """Write the ONNX model atomically to ``path``; returns the path."""
    path = Path(path)
    payload = build_model(tensors, metadata).SerializeToString()
    atomic_write(path, lambda f: f.write(payload))
    return path


def export_session_onnx(session, path) -> Path:
    """ONNX of a Session's compiled network with its data transform and metadata."""
    return export_onnx(path, session.network.state_dict(), session.weights_metadata())
