"""Per-language tokenisers: `get_tokenizer(lang)` returns a callable text -> list of tokens."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

from .base import LanguageData, WordTokenizer
from .cs import CzechTokenizer
from .fr import FrenchTokenizer
from .sk import SlovakTokenizer
from .zh import ChineseTokenizer

class Tokenizer(Protocol):
    """text -> tokens; `with_clauses` also gives each clause's tokens (for per-dimension sentiment)."""

    def __call__(self, text: str) -> list[str]: ...

    def with_clauses(self, text: str) -> tuple[list[str], list[list[str]]]: ...

#: For text of unknown language: words folded and split, no stemming, no stop words.
GENERIC = LanguageData(lang="")

_TOKENIZERS: dict[str, Callable[[], Tokenizer]] = {
    "cs": CzechTokenizer,
    "sk": SlovakTokenizer,
    "fr": FrenchTokenizer,
    "zh": ChineseTokenizer,
}


@functools.cache
def get_tokenizer(lang: str | None) -> Tokenizer:
    """The tokeniser for an ISO code (cs, sk, fr, zh); None or "" gives the generic one. Cached per process."""
    if not lang:
        return WordTokenizer(GENERIC)
    try:
        return _TOKENIZERS[lang]()
    except KeyError:
        raise ValueError(f"no tokeniser for language {lang!r}; choose one of {', '.join(_TOKENIZERS)}") from None


__all__ = ["ChineseTokenizer", "CzechTokenizer", "FrenchTokenizer", "SlovakTokenizer", "Tokenizer", "get_tokenizer"]
