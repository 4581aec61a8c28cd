"""The label schema of ../shared/LABELS.md as code: the one place label strings are spelled."""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["cs", "sk", "fr", "zh"]
Dimension = Literal[
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
    "tangibles",
    "price",
    "product",
    "general",
]
Sentiment = Literal["positive", "neutral", "negative"]
Intent = Literal["stay", "leave", "none"]

LANGUAGES: Final[tuple[Lang, ...]] = ("cs", "sk", "fr", "zh")
DIMENSIONS: Final[tuple[Dimension, ...]] = (
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
    "tangibles",
    "price",
    "product",
    "general",
)
SENTIMENTS: Final[tuple[Sentiment, ...]] = ("positive", "neutral", "negative")
INTENTS: Final[tuple[Intent, ...]] = ("stay", "leave", "none")

#: The five SERVQUAL dimensions; the other three are the project's additions.
SERVQUAL: Final[tuple[Dimension, ...]] = DIMENSIONS[:5]
