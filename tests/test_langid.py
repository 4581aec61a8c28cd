"""Language ID: clear cases, None for other languages and scraps, accuracy on our test split with and without diacritics."""

from __future__ import annotations

import pytest

from classifier.langid import strip_diacritics
from classifier.model import load_model
from classifier.records import Example

CASES = [
    ("Objednávka přišla o týden později a nikdo se mi neozval.", "cs"),
    ("objednavka prisla o tyden pozdeji a nikdo se mi neozval", "cs"),
    ("Objednávka prišla o týždeň neskôr a nikto sa mi neozval.", "sk"),
    ("objednavka prisla o tyzden neskor a nikto sa mi neozval", "sk"),
    ("La commande est arrivée avec une semaine de retard.", "fr"),
    ("这家店的服务态度太差了", "zh"),
    ("這家店的服務態度太差了", "zh"),
    # none of ours
    ("The parcel arrived a week late and nobody called me back.", None),
    ("配達が遅れて、箱もつぶれていました。", None),
    # too short to tell
    ("", None),
    ("ok", None),
    ("👍👍👍", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detect(text: str, expected: str | None) -> None:
    lang, score = load_model().langid.detect(text)
    assert lang == expected
    assert 0.0 <= score <= 1.0


def test_batch_equals_single() -> None:
    identifier = load_model().langid
    texts = [t for t, _ in CASES]
    assert identifier.detect_many(texts) == [identifier.detect(t) for t in texts]


@pytest.mark.parametrize("lang", ["cs", "sk", "fr", "zh"])
@pytest.mark.parametrize("unaccented", [False, True])
def test_accuracy_on_test_split(test_examples: list[Example], lang: str, unaccented: bool) -> None:
    """Measured figures are in README ("Language identification"); this guards against regressions."""
    texts = [e.text for e in test_examples if e.lang == lang]
    if unaccented:
        texts = [strip_diacritics(t) for t in texts]
    found = load_model().langid.detect_many(texts)
    accuracy = sum(lang == f for f, _ in found) / len(texts)
    assert accuracy >= 0.85, f"{lang} {'unaccented' if unaccented else ''}: {accuracy:.3f}"
