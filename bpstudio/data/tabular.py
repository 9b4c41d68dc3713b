"""Table columns -> float32 features: numeric as they are, text as one-hot blocks.

Column kinds, feature names, and ``encode_columns``, which replays fitted columns
(``fit.fit_encode`` fits them on the training rows) on new data for prediction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bpstudio.errors import DataError

from .csv import NA_TOKENS

_F32_MAX = float(np.finfo(np.float32).max)


def split_kinds(df: pd.DataFrame, columns: list[str], where: str) -> dict[str, str]:
    """Each column -> "numeric" or "text"; converts numeric-looking text columns in df.

    A column whose values are mostly numbers but not all is refused ("text in a numeric
    column"), naming the first offending data row.
    """
    kinds = {}
    for col in columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            df[col] = s.astype(np.float64)
        elif not pd.api.types.is_numeric_dtype(s):
            df[col] = s = clean_text(s)
            numbers = to_numbers(s, df.attrs.get("decimal", "."))
            bad = numbers.isna() & s.notna()
            if not bad.any():
                df[col] = numbers
            elif bad.sum() * 2 < s.notna().sum():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{where}: column '{col}' holds numbers but data row {row + 1} holds "
                    f"'{str(s.iloc[row])[:40]}'"
                )
            else:
                kinds[col] = "text"
                continue
        kinds[col] = "numeric"
    return kinds


def clean_text(s: pd.Series) -> pd.Series:
    """Strip spaces; blank and NA-like strings (' NA') become missing (NaN, object dtype)."""
    s = s.astype(object)
    text = s[s.notna()].map(lambda v: str(v).strip())
    s[text.index] = text.where(~text.isin(NA_TOKENS), np.nan)
    return s


def to_numbers(s: pd.Series, decimal: str = ".") -> pd.Series:
    """Text cells -> float64, NaN where a cell is not a number; '2,5' is 2.5 when the
    file's decimal mark is ','."""
    if decimal != ".":
        s = s.map(lambda v: v.replace(decimal, ".") if isinstance(v, str) else v)
    return pd.to_numeric(s, errors="coerce")


def feature_names(columns: list[dict]) -> list[str]:
    """Names of the encoded features: numeric columns, then 'col=category' per one-hot."""
    names = []
    for c in columns:
        if c["kind"] == "numeric":
            names.append(c["name"])
        else:
            names.extend(f"{c['name']}={cat}" for cat in c["categories"])
    return names


def encode_columns(df: pd.DataFrame, columns: list[dict]) -> tuple[np.ndarray, dict]:
    """df rows -> (x float32 (N, F), problems) with fitted ``columns``.

    ``problems`` maps a column name to (bad row mask, what was wrong) for values that
    cannot be encoded (text in a numeric column, infinities); unknown categories encode
    as an all-zero block and are counted under "unknown:<col>".
    """
    n = len(df)
    x = np.zeros((n, len(feature_names(columns))), dtype=np.float32)
    problems, at = {}, 0
    for c in columns:
        s = df[c["name"]]
        if c["kind"] == "numeric":
            x[:, at], bad = _encode_numeric(s, c["fill"], df.attrs.get("decimal", "."))
            if bad.any():
                problems[c["name"]] = (bad, "is not a finite number")
            at += 1
        else:
            unknown = _encode_text(s, c, x[:, at : at + len(c["categories"])])
            if unknown.any():
                problems["unknown:" + c["name"]] = (unknown, "is an unknown category")
            at += len(c["categories"])
    return x, problems


def _encode_numeric(
    s: pd.Series, fill: float | None, decimal: str = "."
) -> tuple[np.ndarray, np.ndarray]:
    """(N,) float32 values with missing -> fill, and the mask of unusable values.

    ``fill`` None (a model trained on arrays, no fitted mean) makes a missing value
    unusable too.
    """
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.zeros(len(values), dtype=bool)
    else:
        text = clean_text(s)
        values = to_numbers(text, decimal).to_numpy(np.float64, na_value=np.nan)
        bad = np.isnan(values) & text.notna().to_numpy()
    missing = np.isnan(values)
    bad |= np.isinf(values) | (np.abs(values) > _F32_MAX)
    if fill is None:
        bad |= missing
    fix = missing | bad
    if fix.any():
        values = np.where(fix, 0.0 if fill is None else fill, values)
    return values.astype(np.float32), bad


def _encode_text(s: pd.Series, column: dict, block: np.ndarray) -> np.ndarray:
    """Write the one-hot block (N, K) in place; returns the mask of unknown categories."""
    text = clean_text(s).where(lambda v: v.notna(), column["fill"])
    # Index lookup maps unknown categories to -1 (a Categorical built with unknown values
    # is deprecated in pandas).
    codes = pd.Index(column["categories"]).get_indexer(text.astype(str))
    known = codes >= 0
    block[np.flatnonzero(known), codes[known]] = 1.0
    return ~known
