"""Readers and writers: encodings, delimiters, columns, JSONL fields, atomic output, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.errors import InputError
from classifier.io import read_records
from classifier.output import RecordWriter, json_bytes, json_line, open_output, safe_cell

ROWS = [
    ("1", "Objednávka přišla pozdě; kurýr byl ale milý"),
    ("2", 'Řekli "hned", čekal jsem\ntři týdny'),
    ("3", "Paráda, doporučuji"),
]


def _csv(delimiter: str, header: tuple[str, str] = ("id", "komentar")) -> str:
    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in f'{delimiter}"\n') else value

    lines = [delimiter.join(header)] + [delimiter.join(quote(v) for v in row) for row in ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_csv(delimiter), encoding="utf-8")
    records = list(read_records(str(path)))
    assert [(r.id, r.text) for r in records] == ROWS
    assert [r.row for r in records] == [2, 3, 5]  # row numbers of the file, a quoted newline included


_CELL = st.text(alphabet=st.sampled_from("ab ;\"\n\r"), max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.just([]), st.lists(_CELL, min_size=1, max_size=4)), max_size=12),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_csv_rows_and_their_lines_match_a_row_by_row_reading(rows: list[list[str]], terminator: str) -> None:
    """Rows come out as csv.reader reads them one by one, each with the line it starts on (the reader's line
    count at its end less the line breaks in its fields), with blank lines, short rows, cells over several
    lines, and LF, CRLF or lone CR (Excel for Mac) line ends."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator=terminator).writerows([["id", "komentar"], *rows])
    data = out.getvalue()
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=";")
    next(reader)
    expected = []
    for values in reader:
        if len(values) > 1:
            start = reader.line_num - sum(len(re.findall("\r\n|\r|\n", value)) for value in values)
            expected.append((start, values[0], values[1]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_text(data, encoding="utf-8", newline="")
        got = [(r.row, r.id, r.text) for r in read_records(str(path), on_error="skip")]
    assert got == expected


def test_rows_across_the_end_of_the_sniffed_sample_are_read_whole(tmp_path: Path) -> None:
    """The delimiter is sniffed from the first 64 K characters; the row the sample cuts (in a quoted
    newline, between CR and LF, in a word) is still read whole, whichever character the cut falls on."""
    path = tmp_path / "big.csv"
    body = [(str(i), f'Řekli "hned", čekal jsem\ntři týdny, {i}') for i in range(1, 2200)]
    for pad in range(32):
        rows = [("0", "x" * pad)] + body
        text = "id;komentar\r\n" + "".join(f'{i};"{t.replace(chr(34), chr(34) * 2)}"\r\n' for i, t in rows)
        assert len(text) > 65536
        path.write_text(text, encoding="utf-8", newline="")
        records = list(read_records(str(path)))
        assert [(r.id, r.text) for r in records] == rows
        assert records[-1].row == 2 * len(rows) - 1  # the header, a one-line row, then two lines a row


def test_csv_from_excel_for_mac_with_lone_cr_line_ends(tmp_path: Path) -> None:
    """"CSV (Macintosh)" ends lines with a lone CR; rows past the sniffed sample are read as those in it."""
    path = tmp_path / "mac.csv"
    rows = [(str(i), f"Objednávka {i} přišla pozdě, kurýr byl ale milý") for i in range(1, 3000)]
    path.write_bytes(("id;komentar\r" + "".join(f"{i};{t}\r" for i, t in rows)).encode("cp1250"))
    records = list(read_records(str(path), encoding="cp1250"))
    assert [(r.id, r.text) for r in records] == rows
    assert [r.row for r in records] == list(range(2, 3001))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "iso-8859-2", "utf-16"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_csv(";").encode(encoding))
    notes: list[str] = []
    assert [(r.id, r.text) for r in read_records(str(path), source_notes=notes)] == ROWS


def test_assumed_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_csv(";").encode("cp1250"))
    notes: list[str] = []
    list(read_records(str(path), source_notes=notes))
    assert len(notes) == 1 and "not UTF-8; read as" in notes[0] and "--encoding" in notes[0]


def test_encoding_override(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("text\n这家店的服务很好\n".encode("gb18030"))
    assert [r.text for r in read_records(str(path), encoding="gb18030")] == ["这家店的服务很好"]


def test_wrong_column_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("id;poznamka;datum\n1;ahoj;2024\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"reviews\.csv: no text column found; columns are id;poznamka;datum\. Use --text-column"):
        list(read_records(str(path)))
    with pytest.raises(InputError, match=r"no column 'komentar'; columns are id;poznamka;datum"):
        list(read_records(str(path), text_column="komentar"))
    assert [r.text for r in read_records(str(path), text_column="poznamka")] == ["ahoj"]


@pytest.mark.parametrize("name", ["Komentář", "commentaire", "评论", "Text"])
def test_text_column_found_by_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f"id,{name}\n7,super\n", encoding="utf-8")
    assert [(r.id, r.text) for r in read_records(str(path))] == [("7", "super")]


def test_jsonl_fields_nested_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "review": {"body": "Top"}}\n\n{"id": 2, "review": {"body": "Nul"}}\n', encoding="utf-8")
    assert [(r.id, r.text, r.row) for r in read_records(str(path), text_column="review.body")] == [("1", "Top", 1), ("2", "Nul", 3)]


def test_jsonl_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"in\.jsonl, line 2: not valid JSON"):
        list(read_records(str(path)))


def test_plain_text_one_text_a_line(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("první\n\ndruhý\n", encoding="utf-8")
    assert [(r.row, r.text) for r in read_records(str(path))] == [(1, "první"), (3, "druhý")]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "binary file"),
    ],
)
def test_unusable_inputs(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "input"
    make(path)  # type: ignore[operator]
    with pytest.raises(InputError, match=message):
        list(read_records(str(path)))


def test_output_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with open_output(str(target)) as stream:
            stream.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    with open_output(str(target)) as stream:
        stream.write("new\n")
    assert target.read_text() == "new\n"


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("text\nx\n")
    with pytest.raises(InputError, match="is also an input"):
        with open_output(str(source), [str(source)]):
            pass
    assert source.read_text() == "text\nx\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+420 777", "'+420 777"), ("@cmd", "'@cmd"), ("-1", "-1"),
     ("-rm", "'-rm"), ("\tx", "'\tx"), ("ok", "ok"), (0.5, "0.5"), (None, "")],
)
def test_csv_cells_are_spreadsheet_safe(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_writer_formats() -> None:
    record = {
        "id": "1", "text": "=HYPERLINK(\"x\")", "lang": "cs", "lang_score": 1.0, "sentiment": "negative",
        "sentiment_scores": {"positive": 0.1, "neutral": 0.2, "negative": 0.7},
        "dimensions": [{"dimension": "price", "score": 0.9, "sentiment": "negative"}],
        "intent": "none", "intent_scores": {"stay": 0.1, "leave": 0.1, "none": 0.8}, "fields": {"shop": "A"},
    }
    out = io.StringIO()
    writer = RecordWriter(out, "csv")
    writer.write(record)
    header, row = out.getvalue().splitlines()
    assert header.startswith("shop,id,lang,lang_score,sentiment,")
    assert "'=HYPERLINK" in row
    raw = io.StringIO()
    RecordWriter(raw, "csv", raw_csv=True).write(record)
    assert '"=HYPERLINK(""x"")"' in raw.getvalue()
    table = io.StringIO()
    writer = RecordWriter(table, "table")
    writer.write(record)
    writer.close()
    assert table.getvalue().splitlines()[1].split()[:4] == ["1", "cs", "negative", "0.70"]


@pytest.mark.parametrize(
    "fields",
    [
        {"note": "Balík nedorazil 😡 快递 \u2028 \"quoted\" \\ back"},
        {"customer": 123456789012345678901234567890},  # past 64 bits: orjson refuses, the json module writes it
        {"note": "broken \udcff byte"},  # a lone surrogate: orjson refuses, the json module writes it escaped
        {"nested": {"a": [1, 2.5, None, True]}, "empty": {}},
    ],
)
def test_json_lines_read_back_as_the_record(fields: dict[str, object]) -> None:
    record = {"id": "1", "text": "Kuriér bol milý.", "sentiment_scores": {"positive": 0.0028, "negative": 1e-05}, "fields": fields}
    line = json_line(record)
    assert "\n" not in line
    assert json.loads(line) == record
    assert "Kuriér" in line  # text stays readable, not \u-escaped


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_jsonl_writer_gives_the_same_lines_through_bytes_or_text(encoding: str) -> None:
    """Over a UTF-8 stream the lines go to its bytes directly, after whatever text was written before;
    over another encoding (a console's) they go through the text layer, as text."""
    records = [{"id": str(i), "text": "Kuriér bol milý 😡", "n": i} for i in range(3)]
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    stream.write("before\n")
    writer = RecordWriter(stream, "jsonl")
    writer.write(records[0])
    for record in records[1:]:
        writer.write_line(json_bytes(record))
    writer.close()
    stream.flush()
    lines = raw.getvalue().decode(encoding, errors="replace").splitlines()
    assert lines[0] == "before"
    assert [json.loads(line)["n"] for line in lines[1:]] == [0, 1, 2]
    assert ("Kuriér bol milý 😡" in lines[1]) == (encoding == "utf-8")
    assert "\\u" not in lines[1]
