"""Per-language metrics of a model on labelled examples; plain numpy, so evaluating needs no scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .langid import strip_diacritics
from .model import Model
from .records import Example, Prediction


def f1_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """F1 of each label (0 where a label is neither in gold nor predicted)."""
    scores = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        denominator = sum(g == label for g in gold) + sum(p == label for p in predicted)
        scores[label] = 2 * tp / denominator if denominator else 0.0
    return scores


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """counts[gold][predicted]."""
    return {g: {p: sum(a == g and b == p for a, b in zip(gold, predicted)) for p in labels} for g in labels}


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width confidence bins."""
    if not len(confidence):
        return 0.0
    edges = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            error += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(error)


def _metrics(examples: Sequence[Example], predictions: Sequence[Prediction]) -> dict[str, Any]:
    gold_s = [e.sentiment for e in examples]
    pred_s = [p.sentiment for p in predictions]
    gold_i = [e.intent for e in examples]
    pred_i = [p.intent for p in predictions]
    sentiment_f1 = f1_scores(gold_s, pred_s, SENTIMENTS)
    intent_f1 = f1_scores(gold_i, pred_i, INTENTS)
    tp = fp = fn = 0
    per_dim: dict[str, float] = {}
    for d in DIMENSIONS:
        g = np.array([d in e.dimensions for e in examples])
        p = np.array([any(s.dimension == d for s in pr.dimensions) for pr in predictions])
        d_tp, d_fp, d_fn = int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())
        tp, fp, fn = tp + d_tp, fp + d_fp, fn + d_fn
        per_dim[d] = round(2 * d_tp / max(2 * d_tp + d_fp + d_fn, 1), 4)
    aspects_found = aspects_right = 0
    for e, pr in zip(examples, predictions):
        predicted = {s.dimension: s.sentiment for s in pr.dimensions}
        for a in e.aspects:
            if a.dimension in predicted:
                aspects_found += 1
                aspects_right += predicted[a.dimension] == a.sentiment
    confidence = np.array([max(p.sentiment_scores.values()) for p in predictions])
    correct = np.array([g == p for g, p in zip(gold_s, pred_s)], dtype=float)
    present = [d for d in DIMENSIONS if any(d in e.dimensions for e in examples)]
    return {
        "n": len(examples),
        "sentiment_accuracy": round(float(correct.mean()) if len(correct) else 0.0, 4),
        "sentiment_macro_f1": round(float(np.mean(list(sentiment_f1.values()))), 4),
        "sentiment_f1": {k: round(v, 4) for k, v in sentiment_f1.items()},
        "sentiment_calibration_error": round(calibration_error(confidence, correct), 4),
        "dimension_micro_f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
        "dimension_macro_f1": round(float(np.mean([per_dim[d] for d in present])) if present else 0.0, 4),
        "dimension_f1": per_dim,
        "aspect_sentiment_accuracy": round(aspects_right / max(aspects_found, 1), 4),
        "intent_accuracy": round(float(np.mean([g == p for g, p in zip(gold_i, pred_i)])), 4),
        "intent_macro_f1": round(float(np.mean(list(intent_f1.values()))), 4),
        "intent_f1": {k: round(v, 4) for k, v in intent_f1.items()},
        "langid_accuracy": round(float(np.mean([p.lang == e.lang for e, p in zip(examples, predictions)])), 4),
        "sentiment_confusion": confusion(gold_s, pred_s, SENTIMENTS),
        "intent_confusion": confusion(gold_i, pred_i, INTENTS),
    }


def evaluate(model: Model, examples: Sequence[Example]) -> dict[str, Any]:
    """Metrics overall and per language, end to end (the language is detected, as in real use)."""
    predictions = model.classify_many([e.text for e in examples])
    report: dict[str, Any] = {"overall": _metrics(examples, predictions)}
    for lang in LANGUAGES:
        chosen = [i for i, e in enumerate(examples) if e.lang == lang]
        if chosen:
            report[lang] = _metrics([examples[i] for i in chosen], [predictions[i] for i in chosen])
            if lang in ("cs", "sk", "fr"):
                unaccented = model.langid.detect_many([strip_diacritics(examples[i].text) for i in chosen])
                report[lang]["langid_accuracy_unaccented"] = round(
                    float(np.mean([found == lang for found, _ in unaccented])), 4
                )
    return report


#: The columns `format_table` prints, with their headings.
TABLE_COLUMNS = (
    ("n", "n"),
    ("sentiment_accuracy", "sent acc"),
    ("sentiment_macro_f1", "sent F1"),
    ("dimension_micro_f1", "dim µF1"),
    ("dimension_macro_f1", "dim MF1"),
    ("aspect_sentiment_accuracy", "aspect acc"),
    ("intent_macro_f1", "intent F1"),
    ("langid_accuracy", "lang acc"),
)


def format_table(report: dict[str, Any]) -> str:
    """The per-language figures as an aligned plain-text table."""
    header = ["lang"] + [title for _, title in TABLE_COLUMNS]
    rows = [header]
    for lang, metrics in report.items():
        rows.append([lang] + [str(metrics[key]) for key, _ in TABLE_COLUMNS])
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)
