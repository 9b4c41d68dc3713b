import pytest

from bpstudio.graph.document import Graph
from bpstudio.graph.validate import validate
from tests.graph.helpers import IRIS, chain, iris


def problems_of(d_or_graph, input_shape=None):
    g = d_or_graph if isinstance(d_or_graph, Graph) else Graph.from_dict(d_or_graph)
    return [(p.node_id, p.message, p.severity) for p in validate(g, input_shape)]


def with_changes(nodes=(), edges=None, drop=()):
    """IRIS with extra nodes, replaced edges, dropped nodes (and their edges)."""
    d = {
        "nodes": [n for n in IRIS["nodes"] if n["id"] not in drop] + list(nodes),
        "edges": [e for e in IRIS["edges"] if not set(e) & set(drop)],
    }
    if edges is not None:
        d["edges"] = edges
    return d


def only(d, input_shape=None):
    found = problems_of(d, input_shape)
    assert len(found) == 1, found
    return found[0]


def test_valid_graph_has_no_problems():
    assert validate(iris()) == [] and validate(iris(), (4,)) == []


def test_unknown_op():
    d = with_changes([{"id": "w", "op": "Wobble"}], IRIS["edges"] + [["act1", "w"]])
    assert problems_of(d)[0] == ("w", "'Wobble' is not a known op", "error")


def test_bad_params():
    d = with_changes()
    d["nodes"][1] = {"id": "fc1", "op": "Dense", "params": {"units": -3}}
    assert only(d)[:2] == ("fc1", "Dense: units must be between 1 and 100000, got -3")


def test_dot_in_id():
    d = {
        "nodes": [
            {"id": "x", "op": "Input", "params": {"shape": [2]}},
            {"id": "a.b", "op": "MSELoss"},
        ],
        "edges": [["x", "a.b"]],
    }
    assert only(d)[0] == "a.b" and "'.'" in only(d)[1]


def test_dangling_edge():
    d = with_changes(edges=IRIS["edges"] + [["act1", "ghost"]])
    assert only(d)[:2] == ("act1", "the edge act1 -> ghost points to a missing node 'ghost'")


def test_duplicate_edge():
    d = {
        "nodes": [
            {"id": "x", "op": "Input", "params": {"shape": [2]}},
            {"id": "s", "op": "Add"},
            {"id": "loss", "op": "MSELoss"},
        ],
        "edges": [["x", "s"], ["x", "s"], ["s", "loss"]],
    }
    assert only(d)[:2] == ("s", "the edge x -> s appears twice")


def test_cycle():
    d = with_changes(
        [{"id": "s", "op": "Add"}],
        [
            ["x", "s"],
            ["act1", "s"],
            ["s", "fc1"],
            ["fc1", "act1"],
            ["act1", "fc2"],
            ["fc2", "loss"],
        ],
    )
    nid, msg, _ = only(d)
    assert nid in {"s", "fc1", "act1"} and "cycle fc1 -> act1 -> s -> fc1" in msg


def test_no_input_and_two_inputs():
    d = with_changes(drop=["x"])
    found = problems_of(d)
    assert (None, "the graph has no Input node: add one where the data enters", "error") in found
    assert ("fc1", "Dense needs 1 input, got 0", "error") in found
    d = with_changes([{"id": "x2", "op": "Input"}])
    assert ("x2", "a second Input ('x' is the first); a network takes one input", "error") in (
        problems_of(d)
    )


def test_missing_and_second_loss():
    d = with_changes(drop=["loss"])
    assert only(d)[:2] == (
        None,
        "the graph has no loss node: end it with MSELoss, CrossEntropyLoss or BCEWithLogitsLoss",
    )
    d = with_changes([{"id": "l2", "op": "MSELoss"}], IRIS["edges"] + [["fc2", "l2"]])
    assert only(d)[:2] == (
        "l2",
        "a second loss ('loss' is the first); a network trains on one loss",
    )


def test_loss_input_count_and_consumers():
    d = with_changes([{"id": "r", "op": "ReLU"}], IRIS["edges"] + [["act1", "loss"]])
    found = problems_of(d)
    assert ("loss", "CrossEntropyLoss needs 1 input, got 2", "error") in found
    d = with_changes([{"id": "r", "op": "ReLU"}], IRIS["edges"] + [["loss", "r"]])
    found = problems_of(d)
    assert (
        "loss",
        "a loss is the end of the network; nothing can take its output ('r')",
        "error",
    ) in found


@pytest.mark.parametrize(
    ("op", "n", "message"),
    [
        ("Dense", 2, "Dense needs 1 input, got 2"),
        ("Add", 1, "Add needs 2 or more inputs, got 1"),
        ("Concat", 0, "Concat needs 2 or more inputs, got 0"),
    ],
)
def test_wrong_number_of_inputs(op, n, message):
    d = with_changes(
        [{"id": "t", "op": op, "params": {"units": 2} if op == "Dense" else {}}],
        IRIS["edges"] + [["act1", "t"], ["fc1", "t"]][:n],
    )
    assert ("t", message, "error") in problems_of(d)


def test_input_with_an_input():
    d = with_changes(edges=IRIS["edges"] + [["act1", "x"]])
    found = problems_of(d)
    assert ("x", "Input takes no inputs, got 1", "error") in found


def test_unconnected_nodes_are_warnings():
    d = with_changes([{"id": "r", "op": "ReLU"}], IRIS["edges"] + [["act1", "r"]])
    nid, msg, severity = only(d)
    assert (nid, severity) == ("r", "warning") and "does not lead to the loss" in msg


def test_loss_not_fed_by_the_input():
    d = {
        "nodes": [
            {"id": "x", "op": "Input", "params": {"shape": [2]}},
            {"id": "a", "op": "Dense", "params": {"units": 2}},
            {"id": "b", "op": "Dense", "params": {"units": 2}},
            {"id": "s", "op": "Add"},
            {"id": "loss", "op": "MSELoss"},
        ],
        "edges": [["a", "b"], ["b", "s"], ["a", "s"], ["s", "loss"]],
    }
    found = problems_of(d)
    assert ("a", "Dense needs 1 input, got 0", "error") in found
    assert ("loss", "the loss does not depend on the Input 'x'", "error") in found


def test_shape_mismatch_add():
    g = Graph.from_dict(
        {
            "nodes": [
                {"id": "x", "op": "Input", "params": {"shape": [4]}},
                {"id": "a", "op": "Dense", "params": {"units": 16}},
                {"id": "b", "op": "Dense", "params": {"units": 8}},
                {"id": "s", "op": "Add"},
                {"id": "loss", "op": "MSELoss"},
            ],
            "edges": [["x", "a"], ["x", "b"], ["a", "s"], ["b", "s"], ["s", "loss"]],
        }
    )
    nid, msg, _ = only(g)
    assert nid == "s" and msg.startswith("Add") and "16" in msg and "8]" in msg


def test_shape_mismatch_reported_once_not_downstream():
    g = chain(
        ("Conv2D", {"filters": 2, "kernel": 3}),
        ("Dense", {"units": 3}),
        ("ReLU", {}),
        ("CrossEntropyLoss", {}),
        shape=(1, 8, 8),
    )
    nid, msg, _ = only(g)
    assert nid == "n1" and "Flatten" in msg


def test_input_shape_against_data():
    nid, msg, _ = only(iris(), (5,))
    assert nid == "x" and "Input shape (4,) does not fit the data" in msg and "(5,)" in msg


def test_loss_input_shapes():
    g = chain(("Dense", {"units": 1}), ("CrossEntropyLoss", {}))
    assert only(g)[1] == "CrossEntropyLoss needs 2 or more class scores, got 1"
    g = chain(("Dense", {"units": 3}), ("BCEWithLogitsLoss", {}))
    assert "BCEWithLogitsLoss needs one score per sample" in only(g)[1]
    g = chain(("Conv2D", {"filters": 2, "kernel": 1}), ("CrossEntropyLoss", {}), shape=(1, 4, 4))
    assert "add Flatten and a Dense layer" in only(g)[1]
    assert validate(chain(("Dense", {"units": 1}), ("BCEWithLogitsLoss", {}))) == []


def test_problem_str_names_the_node():
    p = validate(chain(("Dense", {"units": 1}), ("CrossEntropyLoss", {})))[0]
    assert str(p) == "node 'n1': CrossEntropyLoss needs 2 or more class scores, got 1"


@pytest.mark.parametrize(
    ("squash", "loss", "units"),
    [("Softmax", "CrossEntropyLoss", 3), ("Sigmoid", "BCEWithLogitsLoss", 1)],
)
def test_squashing_before_a_loss_that_squashes_is_a_warning(squash, loss, units):
    d = {
        "nodes": [
            {"id": "x", "op": "Input", "params": {"shape": [4]}},
            {"id": "fc", "op": "Dense", "params": {"units": units}},
            {"id": "s", "op": squash},
            {"id": "loss", "op": loss},
        ],
        "edges": [["x", "fc"], ["fc", "s"], ["s", "loss"]],
    }
    nid, msg, severity = only(d)
    assert (nid, severity) == ("s", "warning")
    assert msg.startswith(f"{squash} before {loss}, which applies {squash.lower()} itself")
