"""Every bad-input corpus item through the real command line, as a user would run it.

Each case runs ``python -m bpstudio ...`` in a subprocess with a timeout and expects
either a refusal (exit 2, exactly one stderr line naming the file or node, no traceback)
or, where loading is the sensible answer, success (exit 0). The corpus lives in
``tests/corpus/`` (small committed files) and ``tests/corpus/generate.py`` (big or
pickle-carrying items, made per test session). No item may ever unpickle: the pickle
payloads would create a marker file, and every case checks that it never appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import resource
except ImportError:  # Windows: no rlimits
    resource = None

from tests.corpus.generate import CORPUS, MARKER, make_generated

pytestmark = pytest.mark.slow  # ~80 subprocesses of ~1.5 s each

TIMEOUT = 90  # seconds; a hang shows up as a failure, not a stuck suite
MEMORY_CAP = 6 << 30
PROJECT = "{c}/projects/csv_mlp.bpstudio"
IMAGES_PROJECT = "{c}/projects/images_mlp.bpstudio"
GOOD_CSV = "{c}/csv/good.csv"


def refuse(names: str):
    return (2, names)


OK = (0, None)

# --------------------------------------------------------------------------- CSV
CSV_CASES = {
    "good.csv": OK,
    "bom_utf8.csv": OK,
    "latin1.csv": OK,  # read as Latin-1, said in the messages
    "missing_values.csv": OK,  # rows with missing feature values are dropped, and said
    "empty.csv": refuse("empty.csv: file is empty"),
    "header_only.csv": refuse("header_only.csv: has a header but no data rows"),
    "ragged.csv": refuse("ragged.csv: line 3 has 4 fields"),
    "binary.csv": refuse("binary.csv: "),
    "png_named_csv.csv": refuse("png_named_csv.csv: "),
    "utf16.csv": OK,  # UTF-16 with a BOM is text
    "only_nan.csv": refuse("only_nan.csv: has no column with values"),
    "duplicate_names.csv": refuse("duplicate_names.csv: duplicate column name 'a'"),
    "single_column.csv": refuse("single_column.csv: has only one column"),
    "single_class.csv": refuse("single_class.csv: column 'label': only one class"),
    "text_in_numeric.csv": refuse("text_in_numeric.csv: column 'a' holds numbers"),
    "infinite_values.csv": refuse("infinite_values.csv: column 'a' holds infinite values"),
    "nan_target.csv": refuse("nan_target.csv: no row has a value in the target column"),
    "unterminated_quote.csv": refuse("unterminated_quote.csv: cannot parse as CSV"),
}
GENERATED_CSV_CASES = {
    "huge_first_line.csv": refuse("huge_first_line.csv: line 1 is longer than"),
    # a 5 MB text cell in a numeric column: named, and shortened in the message
    "huge_cell.csv": refuse("huge_cell.csv: column 'a' holds numbers but data row 21"),
    "many_columns.csv": OK,  # 2,000 features
    "too_many_columns.csv": refuse("too_many_columns.csv: "),
}

# ---------------------------------------------------------------------- projects
PROJECT_CASES = {
    "csv_mlp.bpstudio": OK,
    "images_mlp.bpstudio": OK,
    "invalid_json.bpstudio": refuse("invalid_json.bpstudio: not valid JSON"),
    "truncated_json.bpstudio": refuse("truncated_json.bpstudio: not valid JSON"),
    "empty.bpstudio": refuse("empty.bpstudio: not valid JSON"),
    "binary.bpstudio": refuse("binary.bpstudio: not a project file"),
    "not_object.bpstudio": refuse("not_object.bpstudio: not a bpstudio project"),
    "wrong_format.bpstudio": refuse("wrong_format.bpstudio: not a bpstudio project"),
    "future_version.bpstudio": refuse("future_version.bpstudio: written by a newer bpstudio"),
    "graph_not_object.bpstudio": refuse("graph_not_object.bpstudio: 'graph' must be an object"),
    "nodes_not_list.bpstudio": refuse("nodes_not_list.bpstudio: 'graph.nodes' must be a list"),
    "edge_bad_shape.bpstudio": refuse("edge_bad_shape.bpstudio: graph.edges[4]"),
    "duplicate_ids.bpstudio": refuse("duplicate_ids.bpstudio: node 'fc1'"),
    "unknown_op.bpstudio": refuse("node 'act1': 'Swish9' is not a known op"),
    "cycle.bpstudio": refuse("node 'add': the graph has a cycle"),
    "dangling_edge.bpstudio": refuse("node 'fc2': the edge fc2 -> ghost"),
    "missing_loss.bpstudio": refuse("has no loss node"),
    "two_inputs.bpstudio": refuse("node 'x2': a second Input"),
    "bad_units.bpstudio": refuse("node 'fc1': Dense: units must be"),
    "bad_units_type.bpstudio": refuse("node 'fc1': Dense: units must be a whole number"),
    "bad_dropout.bpstudio": refuse("node 'drop': Dropout: rate must be"),
    "bad_lr.bpstudio": refuse("bad_lr.bpstudio: training.optimizer.lr must be"),
    "nan_literal.bpstudio": refuse("nan_literal.bpstudio: not valid JSON (NaN is not"),
    "bad_epochs.bpstudio": refuse("bad_epochs.bpstudio: training.epochs must be"),
    "unknown_optimizer.bpstudio": refuse("unknown_optimizer.bpstudio: training.optimizer"),
    "unknown_source.bpstudio": refuse("unknown_source.bpstudio: data.source must be"),
    "missing_data_file.bpstudio": refuse("no_such_file.csv: file not found"),
    "missing_image_folder.bpstudio": refuse("no_such_folder: folder not found"),
    "missing_target_column.bpstudio": refuse("good.csv: has no column 'nope'"),
    "wrong_input_shape.bpstudio": refuse("node 'x': Input shape [7] does not fit the data"),
    "wrong_output_units.bpstudio": refuse("node 'fc2': outputs shape [5]"),
}
GENERATED_PROJECT_CASES = {
    "deep_nesting.bpstudio": refuse("deep_nesting.bpstudio: not valid JSON"),
    "huge_units.bpstudio": refuse("node 'fc1': Dense: units must be"),
    "too_big_for_memory.bpstudio": refuse("the network does not fit in memory"),
}

# ------------------------------------------------------------------ image folders
IMAGE_CASES = {
    "good": OK,
    "some_corrupt": OK,  # undecodable files are skipped and listed
    "unreadable": OK,  # a dangling link is skipped and listed
    "all_corrupt": refuse("all_corrupt: class folder 'b' holds no readable images"),
    "empty_class": refuse("empty_class: class folder 'b' holds no images"),
    "single_class": refuse("single_class: class folders: only one class"),
    "no_classes": refuse("no_classes: has no class sub-folders"),
}

# ---------------------------------------------------------------- npz datasets
NPZ_DATA_CASES = {
    "data_no_y.npz": refuse("data_no_y.npz: needs arrays 'x' and 'y'"),
    "data_rows_differ.npz": refuse("data_rows_differ.npz: 'x' has 12 rows but 'y' has 5"),
    "data_nan.npz": refuse("data_nan.npz: array 'x' holds NaN"),
    "data_pickle.npz": refuse("data_pickle.npz: "),
}

# ----------------------------------------------------------------------- weights
WEIGHTS_CASES = {
    "good.safetensors": OK,
    "good.npz": OK,
    "truncated_empty.safetensors": refuse("truncated_empty.safetensors: truncated"),
    "truncated_3_bytes.safetensors": refuse("truncated_3_bytes.safetensors: truncated"),
    "truncated_half.safetensors": refuse("truncated_half.safetensors: truncated"),
    "garbage.safetensors": refuse("garbage.safetensors: "),
    "lying_header.safetensors": refuse("lying_header.safetensors: truncated"),
    "huge_header.safetensors": refuse("huge_header.safetensors: "),
    "wrong_shapes.safetensors": refuse("wrong_shapes.safetensors: "),
    "truncated_empty.npz": refuse("truncated_empty.npz: "),
    "truncated_3_bytes.npz": refuse("truncated_3_bytes.npz: "),
    "truncated_half.npz": refuse("truncated_half.npz: "),
    "garbage.npz": refuse("garbage.npz: "),
    "wrong_shapes.npz": refuse("wrong_shapes.npz: "),
    "pickle_member.npz": refuse("pickle_member.npz: holds pickled"),
    "raw_pickle.npz": refuse("raw_pickle.npz: not an .npz file"),
    "model.pt": refuse("model.pt: unknown weights format"),
}


# ------------------------------------------------------------------------ running
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    make_generated(folder)
    return folder


def _limit_memory() -> None:
    """Runs in the child: a 6 GB address-space cap, so that a project asking for 40 GB
    fails the same way on every machine instead of swapping a big one to death."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "bpstudio", *args],
        cwd=cwd,
        env=env,
        preexec_fn=_limit_memory if resource else None,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def check(proc: subprocess.CompletedProcess, expected, marker: Path) -> None:
    code, names = expected
    err = proc.stderr
    assert not marker.exists(), "a pickle payload was executed"
    assert "Traceback" not in err, err
    assert proc.returncode == code, f"exit {proc.returncode}, stderr:\n{err}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"expected one stderr line, got:\n{err}"
        assert len(lines[0]) < 400, "the message quotes too much of the input"
        assert names in lines[0], f"{names!r} not in {lines[0]!r}"


def expand(arg: str, generated: Path) -> str:
    return arg.format(c=CORPUS, g=generated)


def train(generated: Path, project: str, *extra: str) -> subprocess.CompletedProcess:
    args = [expand(a, generated) for a in (project, *extra)]
    return cli("train", *args, "--epochs", "1", "--device", "cpu", "--quiet", cwd=generated)


@pytest.mark.parametrize("name", list(CSV_CASES))
def test_csv(generated, name):
    proc = train(generated, PROJECT, "--data", f"{{c}}/csv/{name}", "--target", "label")
    check(proc, CSV_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(GENERATED_CSV_CASES))
def test_generated_csv(generated, name):
    proc = train(generated, PROJECT, "--data", f"{{g}}/{name}", "--target", "label")
    check(proc, GENERATED_CSV_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(PROJECT_CASES))
def test_project(generated, name):
    check(train(generated, f"{{c}}/projects/{name}"), PROJECT_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(GENERATED_PROJECT_CASES))
def test_generated_project(generated, name):
    if resource is None and name == "too_big_for_memory.bpstudio":
        pytest.skip("no address-space cap here: the child would really try 40 GB")
    proc = train(generated, f"{{g}}/{name}")
    check(proc, GENERATED_PROJECT_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_image_folder(generated, name):
    proc = train(generated, IMAGES_PROJECT, "--data", f"{{c}}/images/{name}")
    check(proc, IMAGE_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(NPZ_DATA_CASES))
def test_npz_dataset(generated, name):
    proc = train(generated, PROJECT, "--data", f"{{g}}/{name}")
    check(proc, NPZ_DATA_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(WEIGHTS_CASES))
def test_load_weights(generated, name):
    proc = train(generated, PROJECT, "--load-weights", f"{{g}}/{name}")
    check(proc, WEIGHTS_CASES[name], generated / MARKER)


@pytest.mark.parametrize("name", list(WEIGHTS_CASES))
def test_predict_weights(generated, name):
    out = generated / f"pred_{name}.csv"
    args = (PROJECT, "--weights", f"{{g}}/{name}", "--data", GOOD_CSV, "--out", str(out))
    proc = cli("predict", *[expand(a, generated) for a in args], cwd=generated)
    expected = WEIGHTS_CASES[name]
    if expected[0] == 0:  # predict reports what it did on stderr: no one-line rule
        assert proc.returncode == 0, proc.stderr
        assert out.read_text().startswith("row,predicted,p_cat,p_dog")
    else:
        assert not out.exists()
    check(proc, (proc.returncode, None) if expected[0] == 0 else expected, generated / MARKER)


@pytest.mark.parametrize("name", ["binary.csv", "empty.csv", "ragged.csv", "single_column.csv"])
def test_predict_bad_data(generated, name):
    weights = generated / "good.safetensors"
    args = [expand(PROJECT, generated), "--weights", str(weights)]
    proc = cli("predict", *args, "--data", f"{CORPUS}/csv/{name}", cwd=generated)
    check(proc, refuse(f"{name}: "), generated / MARKER)
