"""Real-world input: odd texts, huge texts, broken rows, Excel, PII, Ctrl-C, no network, arbitrary input."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.cli import main
from classifier.errors import InputError
from classifier.io import read_records
from classifier.model import load_model
from classifier.pii import mask_pii
from classifier.tokenizers import get_tokenizer

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "👍", "😡😡😡", "x", "?", "。", "12345"])
def test_texts_without_letters_are_marked_unclassified(text: str) -> None:
    p = load_model().classify(text)
    assert p.lang is None
    assert [(d.dimension, d.score, d.sentiment) for d in p.dimensions] == [("general", 0.0, "neutral")]
    assert (p.sentiment, p.intent) == ("neutral", "none")
    assert max(p.sentiment_scores.values()) < 0.34


def test_huge_text_is_truncated_with_a_warning_and_kept(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    big = "Objednávka přišla pozdě. " * 45_000  # about 1.1 MB
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": big}, ensure_ascii=False) + "\n" + json.dumps({"text": "Super!"}) + "\n")
    code, out, err = run(capsys, "classify", str(path))
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2 and records[0]["text"] == big
    assert f"{path}, row 1: text of {len(big):,} characters; only the first 20,000 were classified." in err


def test_broken_rows_fail_by_default_and_are_skipped_on_request(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "Super obchod"}\n{"text": \n["not an object"]\n{"text": "Nic moc"}\n', encoding="utf-8")
    code, out, err = run(capsys, "classify", str(path))
    assert code == 1 and out == ""
    assert f"{path}, line 2: not valid JSON" in err and "--on-error skip" in err
    code, out, err = run(capsys, "classify", str(path), "--on-error", "skip")
    assert code == 0
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["Super obchod", "Nic moc"]
    assert "line 2: not valid JSON" in err and "line 3: expected a JSON object" in err
    assert "2 row(s) skipped (--on-error skip)." in err


def test_short_csv_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id;datum;komentar\n1;2024;ok\n2;2024\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"in\.csv, row 3: 2 field\(s\) but the text is column 3"):
        list(read_records(str(path)))
    notes: list[str] = []
    assert [r.text for r in read_records(str(path), source_notes=notes, on_error="skip")] == ["ok"]
    assert len(notes) == 1


def test_csv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("1;2024-01-02;Objednávka přišla pozdě a nikdo to neřešil\n2;2024-01-03;Super\n", encoding="utf-8")
    records = list(read_records(str(path), no_header=True))
    assert [(r.row, r.text) for r in records] == [(1, "Objednávka přišla pozdě a nikdo to neřešil"), (2, "Super")]
    assert records[0].fields == {"1": "1", "2": "2024-01-02", "3": "Objednávka přišla pozdě a nikdo to neřešil"}


def test_xlsx_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Souhrn"
    sheet = book.create_sheet("Odpovědi")
    sheet.append(["ID", "Komentář"])
    sheet.append([7, "Kurýr byl milý"])
    sheet.append([8, None])
    sheet.append([9, "服务很好"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    # the row with an empty text is kept (it comes out marked unclassified): nothing is lost
    assert [(r.id, r.text) for r in read_records(str(path), sheet="Odpovědi")] == [
        ("7", "Kurýr byl milý"), ("8", ""), ("9", "服务很好")]
    with pytest.raises(InputError, match="no sheet 'List1'; sheets are Souhrn, Odpovědi"):
        list(read_records(str(path), sheet="List1"))


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_chinese_legacy_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    texts = ["这家店的服务态度很差，再也不来了", "快递很快，包装也很好，还会再买"] if encoding == "gb18030" else \
        ["這家店的服務態度很差，再也不來了", "快遞很快，包裝也很好，還會再買"]
    path = tmp_path / "in.csv"
    path.write_bytes(("评论\n" if encoding == "gb18030" else "評論\n").encode(encoding) + "\n".join(texts).encode(encoding) + b"\n")
    notes: list[str] = []
    assert [r.text for r in read_records(str(path), source_notes=notes)] == texts
    assert notes and encoding.replace("gb18030", "gb18030") in notes[0]


def test_unreadable_file_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """chmod 000 cannot be tested as root (root reads anyway), so the operating system's refusal is simulated."""
    import builtins

    path = tmp_path / "locked.csv"
    path.write_text("text\nahoj\n")
    real_open = builtins.open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing_open)
    code, out, err = run(capsys, "classify", str(path))
    assert (code, out) == (1, "")
    assert err == f"Error: {path}: permission denied; check the file's permissions.\n"


def test_mask_pii() -> None:
    text = "Pište na jan.novak@seznam.cz nebo +420 777 123 456, účet CZ65 0800 0000 1920 0014 5399, karta 4111 1111 1111 1111, objednávka 12345"
    assert mask_pii(text) == "Pište na [email] nebo [phone], účet [iban], karta [card], objednávka 12345"
    # fails the Luhn check: not a card, though still masked as a long number (privacy first)
    assert mask_pii("karta 4111 1111 1111 1112") == "karta [phone]"


def test_mask_pii_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("Volejte mi na 777 123 456, jsem naštvaný\n", encoding="utf-8")
    code, out, _ = run(capsys, "classify", str(path), "--mask-pii")
    assert code == 0 and json.loads(out)["text"] == "Volejte mi na [phone], jsem naštvaný"


def test_no_network_is_used(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    code, _, err = run(capsys, "classify", str(ROOT / "examples" / "feedback.csv"))
    assert code == 0, err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_leaves_no_output_and_no_traceback(tmp_path: Path, jobs: str) -> None:
    source = tmp_path / "many.txt"
    source.write_text("Objednávka přišla pozdě a nikdo se neozval.\n" * 400_000, encoding="utf-8")
    target = tmp_path / "out.jsonl"
    # the child starts with Ctrl-C at its default: a runner started in the background (`cmd &`) ignores
    # SIGINT and its children would inherit that, so the signal below would never arrive. In a session of
    # its own, the signal goes to the whole command, workers included, as a terminal's Ctrl-C does.
    process = subprocess.Popen([sys.executable, "-m", "classifier", "classify", str(source), "-o", str(target), "--jobs", jobs],
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith(".out.jsonl.") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err and "Interrupted; no output file was written." in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.txt"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_tokenizers_and_language_id_never_raise(text: str) -> None:
    for lang in ("cs", "sk", "fr", "zh", None):
        tokens = get_tokenizer(lang)(text)
        assert all(isinstance(t, str) and t for t in tokens)
    lang, score = load_model().langid.detect(text)
    assert lang in (None, "cs", "sk", "fr", "zh") and 0 <= score <= 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from(["in.csv", "in.jsonl", "in.txt", "in"]))
def test_readers_never_crash_on_arbitrary_bytes(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    for on_error in ("fail", "skip"):
        try:
            for record in read_records(str(path), on_error=on_error):
                assert isinstance(record.text, str)
        except InputError as exc:
            assert str(path) in str(exc) or "encoding" in str(exc)
