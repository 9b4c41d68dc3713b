"""Typed feature values are encoded exactly as the data was, and predicted in eval mode."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.errors import DataError
from bpstudio.session import Session
from bpstudio.viz.boundary import output_probabilities
from bpstudio.viz.inference import encode_values, form_fields, predict_sample, raw_values

TEXT_TRANSFORM = {
    "source": "csv",
    "input_shape": [3],
    "columns": [
        {"name": "size", "kind": "numeric", "fill": 2.0},
        {"name": "colour", "kind": "text", "categories": ["blue", "red"], "fill": "red"},
    ],
    "feature_names": ["size", "colour=blue", "colour=red"],
    "normalize": {"method": "standard", "axis": "feature", "shift": [1.0, 0.0, 0.0],
                  "scale": [2.0, 1.0, 1.0]},
}  # fmt: skip


@pytest.mark.parametrize("example", ["iris", "spiral"])
def test_raw_values_round_trip_to_the_model_input(example):
    s = Session.open_example(example)
    s.load_data()
    t = s.dataset.transform
    for row in s.dataset.x_val[:5]:
        typed = {k: f"{v:.9g}" for k, v in raw_values(row, t).items()}
        assert np.allclose(encode_values(typed, t)[0], row, atol=1e-6)


def test_text_columns_one_hot_and_missing_values_filled():
    fields = form_fields(TEXT_TRANSFORM)
    assert [(f.name, f.kind, f.categories) for f in fields] == [
        ("size", "numeric", ()),
        ("colour", "text", ("blue", "red")),
    ]
    x = encode_values({"size": "5", "colour": "blue"}, TEXT_TRANSFORM)
    assert x.tolist() == [[2.0, 1.0, 0.0]]
    x = encode_values({"size": "", "colour": ""}, TEXT_TRANSFORM)  # training fills
    assert x.tolist() == [[0.5, 0.0, 1.0]]
    assert raw_values(x[0], TEXT_TRANSFORM) == {"size": 2.0, "colour": "red"}
    with pytest.raises(DataError, match="field 'size'"):
        encode_values({"size": "big", "colour": "red"}, TEXT_TRANSFORM)
    with pytest.raises(DataError, match="field 'colour'"):
        encode_values({"size": "1", "colour": "green"}, TEXT_TRANSFORM)


def test_arrays_need_every_value():
    s = Session.open_example("spiral")
    s.load_data()
    with pytest.raises(DataError, match="field 'x2': a number is needed"):
        encode_values({"x1": "0.5", "x2": " "}, s.dataset.transform)


def test_regression_prediction_is_the_output():
    from bpstudio.graph.document import Graph
    from bpstudio.graph.project import Project

    graph = {"nodes": [{"id": "x", "op": "Input", "params": {}},
                       {"id": "fc", "op": "Dense", "params": {"units": 1}},
                       {"id": "loss", "op": "MSELoss"}],
             "edges": [["x", "fc"], ["fc", "loss"]]}  # fmt: skip
    data = {"source": "synthetic", "name": "sine", "samples": 50, "seed": 0, "validation": 0.2}
    s = Session(Project(Graph.from_dict(graph), data, {"seed": 0, "device": "cpu"}))
    s.load_data()
    net = s.build_network()
    p = predict_sample(net, s.dataset.x_val[:1])
    assert not p.is_classification and p.names == ("output 1",)
    assert p.probs == pytest.approx(net.predict(s.dataset.x_val[:1])[0])
    assert p.label == f"{p.probs[0]:.4g}"


def test_images_have_no_form():
    assert form_fields({"source": "images", "input_shape": [1, 8, 8]}) == []


def test_prediction_is_network_predict():
    s = Session.open_example("circles")  # binary: one logit, two probabilities
    s.load_data()
    net = s.build_network()
    x = s.dataset.x_val[:1]
    p = predict_sample(net, x, s.dataset.class_names)
    want = output_probabilities(net.predict(x), "binary")[0]
    assert p.is_classification and np.allclose(p.probs, want) and len(p.probs) == 2
    assert p.label == s.dataset.class_names[int(np.argmax(want))]
