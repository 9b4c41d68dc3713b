"""The three reference models of the export tests, each with its data and metadata.

(a) an MLP on a CSV with a text feature column, (b) a CNN with BatchNorm and pooling
on an image folder, (c) a DAG with Add and Concat on a synthetic set. Each case gives
the network, the metadata a session would save, the normalised inputs the engine sees
and the raw inputs an exported model takes (normalisation inside the model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstudio.data import load_dataset, load_features
from bpstudio.engine.network import Network
from bpstudio.io.metadata import make_metadata

from .helpers import build_network, chain, node, write_csv, write_images


@dataclass
class Case:
    graph: dict
    spec: dict
    network: Network
    metadata: dict
    x: np.ndarray  # normalised, what the engine's network takes
    raw: np.ndarray  # as in the data file: what ONNX / model.py take
    data_path: object


MLP = chain(
    [
        node("fc1", "Dense", units=8),
        node("bn1", "BatchNorm"),
        node("act1", "ReLU"),
        node("drop", "Dropout", rate=0.3),
        node("fc2", "Dense", units=6, init="xavier_uniform"),
        node("leaky", "LeakyReLU", slope=0.2),
        node("gelu", "GELU"),
        node("fc3", "Dense", units=2),
    ]
)

CNN = chain(
    [
        node("conv1", "Conv2D", filters=4, kernel=3, padding=1),
        node("bn1", "BatchNorm"),
        node("relu1", "ReLU"),
        node("pool1", "MaxPool2D", size=2),
        node("conv2", "Conv2D", filters=3, kernel=[2, 3], stride=[1, 2], bias=False),
        node("pool2", "AvgPool2D", size=2, stride=1),
        node("tanh", "Tanh"),
        node("flat", "Flatten"),
        node("fc", "Dense", units=2),
    ]
)

DAG = {
    "nodes": [
        node("x", "Input"),
        node("a", "Dense", units=6),
        node("a_act", "Tanh"),
        node("b", "Dense", units=6),
        node("b_act", "Sigmoid"),
        node("sum", "Add"),
        node("skip", "Dense", units=6, bias=False),
        node("cat", "Concat"),
        node("soft", "Softmax"),
        node("head", "Dense", units=2),
        node("unused", "Dense", units=3),  # off the loss path: not exported
        node("loss", "CrossEntropyLoss"),
    ],
    "edges": [
        ["x", "a"], ["a", "a_act"], ["x", "b"], ["b", "b_act"],
        ["a_act", "sum"], ["b_act", "sum"], ["a", "sum"],
        ["x", "skip"], ["sum", "cat"], ["skip", "cat"], ["x", "cat"],
        ["cat", "soft"], ["soft", "head"], ["head", "loss"], ["x", "unused"],
    ],
}  # fmt: skip


def _case(graph: dict, spec: dict, base, data_path) -> Case:
    ds = load_dataset(spec, base, task="classification")
    net = build_network(graph, ds.input_shape, seed=3)
    meta = make_metadata(graph, ds, ds.input_shape, spec)
    feats = load_features(spec, ds.transform, data_path)
    raw_transform = {**ds.transform, "normalize": {"method": "none"}}
    raw = load_features(spec, raw_transform, data_path).x
    return Case(graph, spec, net, meta, feats.x, raw, data_path)


def mlp_case(tmp_path) -> Case:
    write_csv(tmp_path / "d.csv", n=40)
    spec = {"source": "csv", "path": "d.csv", "target": "label", "normalize": "standard",
            "validation": 0.25}  # fmt: skip
    return _case(MLP, spec, tmp_path, tmp_path / "d.csv")


def cnn_case(tmp_path) -> Case:
    write_images(tmp_path / "imgs", size=(10, 12))
    spec = {"source": "images", "path": "imgs", "size": [10, 12], "color": "rgb",
            "normalize": "standard", "validation": 0.25}  # fmt: skip
    return _case(CNN, spec, tmp_path, tmp_path / "imgs")


def dag_case(tmp_path) -> Case:
    spec = {"source": "synthetic", "name": "spiral", "samples": 60, "normalize": "minmax"}
    ds = load_dataset(spec, tmp_path, task="classification")
    net = build_network(DAG, ds.input_shape, seed=4)
    meta = make_metadata(DAG, ds, ds.input_shape, spec)
    x = ds.x_train
    norm = ds.transform["normalize"]
    raw = x * np.float32(norm["scale"]) + np.float32(norm["shift"])  # undo minmax
    return Case(DAG, spec, net, meta, x, raw.astype(np.float32), None)


CASES = {"mlp_csv": mlp_case, "cnn_images": cnn_case, "dag_add_concat": dag_case}
