"""The headless command line: train, examples, gradcheck, and the exit-status rules."""

import json
import subprocess
import sys

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.session import example_path


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_examples_lists_the_builtin_projects(capsys):
    code, out, _ = run(["examples"], capsys)
    assert code == 0
    assert {"spiral", "xor", "circles"} <= {line.split()[0] for line in out.splitlines()}


def test_train_default_example_prints_final_json(capsys):
    code, out, _ = run(["train", "--epochs", "2", "--quiet"], capsys)
    assert code == 0
    result = _last_json(out)
    assert result["epochs"] == 2 and result["device"] in ("cpu", "gpu")
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "seconds"):
        assert key in result


def test_train_is_reproducible_for_a_seed(capsys):
    args = ["train", "--epochs", "3", "--seed", "5", "--quiet", "--device", "cpu"]
    a = _last_json(run(args, capsys)[1])
    b = _last_json(run(args, capsys)[1])
    assert a["train_loss"] == b["train_loss"] and a["val_loss"] == b["val_loss"]


def test_epochs_zero_saves_initial_weights(tmp_path, capsys):
    w = tmp_path / "init.npz"
    code, out, _ = run(["train", "--epochs", "0", "--save-weights", str(w), "--quiet"], capsys)
    assert code == 0 and w.exists()
    assert _last_json(out)["epochs"] == 0


def test_metrics_csv_has_grad_norms(tmp_path, capsys):
    m = tmp_path / "m.csv"
    code, _, _ = run(["train", "--epochs", "3", "--metrics", str(m), "--quiet"], capsys)
    assert code == 0
    lines = m.read_text().splitlines()
    assert len(lines) == 4
    assert "train_loss" in lines[0] and "grad_norm:fc1.weight" in lines[0]


def test_npz_data_option(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    x = rng.normal(size=(90, 2)) + y[:, None] * 3
    np.savez(tmp_path / "d.npz", x=x, y=y)
    code, out, _ = run(
        ["train", "--data", str(tmp_path / "d.npz"), "--epochs", "80", "--quiet"], capsys
    )
    assert code == 0, out
    assert _last_json(out)["train_accuracy"] > 0.8


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "invalid.bpstudio"),
        (
            '{"format": "bpstudio-project", "version": 99, "graph": {"nodes": [], "edges": []}}',
            "invalid.bpstudio",
        ),
    ],
)
def test_invalid_project_exits_2_with_one_line(tmp_path, capsys, content, needle):
    p = tmp_path / "invalid.bpstudio"
    p.write_text(content)
    code, out, err = run(["train", str(p)], capsys)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err


def test_invalid_graph_names_the_node(tmp_path, capsys):
    project = json.loads(example_path("spiral").read_text())
    project["graph"]["edges"].append(["x", "fc2"])  # fc2 now has two inputs
    p = tmp_path / "bad.bpstudio"
    p.write_text(json.dumps(project))
    code, _, err = run(["train", str(p), "--epochs", "1"], capsys)
    assert code == 2 and "fc2" in err and len(err.strip().splitlines()) == 1


def test_missing_project_and_bad_usage_exit_2(capsys):
    assert run(["train", "nope.bpstudio"], capsys)[0] == 2
    assert run(["train", "--epochs", "many"], capsys)[0] == 2
    assert run(["train", "--data", "nope.csv"], capsys)[0] == 2


def test_gradcheck_passes_on_the_default_example(capsys):
    code, out, _ = run(["gradcheck"], capsys)
    assert code == 0 and "PASSED" in out


@pytest.mark.slow
def test_spiral_reaches_97_percent(capsys):
    code, out, _ = run(["train", "--quiet", "--device", "cpu"], capsys)
    assert code == 0
    assert _last_json(out)["train_accuracy"] >= 0.97


def test_console_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "examples"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "spiral" in proc.stdout


def test_data_option_fits_the_network_to_new_data(capsys):
    """--data on the default (2-input, 3-class) example with 4-feature iris trains."""
    from bpstudio.session import example_path

    iris = example_path("iris").parent.parent / "datasets" / "iris.csv"
    code, out, _ = run(["train", "--data", str(iris), "--epochs", "60", "--quiet"], capsys)
    assert code == 0
    assert _last_json(out)["train_accuracy"] > 0.9


def test_example_names_work_as_projects_and_datasets_get_a_hint(capsys):
    code, out, _ = run(["train", "xor", "--epochs", "1", "--quiet"], capsys)
    assert code == 0 and _last_json(out)["epochs"] == 1
    code, _, err = run(["train", "some.csv"], capsys)
    assert code == 2 and "--data some.csv" in err


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--epochs", "-1"],
        ["train", "--batch-size", "-3"],
        ["train", "--seed", "-1"],  # was an internal error (numpy's seed)
        ["train", "--lr", "nan"],
        ["train", "--lr", "0"],
        ["train", "--threads", "0"],
        ["gradcheck", "--samples", "0"],
        ["gradcheck", "--max-entries", "-5"],  # was an internal error
        ["gradcheck", "--eps", "0"],  # was a ZeroDivisionError
    ],
)
def test_out_of_range_numbers_are_refused_in_one_line(args, capsys):
    code, out, err = run([*args, "--quiet"] if args[0] == "train" else args, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and args[1] in err and "must be" in err


def test_unwritable_outputs_are_refused_before_training(tmp_path, capsys):
    w = tmp_path / "w.safetensors"
    missing = tmp_path / "no_such_folder" / "m.csv"
    args = ["train", "--epochs", "1", "--quiet", "--save-weights", str(w)]
    code, out, err = run([*args, "--metrics", str(missing)], capsys)
    assert code == 2 and out == "" and "no_such_folder" in err
    code, out, err = run([*args, "--onnx", str(tmp_path)], capsys)
    assert code == 2 and out == "" and "is a folder" in err
    code, out, err = run(["train", "--quiet", "--save-weights", str(tmp_path / "w.txt")], capsys)
    assert code == 2 and out == "" and "w.txt" in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing half-written


def test_optimizer_refusal_names_the_project(tmp_path, capsys):
    d = json.loads(example_path("iris").read_text())
    d["data"]["path"] = str(example_path("iris").parent / d["data"]["path"])
    d["training"]["optimizer"] = {"name": "adam", "lr": 0.01, "betas": [0.9]}
    p = tmp_path / "bad.bpstudio"
    p.write_text(json.dumps(d))
    code, _, err = run(["train", str(p), "--quiet", "--epochs", "1"], capsys)
    assert code == 2 and err.startswith("bpstudio: bad.bpstudio: optimizer adam: betas")


def test_a_project_without_data_asks_for_data(tmp_path, capsys):
    d = json.loads(example_path("iris").read_text())
    del d["data"]
    p = tmp_path / "empty.bpstudio"
    p.write_text(json.dumps(d))
    for command in ("train", "gradcheck"):
        code, out, err = run([command, str(p)], capsys)
        assert code == 2 and err == (
            "bpstudio: empty.bpstudio: the project has no data yet; give one with --data PATH\n"
        )


def test_graph_warnings_are_printed_but_do_not_stop_training(tmp_path, capsys):
    d = json.loads(example_path("iris").read_text())
    d["data"]["path"] = str(example_path("iris").parent / d["data"]["path"])
    d["graph"]["nodes"].append({"id": "sm", "op": "Softmax"})
    d["graph"]["edges"] = [e for e in d["graph"]["edges"] if e != ["fc2", "loss"]]
    d["graph"]["edges"] += [["fc2", "sm"], ["sm", "loss"]]
    p = tmp_path / "sm.bpstudio"
    p.write_text(json.dumps(d))
    code, out, err = run(["train", str(p), "--epochs", "1"], capsys)
    assert code == 0 and _last_json(out)["epochs"] == 1
    assert "sm.bpstudio: warning: node 'sm': Softmax before CrossEntropyLoss" in err
    code, out, err = run(["train", str(p), "--epochs", "1", "--quiet"], capsys)
    assert code == 0 and err == ""


def test_target_with_data_that_has_no_columns_is_refused(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", x=np.zeros((10, 4), np.float32), y=np.arange(10) % 3)
    code, out, err = run(
        ["train", "iris", "--data", str(tmp_path / "d.npz"), "--target", "y"], capsys
    )
    assert code == 2 and out == ""
    assert err == "bpstudio: --target names a CSV column; this data is npz\n"


def test_an_output_that_names_an_input_is_refused(tmp_path, capsys):
    # A typo like --out new.csv for --data new.csv replaced the user's data.
    data = tmp_path / "d.csv"
    data.write_text(example_path("iris").parent.joinpath("../datasets/iris.csv").read_text())
    before = data.read_bytes()
    code, _, err = run(["train", "iris", "--data", str(data), "--metrics", str(data)], capsys)
    assert code == 2 and "d.csv: is an input of this command" in err
    w = tmp_path / "w.safetensors"
    assert (
        run(["train", "iris", "--epochs", "0", "--quiet", "--save-weights", str(w)], capsys)[0] == 0
    )
    args = ["predict", "iris", "--weights", str(w), "--data", str(data)]
    for out in (data, w):
        code, _, err = run([*args, "--out", str(out)], capsys)
        assert code == 2 and err.count("\n") == 1 and "is an input of this command" in err
    assert data.read_bytes() == before


def test_fitting_to_image_like_data_says_what_changed_in_three_lines(tmp_path, capsys):
    x = np.random.default_rng(0).normal(size=(40, 5, 6)).astype(np.float32)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(40) % 2)
    code, _, err = run(
        ["train", "iris", "--data", str(tmp_path / "d.npz"), "--epochs", "1"], capsys
    )
    fitted = [line for line in err.splitlines() if line.startswith("fitted to the data")]
    assert code == 0 and fitted == [
        "fitted to the data: x.shape = [5, 6]",
        "fitted to the data: Add Flatten",
        "fitted to the data: fc2.units = 2",
    ]  # the editor's node moves and re-wiring are left out
