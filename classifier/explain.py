"""Which words of a text pushed its labels most: linear contributions of the word features, shown as written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .tokenizers import TOKENS, ScannedBatch, WordTokenizer, by_language, get_tokenizer
from .tokenizers.base import NEG, PIECES
from .tokenizers.stream import find_sorted


class WordWeights:
    """What explaining needs of a model, worked out once: the word block's feature names, which are single
    words, the weights, and per feature the sums of its sentiment and of its intent weights."""

    def __init__(self, vocabulary: Mapping[str, int], weights: np.ndarray) -> None:
        self.names = sorted(vocabulary, key=vocabulary.__getitem__)
        self.unigram = np.array([name.startswith("w:") for name in self.names], dtype=bool)
        self.weights = weights[: len(self.names)]
        self.sentiment_sums = self.weights[:, 0:3].sum(axis=1)
        self.intent_sums = self.weights[:, 3:6].sum(axis=1)
        self._tokens = np.zeros(0, dtype=np.int64)
        self._generation = -1

    def tokens(self) -> np.ndarray:
        """Feature -> id of its word's token without the negation mark ("w:ne_doporuc" -> "doporuc"), -1 for
        bigrams; the vocabulary's words join the token table, as its bigrams do for the features."""
        if self._generation != TOKENS.generation:
            self._tokens = np.array([TOKENS.id(name[2:].removeprefix(NEG)) if name.startswith("w:") else -1 for name in self.names],
                                    dtype=np.int64)
            self._generation = TOKENS.generation
        return self._tokens


def top_words(
    rows: Any,
    probabilities: np.ndarray,
    model: WordWeights,
    batch: ScannedBatch,
    texts: Sequence[str],
    langs: Sequence[str | None],
    top: int = 3,
) -> list[tuple[str, ...]]:
    """Per text (a row of `rows`, the word block as a scipy CSR matrix), up to `top` words whose features
    most raised its predicted sentiment, intent (when not `none`) and main dimension against the alternatives.
    Only single-word features are shown; character n-grams and bigrams also count but mean little to a reader.
    Vectorised over the batch; `batch` is the texts as scanned, to find each word as written."""
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    keep = model.unigram[rows.indices]
    columns, values, owner = rows.indices[keep], rows.data[keep], row_of[keep]
    weights = model.weights
    sentiment = probabilities[:, 0:3].argmax(axis=1)[owner]
    push = 1.5 * weights[columns, sentiment] - 0.5 * model.sentiment_sums[columns]  # own column minus the mean of the others
    intent = probabilities[:, 3:6].argmax(axis=1)[owner]
    stated = intent != 2  # "none" explains nothing
    push[stated] += 1.5 * weights[columns[stated], 3 + intent[stated]] - 0.5 * model.intent_sums[columns[stated]]
    push += weights[columns, 6 + probabilities[:, 6:].argmax(axis=1)[owner]]
    contribution = values * push
    positive = contribution > 0
    columns, owner, contribution = columns[positive], owner[positive], contribution[positive]
    best = _best_per_row(owner, contribution, top)
    shown = columns[best]
    names = [model.names[column][2:] for column in shown.tolist()]
    return _as_written(owner[best], names, model.tokens()[shown], batch, texts, langs)


def _best_per_row(owner: np.ndarray, value: np.ndarray, top: int) -> np.ndarray:
    """Indices of the up to `top` largest values of each row (`owner`, sorted), row by row and largest first,
    the first one on a tie: `top` passes of a maximum per row (a lexsort of all entries cost four times more)."""
    n = len(owner)
    if not n:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sizes = np.diff(np.r_[starts, n])
    remaining = value.astype(np.float64)  # a copy: the picked are struck out
    index = np.arange(n)
    picks = np.full((len(starts), top), -1, dtype=np.int64)
    for rank in range(top):
        largest = np.maximum.reduceat(remaining, starts)
        first = np.minimum.reduceat(np.where(remaining == np.repeat(largest, sizes), index, n), starts)
        left = largest > -np.inf
        picks[left, rank] = first[left]
        remaining[first[left]] = -np.inf
    flat = picks.ravel()
    return flat[flat >= 0]


def _as_written(
    owners: np.ndarray, names: list[str], name_tokens: np.ndarray, batch: ScannedBatch, texts: Sequence[str], langs: Sequence[str | None],
) -> list[tuple[str, ...]]:
    """Per text, its evidence tokens (`names`, each of the text in `owners`, with the token ids of the names
    unmarked) as the reader wrote them: the first word of the text whose token it is (negated or not), in the
    text's own letter case."""
    positions, tokens = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for lang, wanted in by_language(langs):
        tokenizer = get_tokenizer(lang)
        if isinstance(tokenizer, WordTokenizer):
            found_at, token = tokenizer.word_tokens(batch, wanted)
            positions.append(found_at[token >= 0])
            tokens.append(token[token >= 0])
    at = np.concatenate(positions)
    size = len(TOKENS) + 1  # after the lookups, which may add tokens
    keys = batch.row[at] * size + np.concatenate(tokens)
    order = np.argsort(keys, kind="stable")  # a text's pieces in order among equal keys: the first comes first
    where, found = find_sorted(keys[order], owners * size + name_tokens)
    pieces = iter(batch.piece[at[order[where[found]]]].tolist())  # the first piece of each token found
    results: list[list[str]] = [[] for _ in texts]
    lowered: dict[int, str] = {}  # each text lower-cased once, for its (up to three) words
    for row, name, is_there in zip(owners.tolist(), names, found.tolist()):
        word = PIECES.pieces[next(pieces)] if is_there else ""
        if word and word[-1] != "'":
            text = texts[row]
            if row not in lowered:
                lowered[row] = text.lower()
            results[row].append(_in_case(word, text, lowered[row]))
        else:  # Chinese words, emoji and elided words ("n'", "quelqu'") show as their token ("ne")
            results[row].append(name.replace("_", ""))
    return [tuple(words) for words in results]


def _in_case(word: str, text: str, lowered: str) -> str:
    """A lower-cased word in the case of its first occurrence as a whole word in `text` ("Telefon"), or as
    it is when the text has it in another form (full-width letters, say). `lowered` is `text.lower()`."""
    at = lowered.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not lowered[at - 1].isalnum()) and (end == len(lowered) or not lowered[end].isalnum()):
            written = text[at:end]
            return written if written.lower() == word else word
        at = lowered.find(word, at + 1)
    return word
