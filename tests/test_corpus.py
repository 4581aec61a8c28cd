"""Corpora: our corpus passes its own check; bad records are named by file and line; CSV works like JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.corpus import parse_example, read_examples
from classifier.corpus_check import CorpusReport, check_corpus, format_report, near_duplicates
from classifier.errors import CorpusError
from classifier.records import Aspect, Example

from .conftest import CORPORA

GOOD = {
    "id": "cs-1", "text": "Kurýr byl milý, ale balík přišel pozdě.", "lang": "cs",
    "dimensions": ["reliability", "empathy"],
    "aspects": [{"dimension": "reliability", "sentiment": "negative"}, {"dimension": "empathy", "sentiment": "positive"}],
    "sentiment": "negative", "intent": "none",
}


def test_our_corpus_passes_the_check() -> None:
    report = check_corpus([CORPORA])
    assert report.errors == []
    assert report.duplicates == []
    assert report.ok
    for lang in ("cs", "sk", "fr", "zh"):
        assert sum(e.lang == lang for e in report.examples) >= 1500


def test_report_counts_the_pairs() -> None:
    text = format_report(CorpusReport(examples=[parse_example(GOOD)]))
    assert "| reliability | 0/0/1 |" in text and "| empathy | 1/0/0 |" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sentiment": "happy"}, "field 'sentiment' is 'happy'; expected one of positive, neutral, negative"),
        ({"lang": "de"}, "field 'lang' is 'de'"),
        ({"dimensions": []}, "must list at least one dimension"),
        ({"dimensions": ["speed"], "aspects": None}, "field 'dimensions' is 'speed'"),
        ({"aspects": [{"dimension": "empathy", "sentiment": "positive"}]}, "same dimensions as 'dimensions'"),
        ({"text": "  "}, "field 'text' is empty"),
    ],
)
def test_bad_records_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(CorpusError, match=f"x.jsonl, line 7: .*{message}"):
        parse_example({**GOOD, **change}, "x.jsonl", 7)


def test_csv_corpus_reads_like_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "id,text,lang,dimensions,sentiment,intent\n"
        '7,"Drahé, ale rychlé",cs,price;responsiveness,neutral,none\n',
        encoding="utf-8",
    )
    assert read_examples(path) == [
        Example("7", "Drahé, ale rychlé", "cs", (Aspect("price", "neutral"), Aspect("responsiveness", "neutral")), "neutral", "none")
    ]


def test_near_duplicates_are_found() -> None:
    base = parse_example(GOOD)
    twin = parse_example({**GOOD, "id": "cs-2", "text": "Kuryr byl mily, ale balik prisel pozde!"})
    other = parse_example({**GOOD, "id": "cs-3", "text": "Úplně jiný text o cenách a otevírací době."})
    assert [(a, b) for a, b, _ in near_duplicates([base, twin, other])] == [(0, 1)]


def test_short_identical_texts_are_duplicates() -> None:
    """Too short for 5-grams, but the same text twice still counts once ("还行吧" by two writers)."""
    a = parse_example({**GOOD, "id": "zh-1", "lang": "zh", "text": "还行吧"})
    b = parse_example({**GOOD, "id": "zh-2", "lang": "zh", "text": "还行吧 "})
    c = parse_example({**GOOD, "id": "zh-3", "lang": "zh", "text": "还行"})
    assert [(x, y) for x, y, _ in near_duplicates([a, b, c])] == [(0, 1)]


def test_check_fails_on_duplicates_and_errors(tmp_path: Path) -> None:
    (tmp_path / "cs").mkdir()
    lines = [GOOD, {**GOOD, "id": "cs-2", "text": GOOD["text"] + " "}, {**GOOD, "id": "cs-3", "intent": "maybe"}]
    (tmp_path / "cs" / "train.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    report = check_corpus([tmp_path])
    assert not report.ok
    assert len(report.duplicates) == 1 and len(report.errors) == 1 and "line 3" in report.errors[0]
