import pytest

from bpstudio.errors import GraphError
from bpstudio.graph.document import Graph, Node
from tests.graph.helpers import IRIS, iris


def test_round_trip_keeps_nodes_edges_and_order():
    g = iris()
    assert g.to_dict() == IRIS | {"nodes": _without_zero_pos(IRIS["nodes"])}
    assert Graph.from_dict(g.to_dict()) == g
    assert list(g.nodes) == ["x", "fc1", "act1", "fc2", "loss"]


def _without_zero_pos(nodes):
    return [{k: v for k, v in n.items() if not (k == "pos" and v == [0.0, 0.0])} for n in nodes]


def test_missing_params_and_pos_read_as_empty():
    g = Graph.from_dict({"nodes": [{"id": "a", "op": "ReLU", "params": None}]})
    assert g.nodes["a"].params == {} and g.nodes["a"].pos == (0.0, 0.0)
    assert g.to_dict() == {"nodes": [{"id": "a", "op": "ReLU"}], "edges": []}


def test_to_dict_is_a_copy():
    g = Graph([Node("c", "Conv2D", {"kernel": [3, 3]})])
    d = g.to_dict()
    d["nodes"][0]["params"]["kernel"][0] = 5
    assert g.nodes["c"].params["kernel"] == [3, 3]


def test_inputs_and_outputs_follow_edge_order():
    g = Graph([Node(i, "ReLU") for i in "abcd"], [("b", "d"), ("a", "d"), ("a", "c")])
    assert g.inputs_of("d") == ["b", "a"]
    assert g.outputs_of("a") == ["d", "c"]
    assert g.ancestors("d") == {"a", "b"} and g.descendants("a") == {"c", "d"}


def test_new_id_counts_past_the_highest():
    g = Graph([Node("dense_1", "Dense"), Node("dense_4", "Dense"), Node("fc", "Dense")])
    assert g.new_id("Dense") == "dense_5"
    assert g.new_id("Conv2D") == "conv2d_1"
    assert g.new_id("BCEWithLogitsLoss") == "bcewithlogitsloss_1"


def test_add_node_at_index_and_duplicate():
    g = Graph([Node("a", "ReLU"), Node("c", "ReLU")])
    g.add_node(Node("b", "ReLU"), 1)
    assert list(g.nodes) == ["a", "b", "c"]
    with pytest.raises(GraphError, match="'a'.*already exists"):
        g.add_node(Node("a", "Tanh"))


def test_remove_node_reports_its_edges():
    g = iris()
    node, index, edges = g.remove_node("act1")
    assert (node.id, index) == ("act1", 2)
    assert edges == [(1, ("fc1", "act1")), (2, ("act1", "fc2"))]
    assert g.edges == [("x", "fc1"), ("fc2", "loss")]


def test_topological_order_is_stable():
    g = Graph([Node(i, "ReLU") for i in "dcba"], [("a", "b"), ("c", "b"), ("b", "d")])
    assert g.topological_order() == ["c", "a", "b", "d"]
    assert iris().topological_order() == ["x", "fc1", "act1", "fc2", "loss"]


def test_cycle_names_a_node_on_it():
    g = Graph(
        [Node(i, "ReLU") for i in ["x", "a", "b", "c", "after"]],
        [("x", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "after")],
    )
    with pytest.raises(GraphError, match="cycle") as e:
        g.topological_order()
    assert e.value.node_id in {"a", "b", "c"}
    assert "a -> b -> c -> a" in str(e.value)


def test_self_loop_is_a_cycle():
    g = Graph([Node("a", "ReLU")], [("a", "a")])
    with pytest.raises(GraphError, match="a -> a"):
        g.topological_order()


def test_dangling_edges_are_kept_but_ignored_by_order():
    g = Graph.from_dict({"nodes": [{"id": "a", "op": "ReLU"}], "edges": [["a", "ghost"]]})
    assert g.edges == [("a", "ghost")] and g.topological_order() == ["a"]


@pytest.mark.parametrize(
    ("d", "match"),
    [
        ([], "'graph' must be an object"),
        ({"nodes": {}}, "nodes' must be a list"),
        ({"edges": "x"}, "edges' must be a list"),
        ({"nodes": [3]}, r"nodes\[0\] must be an object"),
        ({"nodes": [{"op": "ReLU"}]}, "needs an 'id'"),
        ({"nodes": [{"id": "a"}]}, "node 'a': needs an 'op'"),
        ({"nodes": [{"id": "a", "op": "ReLU", "params": [1]}]}, "'params' must be an object"),
        ({"nodes": [{"id": "a", "op": "ReLU", "pos": [1]}]}, "'pos' must be two numbers"),
        ({"nodes": [{"id": "a", "op": "ReLU", "pos": [1, "x"]}]}, "'pos'"),
        ({"nodes": [{"id": "a", "op": "ReLU"}, {"id": "a", "op": "Tanh"}]}, "already exists"),
        ({"nodes": [], "edges": [["a"]]}, r"edges\[0\] must be a pair"),
        ({"nodes": [], "edges": [["a", 1]]}, r"edges\[0\] must be a pair"),
    ],
)
def test_from_dict_refuses_what_a_graph_cannot_hold(d, match):
    with pytest.raises(GraphError, match=match):
        Graph.from_dict(d)
