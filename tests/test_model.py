"""The model: numpy path equals scikit-learn, save/load round trip, safe loading, the bundled model's identity."""

from __future__ import annotations

import json
import pickle
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.corpus import corpus_sha256, find_corpus_files
from classifier.errors import ModelError
from classifier.features import char_features
from classifier.labels import DIMENSIONS, INTENTS, SENTIMENTS
from classifier.model import Model, _Text, default_model_path, load_model, read_metadata
from classifier.records import Example
from classifier.tokenizers import tokenize_batch
from classifier.training import fit, fit_estimators, to_model, tokenize_examples

from .conftest import CORPORA, fresh_python


def test_numpy_path_gives_the_scores_of_scikit_learn(small_training_set: list[Example], test_examples: list[Example]) -> None:
    fitted = fit_estimators(small_training_set)
    model = to_model(fitted, load_model().langid, np.full(len(DIMENSIONS), 0.5), {})
    sample = test_examples[::7]
    x = fitted.matrix(tokenize_examples(sample))
    ours = model.probabilities([_Text(e.text, e.lang, 1.0) for e in sample])

    sentiment = fitted.sentiment.predict_proba(x)[:, [list(fitted.sentiment.classes_).index(s) for s in SENTIMENTS]]
    intent = fitted.intent.predict_proba(x)[:, [list(fitted.intent.classes_).index(s) for s in INTENTS]]
    dims = np.column_stack([est.predict_proba(x)[:, 1] for est in fitted.dimensions])
    np.testing.assert_allclose(ours[:, 0:3], sentiment, atol=1e-5)
    np.testing.assert_allclose(ours[:, 3:6], intent, atol=1e-5)
    np.testing.assert_allclose(ours[:, 6:], dims, atol=1e-5)


def test_character_scores_are_the_tfidf_rows_times_the_weights() -> None:
    """`Featurizer.features` never builds the character TF-IDF matrix; its scores equal that matrix (built
    here text by text, as scikit-learn would) times the weights, repeated n-grams and empty texts included."""
    model = load_model()
    texts = ["Kurýr kurýr kurýr přišel pozdě, fakt pozdě!!", "livraison livrée par le livreur", "", "👍", "快递快递 很慢很慢",
             "banana ananas", "ok", "Objednávka objednaná, objednal jsem"]
    langs = ["cs", "fr", "cs", None, "zh", "fr", "sk", "cs"]
    stream = tokenize_batch(texts, langs)
    _, scores = model._featurizer().features(stream.ids, stream.row, len(texts))

    vocabulary, idf = model.chars.vocabulary, model.chars.idf
    char_weights = model.weights[len(model.words.idf) :]
    for row, tokens in enumerate(stream.token_lists()):
        counts = Counter(vocabulary[g] for g in char_features(tokens) if g in vocabulary)
        columns = np.array(sorted(counts), dtype=np.int64)
        values = np.array([(1 + np.log(counts[c])) * idf[c] for c in columns.tolist()])
        if len(values):
            values /= np.linalg.norm(values)
        np.testing.assert_allclose(scores[row], values @ char_weights[columns], rtol=1e-12, atol=1e-12)
    assert any(count > 1 for count in Counter(char_features(stream.token_lists()[0])).values())  # repeats were met


def test_training_is_deterministic(small_training_set: list[Example], small_model: Model) -> None:
    again = fit(small_training_set[: len(small_training_set)], [], ["Hello, the parcel is late again."])
    first = fit(small_training_set[: len(small_training_set)], [], ["Hello, the parcel is late again."])
    assert np.array_equal(again.weights, first.weights)
    assert again.words.vocabulary == first.words.vocabulary


def test_save_load_round_trip(small_model: Model, tmp_path: Path, test_examples: list[Example]) -> None:
    texts = [e.text for e in test_examples[:200]]
    small_model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert [p.to_dict() for p in loaded.classify_many(texts)] == [p.to_dict() for p in small_model.classify_many(texts)]


def test_save_replaces_an_existing_model(small_model: Model, tmp_path: Path) -> None:
    small_model.save(tmp_path / "m")
    small_model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["arrays.npz", "model.json", "vocabulary.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


@pytest.fixture()
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(default_model_path(), target)
    return target


def test_corrupted_file_is_named(model_copy: Path) -> None:
    data = (model_copy / "arrays.npz").read_bytes()
    (model_copy / "arrays.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"arrays\.npz: checksum differs"):
        load_model(model_copy)


def test_missing_file_is_named(model_copy: Path) -> None:
    (model_copy / "vocabulary.json").unlink()
    with pytest.raises(ModelError, match=r"vocabulary\.json: missing"):
        load_model(model_copy)


def test_incompatible_version_says_retrain(model_copy: Path) -> None:
    meta = json.loads((model_copy / "model.json").read_text())
    meta["format_version"] = 99
    (model_copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="model format 99.*Retrain"):
        load_model(model_copy)


def test_not_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nowhere")
    with pytest.raises(ModelError, match=r"model\.json: missing"):
        load_model(tmp_path)


def test_pickled_arrays_are_refused(model_copy: Path) -> None:
    """A model file cannot run code: an object (pickled) array is rejected even with a matching checksum."""
    import hashlib

    with np.load(model_copy / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["bias"] = np.array([object()] * len(arrays["bias"]), dtype=object)
    np.savez(model_copy / "arrays.npz", **arrays)
    meta = json.loads((model_copy / "model.json").read_text())
    meta["files"]["arrays.npz"] = hashlib.sha256((model_copy / "arrays.npz").read_bytes()).hexdigest()
    (model_copy / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="cannot load the model"):
        load_model(model_copy)


def test_bundled_model_matches_the_corpus() -> None:
    """Retrain models/default (see README) whenever corpora/ changes."""
    files = [f for split in find_corpus_files([CORPORA]).values() for f in split]
    meta = read_metadata()
    assert meta["corpus"]["sha256"] == corpus_sha256(files), "models/default is stale: retrain it from corpora/"


def test_bundled_model_metadata_is_complete() -> None:
    meta = read_metadata()
    for key in ("package_version", "sklearn_version", "languages", "labels", "corpus", "metrics", "command"):
        assert key in meta
    assert meta["languages"] == ["cs", "sk", "fr", "zh"]
    assert meta["labels"]["dimensions"] == list(DIMENSIONS)
    assert set(meta["metrics"]) == {"overall", "cs", "sk", "fr", "zh"}


def test_bundled_model_is_small() -> None:
    size = sum(f.stat().st_size for f in default_model_path().iterdir())
    assert size < 30 * 1024 * 1024


def test_classify_path_needs_no_scikit_learn() -> None:
    """Classifying applies the arrays with numpy and scipy.sparse; scikit-learn (slow to import) stays out,
    and so do jieba and rjieba while no Chinese text is seen."""
    code = (
        "import sys, classifier\n"
        "p = classifier.classify('Objednávka přišla pozdě.')\n"
        "assert p.lang == 'cs', p\n"
        "bad = [m for m in ('sklearn', 'jieba', 'rjieba') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    fresh_python(code)


MIXED = [
    # (text, lang, {dimension: sentiment} that must be among the predicted dimensions)
    ("Obsluha byla moc milá, ale ceny jsou hrozně vysoké.", "cs", {"empathy": "positive", "price": "negative"}),
    ("Obsluha milá, ale je to předražené.", "cs", {"empathy": "positive", "price": "negative"}),
    ("Le personnel était adorable, mais c'est beaucoup trop cher.", "fr", {"empathy": "positive", "price": "negative"}),
    ("服务员态度很好，但是价格太贵了。", "zh", {"empathy": "positive", "price": "negative"}),
]


@pytest.mark.parametrize(("text", "lang", "expected"), MIXED)
def test_each_dimension_gets_its_own_sentiment(text: str, lang: str, expected: dict[str, str]) -> None:
    prediction = load_model().classify(text, lang)  # type: ignore[arg-type]
    found = {d.dimension: d.sentiment for d in prediction.dimensions}
    assert {d: found.get(d) for d in expected} == expected


def test_a_pickled_model_works_in_another_process(tmp_path: Path) -> None:
    # caches inside a model are numbered by the process that filled them: they must not travel with it
    model = load_model()
    model.classify_many(["Objednávka nepřišla, nikdo se neozval.", "Le SAV ne répond pas", "服务很好"])
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model))
    code = (
        "import pickle, sys, classifier\n"
        f"model = pickle.loads(open({str(tmp_path / 'model.pkl')!r}, 'rb').read())\n"
        "texts = ['Kurýr byl milý, ale balík přišel pozdě.', 'Fakt super obsluha', 'Livraison en retard, mais sympa']\n"
        "got = [p.to_dict() for p in model.classify_many(texts)]\n"
        "assert got == [p.to_dict() for p in classifier.load_model().classify_many(texts)], got\n"
    )
    fresh_python(code)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Objednávka NEPŘIŠLA a Telefon je rozbitý. Vrácení peněz? Nikdo se neozval!!!", "cs"),
        ("Kurier neprišiel, nie je to prvýkrát. ODPORÚČAM inú firmu.", "sk"),
        ("Le Livreur n'est jamais venu, service client INJOIGNABLE. Je résilie.", "fr"),
        ("Zasilka dorazila pozde a nikdo nezvedal telefon", None),
        ("快递员态度恶劣，再也不来了 😡", "zh"),
    ],
)
def test_evidence_words_are_shown_as_written(text: str, lang: str | None) -> None:
    """Each evidence word is a word of the text in the case it was written, or a token the text holds as is
    (Chinese words, emoji, "!!"); a negated token shows the word that was negated."""
    [prediction] = load_model().classify_many([text], None if lang is None else [lang], explain=True)
    assert prediction.evidence
    for word in prediction.evidence:
        assert word in text or word.replace("!!", "!!!") in text, (word, prediction.evidence)


def test_classify_records_are_the_predictions_as_records() -> None:
    """`feedback classify` writes records made straight from the model's arrays: the same as each
    Prediction's `to_dict()`, with the same evidence words, languages given or detected."""
    texts = [text for text, _, _ in MIXED] + ["", "👍", "Objednávka přišla pozdě.", "服务很好，但是太贵了"]
    model = load_model()
    for langs in (None, [None, "cs"] * (len(texts) // 2) + [None] * (len(texts) % 2)):
        predictions = model.classify_many(texts, langs, explain=True)
        records = model.classify_records(texts, langs)
        assert [record for record, _ in records] == [p.to_dict() for p in predictions]
        assert [evidence for _, evidence in records] == [p.evidence for p in predictions]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.25])), max_size=40), st.integers(1, 4))
def test_evidence_takes_each_texts_largest_contributions_first_on_ties(entries: list[tuple[int, float]], top: int) -> None:
    """`_best_per_row` picks what a lexsort by text, then contribution (largest first, stable) would."""
    from classifier.explain import _best_per_row

    entries.sort(key=lambda e: e[0])
    owner = np.array([o for o, _ in entries], dtype=np.int64)
    value = np.array([v for _, v in entries])
    order = np.lexsort((-value, owner))
    first = np.searchsorted(owner[order], owner[order])
    expected = order[np.arange(len(order)) - first < top]
    assert _best_per_row(owner, value, top).tolist() == expected.tolist()
