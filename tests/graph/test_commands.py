import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstudio.errors import GraphError
from bpstudio.graph.commands import (
    AddNode,
    Connect,
    Disconnect,
    Macro,
    MoveNode,
    RemoveNode,
    SetParam,
    check_connect,
    delete_selection,
    paste,
)
from bpstudio.graph.document import Graph, Node
from tests.graph.helpers import iris


def do_undo_redo(graph, cmd, check_after):
    """do, check, undo (back to the start exactly), redo (the same result again)."""
    before = copy.deepcopy(graph.to_dict())
    cmd.do(graph)
    after = copy.deepcopy(graph.to_dict())
    check_after(graph)
    cmd.undo(graph)
    assert graph.to_dict() == before
    assert list(graph.nodes) == [n["id"] for n in before["nodes"]]
    cmd.do(graph)
    assert graph.to_dict() == after


def test_add_node():
    g = iris()
    cmd = AddNode(Node(g.new_id("Dense"), "Dense", {"units": 8}, (5, 6)))
    assert cmd.text == "Add Dense"
    do_undo_redo(g, cmd, lambda g: g.nodes["dense_1"].pos == (5, 6))
    with pytest.raises(GraphError, match="already exists"):
        AddNode(Node("fc1", "Dense")).do(g)


def test_remove_node_restores_edges_in_place():
    g = iris()

    def check(g):
        assert "act1" not in g.nodes
        assert g.edges == [("x", "fc1"), ("fc2", "loss")]

    do_undo_redo(g, RemoveNode("act1"), check)
    assert g.inputs_of("fc2") == []
    with pytest.raises(GraphError, match="'ghost' does not exist"):
        RemoveNode("ghost").do(g)


def test_remove_node_keeps_concat_input_order():
    g = Graph(
        [Node("a", "ReLU"), Node("b", "ReLU"), Node("c", "ReLU"), Node("cat", "Concat")],
        [("a", "cat"), ("b", "cat"), ("c", "cat")],
    )
    cmd = RemoveNode("b")
    cmd.do(g)
    cmd.undo(g)
    assert g.inputs_of("cat") == ["a", "b", "c"]


def test_connect_and_its_refusals():
    g = iris()
    g.add_node(Node("r", "ReLU"))
    do_undo_redo(g, Connect("act1", "r"), lambda g: g.inputs_of("r") == ["act1"])
    g.add_node(Node("q", "ReLU"))
    g.add_node(Node("s", "Add"))
    g.edges.append(("q", "s"))
    cases = [
        (Connect("fc1", "fc1"), "to itself"),
        (Connect("x", "fc1"), "already takes input from 'x'"),
        (Connect("s", "q"), "would make a cycle"),
        (Connect("r", "fc2"), "Dense takes 1 input and already has one"),
        (Connect("fc1", "x"), "Input takes no inputs"),
        (Connect("loss", "r"), "a loss is the end"),
        (Connect("fc1", "ghost"), "'ghost' does not exist"),
    ]
    for cmd, match in cases:
        before = g.to_dict()
        with pytest.raises(GraphError, match=match):
            cmd.do(g)
        assert g.to_dict() == before


def test_connect_error_names_the_node():
    with pytest.raises(GraphError) as e:
        check_connect(iris(), "act1", "fc1")
    assert e.value.node_id == "fc1" and str(e.value).startswith("node 'fc1': ")


def test_connect_many_inputs_to_add():
    g = Graph([Node("a", "ReLU"), Node("b", "ReLU"), Node("c", "ReLU"), Node("s", "Add")])
    for src in "abc":
        Connect(src, "s").do(g)
    assert g.inputs_of("s") == ["a", "b", "c"]


def test_disconnect_restores_position():
    g = Graph(
        [Node("a", "ReLU"), Node("b", "ReLU"), Node("cat", "Concat")],
        [("a", "cat"), ("b", "cat")],
    )
    do_undo_redo(g, Disconnect("a", "cat"), lambda g: g.inputs_of("cat") == ["b"])
    assert Disconnect("a", "cat").text == "Disconnect a from cat"
    with pytest.raises(GraphError, match="no edge from 'b'"):
        Disconnect("b", "a").do(g)


def test_set_param_and_default():
    g = iris()
    do_undo_redo(g, SetParam("fc1", "units", 32), lambda g: g.nodes["fc1"].params["units"] == 32)
    do_undo_redo(
        g, SetParam("fc1", "bias", False), lambda g: g.nodes["fc1"].params["bias"] is False
    )
    g.nodes["fc1"].params["init"] = "xavier_normal"
    do_undo_redo(g, SetParam("fc1", "init", None), lambda g: "init" not in g.nodes["fc1"].params)


def test_set_param_stores_tuples_as_lists():
    g = iris()
    SetParam("x", "shape", (7,)).do(g)
    assert g.nodes["x"].params["shape"] == [7]


def test_set_param_undo_keeps_key_order():
    g = Graph([Node("c", "Conv2D", {"filters": 2, "kernel": 3, "stride": 2})])
    cmd = SetParam("c", "filters", None)
    with pytest.raises(GraphError, match="Conv2D needs 'filters'; it cannot be left empty"):
        cmd.do(g)
    cmd = SetParam("c", "kernel", 5)
    cmd.do(g)
    cmd.undo(g)
    assert list(g.nodes["c"].params) == ["filters", "kernel", "stride"]


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("units", 0, "units must be between 1"),
        ("units", "many", "units must be a whole number"),
        ("unit", 3, "Dense has no parameter 'unit'"),
    ],
)
def test_set_param_refuses_bad_values(name, value, match):
    g = iris()
    with pytest.raises(GraphError, match=f"node 'fc1': .*{match}"):
        SetParam("fc1", name, value).do(g)
    assert g.nodes["fc1"].params == {"units": 16}


def test_move_node_merges():
    g = iris()
    first = MoveNode("act1", (10, 0))
    first.do(g)
    second = MoveNode("act1", (20, 5))
    second.do(g)
    assert first.mergeable_with(second)
    assert not first.mergeable_with(MoveNode("fc1", (1, 1)))
    assert not first.mergeable_with(SetParam("act1", "x", 1))
    first.merge(second)
    first.undo(g)
    assert g.nodes["act1"].pos == (0, 0)
    first.do(g)
    assert g.nodes["act1"].pos == (20, 5)


def test_macro_is_all_or_nothing():
    g = iris()
    before = g.to_dict()
    bad = Macro([RemoveNode("act1"), Connect("fc1", "fc2"), Connect("x", "fc2")])
    with pytest.raises(GraphError, match="already has one"):
        bad.do(g)
    assert g.to_dict() == before
    good = Macro([RemoveNode("act1"), Connect("fc1", "fc2")], "Remove activation")
    do_undo_redo(g, good, lambda g: g.inputs_of("fc2") == ["fc1"])
    assert good.text == "Remove activation"


def test_delete_selection():
    g = iris()
    cmd = delete_selection(g, ["fc1", "act1"], edges=[("fc2", "loss"), ("x", "fc1")])

    def check(g):
        assert list(g.nodes) == ["x", "fc2", "loss"] and g.edges == []

    do_undo_redo(g, cmd, check)


def test_paste_gives_fresh_ids_and_inner_edges():
    g = iris()
    nodes = [g.nodes["fc1"], g.nodes["act1"]]
    cmd = paste(g, nodes, [("x", "fc1"), ("fc1", "act1")])

    def check(g):
        assert list(g.nodes)[-2:] == ["dense_1", "tanh_1"]
        assert g.nodes["dense_1"].params == {"units": 16}
        assert g.nodes["dense_1"].pos == (160.0, 40.0)
        assert g.edges[-1] == ("dense_1", "tanh_1") and len(g.edges) == 5

    do_undo_redo(g, cmd, check)


# ------------------------------------------------------------ random sequences
OPS_FOR_RANDOM = ["Dense", "ReLU", "Add", "Concat", "Tanh", "MSELoss"]


def random_command(data, g: Graph):
    ids = list(g.nodes)
    kind = data.draw(st.sampled_from(["add", "remove", "connect", "disconnect", "set", "move"]))
    if kind == "add" or not ids:
        op = data.draw(st.sampled_from(OPS_FOR_RANDOM))
        return AddNode(Node(g.new_id(op), op, {"units": 4} if op == "Dense" else {}))
    if kind == "remove":
        return RemoveNode(data.draw(st.sampled_from(ids)))
    if kind == "connect":
        return Connect(data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids)))
    if kind == "disconnect" and g.edges:
        return Disconnect(*data.draw(st.sampled_from(g.edges)))
    nid = data.draw(st.sampled_from(ids))
    if kind == "set":
        value = data.draw(st.sampled_from([None, 0, 3, 64, True, "xavier_normal"]))
        name = data.draw(st.sampled_from(["units", "bias", "init", "rate"]))
        return SetParam(nid, name, value)
    x, y = data.draw(st.floats(-1e4, 1e4)), data.draw(st.floats(-1e4, 1e4))
    return MoveNode(nid, (x, y))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_sequences_undo_to_the_original(data):
    g = iris()
    original = copy.deepcopy(g.to_dict())
    done = []
    for _ in range(data.draw(st.integers(1, 25))):
        cmd = random_command(data, g)
        before = copy.deepcopy(g.to_dict())
        try:
            cmd.do(g)
        except GraphError:
            assert g.to_dict() == before  # a refused edit changes nothing
            continue
        done.append(cmd)
        g.topological_order()  # commands never make a cycle
    final = copy.deepcopy(g.to_dict())
    for cmd in reversed(done):
        cmd.undo(g)
    assert g.to_dict() == original
    for cmd in done:
        cmd.do(g)
    assert g.to_dict() == final
