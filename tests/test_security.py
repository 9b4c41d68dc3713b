"""Security: nothing on a load path unpickles, and project files cannot steer writes.

- Every module of bpstudio is parsed (AST, so comments and docstrings do not count):
  no pickle-family import, no ``torch.load``/``read_pickle``/``eval``/``exec``, every
  ``np.load`` passes ``allow_pickle=False``, and ``allow_pickle=True`` appears nowhere.
- Pickle payloads in weights and data files are refused and never run (they would
  create a marker file).
- Audit of every write (see the report of issue 11): project saves, weights, exports,
  predictions, metrics and the GUI's autosave write only where the user pointed, or to
  the app's own recovery folder; a data path in a project file is only ever read. The
  tests below train, save, predict and export a project whose data path climbs out of
  its folder, and compare every file in the tree before and after.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from bpstudio.cli import main
from bpstudio.errors import DataError, WeightsError
from tests.corpus.generate import CORPUS, MARKER, make_generated

PACKAGE = Path(__file__).resolve().parents[1] / "bpstudio"
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve",
                  "marshal", "jsonpickle"}  # fmt: skip
UNSAFE_CALLS = {("torch", "load"), ("pd", "read_pickle"), ("pandas", "read_pickle")}


# ------------------------------------------------------------------ no pickle
def unsafe_uses(source: str, name: str = "<src>") -> list[str]:
    """Each pickle-capable use in ``source``, as 'file:line what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [
                f"{where} imports {m}" for m in mods if (m or "").split(".")[0] in UNSAFE_MODULES
            ]
        elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            if not (isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"{where} allow_pickle not False")
        elif isinstance(node, ast.Call):
            found += [f"{where} {what}" for what in _unsafe_call(node)]
    return found


def _unsafe_call(call: ast.Call) -> list[str]:
    f = call.func
    if isinstance(f, ast.Name) and f.id in ("eval", "exec", "__import__"):
        return [f"calls {f.id}()"]
    if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)):
        return []
    pair = (f.value.id, f.attr)
    if pair in UNSAFE_CALLS:
        return [f"calls {pair[0]}.{pair[1]}"]
    if pair in (("np", "load"), ("numpy", "load")):
        ok = any(
            k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in call.keywords
        )
        return [] if ok else ["np.load without allow_pickle=False"]
    return []


def test_the_checker_catches_each_unsafe_form():
    bad = (
        "import pickle\nfrom dill import loads\nimport numpy as np\n"
        "np.load(p)\nnp.load(p, allow_pickle=True)\ntorch.load(f)\neval('1')\n"
        "pd.read_pickle(f)\n"
    )
    assert len(unsafe_uses(bad)) == 8  # line 5 twice: the keyword and the np.load
    assert unsafe_uses("np.load(p, allow_pickle=False)\n# import pickle\nbox.exec()\n") == []


def test_no_pickle_anywhere_in_bpstudio():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    found = []
    for path in files:
        found += unsafe_uses(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert found == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gen")
    make_generated(folder)
    return folder


@pytest.mark.parametrize("name", ["pickle_member.npz", "raw_pickle.npz"])
def test_pickled_weights_are_refused_and_never_run(generated, name):
    from bpstudio.io.weights import load_weights

    with pytest.raises(WeightsError, match=name):
        load_weights(generated / name)
    assert not (generated / MARKER).exists()


def test_pickled_dataset_is_refused_and_never_run(generated):
    from bpstudio.data import load_dataset

    spec = {"source": "npz", "path": "data_pickle.npz"}
    with pytest.raises(DataError, match="data_pickle.npz"):
        load_dataset(spec, generated, task="classification")
    assert not (generated / MARKER).exists()


# ---------------------------------------------------------------- write paths
def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """relative path -> (size, mtime_ns) of every file under ``root``."""
    out = {}
    for folder, _, files in os.walk(root):
        for f in files:
            st = (Path(folder) / f).stat()
            out[str((Path(folder) / f).relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def escaping(tmp_path) -> Path:
    """tmp/user/projects/p.bpstudio whose data path climbs to tmp/elsewhere/secret.csv."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.csv").write_bytes((CORPUS / "csv" / "good.csv").read_bytes())
    (tmp_path / "user" / "projects").mkdir(parents=True)
    (tmp_path / "user" / "out").mkdir()
    d = json.loads((CORPUS / "projects" / "csv_mlp.bpstudio").read_text())
    d["data"]["path"] = "../../elsewhere/secret.csv"
    project = tmp_path / "user" / "projects" / "p.bpstudio"
    project.write_text(json.dumps(d))
    return project


def new_files(before: dict, after: dict) -> set[str]:
    return {k for k in after if k not in before}


def test_training_with_an_escaping_data_path_reads_it_and_writes_only_what_was_asked(
    escaping, tmp_path, capsys
):
    root = tmp_path
    before = snapshot(root)
    out = root / "user" / "out"
    args = ["train", str(escaping), "--epochs", "1", "--device", "cpu", "--quiet"]
    args += ["--save-weights", str(out / "w.safetensors"), "--metrics", str(out / "m.csv")]
    args += ["--onnx", str(out / "model.onnx")]
    assert main(args) == 0, capsys.readouterr().err
    after = snapshot(root)
    assert new_files(before, after) == {"user/out/w.safetensors", "user/out/m.csv",
                                        "user/out/model.onnx"}  # fmt: skip
    assert {k: v for k, v in after.items() if k in before} == before  # nothing else touched


def test_predict_and_export_write_exactly_the_given_targets(escaping, tmp_path, capsys):
    weights = tmp_path / "user" / "out" / "w.npz"
    base = ["train", str(escaping), "--epochs", "0", "--device", "cpu", "--quiet"]
    assert main([*base, "--save-weights", str(weights)]) == 0
    before = snapshot(tmp_path)
    pred = tmp_path / "user" / "out" / "pred.csv"
    data = str(tmp_path / "elsewhere" / "secret.csv")
    assert main(["predict", str(escaping), "--weights", str(weights), "--data", data,
                 "--out", str(pred)]) == 0  # fmt: skip
    targets = {"safetensors": "e.safetensors", "npz": "e.npz", "onnx": "e.onnx",
               "torch": "model.py"}  # fmt: skip
    for fmt, name in targets.items():
        out = tmp_path / "user" / "out" / name
        assert main(["export", str(escaping), "--weights", str(weights), "--format", fmt,
                     "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    written = new_files(before, snapshot(tmp_path))
    expected = {f"user/out/{n}" for n in ["pred.csv", *targets.values()]}
    # the one documented extra: the torch export's weights beside its model.py
    assert written == expected | {"user/out/model.safetensors"}
    assert {k: v for k, v in snapshot(tmp_path).items() if k in before} == before


def test_saving_elsewhere_rebases_the_data_path_and_writes_only_the_project(escaping, tmp_path):
    from bpstudio.session import Session

    session = Session.open(escaping)
    before = snapshot(tmp_path)
    target = tmp_path / "user" / "deeper" / "folder" / "copy.bpstudio"
    target.parent.mkdir(parents=True)
    session.save(target)
    assert new_files(before, snapshot(tmp_path)) == {"user/deeper/folder/copy.bpstudio"}
    saved = json.loads(target.read_text())
    assert (target.parent / saved["data"]["path"]).resolve() == (
        tmp_path / "elsewhere" / "secret.csv"
    ).resolve()


def test_an_absolute_system_path_is_only_read(tmp_path, capsys):
    system = Path("/etc/passwd")
    if not system.is_file():
        pytest.skip("no /etc/passwd here")
    stat = system.stat()
    d = json.loads((CORPUS / "projects" / "csv_mlp.bpstudio").read_text())
    d["data"]["path"] = "../../../../../../../../../../etc/passwd"
    project = tmp_path / "p.bpstudio"
    project.write_text(json.dumps(d))
    before = snapshot(tmp_path)
    code = main(["train", str(project), "--epochs", "1", "--quiet", "--save-weights",
                 str(tmp_path / "w.npz")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "passwd" in err and len(err.strip().splitlines()) == 1
    assert system.stat().st_mtime_ns == stat.st_mtime_ns
    assert snapshot(tmp_path) == before  # a refused run writes nothing, not even weights


def test_a_hostile_weights_file_name_stays_a_string_in_model_py(tmp_path, capsys):
    weights = tmp_path / "w.npz"
    project = str(CORPUS / "projects" / "csv_mlp.bpstudio")
    base = ["train", project, "--epochs", "0", "--device", "cpu", "--quiet"]
    assert main([*base, "--save-weights", str(weights)]) == 0
    out = tmp_path / 'm"+__import__("os").getcwd()+".py'
    assert main(["export", project, "--weights", str(weights), "--format", "torch",
                 "--out", str(out)]) == 0  # fmt: skip
    tree = ast.parse(out.read_text())
    assigns = [n for n in tree.body if isinstance(n, ast.Assign)]
    weights_line = next(n for n in assigns if n.targets[0].id == "WEIGHTS")
    assert isinstance(weights_line.value, ast.Constant)
    assert weights_line.value.value == Path(out).with_suffix(".safetensors").name


def test_autosave_writes_only_into_its_own_folder(tmp_path, escaping):
    pytest.importorskip("PySide6")
    from bpstudio.graph.project import load_project
    from bpstudio.ui.projects import Recovery

    folder = tmp_path / "appdata" / "recovery"
    before = snapshot(tmp_path)
    project = load_project(escaping)
    Recovery(folder).write(project)
    assert {p.split("/")[0] for p in new_files(before, snapshot(tmp_path))} == {"appdata"}
    restored = Recovery(folder).restore()
    assert restored.path == escaping and restored.data == project.data
