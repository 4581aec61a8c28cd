"""Per-language tokenisers: `get_tokenizer(lang)` returns a callable text -> list of tokens;
`tokenize_batch` tokenises a batch of texts in several languages at once, as the model does."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from .base import LanguageData, ScannedBatch, WordTokenizer, scan_batch
from .cs import CzechTokenizer
from .fr import FrenchTokenizer
from .sk import SlovakTokenizer
from .stream import TOKENS, TokenStream
from .zh import ChineseTokenizer

class Tokenizer(Protocol):
    """text -> tokens; `with_clauses` also gives each clause's tokens (for per-dimension sentiment)."""

    def __call__(self, text: str) -> list[str]: ...

    def with_clauses(self, text: str) -> tuple[list[str], list[list[str]]]: ...

    def stream(self, batch: ScannedBatch, wanted: np.ndarray) -> TokenStream: ...

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


def tokenize_batch(texts: Sequence[str], langs: Sequence[str | None]) -> TokenStream:
    """The tokens of many texts, each by the tokeniser of its language (None: the generic one)."""
    if len(langs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
    return tokenize_scanned(scan_batch(texts), langs)


def tokenize_scanned(batch: ScannedBatch, langs: Sequence[str | None]) -> TokenStream:
    """`tokenize_batch` for texts already scanned (the model scans once for language ID and tokens)."""
    streams = [get_tokenizer(lang).stream(batch, wanted) for lang, wanted in by_language(langs)]
    return TokenStream.concat(streams, batch.n_rows)


def by_language(langs: Sequence[str | None]) -> Iterator[tuple[str | None, np.ndarray]]:
    """Each language of `langs` (None for unknown) with a mask of the texts in it, in order of first use."""
    index = {lang: i for i, lang in enumerate(dict.fromkeys(langs))}
    codes = np.fromiter(map(index.__getitem__, langs), dtype=np.int64, count=len(langs))
    for lang, i in index.items():
        yield lang, codes == i


__all__ = [
    "TOKENS",
    "ChineseTokenizer",
    "CzechTokenizer",
    "FrenchTokenizer",
    "ScannedBatch",
    "SlovakTokenizer",
    "TokenStream",
    "Tokenizer",
    "WordTokenizer",
    "by_language",
    "get_tokenizer",
    "scan_batch",
    "tokenize_batch",
    "tokenize_scanned",
]
