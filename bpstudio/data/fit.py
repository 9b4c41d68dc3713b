"""Fit the CSV column encoding on the training rows and encode every row, in one go.

Missing-value policy: a missing numeric value becomes the training split's mean of that
column, a missing text value its most frequent training category (ties: the first in
sorted order); the counts go to the messages. Infinite (or float32-overflowing) numbers
are refused, naming the column. Text columns become one-hot blocks over their sorted
categories (taken from all rows, so the layout does not depend on the split).

Kept apart from ``tabular.encode_columns`` (prediction) because a 1,000,000-row file
must load in a few passes: numeric columns are summed once, and the slow checks run only
when a sum says there is something to find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bpstudio.errors import DataError

from .tabular import feature_names

MAX_CATEGORIES = 1000
_ROWS = 8192


def fit_encode(df: pd.DataFrame, kinds: dict[str, str], train: np.ndarray, where: str):
    """df rows -> (columns, x float32 (N, F), messages), fitted on rows ``train``."""
    n = len(df)
    in_val = np.ones(n, dtype=bool)
    in_val[train] = False
    entries = []
    for col, kind in kinds.items():
        what = f"{where}: column '{col}'"
        if kind == "numeric":
            entries.append(_numeric(df[col], in_val, len(train), what))
        else:
            entries.append(_text(df[col], train, what))
    columns = [{"name": col, **e["column"]} for col, e in zip(kinds, entries, strict=True)]
    x = _assemble(n, entries, len(feature_names(columns)))
    _refuse_infinite(x, columns, where)
    messages = [
        f"{where}: filled {e['missing']} missing value{'s' * (e['missing'] != 1)} in "
        f"'{c['name']}' with {e['how']}"
        for c, e in zip(columns, entries, strict=True)
        if e["missing"]
    ]
    for c, e in zip(columns, entries, strict=True):
        hint = _suspect(e, n)
        if hint:
            messages.append(f"{where}: column '{c['name']}' {hint}")
    return columns, x, messages


_HINT = " Leave it out of 'features' unless it means something."


def _suspect(entry: dict, n: int) -> str | None:
    """Why a column is probably not a feature (a row id, free text), or None.

    Such columns load fine and train into nonsense: a one-hot block per row, or a
    counter that tells the rows apart. A hint costs one pass over the column.
    """
    if n < 20:
        return None
    column = entry["column"]
    if column["kind"] == "text":
        k = len(column["categories"])
        if k >= n - entry["missing"]:
            return f"differs in every row ({k} one-hot features): an id or free text?{_HINT}"
        return None
    v = entry["values"]
    if v[1] - v[0] == 1 and np.all(np.diff(v) == 1):
        return f"counts the rows ({v[0]:g} to {v[-1]:g}): an id?{_HINT}"
    return None


def _numeric(s: pd.Series, in_val: np.ndarray, n_train: int, where: str) -> dict:
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    total = values.sum()
    missing = 0
    if np.isnan(total):  # only now look for the missing values
        gaps = np.isnan(values)
        missing = int(gaps.sum())
        known_train = ~gaps & ~in_val
        pool = values[known_train] if known_train.any() else values[~gaps]
        if pool.size == 0:
            raise DataError(f"{where} has no values")
        fill = float(pool.mean())
        values = np.where(gaps, fill, values)
    elif in_val.any():
        fill = float((total - values[in_val].sum()) / n_train)
    else:
        fill = float(total / len(values))
    if not np.isfinite(fill):
        raise DataError(f"{where} holds infinite values")
    column = {"kind": "numeric", "fill": fill}
    return {"column": column, "values": values, "missing": missing,
            "how": f"the training mean {fill:.6g}"}  # fmt: skip


def _text(s: pd.Series, train: np.ndarray, where: str) -> dict:
    categories = sorted(s.dropna().unique().tolist())
    if not categories:
        raise DataError(f"{where} has no values")
    if len(categories) > MAX_CATEGORIES:
        raise DataError(
            f"{where} has {len(categories)} distinct text values, too many to one-hot "
            f"(limit {MAX_CATEGORIES}); leave it out of 'features'"
        )
    codes = pd.Categorical(s, categories=categories).codes.astype(np.int64)
    gaps = codes < 0
    seen = codes[train][codes[train] >= 0]
    counts = np.bincount(seen if seen.size else codes[~gaps], minlength=len(categories))
    fill = int(np.argmax(counts))  # first maximum: ties go to the first sorted category
    codes[gaps] = fill
    column = {"kind": "text", "categories": categories, "fill": categories[fill]}
    return {"column": column, "codes": codes, "missing": int(gaps.sum()),
            "how": f"the most frequent value '{categories[fill]}'"}  # fmt: skip


def _assemble(n: int, entries: list[dict], width: int) -> np.ndarray:
    """x float32 (n, width): numeric values and one-hot blocks side by side."""
    x = np.zeros((n, width), dtype=np.float32)
    numeric, at = [], 0
    for e in entries:
        if "values" in e:
            numeric.append((at, e["values"]))
            at += 1
        else:
            x[np.arange(n), at + e["codes"]] = 1.0
            at += len(e["column"]["categories"])
    # Column writes stride through all of x; row blocks that stay in cache are ~3x faster.
    with np.errstate(over="ignore"):  # float32 overflow becomes inf, refused by the caller
        for start in range(0, n, _ROWS):
            block = x[start : start + _ROWS]
            for j, values in numeric:
                block[:, j] = values[start : start + _ROWS]
    return x


def _refuse_infinite(x: np.ndarray, columns: list[dict], where: str) -> None:
    if np.isfinite(x.sum(axis=0)).all() or np.isfinite(x).all():
        return
    bad = int(np.flatnonzero(~np.isfinite(x).all(axis=0))[0])
    name = feature_names(columns)[bad]
    raise DataError(f"{where}: column '{name}' holds infinite values")
