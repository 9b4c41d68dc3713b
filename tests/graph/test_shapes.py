import inspect

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.graph.catalogue import LOSS_TASKS, OPS, initial_params, resolved_params
from bpstudio.graph.document import Graph
from bpstudio.graph.shapes import infer_shapes
from tests.graph.helpers import chain, iris


def test_catalogue_matches_the_engine():
    for name, spec in OPS.items():
        if spec.is_loss:
            assert LOSSES[name].task == LOSS_TASKS[name]
            continue
        if name == "Input":
            continue
        keywords = set(inspect.signature(LAYERS[name]).parameters)
        assert keywords == {p.name for p in spec.params}, name
        layer = LAYERS[name](**resolved_params(name, initial_params(name)))
        assert layer.n_inputs == spec.n_inputs, name
    assert set(LAYERS) | set(LOSSES) | {"Input"} == set(OPS)


def test_mlp_shapes():
    shapes, problems = infer_shapes(iris())
    assert problems == []
    assert shapes == {"x": (4,), "fc1": (16,), "act1": (16,), "fc2": (3,), "loss": ()}


def test_data_shape_is_used_when_the_input_has_none():
    g = iris()
    del g.nodes["x"].params["shape"]
    assert infer_shapes(g)[0]["fc1"] is None
    shapes, problems = infer_shapes(g, (7,))
    assert problems == [] and shapes["x"] == (7,) and shapes["fc1"] == (16,)


def test_conv_net_shapes():
    g = chain(
        ("Conv2D", {"filters": 8, "kernel": [3, 5], "padding": 1}),
        ("BatchNorm", {}),
        ("ReLU", {}),
        ("MaxPool2D", {"size": 2}),
        ("AvgPool2D", {"size": 3, "stride": 1}),
        ("Flatten", {}),
        ("Dropout", {"rate": 0.2}),
        ("Dense", {"units": 10}),
        ("CrossEntropyLoss", {}),
        shape=(1, 28, 28),
    )
    shapes, problems = infer_shapes(g)
    assert problems == []
    assert [shapes[f"n{i}"] for i in range(9)] == [
        (8, 28, 26),
        (8, 28, 26),
        (8, 28, 26),
        (8, 14, 13),
        (8, 12, 11),
        (8 * 12 * 11,),
        (1056,),
        (10,),
        (),
    ]


def test_concat_and_add_shapes():
    g = Graph.from_dict(
        {
            "nodes": [
                {"id": "x", "op": "Input", "params": {"shape": [3, 8, 8]}},
                {"id": "a", "op": "Conv2D", "params": {"filters": 4, "kernel": 3, "padding": 1}},
                {"id": "b", "op": "Conv2D", "params": {"filters": 2, "kernel": 1}},
                {"id": "cat", "op": "Concat"},
                {"id": "s", "op": "Add"},
            ],
            "edges": [["x", "a"], ["x", "b"], ["a", "cat"], ["b", "cat"], ["a", "s"], ["a", "s"]],
        }
    )
    shapes, problems = infer_shapes(g)
    assert shapes["cat"] == (6, 8, 8) and shapes["s"] == (4, 8, 8) and problems == []


def test_unknown_shapes_stay_unknown_without_problems():
    g = chain(("Wobble", {}), ("Dense", {"units": 2}), ("MSELoss", {}))
    shapes, problems = infer_shapes(g)
    assert shapes == {"x": (4,), "n0": None, "n1": None, "n2": None} and problems == []


def test_cycle_is_one_problem():
    g = iris()
    g.edges.append(("fc2", "fc1"))
    shapes, problems = infer_shapes(g)
    assert set(shapes.values()) == {None} and "cycle" in problems[0].message
