import re

import pytest

from bpstudio.graph.catalogue import (
    CATEGORIES,
    OPS,
    PARAM_TYPES,
    check_param,
    check_params,
    initial_params,
    resolved_params,
)

DESIGN_OPS = {
    *("Input", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout"),
    *("BatchNorm", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "Add"),
    *("Concat", "MSELoss", "CrossEntropyLoss", "BCEWithLogitsLoss"),
}


def test_every_design_op_is_catalogued_with_help():
    assert set(OPS) == set(DESIGN_OPS)
    for spec in OPS.values():
        assert spec.category in CATEGORIES
        assert spec.help.endswith(".") and len(spec.help) > 20, spec.name
        for p in spec.params:
            assert p.type in PARAM_TYPES and p.help, (spec.name, p.name)
    assert OPS["Input"].n_inputs == 0
    assert OPS["Add"].n_inputs is None and OPS["Concat"].n_inputs is None
    assert OPS["Dense"].n_inputs == 1


def test_defaults_are_pytorchs():
    def default(op, name):
        return OPS[op].param(name).default

    assert default("Dense", "bias") is True and default("Conv2D", "stride") == 1
    assert default("Conv2D", "padding") == 0 and default("MaxPool2D", "stride") is None
    assert default("Dropout", "rate") == 0.5 and default("LeakyReLU", "slope") == 0.01
    assert default("BatchNorm", "eps") == 1e-5 and default("BatchNorm", "momentum") == 0.1
    assert default("Dense", "init") == "default"


def test_every_default_passes_its_own_check():
    for spec in OPS.values():
        params = {p.name: p.default for p in spec.params if p.default is not None}
        assert check_params(spec.name, params) == [], spec.name


@pytest.mark.parametrize(
    ("op", "params", "match"),
    [
        ("Dense", {"units": 0}, "units must be between 1 and"),
        ("Dense", {"units": 2.5}, "units must be a whole number"),
        ("Dense", {"units": True}, "units must be a whole number"),
        ("Dense", {"units": 3, "bias": 1}, "bias must be true or false"),
        ("Dense", {"units": 3, "init": "he"}, "init must be one of default, xavier"),
        ("Dense", {"units": 3, "unit": 3}, "Dense has no parameter 'unit' .it has: units"),
        ("Dense", {}, "Dense needs 'units'"),
        ("Dense", {"units": 3, "bias": None}, "bias needs a value"),
        ("Conv2D", {"filters": 4, "kernel": [3, 3, 3]}, "kernel must list 2 numbers, got 3"),
        ("Conv2D", {"filters": 4, "kernel": [3, 0]}, "kernel must be between 1 and 64"),
        ("Conv2D", {"filters": 4, "kernel": "3"}, "kernel must be a whole number or a list"),
        ("Dropout", {"rate": 1.5}, "rate must be between"),
        ("Dropout", {"rate": float("nan")}, "rate must be a number"),
        ("Input", {"shape": [1, 2, 3, 4]}, "shape must list 1 to 3 numbers"),
        ("Input", {"shape": [0]}, "shape must be between"),
        ("Foo", {}, "'Foo' is not a known op"),
        ("ReLU", {"inplace": True}, "ReLU has no parameter 'inplace' .it has: none"),
    ],
)
def test_check_params_explains(op, params, match):
    problems = check_params(op, params)
    assert len(problems) == 1
    assert re.search(match, problems[0]), problems


def test_accepted_values():
    assert check_params("Conv2D", {"filters": 4, "kernel": [3, 5], "padding": 1}) == []
    assert check_params("MaxPool2D", {"size": 2, "stride": None}) == []
    assert check_params("Input", {}) == [] and check_params("Input", {"shape": [3, 28, 28]}) == []
    assert check_params("BatchNorm", {"eps": 1e-3, "momentum": 0}) == []


def test_check_param_none_means_back_to_default():
    assert check_param("Dense", "bias", None) is None
    assert "cannot be left empty" in check_param("Dense", "units", None)
    assert check_param("Dense", "units", 64) is None


def test_initial_and_resolved_params():
    assert initial_params("Conv2D") == {"filters": 8, "kernel": 3}
    assert initial_params("ReLU") == {} and initial_params("Nope") == {}
    r = resolved_params("Conv2D", {"filters": 2, "kernel": [3, 5]})
    assert r == {
        "filters": 2,
        "kernel": (3, 5),
        "stride": 1,
        "padding": 0,
        "bias": True,
        "init": "default",
    }
