"""CSV loading: dialects, encodings, target and features, encoding of columns."""

import json

import numpy as np
import pytest

from bpstudio.errors import DataError

from .helpers import load_csv, write

IRIS_LIKE = "a,b,label\n1,2,x\n2,3,y\n3,4,x\n4,5,z\n"


def test_basic_load_and_target_default_last(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", IRIS_LIKE))
    assert d.task == "classification"
    assert d.class_names == ["x", "y", "z"]
    assert d.y_train.tolist() == [0, 1, 0, 2]
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    np.testing.assert_array_equal(d.x_train, [[1, 2], [2, 3], [3, 4], [4, 5]])
    assert d.feature_names == ["a", "b"] and d.input_shape == (2,)
    assert d.x_val.shape == (0, 2) and d.y_val.shape == (0,)
    json.dumps(d.transform)


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, sep):
    d = load_csv(write(tmp_path, "t.csv", IRIS_LIKE.replace(",", sep)))
    assert d.feature_names == ["a", "b"]


def test_no_header_names_columns(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "1,2,0\n3,4,1\n5,6,0\n"))
    assert d.feature_names == ["col1", "col2"]
    assert d.class_names == ["0", "1"] and len(d.x_train) == 3


def test_header_override(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,b,c\nd,e,f\ng,h,i\n"), header=False)
    assert len(d.x_train) == 3


@pytest.mark.parametrize(
    ("content", "encoding"),
    [("a,b,y\ncafé,1,x\nthé,2,y\n", "utf-8"), ("a,b,y\ncafé,1,x\nthé,2,y\n", "latin-1")],
)
def test_encodings(tmp_path, content, encoding):
    d = load_csv(write(tmp_path, "t.csv", content, encoding))
    assert "a=café" in d.feature_names
    assert any("Latin-1" in m for m in d.messages) == (encoding == "latin-1")


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "\ufeffa,b,y\n1,2,0\n3,4,1\n"), target="y")
    assert d.feature_names == ["a", "b"]


def test_quoting(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", 'a,b,y\n"1,5",2,"p, q"\n"2,5",3,"r ""s"""\n'))
    assert d.class_names == ["p, q", 'r "s"']
    assert "a=1,5" in d.feature_names


def test_target_and_features_from_spec(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,c,y\n1,2,3,4.5\n2,3,4,5.5\n3,5,6,1.25\n")
    d = load_csv(path, target="a", features=["c", "b"])
    assert d.feature_names == ["c", "b"] and d.class_names == ["1", "2", "3"]
    with pytest.raises(DataError, match="t.csv: has no column 'nope'"):
        load_csv(path, target="nope")
    with pytest.raises(DataError, match="both the target and a feature"):
        load_csv(path, target="a", features=["a", "b"])


def test_text_features_one_hot_with_sorted_categories(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "colour,n,y\nred,1,0\nblue,2,1\nred,3,0\ngreen,4,1\n"))
    assert d.feature_names == ["colour=blue", "colour=green", "colour=red", "n"]
    np.testing.assert_array_equal(d.x_train[:, :3], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert d.transform["columns"][0]["categories"] == ["blue", "green", "red"]


def test_missing_values_policy(tmp_path):
    text = "n,c,y\n1,a,0\n,b,1\n3,?,0\nNA,a,\n5,a,NaN\n7,b,1\n"
    d = load_csv(write(tmp_path, "t.csv", text), task="classification")
    # Two rows lack the target: dropped. n: mean of 1,3,7 over the kept rows.
    assert len(d.x_train) == 4
    assert d.x_train[:, 0].tolist() == [1, pytest.approx(11 / 3), 3, 7]
    # c: missing -> the most frequent training value among kept rows (a, b, b -> b).
    assert d.feature_names == ["n", "c=a", "c=b"]
    assert d.transform["columns"][1]["fill"] == "b"
    assert d.x_train[2, 1:].tolist() == [0, 1]
    text = " ".join(d.messages)
    assert "dropped 2 rows" in text and "filled 1 missing value in 'n'" in text
    assert "filled 1 missing value in 'c'" in text


def test_imputation_uses_training_rows_only(tmp_path):
    rows = "".join(f"{v},{k}\n" for v, k in [(0, 0), (0, 1), (100, 0), (100, 1), ("", 0)])
    d = load_csv(write(tmp_path, "t.csv", "v,y\n" + rows), validation=0.4, split_seed=3)
    fill = d.transform["columns"][0]["fill"]
    train_values = [v for v in d.x_train[:, 0] if v in (0, 100)]
    assert fill == pytest.approx(np.mean(train_values))


def test_infinite_values_name_the_column(tmp_path):
    with pytest.raises(DataError, match=r"t.csv: column 'b' holds infinite values"):
        load_csv(write(tmp_path, "t.csv", "a,b,y\n1,inf,0\n2,3,1\n"))
    with pytest.raises(DataError, match=r"column 'b' holds infinite values"):
        load_csv(write(tmp_path, "t.csv", "a,b,y\n1,1e300,0\n2,3,1\n"))


def test_class_order_numeric_not_string(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,y\n1,10\n2,9\n3,2\n4,10\n"))
    assert d.class_names == ["2", "9", "10"]
    assert d.y_train.tolist() == [2, 1, 0, 2]


def test_task_inference_and_override(tmp_path):
    ints = write(tmp_path, "i.csv", "a,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    floats = write(tmp_path, "f.csv", "a,y\n" + "".join(f"{i},{i / 7}\n" for i in range(30)))
    many = write(tmp_path, "m.csv", "a,y\n" + "".join(f"{i},{i}\n" for i in range(30)))
    assert load_csv(ints).task == "classification"
    assert load_csv(floats).task == "regression"
    assert load_csv(many).task == "regression"
    d = load_csv(ints, task="regression")
    assert d.y_train.dtype == np.float32 and d.y_train.shape == (30, 1) and d.class_names is None
    assert load_csv(many, task="classification").class_names[:3] == ["0", "1", "2"]
    with pytest.raises(DataError, match="non-integer"):
        load_csv(floats, task="classification")


def test_regression_refuses_text_target(tmp_path):
    with pytest.raises(DataError, match="regression needs numbers"):
        load_csv(write(tmp_path, "t.csv", IRIS_LIKE), task="regression")


def test_binary_needs_two_classes(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,y\n1,no\n2,yes\n3,no\n"), task="binary")
    assert d.task == "classification" and d.class_names == ["no", "yes"]
    assert d.y_train.tolist() == [0, 1, 0]
    with pytest.raises(DataError, match="exactly 2 classes, found 3"):
        load_csv(write(tmp_path, "t.csv", IRIS_LIKE), task="binary")


def test_text_fill_ties_go_to_the_first_sorted_category(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "c,y\nb,0\na,1\n?,0\n"))
    assert d.transform["columns"][0]["fill"] == "a"


def test_bool_and_spaces(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a, b ,y\n True, x ,1\nFalse,x, 0\n"))
    assert d.feature_names == ["a", "b=x"]
    assert d.x_train[:, 0].tolist() == [1, 0]


def test_many_text_values_are_refused(tmp_path):
    rows = "".join(f"id{i},{i % 2}\n" for i in range(1200))
    with pytest.raises(DataError, match="1200 distinct text values"):
        load_csv(write(tmp_path, "t.csv", "name,y\n" + rows))


def test_read_columns_reads_only_the_start(tmp_path):
    from bpstudio.data.csv import read_columns

    assert read_columns(write(tmp_path, "t.csv", "a;b;y\n1;2;3\n")) == ["a", "b", "y"]
    assert read_columns(write(tmp_path, "n.csv", "1,2\n3,4\n")) == ["col1", "col2"]


def test_single_quotes_are_sniffed(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,b,y\n'1,5',2,'p, q'\n'2,5',3,r\n'3',4,r\n"))
    assert d.class_names == ["p, q", "r"]


def test_trailing_delimiter_column_is_dropped(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a,b,y,\n1,2,0,\n3,4,1,\n"))
    assert d.feature_names == ["a", "b"] and d.class_names == ["0", "1"]
    assert "ignored 1 empty columns" in d.messages[0]


def test_decimal_commas_with_semicolons(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a;b;y\n1,5;2;0\n-3,25;4;1\n"))
    assert d.x_train[:, 0].tolist() == [1.5, -3.25]


def test_utf16_with_bom(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", "a\tb\ty\n1\t2\tx\n3\t4\tz\n", "utf-16"))
    assert d.feature_names == ["a", "b"] and d.class_names == ["x", "z"]


def test_spaced_missing_tokens_and_quotes_after_spaces(tmp_path):
    d = load_csv(write(tmp_path, "t.csv", 'a, b, y\n1, "p, q", 0\n2, NA , 1\n3, r, 0\n'))
    assert d.feature_names == ["a", "b=p, q", "b=r"]
    assert "filled 1 missing value in 'b'" in " ".join(d.messages)


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"delimiter": ";;"}, "delimiter must be one character"),
        ({"header": "yes"}, "header must be true or false"),
        ({"encoding": "klingon"}, "unknown encoding"),
    ],
)
def test_bad_overrides(tmp_path, override, problem):
    with pytest.raises(DataError, match=problem):
        load_csv(write(tmp_path, "t.csv", IRIS_LIKE), **override)


def test_overrides_apply(tmp_path):
    path = write(tmp_path, "t.csv", "p;b\nq;x\nr\u20ac;y\n", "cp1252")
    d = load_csv(path, delimiter=";", header=False, encoding="cp1252")
    assert d.feature_names == ["col1=p", "col1=q", "col1=r\u20ac"]


def test_id_and_free_text_columns_get_a_hint_but_still_load(tmp_path):
    rows = [f"{100 + i},note {i},{i % 3},{i % 5},{i % 2}" for i in range(30)]
    d = load_csv(write(tmp_path, "t.csv", "id,comment,colour,n,y\n" + "\n".join(rows) + "\n"))
    assert d.x_train.shape == (30, 1 + 30 + 1 + 1)  # loaded as before
    text = " ".join(d.messages)
    assert "column 'id' counts the rows (100 to 129): an id?" in text
    assert "column 'comment' differs in every row (30 one-hot features)" in text
    assert "'colour'" not in text and "'n'" not in text  # ordinary columns: no hint


def test_decimal_comma_column_with_one_bad_cell_names_it(tmp_path):
    # pandas leaves such a column as text ('2,5'): it became a one-hot block per value.
    rows = [f"{i},5;{i % 3},25;{'ab'[i % 2]}" for i in range(10)]
    rows[6] = "1.234,5;1,5;a"
    with pytest.raises(
        DataError, match=r"column 'x1' holds numbers but data row 7 holds '1.234,5'"
    ):
        load_csv(write(tmp_path, "t.csv", "x1;x2;y\n" + "\n".join(rows) + "\n"))
    rows[6] = "6,5;1,5;a"
    d = load_csv(write(tmp_path, "t.csv", "x1;x2;y\n" + "\n".join(rows) + "\n"))
    assert d.feature_names == ["x1", "x2"] and d.x_train[6].tolist() == [6.5, 1.5]


def test_header_is_found_in_a_decimal_comma_file_and_not_invented(tmp_path):
    body = "".join(f"{i},5;{i},25;{'ab'[i % 2]}\n" for i in range(30))
    d = load_csv(write(tmp_path, "t.csv", "x1;x2;y\n" + body))
    assert d.feature_names == ["x1", "x2"] and len(d.x_train) == 30
    # No header: the first row is data. (';' given: '0,5;0,25;a' splits evenly on both.)
    d = load_csv(write(tmp_path, "t.csv", body), delimiter=";")
    assert d.feature_names == ["col1", "col2"] and len(d.x_train) == 30


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"features": "a"}, r"features must be a list of column names, got 'a'"),  # was "no 'a'"
        ({"features": ["a", 1]}, r"features must be a list of column names"),
        ({"target": 3}, r"target must be a column name, got 3"),
    ],
)
def test_target_and_features_must_be_names(tmp_path, spec, problem):
    with pytest.raises(DataError, match=problem):
        load_csv(write(tmp_path, "t.csv", IRIS_LIKE), **spec)


def test_excel_sep_line_sets_the_delimiter_and_is_skipped(tmp_path):
    # Excel's European exports start with "sep=;": it was read as the header.
    text = "\ufeffsep=;\r\na;b;label\r\n1,5;2;x\r\n2,5;3;y\r\n3,5;4;x\r\n4,5;5;y\r\n"
    d = load_csv(write(tmp_path, "t.csv", text))
    assert d.feature_names == ["a", "b"] and d.class_names == ["x", "y"]
    assert d.x_train[:, 0].tolist() == [1.5, 2.5, 3.5, 4.5]


def test_a_target_with_one_class_per_row_is_refused(tmp_path):
    # An id or a name as target trained a Dense layer as wide as the file, accuracy 0.
    rows = [f"{i % 7},{i % 3},user{i}" for i in range(100)]
    path = write(tmp_path, "t.csv", "a,b,name\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"'name': every sample is its own class \(100 classes"):
        load_csv(path, task="classification")
    assert len(load_csv(path).class_names) == 100  # a preview (no loss yet) still shows it
    small = write(tmp_path, "s.csv", "a,name\n" + "\n".join(f"{i},u{i}" for i in range(99)))
    assert len(load_csv(small, task="classification").class_names) == 99


def test_windows_1252_text_reads_the_euro_sign(tmp_path):
    """Excel on Windows writes '€' as byte 0x80 (a control character in Latin-1)."""
    p = tmp_path / "prices.csv"
    text = "currency,price,y\n€,5,a\n$,2,b\n€,3,a\n$,4,b\n"
    p.write_bytes(text.encode("cp1252"))
    d = load_csv(p, target="y")
    assert any("Windows-1252" in m for m in d.messages)
    assert any("€" in name for name in d.feature_names), d.feature_names


def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_bytes(b"a,b,y\n1,x\x81,a\n2,z,b\n3,x\x81,a\n4,z,b\n")
    d = load_csv(p, target="y")
    assert any("read as Latin-1" in m for m in d.messages)
