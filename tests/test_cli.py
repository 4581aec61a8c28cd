"""The feedback command: classify in every format and from stdin, errors and exit codes, train/evaluate/info."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.cli import build_parser, main

from .conftest import CORPORA, EXAMPLE_CSV

RECORD_FIELDS = ["id", "text", "lang", "lang_score", "sentiment", "sentiment_scores", "dimensions", "intent",
                 "intent_scores", "fields", "satisfaction", "loyalty_risk", "risk_level", "reasons"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_classify_example_jsonl(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "classify", str(EXAMPLE_CSV))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    with open(EXAMPLE_CSV, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in records] == [row["id"] for row in rows]
    assert all(list(r) == RECORD_FIELDS for r in records)
    assert all(r["dimensions"] and r["sentiment"] in ("positive", "neutral", "negative") for r in records)
    assert [r["lang"] for r in records] == ["cs"] * 4 + ["sk"] * 3 + ["fr"] * 4 + ["zh"] * 4 + ["cs"]
    assert records[0]["fields"]["channel"] == "eshop review"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_worker_processes_give_the_same_output(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    # three chunks, so that both processes get some and results are put back in order
    from classifier.batch import CHUNK_SIZE

    source = tmp_path / "many.csv"
    with open(EXAMPLE_CSV, encoding="utf-8") as handle:
        header, *rows = handle.read().splitlines()
    copies = 1 + 5 * CHUNK_SIZE // (2 * len(rows))  # two and a half chunks
    source.write_text("\n".join([header] + rows * copies) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.{fmt}"
        code, _, err = run(capsys, "classify", str(source), "-o", str(target), "--jobs", jobs, "--format", fmt)
        assert code == 0, err
        outputs.append(target.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == len(rows) * copies + (fmt == "csv")


def test_classify_csv_and_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "labels.csv"
    code, out, err = run(capsys, "classify", str(EXAMPLE_CSV), "-o", str(out_path))
    assert code == 0 and out == ""
    with open(out_path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 16
    assert list(rows[0])[:5] == ["id", "channel", "date", "customer", "text"]  # the input's columns kept first
    assert {"sentiment", "dimensions", "intent", "sentiment_negative"} <= set(rows[0])
    code, out, _ = run(capsys, "classify", str(EXAMPLE_CSV), "--format", "table")
    assert code == 0
    assert out.splitlines()[0].split() == ["id", "lang", "sentiment", "dimensions", "intent", "text"]
    assert len(out.splitlines()) == 17


def test_classify_stdin_and_forced_language(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Colis jamais reçu.\nSuper accueil !\n".encode())))
    code, out, _ = run(capsys, "classify", "-", "--lang", "fr")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["text"], r["lang"], r["lang_score"]) for r in records] == [
        ("Colis jamais reçu.", "fr", 1.0),
        ("Super accueil !", "fr", 1.0),
    ]


def test_nested_jsonl_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "api.jsonl"
    path.write_text('{"review": {"id": 7, "body": "Colis jamais reçu."}}\n', encoding="utf-8")
    code, out, _ = run(capsys, "classify", str(path), "--text-field", "review.body", "--id-field", "review.id")
    record = json.loads(out)
    assert (code, record["id"], record["text"], record["lang"]) == (0, "7", "Colis jamais reçu.", "fr")


def test_errors_are_one_line_with_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "classify", str(tmp_path / "missing.csv"))
    assert (code, out) == (1, "")
    assert err == f"Error: {tmp_path / 'missing.csv'}: no such file.\n"
    bad = tmp_path / "reviews.csv"
    bad.write_text("id;poznamka\n1;x\n")
    code, _, err = run(capsys, "classify", str(bad), "--text-column", "komentar")
    assert code == 1 and "columns are id;poznamka. Use --text-column" in err
    code, _, err = run(capsys, "classify", str(EXAMPLE_CSV), "--model", str(tmp_path))
    assert code == 1 and "model.json: missing" in err


def test_a_missing_model_is_reported_before_an_output_file_is_made(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "classify", str(EXAMPLE_CSV), "--model", str(tmp_path / "nothing"), "-o", str(out))
    assert code == 1 and "no such model directory" in err
    assert list(tmp_path.iterdir()) == []


def test_classify_freezes_what_it_loaded_for_the_run_and_gives_it_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The libraries and the model are frozen out of the cycle collector's walks while the rows are classified,
    and given back when the command ends (tests run it in their own process)."""
    import gc

    from classifier import batch

    frozen: list[int] = []
    scored_chunks = batch.scored_chunks

    def watched(*args: object, **kwargs: object) -> object:
        frozen.append(gc.get_freeze_count())
        return scored_chunks(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "scored_chunks", watched)
    before = gc.get_freeze_count()
    code, _, err = run(capsys, "classify", str(EXAMPLE_CSV), "-o", str(tmp_path / "out.jsonl"))
    assert code == 0, err
    assert frozen and frozen[0] > before
    assert gc.get_freeze_count() == before


def _module_that_presses_ctrl_c(folder: Path, name: str) -> None:
    """A module whose import sends this process SIGINT from code run by exec, as scipy's import runs
    `exec("from numpy import *")`, and then finishes."""
    (folder / f"{name}.py").write_text('exec("import signal; signal.raise_signal(signal.SIGINT)")\nfinished = True\n')


def test_ctrl_c_during_an_import_lets_it_finish_then_interrupts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from classifier.cli import _import_whole

    _module_that_presses_ctrl_c(tmp_path, "presses_ctrl_c")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "presses_ctrl_c", raising=False)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        _import_whole("presses_ctrl_c")
    assert sys.modules["presses_ctrl_c"].finished
    assert signal.getsignal(signal.SIGINT) is handler
    monkeypatch.delitem(sys.modules, "presses_ctrl_c")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _import_whole("presses_ctrl_c")  # Ctrl-C ignored by whoever started us: still ignored
        assert sys.modules["presses_ctrl_c"].finished
    finally:
        signal.signal(signal.SIGINT, handler)


@pytest.mark.parametrize(("held", "exit_code"), [(True, 130), (False, -2)])
def test_python_m_exits_130_after_ctrl_c_in_an_import_only_if_it_was_held(tmp_path: Path, held: bool, exit_code: int) -> None:
    """What `_import_whole` is for: a KeyboardInterrupt escaping exec'd code makes CPython end a `python -m`
    program by SIGINT (-2) at exit, even though the program caught it and chose 130. The unheld case pins
    that behaviour down, so that this test fails, and says so, if a Python no longer has it."""
    import classifier

    package = tmp_path / "probe"
    package.mkdir()
    _module_that_presses_ctrl_c(package, "imported")
    target = "_import_whole('probe.imported')" if held else "import probe.imported"
    (package / "__main__.py").write_text(
        "import sys\nfrom classifier.cli import _import_whole\n"
        f"try:\n    {target}\nexcept KeyboardInterrupt:\n    sys.exit(130)\n"
    )
    path = f"{tmp_path}{os.pathsep}{Path(classifier.__file__).parents[1]}"
    result = subprocess.run([sys.executable, "-m", "probe"], cwd=tmp_path, env={**os.environ, "PYTHONPATH": path},
                            capture_output=True, text=True, check=False)
    assert result.returncode == exit_code, result.stderr


def test_output_equal_to_input_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(EXAMPLE_CSV.read_bytes())
    code, _, err = run(capsys, "classify", str(source), "-o", str(source))
    assert code == 1 and "is also an input" in err
    assert source.read_bytes() == EXAMPLE_CSV.read_bytes()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["classify"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["classify", str(EXAMPLE_CSV), "--lang", "de"])
    assert exit_info.value.code == 2


def _subcommands(parser: object) -> list[list[str]]:
    import argparse

    found = []
    for action in parser._actions:  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _subcommands(sub)
                found.extend([[name, *n] for n in nested] or [[name]])
    return found


@pytest.mark.parametrize("command", _subcommands(build_parser()))
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: feedback " + " ".join(command) in capsys.readouterr().out


def test_train_evaluate_info(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for lang in ("cs", "fr"):
        (corpus / lang).mkdir(parents=True)
        for split in ("train", "dev", "test"):
            lines = (CORPORA / lang / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
            (corpus / lang / f"{split}.jsonl").write_text("\n".join(lines[::4]) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "train", str(corpus), "--out", str(tmp_path / "model"))
    assert code == 0, err
    assert "held-out (test split) figures" in err
    code, out, _ = run(capsys, "evaluate", str(corpus), "--model", str(tmp_path / "model"))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["lang", "overall", "cs", "fr"]
    code, out, _ = run(capsys, "evaluate", str(corpus), "--model", str(tmp_path / "model"), "--format", "json")
    report = json.loads(out)
    assert set(report["cs"]) >= {"sentiment_macro_f1", "dimension_micro_f1", "intent_macro_f1", "sentiment_confusion"}
    code, out, _ = run(capsys, "info", "--model", str(tmp_path / "model"))
    assert code == 0 and "languages:   cs, fr" in out


def test_train_error_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "mine.csv"
    bad.write_text("id,text,lang,dimensions,sentiment,intent\n1,Super,cs,price,happy,none\n", encoding="utf-8")
    code, _, err = run(capsys, "train", str(bad), "--out", str(tmp_path / "m"))
    assert code == 1
    assert err.strip() == f"Error: {bad}, line 2: field 'sentiment' is 'happy'; expected one of positive, neutral, negative."


def test_console_script_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "classifier", "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("feedback ")
