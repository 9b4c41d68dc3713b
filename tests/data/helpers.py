"""Small builders for the data tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from bpstudio.data import load_dataset


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def load_csv(path: Path, task=None, **spec):
    return load_dataset({"source": "csv", "path": path.name, **spec}, path.parent, task=task)


def image_folder(root: Path, classes: dict[str, int], size=(6, 5), mode="L", seed=0) -> Path:
    """root/<class>/<i>.png with random pixels; size (H, W)."""
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    for cls, count in classes.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            px = rng.integers(0, 256, (*size, channels), dtype=np.uint8)
            img = Image.fromarray(px[..., 0] if channels == 1 else px, mode)
            img.save(root / cls / f"{i:03d}.png")
    return root
