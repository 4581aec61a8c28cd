"""Fit a Model on labelled examples with scikit-learn; the only module that imports it (lazily)."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import corpus_sha256, find_corpus_files, read_examples
from .errors import CorpusError
from .features import TfidfTransform, char_features, word_features
from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .langid import train_language_identifier
from .model import Model
from .records import Example
from .tokenizers import tokenize_batch


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters, chosen on the dev split (see README, "Accuracy"); stored in model.json."""

    c_sentiment: float = 8.0
    c_intent: float = 8.0
    c_dimensions: float = 8.0
    min_df: int = 2
    class_weight: str | None = "balanced"
    max_iter: int = 2000


def _identity(features: list[str]) -> list[str]:
    """The analyzer of both vectorizers: features are computed once, before scikit-learn sees them."""
    return features


@dataclass
class Fitted:
    """The scikit-learn objects a Model is made from; kept for the test that both give the same scores."""

    words: Any
    chars: Any
    sentiment: Any
    intent: Any
    dimensions: list[Any]

    def matrix(self, token_lists: Sequence[Sequence[str]]) -> Any:
        from scipy import sparse

        return sparse.hstack(
            [
                self.words.transform([word_features(t) for t in token_lists]),
                self.chars.transform([char_features(t) for t in token_lists]),
            ]
        ).tocsr()


def tokenize_examples(examples: Sequence[Example]) -> list[list[str]]:
    """Each example's tokens, by the tokeniser of its labelled language."""
    return tokenize_batch([e.text for e in examples], [e.lang for e in examples]).token_lists()


def fit_estimators(examples: Sequence[Example], config: TrainingConfig = TrainingConfig()) -> Fitted:
    """TF-IDF blocks and one linear head per label kind, fitted deterministically."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if not examples:
        raise CorpusError("no training examples: give a corpus directory or files with labelled texts.")
    tokens = tokenize_examples(examples)

    def vectorizer() -> Any:
        min_df = config.min_df if len(examples) >= 50 else 1
        return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df, dtype=np.float64)

    words, chars = vectorizer(), vectorizer()
    words.fit([word_features(t) for t in tokens])
    chars.fit([char_features(t) for t in tokens])
    fitted = Fitted(words, chars, None, None, [])
    x = fitted.matrix(tokens)

    def logistic(c: float, y: np.ndarray) -> Any:
        if len(set(y.tolist())) < 2:
            return None  # a label never (or always) seen: handled as a constant in _head()
        model = LogisticRegression(C=c, class_weight=config.class_weight, max_iter=config.max_iter)
        return model.fit(x, y)

    fitted.sentiment = logistic(config.c_sentiment, np.array([e.sentiment for e in examples]))
    fitted.intent = logistic(config.c_intent, np.array([e.intent for e in examples]))
    fitted.dimensions = [
        logistic(config.c_dimensions, np.array([d in e.dimensions for e in examples])) for d in DIMENSIONS
    ]
    return fitted


def _head(estimator: Any, labels: Sequence[str], n_features: int, present: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features, len(labels)) and bias of a softmax head in `labels` order; absent labels never win."""
    weights = np.zeros((n_features, len(labels)))
    bias = np.full(len(labels), -30.0)
    if estimator is None:
        bias[[labels.index(p) for p in present]] = 0.0
        return weights, bias
    classes = [str(c) for c in estimator.classes_]
    coef, intercept = estimator.coef_, estimator.intercept_
    if len(classes) == 2:  # binary: softmax over (-z/2, z/2) equals the sigmoid of z
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, label in enumerate(classes):
        weights[:, labels.index(label)] = coef[row]
        bias[labels.index(label)] = intercept[row]
    return weights, bias


def to_model(fitted: Fitted, langid: Any, thresholds: np.ndarray, metadata: dict[str, Any]) -> Model:
    """The numpy Model that applies exactly what `fitted` learnt."""
    words = TfidfTransform(fitted.words.vocabulary_, fitted.words.idf_)
    chars = TfidfTransform(fitted.chars.vocabulary_, fitted.chars.idf_)
    n = len(words.vocabulary) + len(chars.vocabulary)
    sentiment = _head(fitted.sentiment, SENTIMENTS, n, [])
    intent = _head(fitted.intent, INTENTS, n, [])
    dim_w, dim_b = np.zeros((n, len(DIMENSIONS))), np.full(len(DIMENSIONS), -30.0)
    for d, estimator in enumerate(fitted.dimensions):
        if estimator is not None:
            dim_w[:, d], dim_b[d] = estimator.coef_[0], estimator.intercept_[0]
    weights = np.hstack([sentiment[0], intent[0], dim_w])
    bias = np.concatenate([sentiment[1], intent[1], dim_b])
    return Model(words, chars, weights, bias, thresholds, langid, metadata)


def tune_thresholds(model: Model, dev: Sequence[Example]) -> np.ndarray:
    """Per dimension, the probability cut-off with the best F1 on the dev split (0.5 without dev data)."""
    thresholds = np.full(len(DIMENSIONS), 0.5)
    if not dev:
        return thresholds
    probs = model.probabilities(model._identify([e.text for e in dev], [e.lang for e in dev]))[:, 6:]
    grid = np.round(np.arange(0.15, 0.76, 0.05), 2)
    for d, dimension in enumerate(DIMENSIONS):
        gold = np.array([dimension in e.dimensions for e in dev])
        if not gold.any():
            continue
        f1 = [_f1(gold, probs[:, d] >= t) for t in grid]
        thresholds[d] = grid[int(np.argmax(f1))]
    return thresholds


def _f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((gold & predicted).sum())
    return 2 * tp / max(float(gold.sum() + predicted.sum()), 1.0)


def fit(
    examples: Sequence[Example],
    dev: Sequence[Example] = (),
    other_texts: Sequence[str] = (),
    config: TrainingConfig = TrainingConfig(),
    metadata: dict[str, Any] | None = None,
    refit: bool = True,
) -> Model:
    """A Model for `examples`: dimension thresholds are tuned on `dev` with a model fitted on `examples` alone,
    then (with `refit`, the default) the heads are fitted again on `examples` + `dev` with those thresholds, so
    that no labelled text is wasted; the test split stays untouched either way. Language ID learns from both
    plus `other_texts` (texts in other languages, so that they are told apart from ours)."""
    langid_texts = [e.text for e in (*examples, *dev)] + list(other_texts)
    langid_labels = [e.lang for e in (*examples, *dev)] + ["other"] * len(other_texts)
    langid = train_language_identifier(langid_texts, langid_labels)
    model = to_model(fit_estimators(examples, config), langid, np.full(len(DIMENSIONS), 0.5), metadata or {})
    thresholds = tune_thresholds(model, dev)
    if dev and refit:
        model = to_model(fit_estimators([*examples, *dev], config), langid, thresholds, metadata or {})
    model.thresholds = thresholds
    model.metadata.setdefault("config", asdict(config))
    model.metadata["thresholds"] = dict(zip(DIMENSIONS, model.thresholds.round(2).tolist()))
    return model


def train_paths(paths: Iterable[str | Path], command: str = "", config: TrainingConfig = TrainingConfig()) -> Model:
    """Train on a corpus directory or files: train split fitted, dev tunes, test gives the held-out metrics."""
    import sklearn

    from . import __version__
    from .evaluation import evaluate

    splits = find_corpus_files(paths)
    data = {split: [e for f in files for e in read_examples(f)] for split, files in splits.items() if split != "other"}
    other = [line.strip() for f in splits["other"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    metadata: dict[str, Any] = {
        "name": "service-feedback-classifier",
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "languages": sorted({e.lang for e in data["train"]}, key=LANGUAGES.index),
        "labels": {"dimensions": list(DIMENSIONS), "sentiments": list(SENTIMENTS), "intents": list(INTENTS)},
        "corpus": {
            "sha256": corpus_sha256(f for files in splits.values() for f in files),
            "files": sorted(f"{f.parent.name}/{f.name}" for files in splits.values() for f in files),
            "examples": {split: len(examples) for split, examples in data.items()},
            "other_language_texts": len(other),
        },
        "command": command,
        "config": asdict(config),
    }
    model = fit(data["train"], data["dev"], other, config, metadata)
    if data["test"]:
        model.metadata["metrics"] = evaluate(model, data["test"])
    return model


def train(data: Sequence[Example] | Iterable[str | Path], config: TrainingConfig = TrainingConfig()) -> Model:
    """A model from labelled examples, or from corpus paths (directories or .jsonl/.csv files)."""
    items = list(data)
    if items and all(isinstance(item, Example) for item in items):
        return fit(items, config=config)  # type: ignore[arg-type]
    return train_paths(items, config=config)  # type: ignore[arg-type]
