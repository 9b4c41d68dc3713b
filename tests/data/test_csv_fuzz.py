"""Hypothesis: the CSV loader gives a valid Dataset or a DataError, nothing else."""

import string

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpstudio.data import Dataset, load_dataset
from bpstudio.errors import DataError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _check(tmp_path, content: bytes, **spec):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        d = load_dataset({"source": "csv", "path": "fuzz.csv", **spec}, tmp_path)
    except DataError as err:
        assert "\n" not in str(err) and str(err)
        return
    assert isinstance(d, Dataset)
    assert d.x_train.dtype == np.float32 and np.isfinite(d.x_train).all()
    assert np.isfinite(d.x_val).all()
    assert len(d.x_train) == len(d.y_train) and len(d.x_train) > 0
    assert d.x_train.shape[1:] == d.input_shape == (len(d.feature_names),)
    if d.task == "classification":
        assert d.y_train.dtype == np.int64 and d.y_train.max() < len(d.class_names)
    else:
        assert d.y_train.dtype == np.float32 and np.isfinite(d.y_train).all()


@FUZZ
@given(content=st.binary(max_size=400))
def test_random_bytes(tmp_path_factory, content):
    _check(tmp_path_factory.mktemp("b"), content)


CELL = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["", "NA", "?", "NaN", "nan", "inf", "-inf", '"a,b"', "x", "yes", " "]),
    st.text(string.ascii_letters + " ;|\t'\"", max_size=6),
)


@st.composite
def tables(draw):
    n_cols = draw(st.integers(1, 5))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = [f"c{i}" for i in range(n_cols)] if draw(st.booleans()) else None
    rows = draw(st.lists(st.lists(CELL, min_size=n_cols, max_size=n_cols), max_size=12))
    lines = ([header] if header else []) + rows
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    return "\n".join(sep.join(r) for r in lines).encode(encoding, "replace")


@FUZZ
@given(
    content=tables(),
    validation=st.sampled_from([0.0, 0.3]),
    norm=st.sampled_from(["none", "standard", "minmax"]),
)
def test_random_tables(tmp_path_factory, content, validation, norm):
    _check(tmp_path_factory.mktemp("t"), content, validation=validation, normalize=norm)


@FUZZ
@given(
    values=st.lists(st.floats(-1e6, 1e6, width=32), min_size=2, max_size=30),
    labels=st.lists(st.sampled_from(["a", "b", "c"]), min_size=30, max_size=30),
)
def test_well_formed_numeric_tables_always_load(tmp_path_factory, values, labels):
    rows = "".join(f"{v!r},{v / 2!r},{lab}\n" for v, lab in zip(values, labels, strict=False))
    path = tmp_path_factory.mktemp("w") / "ok.csv"
    path.write_text("u,v,label\n" + rows)
    d = load_dataset({"source": "csv", "path": str(path), "normalize": "standard"}, path.parent)
    assert len(d.x_train) == len(values)
    assert np.isfinite(d.x_train).all()
