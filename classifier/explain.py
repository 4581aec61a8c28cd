"""Which words of a text pushed its labels most: linear contributions of the word features, shown as written."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .features import SparseRows
from .tokenizers import get_tokenizer

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def top_words(
    rows: SparseRows,
    probabilities: np.ndarray,
    weights: np.ndarray,
    word_names: Sequence[str],
    texts: Sequence[str],
    langs: Sequence[str | None],
    top: int = 3,
) -> list[tuple[str, ...]]:
    """Per text, up to `top` words whose features most raised its predicted sentiment, intent (when not
    `none`) and main dimension against the alternatives. Only single-word features are shown; character
    n-grams and bigrams also count in the model but mean little to a reader."""
    n_words = len(word_names)
    results = []
    for i in range(rows.n_rows):
        start, end = rows.indptr[i], rows.indptr[i + 1]
        columns, values = rows.indices[start:end], rows.data[start:end]
        keep = columns < n_words
        columns, values = columns[keep], values[keep]
        probs = probabilities[i]
        sentiment, intent = int(probs[0:3].argmax()), 3 + int(probs[3:6].argmax())
        w = weights[columns]
        push = w[:, sentiment] - np.delete(w[:, 0:3], sentiment, axis=1).mean(axis=1)
        if intent != 5:  # "none" explains nothing
            push = push + w[:, intent] - np.delete(w[:, 3:6], intent - 3, axis=1).mean(axis=1)
        push = push + w[:, 6 + int(probs[6:].argmax())]
        contribution = values * push
        order = np.argsort(-contribution, kind="stable")
        names = [word_names[columns[j]][2:] for j in order if contribution[j] > 0 and word_names[columns[j]].startswith("w:")]
        results.append(tuple(_surface(names[:top], texts[i], langs[i])))
    return results


def _surface(tokens: Sequence[str], text: str, lang: str | None) -> list[str]:
    """Each token as the reader wrote it: the first word of the text that tokenises to it."""
    tokenizer = get_tokenizer(lang)
    written: dict[str, str] = {}
    if lang != "zh":
        for word in _WORD.findall(text):
            for token in tokenizer(word):
                written.setdefault(token, word)
                written.setdefault(token.removeprefix("ne_"), word)
    return [written.get(t, t.replace("_", "")) for t in tokens]
