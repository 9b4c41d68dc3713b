"""Validation split, normalisation fitted on the training rows, batches."""

import numpy as np
import pytest

from bpstudio.data import iterate_batches, load_dataset
from bpstudio.data.normalize import apply_normalizer, fit_normalizer
from bpstudio.data.split import split_indices
from bpstudio.errors import DataError


def test_validation_zero_keeps_file_order():
    train, val = split_indices(np.array([1, 0, 1, 0]), True, 0.0, 0)
    assert train.tolist() == [0, 1, 2, 3] and val.size == 0


def test_stratified_split_counts_and_seed():
    y = np.array([0] * 50 + [1] * 30 + [2] * 20)
    train, val = split_indices(y, True, 0.25, 7)
    # 12.5, 7.5, 5 -> floors 12, 7, 5; the spare row goes to the first tied class.
    assert len(val) == 25 and np.bincount(y[val]).tolist() == [13, 7, 5]
    assert sorted(set(train) | set(val)) == list(range(100)) and not set(train) & set(val)
    again = split_indices(y, True, 0.25, 7)[1]
    other = split_indices(y, True, 0.25, 8)[1]
    assert np.array_equal(val, again) and not np.array_equal(val, other)


def test_stratified_split_rounds_to_the_exact_total():
    y = np.array([0] * 7 + [1] * 7 + [2] * 7)
    for frac in (0.1, 0.33, 0.5, 0.9):
        assert len(split_indices(y, True, frac, 0)[1]) == round(21 * frac)


def test_regression_split_is_a_seeded_permutation():
    y = np.zeros((10, 1))
    expected = np.sort(np.random.default_rng(3).permutation(10)[:3])
    assert split_indices(y, False, 0.3, 3)[1].tolist() == expected.tolist()


@pytest.mark.parametrize("validation", [1.0, -0.1, "x", 0.99])
def test_bad_validation(validation):
    with pytest.raises(DataError, match="validation"):
        split_indices(np.zeros(10, dtype=np.int64), True, validation, 0)


def test_standard_population_std_and_constant_column():
    x = np.array([[1, 5, 0], [3, 5, 10], [5, 5, 20]], dtype=np.float32)
    norm = fit_normalizer(x, "standard")
    assert norm["shift"] == [3, 5, 10]
    assert norm["scale"][0] == pytest.approx(np.std([1, 3, 5]))  # ddof 0
    assert norm["scale"][1] == 1.0
    out = apply_normalizer(x.copy(), norm)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(out.std(0), [1, 0, 1], atol=1e-6)


def test_minmax():
    x = np.array([[1, 2], [3, 2], [2, 2]], dtype=np.float32)
    norm = fit_normalizer(x, "minmax")
    out = apply_normalizer(x.copy(), norm)
    np.testing.assert_allclose(out, [[0, 0], [1, 0], [0.5, 0]])


def test_normalizer_fitted_on_train_only_and_reapplied_exactly(tmp_path):
    rows = "".join(f"{i},{i * i},{i % 2}\n" for i in range(40))
    (tmp_path / "t.csv").write_text("a,b,y\n" + rows)
    spec = {"source": "csv", "path": "t.csv", "normalize": "standard", "validation": 0.25}
    d = load_dataset(spec, tmp_path)
    np.testing.assert_allclose(d.x_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(0), 1, atol=1e-5)
    assert abs(d.x_val.mean()) > 1e-3  # not refitted on validation rows
    train, val = split_indices(np.arange(40) % 2, True, 0.25, 0)
    raw = np.array([[i, i * i] for i in range(40)], dtype=np.float32)
    redo = apply_normalizer(raw, d.transform["normalize"])
    assert np.array_equal(redo[train], d.x_train) and np.array_equal(redo[val], d.x_val)


def test_regression_targets_are_not_normalised(tmp_path):
    rows = "".join(f"{i},{i * 1.5 + 0.25}\n" for i in range(30))
    (tmp_path / "t.csv").write_text("a,y\n" + rows)
    d = load_dataset({"source": "csv", "path": "t.csv", "normalize": "minmax"}, tmp_path)
    assert d.task == "regression" and d.y_train[3, 0] == 4.75
    with pytest.raises(DataError, match="normalize must be one of"):
        load_dataset({"source": "csv", "path": "t.csv", "normalize": "zscore"}, tmp_path)


def test_batches_cover_every_row_once():
    x, y = np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10)
    got = list(iterate_batches(x, y, 4, np.random.default_rng(0)))
    assert [len(b) for b, _ in got] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in got])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb * 2)


def test_batches_in_order_are_views_and_full_batch_is_no_copy():
    x, y = np.zeros((10, 3), dtype=np.float32), np.zeros(10)
    for xb, _ in iterate_batches(x, y, 3, None, shuffle=False):
        assert np.shares_memory(xb, x)
    ((xb, yb),) = list(iterate_batches(x, y, 0, np.random.default_rng(0)))
    assert xb is x and yb is y
    assert list(iterate_batches(x[:0], y[:0], 4, None)) == []


def test_batches_reproducible_with_the_same_seed():
    x, y = np.arange(50.0).reshape(25, 2), np.arange(25)
    a = [yb.tolist() for _, yb in iterate_batches(x, y, 8, np.random.default_rng(5))]
    b = [yb.tolist() for _, yb in iterate_batches(x, y, 8, np.random.default_rng(5))]
    assert a == b
