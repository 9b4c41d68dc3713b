"""Every malformed CSV gives a one-line DataError naming the file, or a sensible load."""

import os
import re

import numpy as np
import pytest

from bpstudio.errors import DataError

from .helpers import load_csv, write

CASES = {
    "empty": (b"", "file is empty"),
    "blank lines only": (b"\n \n\n", "file is empty"),
    "header only": (b"a,b,y\n", "has a header but no data rows"),
    "ragged long row": (b"a,b,y\n1,2,0\n3,4,1,9\n", "line 3 has 4 fields, expected 3"),
    "binary": (bytes(range(256)) * 8, "binary data"),
    "png named csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    "duplicate names": (b"a,a,y\n1,2,0\n", "duplicate column name 'a'"),
    "single column": (b"y\n1\n2\n", "has only one column ('y')"),
    "text in numeric": (
        b"a,y\n" + b"".join(b"%d,%d\n" % (i, i % 2) for i in range(9)) + b"oops,1\n",
        "column 'a' holds numbers but data row 10 holds 'oops'",
    ),
    "unterminated quote": (b'a,y\n1,"open\n2,3\n', "cannot parse as CSV"),
    "huge first line": (b"a" * (5 << 20), "line 1 is longer than 4 MiB"),
    "no target values": (b"a,y\n1,\n2,?\n", "no row has a value in the target column 'y'"),
    "empty column": (b"a,b,y\n1,,0\n2,,1\n", "column 'b' has no values"),
    "only delimiters": (b",,\n,,\n", "has no column with values"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_input_is_a_one_line_data_error(tmp_path, case):
    content, problem = CASES[case]
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert "\n" not in message
    assert "bad.csv" in message
    assert problem in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_csv(tmp_path / "nope.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        load_csv(tmp_path / "dir.csv")


def test_short_rows_are_missing_values(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,b,y\n1,2,0\n3,,1\n5\n"))
    # The last row has no target: dropped; the middle row's b is imputed.
    assert len(d.x_train) == 2 and d.x_train[1, 1] == 2
    assert any("dropped 1 rows" in m for m in d.messages)


def test_huge_line_in_the_body_loads_as_a_value(tmp_path):
    big = "x" * (2 << 20)
    d = load_csv(write(tmp_path, "t.csv", f"a,b,y\n1,{big},0\n2,short,1\n"))
    assert len(d.feature_names) == 3  # a, b=<big>, b=short


def test_mostly_text_column_is_categorical(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,y\nx,0\ny,1\n3,0\n"))
    assert d.feature_names == ["a=3", "a=x", "a=y"]


def test_unreadable_file(tmp_path):
    path = write(tmp_path, "t.csv", "a,y\n1,2\n")
    os.chmod(path, 0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read anything")
    with pytest.raises(DataError, match="cannot read"):
        load_csv(path)


def test_latin1_after_the_sample_is_reread(tmp_path, monkeypatch):
    import bpstudio.data.csv as csvmod

    monkeypatch.setattr(csvmod, "SAMPLE_BYTES", 64)
    rows = "".join(f"{i},a\n" for i in range(40)) + "1,caf\xe9\n"
    d = load_csv(write(tmp_path, "t.csv", "n,y\n" + rows, "latin-1"))
    assert "café" in d.class_names
    assert any("Latin-1" in m for m in d.messages)
    assert np.isfinite(d.x_train).all()


def test_line_breaks_in_values_and_names_stay_escaped(tmp_path):
    rows = "".join(f"{i},{i % 2}\n" for i in range(9))
    path = write(tmp_path, "t.csv", '"x\ny",y\n' + rows + '"multi\nline",1\n')
    with pytest.raises(DataError) as info:
        load_csv(path)
    assert "\n" not in str(info.value) and "\\n" in str(info.value)
    d = load_csv(write(tmp_path, "u.csv", 'a,y\n"p\nq",0\n?,1\n'))
    assert all("\n" not in m for m in d.messages) and d.feature_names == ["a=p\nq"]


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"PK\x03\x04\x14\x00", "a zip archive (an Excel .xlsx workbook?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook"),
        (b"\x1f\x8b\x08\x00", "a gzip-compressed file"),
    ],
)
def test_spreadsheets_and_compressed_files_are_named(tmp_path, head, what):
    path = tmp_path / "t.csv"
    path.write_bytes(head + b"\x00\x01rest of the file")
    with pytest.raises(DataError, match=re.escape(f"t.csv: is not a text CSV file but {what}")):
        load_csv(path)
