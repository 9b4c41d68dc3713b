"""Datasets: CSV files, image folders, NumPy arrays and synthetic sets (no Qt).

Entry points (docs/internals.md): ``load_dataset``, ``load_features``,
``iterate_batches``; the ``Dataset`` and ``Features`` results.
"""

from .batches import iterate_batches
from .dataset import Dataset, Features, LoadCancelled
from .features import load_features
from .loader import load_dataset
from .synthetic import NAMES as SYNTHETIC_NAMES

__all__ = [
    "Dataset",
    "Features",
    "LoadCancelled",
    "SYNTHETIC_NAMES",
    "iterate_batches",
    "load_dataset",
    "load_features",
]
