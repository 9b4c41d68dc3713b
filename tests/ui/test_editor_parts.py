"""The editor's Qt-free helpers (layout, clipboard) and the parameter fields' parsing."""

from __future__ import annotations

from bpstudio.graph.catalogue import OPS
from bpstudio.graph.document import Graph, Node
from bpstudio.ui.editor import clipboard, layout
from bpstudio.ui.editor.items import param_summary, shape_text
from bpstudio.ui.param_fields import FloatSpinField, IntField, TextField, make_field


def diamond() -> Graph:
    nodes = [
        Node(i, op)
        for i, op in [
            ("x", "Input"),
            ("a", "Dense"),
            ("b", "Dense"),
            ("s", "Add"),
            ("l", "MSELoss"),
        ]
    ]
    return Graph(nodes, [("x", "a"), ("x", "b"), ("a", "s"), ("b", "s"), ("s", "l")])


def test_layers_follow_longest_path_depth():
    g = diamond()
    assert layout.depths(g) == {"x": 0, "a": 1, "b": 1, "s": 2, "l": 3}
    pos = layout.layered_positions(g)
    assert pos["a"][1] == pos["b"][1] == layout.ROW_GAP
    assert pos["a"][0] < pos["b"][0]
    assert pos["s"][0] == pos["x"][0]  # single nodes stay on the centre line
    assert layout.needs_layout(g)


def test_layout_survives_a_cycle():
    g = diamond()
    g.edges.append(("l", "x"))
    assert set(layout.layered_positions(g)) == set(g.nodes)


def test_copy_text_keeps_only_inner_edges_and_parses_back():
    g = diamond()
    g.nodes["a"].params = {"units": 5}
    text = clipboard.copy_text(g, ["a", "s"])
    nodes, edges = clipboard.parse_text(text)
    assert [n.id for n in nodes] == ["a", "s"]
    assert nodes[0].params == {"units": 5}
    assert edges == [("a", "s")]


def test_pasting_other_text_does_nothing():
    assert clipboard.parse_text("hello") == ([], [])
    assert clipboard.parse_text('{"format": "something else"}') == ([], [])
    assert clipboard.parse_text('{"format": "bpstudio-nodes", "nodes": 3}') == ([], [])


def test_shape_and_summary_text():
    assert shape_text((16,)) == "16"
    assert shape_text((1, 8, 8)) == "1×8×8"
    assert shape_text(None) == ""
    assert param_summary(Node("c", "Conv2D", {"filters": 4, "kernel": [3, 5]})) == "4 filters 3×5"
    assert param_summary(Node("x", "Input")) == "shape from data"


def test_fields_match_param_types(qtbot):
    conv, drop, bn = OPS["Conv2D"], OPS["Dropout"], OPS["BatchNorm"]
    assert isinstance(make_field(conv.param("filters")), IntField)
    assert isinstance(make_field(conv.param("kernel")), TextField)
    assert isinstance(make_field(drop.param("rate")), FloatSpinField)
    assert isinstance(make_field(bn.param("eps")), TextField)  # 1e-12..1 needs typed text
    filters = make_field(conv.param("filters"))
    assert filters.inner.minimum() == 1


def test_text_field_parses_and_refuses(qtbot):
    kernel = TextField(OPS["Conv2D"].param("kernel"))
    shape = TextField(OPS["Input"].param("shape"))
    got, refused = [], []
    kernel.committed.connect(got.append)
    kernel.refused.connect(refused.append)
    for text in ("3", "3, 5", "[2, 2]", "0", "x", "1, 2, 3"):
        kernel.inner.setText(text)
        kernel.inner.editingFinished.emit()
    assert got == [3, [3, 5], [2, 2]]
    assert len(refused) == 3 and "kernel" in refused[0]
    shape_got = []
    shape.committed.connect(shape_got.append)
    for text in ("4", "1, 8, 8", ""):
        shape.inner.setText(text)
        shape.inner.editingFinished.emit()
    assert shape_got == [[4], [1, 8, 8], None]  # empty: take the shape from the data
