"""Image folders: decoding, conversion, resizing, skipped files, progress, cancel."""

import numpy as np
import pytest
from PIL import Image

from bpstudio.data import LoadCancelled, load_dataset
from bpstudio.errors import DataError

from .helpers import image_folder


def load(folder, **spec):
    return load_dataset({"source": "images", "path": folder.name, **spec}, folder.parent)


def test_grayscale_folder(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"cat": 3, "dog": 2}, size=(6, 5))
    d = load(folder, color="grayscale")
    assert d.x_train.shape == (5, 1, 6, 5) and d.x_train.dtype == np.float32
    assert d.class_names == ["cat", "dog"] and d.y_train.tolist() == [0, 0, 0, 1, 1]
    assert d.input_shape == (1, 6, 5) and d.task == "classification"
    assert d.x_train.min() >= 0.0 and d.x_train.max() <= 1.0
    first = np.asarray(Image.open(folder / "cat" / "000.png"), dtype=np.float32) / 255
    np.testing.assert_allclose(d.x_train[0, 0], first, atol=1e-7)
    assert d.transform["size"] == [6, 5] and d.transform["color"] == "grayscale"


def test_rgb_alpha_dropped_and_gray_replicated(tmp_path):
    folder = tmp_path / "imgs"
    (folder / "a").mkdir(parents=True)
    Image.new("RGBA", (4, 3), (10, 20, 30, 0)).save(folder / "a" / "rgba.png")
    Image.new("L", (4, 3), 200).save(folder / "a" / "gray.png")
    d = load(folder, color="rgb")
    assert d.x_train.shape == (2, 3, 3, 4)
    np.testing.assert_allclose(d.x_train[1, :, 0, 0], np.array([10, 20, 30]) / 255, atol=1e-7)
    np.testing.assert_allclose(d.x_train[0, :, 0, 0], [200 / 255] * 3, atol=1e-7)


def test_resize_to_size_and_default_first_size(tmp_path):
    folder = tmp_path / "imgs"
    (folder / "a").mkdir(parents=True)
    Image.new("L", (8, 4), 255).save(folder / "a" / "0.png")
    Image.new("L", (16, 16), 0).save(folder / "a" / "1.png")
    assert load(folder).x_train.shape == (2, 3, 4, 8)
    d = load(folder, size=[5, 7], color="grayscale")
    assert d.x_train.shape == (2, 1, 5, 7)
    assert np.allclose(d.x_train[0], 1.0) and np.allclose(d.x_train[1], 0.0)


def test_sixteen_bit_grayscale_keeps_range(tmp_path):
    folder = tmp_path / "imgs"
    (folder / "a").mkdir(parents=True)
    px = np.full((3, 3), 65535 // 4, dtype=np.uint16)
    Image.fromarray(px).save(folder / "a" / "0.png")
    d = load(folder, color="grayscale")
    np.testing.assert_allclose(d.x_train, 0.25, atol=1e-4)


def test_hidden_and_undecodable_files_are_skipped_and_listed(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"a": 2, "b": 2})
    (folder / "a" / ".DS_Store").write_bytes(b"junk")
    (folder / "b" / "notes.txt").write_text("not an image")
    (folder / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nxx")
    (folder / ".hidden_class").mkdir()
    (folder / "loose.png").write_bytes(b"")
    d = load(folder)
    assert len(d.x_train) == 4 and d.class_names == ["a", "b"]
    text = "\n".join(d.messages)
    assert "a/.DS_Store (hidden file)" in text
    assert "b/notes.txt (not an image)" in text and "b/broken.png" in text
    assert "1 files outside the class folders" in text


def test_empty_class_is_refused(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"a": 2})
    (folder / "empty").mkdir()
    with pytest.raises(DataError, match="class folder 'empty' holds no images"):
        load(folder)
    (folder / "empty" / "x.txt").write_text("text")
    with pytest.raises(DataError, match="class folder 'empty' holds no readable images"):
        load(folder)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"path": "nope"}, "folder not found"),
        ({"size": [0, 3]}, "size must be"),
        ({"color": "cmyk"}, "color must be"),
    ],
)
def test_bad_specs(tmp_path, spec, problem):
    image_folder(tmp_path / "imgs", {"a": 1})
    with pytest.raises(DataError, match=problem):
        load_dataset({"source": "images", "path": "imgs", **spec}, tmp_path)


def test_no_class_folders_and_regression(tmp_path):
    (tmp_path / "flat").mkdir()
    Image.new("L", (2, 2)).save(tmp_path / "flat" / "0.png")
    with pytest.raises(DataError, match="no class sub-folders"):
        load(tmp_path / "flat")
    image_folder(tmp_path / "imgs", {"a": 1, "b": 1})
    with pytest.raises(DataError, match="give classes"):
        load_dataset({"source": "images", "path": "imgs"}, tmp_path, task="regression")


def test_progress_and_cancel(tmp_path):
    image_folder(tmp_path / "imgs", {"a": 100, "b": 100})
    seen = []
    d = load_dataset(
        {"source": "images", "path": "imgs"}, tmp_path, progress=lambda i, n: seen.append((i, n))
    )
    assert len(d.x_train) == 200
    assert seen[-1] == (200, 200) and all(n == 200 for _, n in seen)
    assert [i for i, _ in seen] == sorted(i for i, _ in seen)
    with pytest.raises(LoadCancelled, match="imgs: loading cancelled"):
        load_dataset({"source": "images", "path": "imgs"}, tmp_path, cancel=lambda: True)


def test_split_is_stratified_and_normalised_per_channel(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"a": 10, "b": 5}, mode="RGB")
    d = load(folder, validation=0.4, normalize="standard")
    assert len(d.x_val) == 6 and np.bincount(d.y_val).tolist() == [4, 2]
    norm = d.transform["normalize"]
    assert norm["axis"] == "channel" and len(norm["shift"]) == 3
    np.testing.assert_allclose(d.x_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(axis=(0, 2, 3)), 1, atol=1e-5)


def test_nested_folders_are_listed_not_silently_dropped(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"cat": 2, "dog": 2}, size=(4, 4))
    (folder / "cat" / "more").mkdir()
    Image.new("L", (4, 4), 9).save(folder / "cat" / "more" / "x.png")
    d = load(folder)
    assert len(d.x_train) == 4
    assert any("skipped cat/more (sub-folder" in m for m in d.messages)


def test_train_test_layout_opened_one_level_too_high(tmp_path):
    root = tmp_path / "dataset"
    image_folder(root / "train", {"cat": 2, "dog": 2}, size=(4, 4))
    image_folder(root / "test", {"cat": 1, "dog": 1}, size=(4, 4))
    with pytest.raises(
        DataError, match=r"class folder 'test' holds no images, only sub-folders \(cat, dog\)"
    ):
        load(root)


def test_an_image_over_pillows_pixel_limit_is_skipped_with_a_whole_reason(tmp_path, monkeypatch):
    folder = image_folder(tmp_path / "imgs", {"a": 2, "b": 2}, size=(4, 4))
    Image.new("L", (20, 20)).save(folder / "b" / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 400 px > 2x the limit: a "bomb"
    d = load(folder)
    assert len(d.x_train) == 4
    assert d.messages == [
        "imgs: skipped b/big.png (too large: Image size (400 pixels) exceeds limit of 200 pixels)"
    ]
