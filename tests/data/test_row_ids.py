"""Dataset.train_ids / val_ids: each loaded row named as the person's file names it."""

from __future__ import annotations

import numpy as np

from bpstudio.data import load_dataset

from .helpers import image_folder, write


def test_csv_rows_keep_their_data_row_numbers_after_dropped_rows(tmp_path):
    # feature n holds the data row's own number; row 3 has no target and is dropped
    rows = "".join(f"{n},{'' if n == 3 else 'ab'[n % 2]}\n" for n in range(1, 21))
    path = write(tmp_path, "t.csv", "n,y\n" + rows)
    ds = load_dataset({"source": "csv", "path": path.name, "validation": 0.3}, tmp_path)
    ids = ds.train_ids + ds.val_ids
    assert sorted(ids, key=lambda s: int(s.split()[1])) == [
        f"row {n}" for n in range(1, 21) if n != 3
    ]
    for x, labels in ((ds.x_train, ds.train_ids), (ds.x_val, ds.val_ids)):
        assert [f"row {int(v)}" for v in x[:, 0]] == labels  # the row's own number


def test_image_ids_are_paths_in_the_folder(tmp_path):
    root = image_folder(tmp_path / "imgs", {"cat": 3, "dog": 3})
    ds = load_dataset({"source": "images", "path": "imgs", "validation": 0.5}, tmp_path)
    ids = sorted(ds.train_ids + ds.val_ids)
    assert ids == sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.png"))


def test_npz_rows_are_numpy_positions(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.arange(10, dtype=np.float32)[:, None], y=np.arange(10) % 2)
    ds = load_dataset({"source": "npz", "path": "a.npz", "validation": 0.2}, tmp_path)
    assert [f"row {int(v)}" for v in ds.x_val[:, 0]] == ds.val_ids
