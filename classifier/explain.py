"""Which words of a text pushed its labels most: linear contributions of the word features, shown as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .tokenizers import get_tokenizer

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def top_words(
    rows: Any,
    probabilities: np.ndarray,
    weights: np.ndarray,
    word_names: Sequence[str],
    unigram: np.ndarray,
    texts: Sequence[str],
    langs: Sequence[str | None],
    top: int = 3,
) -> list[tuple[str, ...]]:
    """Per text (a row of `rows`, the word block as a scipy CSR matrix), up to `top` words whose features
    most raised its predicted sentiment, intent (when not `none`) and main dimension against the alternatives. Only single-word features (`unigram`, a mask over
    `word_names`) are shown; character n-grams and bigrams also count but mean little to a reader.
    Vectorised over the batch."""
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    keep = rows.indices < len(word_names)
    keep[keep] = unigram[rows.indices[keep]]
    columns, values, owner = rows.indices[keep], rows.data[keep], row_of[keep]
    w = weights[columns].astype(np.float64)
    entry = np.arange(len(columns))
    sentiment = probabilities[:, 0:3].argmax(axis=1)[owner]
    push = 1.5 * w[entry, sentiment] - 0.5 * w[:, 0:3].sum(axis=1)  # own column minus the mean of the others
    intent = probabilities[:, 3:6].argmax(axis=1)[owner]
    stated = intent != 2  # "none" explains nothing
    push[stated] += 1.5 * w[entry[stated], 3 + intent[stated]] - 0.5 * w[stated, 3:6].sum(axis=1)
    push += w[entry, 6 + probabilities[:, 6:].argmax(axis=1)[owner]]
    contribution = values * push
    positive = contribution > 0
    columns, owner, contribution = columns[positive], owner[positive], contribution[positive]
    order = np.lexsort((-contribution, owner))
    owner_sorted = owner[order]
    first = np.searchsorted(owner_sorted, owner_sorted)  # where each entry's text starts in the order
    best = order[np.arange(len(order)) - first < top]
    results: list[list[str]] = [[] for _ in range(rows.shape[0])]
    for row, column in zip(owner[best].tolist(), columns[best].tolist()):
        results[row].append(word_names[column][2:])
    return [tuple(_surface(found, text, lang)) for found, text, lang in zip(results, texts, langs)]


def _surface(tokens: Sequence[str], text: str, lang: str | None) -> list[str]:
    """Each token as the reader wrote it: the first word of the text whose token it is (negated or not)."""
    if not tokens:
        return []
    stems = getattr(get_tokenizer(lang), "stems", None)
    written: dict[str, str] = {}
    if stems is not None:
        wanted = {t.removeprefix("ne_") for t in tokens}
        words = _WORD.findall(text)
        for word, token in zip(words, stems(list(map(str.lower, words)))):
            if token in wanted and token not in written:
                written[token] = word
                if len(written) == len(wanted):
                    break
    return [written.get(t.removeprefix("ne_"), t.replace("_", "")) for t in tokens]
