"""Frozen records passed between layers: labelled examples in, predictions out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .labels import Dimension, Intent, Lang, Sentiment


@dataclass(frozen=True)
class Aspect:
    """One dimension a text speaks of, with that dimension's own sentiment."""

    dimension: Dimension
    sentiment: Sentiment


@dataclass(frozen=True)
class Example:
    """A labelled text of a corpus (see corpora/README.md for the format)."""

    id: str
    text: str
    lang: Lang
    aspects: tuple[Aspect, ...]
    sentiment: Sentiment
    intent: Intent

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """The dimensions in corpus order, main first."""
        return tuple(a.dimension for a in self.aspects)


@dataclass(frozen=True)
class DimensionScore:
    """A predicted dimension: probability that the text speaks of it, and its own sentiment."""

    dimension: Dimension
    score: float
    sentiment: Sentiment


@dataclass(frozen=True)
class Prediction:
    """Everything the model says about one text; `to_dict()` is the JSONL record of `feedback classify`."""

    id: str | None
    text: str
    lang: Lang | None
    lang_score: float
    sentiment: Sentiment
    sentiment_scores: Mapping[Sentiment, float]
    dimensions: tuple[DimensionScore, ...]
    intent: Intent
    intent_scores: Mapping[Intent, float]
    fields: Mapping[str, Any] = field(default_factory=dict)
    #: words that pushed the labels most (only with `explain=True`); not part of the JSONL record
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The record in the documented field order, JSON-ready."""
        return {
            "id": self.id,
            "text": self.text,
            "lang": self.lang,
            "lang_score": self.lang_score,
            "sentiment": self.sentiment,
            "sentiment_scores": dict(self.sentiment_scores),
            "dimensions": [
                {"dimension": d.dimension, "score": d.score, "sentiment": d.sentiment}
                for d in self.dimensions
            ],
            "intent": self.intent,
            "intent_scores": dict(self.intent_scores),
            "fields": dict(self.fields),
        }
