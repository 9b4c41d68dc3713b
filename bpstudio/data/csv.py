"""Read a CSV file into a pandas DataFrame: encoding, delimiter, header, quoting.

Policy (every refusal is a one-line DataError naming the file):
- encoding: UTF-8 (a BOM is skipped), UTF-16 with a BOM, else Windows-1252 or Latin-1
  (said in the messages);
- delimiter: ``csv.Sniffer`` on the first lines among , ; tab |, else ',';
- header: present when the first row holds no numbers while a later row does (or, for
  an all-text file, when the sniffer thinks so); headerless columns are named col1..;
- missing values: empty, NA, N/A, NaN, null, None, ? (pandas' list plus '?');
- a row with more fields than the header is an error naming its line; a shorter row's
  missing fields are missing values; NUL bytes mean a binary file;
- quoting: the sniffer's quote character (" or '), doubled quotes inside quotes;
- decimal commas ("1,5") when the delimiter is ';' and the numbers look that way;
- columns with no header name and no values (a trailing delimiter) are dropped.
Spec overrides: ``delimiter``, ``header`` (bool), ``encoding``.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bpstudio.errors import DataError

SAMPLE_BYTES = 4 << 20  # the first line must fit: longer "lines" are not CSV
SNIFF_CHARS = 64 << 10
MAX_COLUMNS = 100_000
NA_VALUES = ["?"]  # on top of pandas' defaults ("", "NA", "NaN", "null", ...)
# pandas' defaults and '?': text cells that, once stripped, mean "missing".
NA_TOKENS = frozenset(
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?",
    }
)  # fmt: skip
DELIMITERS = ",;\t|"
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass
class Dialect:
    names: list[str]
    header: bool
    delimiter: str
    quotechar: str
    encoding: str
    decimal: str = "."
    spaces: bool = False  # fields start with spaces after the delimiter: skip them
    skip: int = 0  # lines before the header: Excel's "sep=;" line
    unnamed: tuple[str, ...] = ()  # names given to blank header fields (or no header)


def read_table(path: Path, spec: dict) -> tuple[pd.DataFrame, list[str]]:
    """path -> (DataFrame with one column per CSV column, messages).

    ``df.attrs["decimal"]`` is the decimal mark (',' in a decimal-comma file): a column
    that pandas left as text because of one bad cell still holds '2,5'-style numbers.
    """
    dialect = _dialect(path, spec)
    df, messages = _read(path, dialect)
    df.attrs["decimal"] = dialect.decimal
    if len(df) == 0:
        raise DataError(f"{path.name}: has a header but no data rows")
    empty = [c for c in dialect.unnamed if df[c].isna().all()]
    if empty:
        df = df.drop(columns=empty)
        messages.append(f"{path.name}: ignored {len(empty)} empty columns without a name")
    return df, messages


def read_columns(path: Path, spec: dict | None = None) -> list[str]:
    """The column names ``read_table`` would give, from the first lines only."""
    return _dialect(Path(path), spec or {}).names


def _dialect(path: Path, spec: dict) -> Dialect:
    """Column names, header, delimiter, quote character and encoding from the start."""
    _check_overrides(path, spec)
    sample = _sample(path)
    encoding = spec.get("encoding") or _guess_encoding(sample)
    lines = _first_lines(path, sample, encoding)
    excel = _EXCEL_SEP.match(lines[0])
    if excel:  # Excel writes "sep=;" above the header; pandas would take it for one
        lines = lines[1:] or [""]
    delimiter, quotechar = _sniff(lines)
    delimiter = spec.get("delimiter") or (excel.group(1) if excel else delimiter)
    rows = _parse_rows(path, lines, delimiter, quotechar)
    header = spec.get("header")
    if header is None:
        header = _has_header(rows, lines)
    names = _column_names(path, rows[0], bool(header))
    unnamed = tuple(n for n, f in zip(names, rows[0], strict=False) if not header or not f.strip())
    decimal = "," if delimiter == ";" and _decimal_commas(rows[1:] if header else rows) else "."
    # Skipping spaces costs pandas ~20%; only pay it where a quote may follow a space.
    spaces = any(delimiter + " " in line for line in lines[:50])
    return Dialect(
        names, bool(header), delimiter, quotechar, encoding, decimal,
        spaces=spaces, unnamed=unnamed, skip=int(bool(excel)),
    )  # fmt: skip


def _check_overrides(path: Path, spec: dict) -> None:
    """The spec's optional ``delimiter``, ``header`` and ``encoding`` must be usable."""
    delimiter, header, encoding = spec.get("delimiter"), spec.get("header"), spec.get("encoding")
    if delimiter is not None and not (isinstance(delimiter, str) and len(delimiter) == 1):
        raise DataError(f"{path.name}: delimiter must be one character, got {delimiter!r}")
    if header is not None and not isinstance(header, bool):
        raise DataError(f"{path.name}: header must be true or false, got {header!r}")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise DataError(f"{path.name}: unknown encoding {encoding!r}") from None


_EXCEL_SEP = re.compile(r'^\s*"?sep=(.)"?\s*$')
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")


def _decimal_commas(rows: list[list[str]]) -> bool:
    """Some field reads '1,5' and none reads '1.5': European number format."""
    fields = [f.strip() for row in rows for f in row]
    return any(_DECIMAL_COMMA.match(f) for f in fields) and not any(
        _is_number(f) and "." in f for f in fields
    )


def _sample(path: Path) -> bytes:
    """The first SAMPLE_BYTES of the file; refuses missing, empty and binary files."""
    try:
        with open(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a CSV file") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    if not sample.strip():
        raise DataError(f"{path.name}: file is empty")
    for magic, what in _NOT_CSV:
        if sample.startswith(magic):
            raise DataError(f"{path.name}: is not a text CSV file but {what}")
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path.name}: is not a text CSV file (it holds binary data)")
    return sample


# Files people give as CSV most often: a spreadsheet or a compressed CSV.
_NOT_CSV = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?): save or unpack it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save it as CSV"),
    (b"\x1f\x8b", "a gzip-compressed file: unpack it first (gunzip)"),
)


def _guess_encoding(sample: bytes) -> str:
    """'utf-8-sig' with a BOM, 'utf-8' when the sample decodes, else 'cp1252' (what
    Windows programs write: '€' is byte 0x80 there, a control character in Latin-1)
    when that decodes, else 'latin-1' (which decodes any byte)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A multi-byte character may be cut at the end of the sample: ignore the tail.
        sample[: len(sample) - 4 if len(sample) == SAMPLE_BYTES else None].decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def _first_lines(path: Path, sample: bytes, encoding: str) -> list[str]:
    """Complete lines at the start of the file (at least one), decoded."""
    text = sample.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(sample) == SAMPLE_BYTES:
        lines = lines[:-1]  # the last line may be cut short
    if not lines:
        raise DataError(f"{path.name}: line 1 is longer than {SAMPLE_BYTES >> 20} MiB")
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise DataError(f"{path.name}: file is empty")
    return lines


def _sniff(lines: list[str]) -> tuple[str, str]:
    """(delimiter, quote character) csv.Sniffer sees in the first lines, else (',', '"')."""
    text, size = [], 0
    for line in lines:
        if size and size + len(line) > SNIFF_CHARS:
            break
        text.append(line)
        size += len(line)
    try:
        found = csv.Sniffer().sniff("\n".join(text), delimiters=DELIMITERS)
    except csv.Error:
        return ",", '"'
    return found.delimiter, found.quotechar if found.quotechar in "'\"" else '"'


def _parse_rows(path: Path, lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    """The first lines split into fields (quotes honoured)."""
    csv.field_size_limit(SAMPLE_BYTES)
    try:
        reader = csv.reader(lines[:50], delimiter=delimiter, quotechar=quote, skipinitialspace=True)
        rows = list(reader)
    except csv.Error as err:
        raise DataError(f"{path.name}: cannot parse as CSV ({err})") from None
    return [r for r in rows if r] or [[""]]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numeric(field: str) -> bool:
    """A number, '2,5' included: a decimal-comma file may hold no other kind."""
    return _is_number(field) or bool(_DECIMAL_COMMA.match(field.strip()))


def _has_header(rows: list[list[str]], lines: list[str]) -> bool:
    """First row of labels above rows with numbers; all-text files ask the sniffer."""
    if any(_numeric(f) for f in rows[0]):
        return False
    if any(_numeric(f) for row in rows[1:] for f in row):
        return True
    try:
        return csv.Sniffer().has_header("\n".join(lines[:50]))
    except csv.Error:
        return True


def _column_names(path: Path, first: list[str], header: bool) -> list[str]:
    """Header fields (stripped; empty ones named colN), or col1..colN; refuses duplicates."""
    if len(first) > MAX_COLUMNS:
        raise DataError(f"{path.name}: has {len(first)} columns (limit {MAX_COLUMNS})")
    if not header:
        return [f"col{i + 1}" for i in range(len(first))]
    names = [f.strip() or f"col{i + 1}" for i, f in enumerate(first)]
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{path.name}: duplicate column name '{name}'")
        seen.add(name)
    return names


def _read(path: Path, d: Dialect) -> tuple[pd.DataFrame, list[str]]:
    """pandas' C parser; a file that is not valid UTF-8 (or Windows-1252) after all is
    re-read as the next encoding that decodes it."""
    note = {
        "cp1252": [f"{path.name}: not UTF-8, read as Windows-1252 (Latin-1)"],
        "latin-1": [f"{path.name}: not UTF-8, read as Latin-1"],
    }
    fallbacks = ["cp1252", "latin-1"]  # latin-1 decodes any byte: always last
    tries = fallbacks[fallbacks.index(d.encoding) :] if d.encoding in fallbacks else [
        d.encoding, *fallbacks]  # fmt: skip
    for encoding in tries[:-1]:
        try:
            return _pandas(path, d, encoding), note.get(encoding, [])
        except UnicodeDecodeError:
            continue
    return _pandas(path, d, tries[-1]), note.get(tries[-1], [])


def _pandas(path: Path, d: Dialect, encoding: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(
                path,
                sep=d.delimiter,
                quotechar=d.quotechar,
                decimal=d.decimal,
                header=0 if d.header else None,
                names=d.names,
                index_col=False,
                encoding=encoding,
                na_values=NA_VALUES,
                skipinitialspace=d.spaces,
                skiprows=d.skip,
                low_memory=False,
                engine="c",
            )
    except UnicodeDecodeError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: file is empty") from None
    except (pd.errors.ParserError, ValueError, OverflowError, csv.Error) as err:
        raise DataError(f"{path.name}: {_parser_problem(err)}") from None
    except MemoryError:
        raise DataError(f"{path.name}: too large to load into memory") from None


def _parser_problem(err: Exception) -> str:
    """pandas' tokenizer message -> a short phrase."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    m = _FIELDS.search(text)
    if m:
        return f"line {m.group(2)} has {m.group(3)} fields, expected {m.group(1)}"
    return "cannot parse as CSV (" + text.replace("Error tokenizing data. ", "")[:120] + ")"
