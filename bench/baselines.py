"""Accuracy against two obvious alternatives, on the same train/test split, with their speed.

- plain scikit-learn: TfidfVectorizer() with its default tokenisation + LogisticRegression, one per head;
- fastText supervised (bench-only dependency `fasttext-wheel`), Chinese pre-segmented with jieba.
Both get the same per-dimension thresholds treatment as ours (0.5), and the same heads.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from classifier.evaluation import f1_scores
from classifier.labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from classifier.langid import strip_diacritics
from classifier.records import Example

Predictor = Callable[[Sequence[str]], tuple[list[str], list[set[str]], list[str]]]


def scores(examples: Sequence[Example], sentiment: list[str], dims: list[set[str]], intent: list[str]) -> dict[str, float]:
    gold_dims = [set(e.dimensions) for e in examples]
    tp = sum(len(g & p) for g, p in zip(gold_dims, dims))
    fp = sum(len(p - g) for g, p in zip(gold_dims, dims))
    fn = sum(len(g - p) for g, p in zip(gold_dims, dims))
    return {
        "sentiment_macro_f1": float(np.mean(list(f1_scores([e.sentiment for e in examples], sentiment, SENTIMENTS).values()))),
        "dimension_micro_f1": 2 * tp / max(2 * tp + fp + fn, 1),
        "intent_macro_f1": float(np.mean(list(f1_scores([e.intent for e in examples], intent, INTENTS).values()))),
    }


def plain_sklearn(train: Sequence[Example]) -> Predictor:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer()
    x = vectorizer.fit_transform([e.text for e in train])
    sentiment = LogisticRegression(max_iter=2000).fit(x, [e.sentiment for e in train])
    intent = LogisticRegression(max_iter=2000).fit(x, [e.intent for e in train])
    dims = [LogisticRegression(max_iter=2000).fit(x, [d in e.dimensions for e in train]) for d in DIMENSIONS]

    def predict(texts: Sequence[str]) -> tuple[list[str], list[set[str]], list[str]]:
        m = vectorizer.transform(texts)
        probs = np.column_stack([est.predict_proba(m)[:, 1] for est in dims])
        chosen = [{DIMENSIONS[d] for d in np.flatnonzero(row >= 0.5)} or {DIMENSIONS[int(row.argmax())]} for row in probs]
        return list(sentiment.predict(m)), chosen, list(intent.predict(m))

    return predict


def _ft_text(text: str, lang: str) -> str:
    if lang == "zh":
        import jieba

        jieba.setLogLevel(60)
        return " ".join(jieba.lcut(text.replace("\n", " ")))
    return text.replace("\n", " ").lower()


def fasttext_model(train: Sequence[Example], dev: Sequence[Example] = ()) -> Predictor:
    """Threshold tuned on dev with models fitted on train, then refitted on train + dev (as ours)."""
    predict = _fasttext(train, dev, None)
    return _fasttext([*train, *dev], (), predict.threshold) if dev else predict  # type: ignore[attr-defined]


def _fasttext(train: Sequence[Example], dev: Sequence[Example], threshold: float | None) -> Predictor:
    import fasttext

    from classifier.model import load_model

    langid = load_model().langid
    kwargs: dict[str, Any] = {"epoch": 25, "lr": 0.5, "wordNgrams": 2, "minn": 3, "maxn": 5, "dim": 50,
                              "thread": 1, "seed": 1, "verbose": 0}
    heads: dict[str, Callable[[Example], str]] = {"sentiment": lambda e: e.sentiment, "intent": lambda e: e.intent}
    for d in DIMENSIONS:  # one binary model per dimension, like our heads
        heads[d] = lambda e, d=d: "yes" if d in e.dimensions else "no"
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for head, label in heads.items():
            path = os.path.join(tmp, f"{head}.txt")
            with open(path, "w", encoding="utf-8") as handle:
                for e in train:
                    handle.write(f"__label__{label(e)} {_ft_text(e.text, e.lang)}\n")
            models[head] = fasttext.train_supervised(path, **kwargs)
    chosen_threshold = [0.5 if threshold is None else threshold]

    def predict(texts: Sequence[str]) -> tuple[list[str], list[set[str]], list[str]]:
        langs = [lang or "cs" for lang, _ in langid.detect_many(list(texts))]
        prepared = [_ft_text(t, lang) for t, lang in zip(texts, langs)]
        sentiment = [labels[0].replace("__label__", "") for labels in models["sentiment"].predict(prepared)[0]]
        intent = [labels[0].replace("__label__", "") for labels in models["intent"].predict(prepared)[0]]
        yes = np.column_stack([_probability_of(models[d], prepared, "__label__yes") for d in DIMENSIONS])
        chosen = [{DIMENSIONS[d] for d in np.flatnonzero(row >= chosen_threshold[0])} or {DIMENSIONS[int(row.argmax())]}
                  for row in yes]
        return sentiment, chosen, intent

    if dev:  # one dimension threshold tuned on dev, as ours are (per dimension)
        dev_texts = [e.text for e in dev]
        results = []
        for threshold in np.round(np.arange(0.05, 0.76, 0.05), 2):
            chosen_threshold[0] = float(threshold)
            results.append((scores(dev, *predict(dev_texts))["dimension_micro_f1"], float(threshold)))
        chosen_threshold[0] = max(results)[1]
    predict.threshold = chosen_threshold[0]  # type: ignore[attr-defined]
    return predict


def _probability_of(model: Any, texts: Sequence[str], label: str) -> np.ndarray:
    """P(label) of a two-label model. Only the top label is asked for: with numpy 2, fasttext-wheel 0.9.2's
    batch predict with k=2 repeats the top probability for both labels."""
    labels, probs = model.predict(list(texts), k=1)
    return np.array([min(float(p[0]), 1.0) if lab[0] == label else 1.0 - min(float(p[0]), 1.0) for lab, p in zip(labels, probs)])


def ours() -> Predictor:
    from classifier.model import load_model

    model = load_model()

    def predict(texts: Sequence[str]) -> tuple[list[str], list[set[str]], list[str]]:
        predictions = model.classify_many(list(texts))
        return ([p.sentiment for p in predictions], [{d.dimension for d in p.dimensions} for p in predictions],
                [p.intent for p in predictions])

    return predict


def slices(test: Sequence[Example]) -> dict[str, list[Example]]:
    """The slices that matter: per language, no-diacritics cs/sk, traditional zh, short texts."""
    from classifier.tokenizers.zh import to_simplified

    out: dict[str, list[Example]] = {lang: [e for e in test if e.lang == lang] for lang in LANGUAGES}
    out["cs+sk without diacritics"] = [e for e in test if e.lang in ("cs", "sk") and strip_diacritics(e.text) == e.text]
    out["cs+sk, diacritics stripped (all)"] = [
        Example(e.id, strip_diacritics(e.text), e.lang, e.aspects, e.sentiment, e.intent) for e in test if e.lang in ("cs", "sk")
    ]
    out["zh traditional"] = [e for e in test if e.lang == "zh" and to_simplified(e.text) != e.text]
    out["short (under 5 words / 8 characters)"] = [
        e for e in test if (len(e.text) < 8 if e.lang == "zh" else len(e.text.split()) < 5)
    ]
    return out


def run(train: Sequence[Example], dev: Sequence[Example], test: Sequence[Example]) -> dict[str, Any]:
    """Figures per system and slice, and each system's texts/s on the test texts."""
    # every system learns from train + dev; ours and fastText tune their thresholds on dev first
    systems: dict[str, Predictor] = {"ours": ours(), "plain scikit-learn": plain_sklearn([*train, *dev])}
    try:
        systems["fastText"] = fasttext_model(train, dev)
    except ImportError:
        pass
    results: dict[str, Any] = {"systems": list(systems), "slices": {}, "texts_per_s": {}}
    for name, predict in systems.items():
        texts = [e.text for e in test]
        start = time.perf_counter()
        predict(texts * 3)
        results["texts_per_s"][name] = 3 * len(texts) / (time.perf_counter() - start)
    for slice_name, examples in slices(test).items():
        results["slices"][slice_name] = {"n": len(examples)}
        for name, predict in systems.items():
            results["slices"][slice_name][name] = scores(examples, *predict([e.text for e in examples]))
    return results
