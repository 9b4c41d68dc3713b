"""data/npz: the finite check names the first bad row without an x-sized temporary."""

from __future__ import annotations

import numpy as np

from bpstudio.data import load_dataset
from bpstudio.errors import DataError


def test_non_finite_x_names_its_first_row_whatever_the_chunk():
    from bpstudio.data.npz import first_non_finite_row

    x = np.zeros((1000, 3, 4, 4), np.float32)
    assert first_non_finite_row(x) is None
    x[637, 2, 1, 3] = np.inf
    x[900, 0, 0, 0] = np.nan
    for chunk in (1, 64, 10_000, 8 << 20):  # chunks of one row, several rows, all rows
        assert first_non_finite_row(x, chunk_bytes=chunk) == 637


def test_a_nan_in_x_is_refused_naming_the_row(tmp_path):
    x = np.zeros((50, 2), np.float32)
    x[31, 1] = np.nan
    np.savez(tmp_path / "a.npz", x=x, y=np.arange(50) % 2)
    try:
        load_dataset({"source": "npz", "path": "a.npz"}, tmp_path)
    except DataError as e:
        assert "a.npz" in str(e) and "row 31" in str(e)
    else:
        raise AssertionError("a NaN in x was accepted")
