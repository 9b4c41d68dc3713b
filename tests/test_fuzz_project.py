"""Hypothesis on the project parser and everything that reads a loaded graph.

Random JSON, structurally mutated valid projects and byte-mangled files must each give a
ProjectError/GraphError (one line) or a Project that validation, shape inference,
compiling and saving handle without any other exception. ``tests/graph/test_project.py``
fuzzes the sections with random JSON; this file starts from valid projects and breaks
them the way editing by hand does. (The CSV loader's fuzzing is in
``tests/data/test_csv_fuzz.py``.)
"""

from __future__ import annotations

import copy
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstudio.errors import GraphError, ProjectError
from bpstudio.graph.compile import compile_graph, task_of
from bpstudio.graph.project import load_project, save_project
from bpstudio.graph.shapes import infer_shapes
from bpstudio.graph.validate import errors, validate
from tests.corpus.generate import CORPUS

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
BASES = [
    json.loads((CORPUS / "projects" / name).read_text())
    for name in ("csv_mlp.bpstudio", "images_mlp.bpstudio", "cycle.bpstudio")
]
OPS = ["Input", "Dense", "Conv2D", "MaxPool2D", "Flatten", "Add", "Concat", "ReLU",
       "BatchNorm", "Dropout", "CrossEntropyLoss", "MSELoss", "Nope", ""]  # fmt: skip

SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | st.sampled_from(OPS)
)
JSON = st.recursive(
    SCALAR,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=15,
)
PARAM_VALUES = (
    SCALAR
    | st.lists(st.integers(-3, 5000), max_size=4)
    | st.sampled_from([[0], [1, 0, 2], [3, 4, 4], 10**9, -1, 0.5, "3", [], True])
)


def _paths(d, prefix=()):
    """Every (path, value) in a JSON tree; paths are tuples of keys and indices."""
    yield prefix, d
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for k, v in items:
        yield from _paths(v, (*prefix, k))


def _set(d, path, value):
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


def _delete(d, path):
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


@st.composite
def mutated_projects(draw):
    """A valid project with 1-4 edits: replace, delete, duplicate, rewire, re-param."""
    d = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p, _ in _paths(d) if p]
        kind = draw(st.sampled_from(["replace", "delete", "param", "edge", "node", "op"]))
        nodes = d.get("graph", {}).get("nodes") if isinstance(d.get("graph"), dict) else None
        ids = [n.get("id") for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
        if kind == "replace" and paths:
            _set(d, draw(st.sampled_from(paths)), draw(JSON))
        elif kind == "delete" and paths:
            _delete(d, draw(st.sampled_from(paths)))
        elif kind == "param" and ids:
            node = draw(st.sampled_from([n for n in nodes if isinstance(n, dict)]))
            params = node.setdefault("params", {})
            if isinstance(params, dict):
                key = draw(st.sampled_from(["units", "shape", "kernel", "rate", "size", "x"]))
                params[key] = draw(PARAM_VALUES)
        elif kind == "edge" and ids and isinstance(d["graph"].get("edges"), list):
            pair = [draw(st.sampled_from([*ids, "ghost"])) for _ in range(2)]
            d["graph"]["edges"].append(pair)
        elif kind == "node" and ids:
            nodes.append(copy.deepcopy(draw(st.sampled_from(nodes))))
        elif kind == "op" and ids:
            node = draw(st.sampled_from([n for n in nodes if isinstance(n, dict)]))
            node["op"] = draw(st.sampled_from(OPS))
    return d


def _exercise(tmp_path, text: str) -> None:
    """Load ``text`` as a project file; a Project must survive every graph consumer."""
    path = tmp_path / "fuzz.bpstudio"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        project = load_project(path)
    except ProjectError as err:  # load_project wraps GraphError too
        message = str(err)
        assert message.startswith(str(path)) and "\n" not in message
        return
    problems = validate(project.graph)
    for p in problems:
        assert "\n" not in str(p)
    infer_shapes(project.graph)
    task_of(project.graph)
    if not errors(problems):
        try:
            compile_graph(project.graph, xp=np, dtype=np.float32)
        except GraphError as err:
            assert "\n" not in str(err)
    again = tmp_path / "again.bpstudio"
    save_project(project, again)
    assert load_project(again).graph == project.graph


@FUZZ
@given(d=mutated_projects())
def test_mutated_valid_projects(tmp_path_factory, d):
    _exercise(tmp_path_factory.mktemp("m"), json.dumps(d))


@FUZZ
@given(
    graph=st.fixed_dictionaries(
        {
            "nodes": st.lists(
                st.fixed_dictionaries(
                    {"id": st.sampled_from(["x", "a", "b", "loss", "a.b", ""]),
                     "op": st.sampled_from(OPS)},
                    optional={"params": st.dictionaries(
                        st.sampled_from(["units", "shape", "kernel", "size", "rate", "filters"]),
                        PARAM_VALUES, max_size=3)},
                ),
                max_size=6,
            ),
            "edges": st.lists(st.lists(st.sampled_from(["x", "a", "b", "loss", "z"]),
                                       min_size=2, max_size=2), max_size=8),
        }
    )
)  # fmt: skip
def test_random_graphs(tmp_path_factory, graph):
    d = {**copy.deepcopy(BASES[0]), "graph": graph}
    _exercise(tmp_path_factory.mktemp("g"), json.dumps(d))


@FUZZ
@given(root=JSON)
def test_random_json_documents(tmp_path_factory, root):
    _exercise(tmp_path_factory.mktemp("j"), json.dumps(root))


@FUZZ
@given(
    base=st.sampled_from(BASES),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.characters(codec="utf-8")), max_size=4),
)
def test_mangled_text(tmp_path_factory, base, cut, flips):
    text = list(json.dumps(base, indent=1))
    for where, char in flips:
        text[int(where * (len(text) - 1))] = char
    text = "".join(text)
    _exercise(tmp_path_factory.mktemp("t"), text[: max(1, int(len(text) * (0.5 + cut / 2)))])
