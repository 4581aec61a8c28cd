"""Tokens -> TF-IDF features, applied with numpy and scipy.sparse (no scikit-learn on the classify path).

Two blocks, each L2-normalised on its own, so that the many character n-grams do not drown the words:
- words: token unigrams and bigrams ("w:ne_doporuc", "b:kurier ne_je");
- chars: character n-grams inside each word token, robust to typos and inflection ("c: obje").
`training.py` fits the same blocks with scikit-learn's TfidfVectorizer; `tests/test_model.py` proves that
`Featurizer` reproduces it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .tokenizers.stream import TOKENS, find_sorted

#: Character n-gram lengths: alphabetic scripts, and Chinese (where one character is often a word).
CHAR_RANGE = (3, 5)
ZH_CHAR_RANGE = (1, 3)
_HAN = re.compile(r"[\u3400-\u9fff]")

def word_features(tokens: Sequence[str]) -> list[str]:
    """Unigrams and bigrams of the tokens."""
    features = ["w:" + t for t in tokens]
    features.extend(f"b:{a} {b}" for a, b in zip(tokens, tokens[1:]))
    return features


def char_features(tokens: Sequence[str]) -> list[str]:
    """Character n-grams of each word token, framed by spaces (like scikit-learn's char_wb)."""
    features: list[str] = []
    for token in tokens:
        if not token[0].isalnum():
            continue  # masks (_url_), emoji and punctuation are whole-word features already
        low, high = ZH_CHAR_RANGE if _HAN.match(token) else CHAR_RANGE
        framed = f" {token} "
        size = len(framed)
        features += ["c:" + framed[i : i + n] for n in range(low, high + 1) for i in range(size - n + 1)]
    return features


class TfidfTransform:
    """Fitted vocabulary and idf of one block (scikit-learn's sublinear TF-IDF with L2 norm)."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray) -> None:
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)


def _sparse() -> Any:
    from scipy import sparse  # imported on first use: `import classifier` stays quick

    return sparse


def tfidf(counts: Any, idf: np.ndarray) -> Any:
    """Turn a CSR matrix of counts into L2-normalised sublinear TF-IDF rows, in place; empty rows stay empty.
    `counts` has no duplicate entries (scipy sums them when it builds CSR from coordinates or a product);
    its columns need not be sorted. Row norms are summed segment by segment (`reduceat` over the rows that
    have entries), in place where possible."""
    data = np.log(counts.data)
    data += 1.0
    data *= idf[counts.indices]
    lengths = np.diff(counts.indptr)
    norms = np.ones(len(lengths))
    filled = lengths > 0
    if filled.any():
        norms[filled] = np.sqrt(np.add.reduceat(data * data, counts.indptr[:-1][filled]))
    data /= np.repeat(norms, lengths)
    counts.data = data
    return counts


#: Bigram keys are first id * _PAIR + second id (token ids stay far below it).
_PAIR = np.int64(1 << 31)


class Featurizer:
    """The fitted word and character blocks applied to token streams with numpy and scipy.sparse.

    What each token contributes (its unigram column, its character n-grams, and what those add to the
    scores of the linear heads) is worked out once per process per token and kept in arrays indexed by
    token id; a batch is then counted without a Python loop.
    """

    def __init__(self, words: TfidfTransform, chars: TfidfTransform, char_weights: np.ndarray) -> None:
        """`char_weights` (one row per character column) are the heads' weights of the character block:
        that block is only ever used through them, so it is applied to them at once (`features`)."""
        self.words = words
        self.chars = chars
        self.char_weights = char_weights
        # what an n-gram counted once adds: idf x weights to the scores, and idf² (last column) to the norm²
        self._share = np.column_stack([chars.idf[:, None] * char_weights, chars.idf * chars.idf])
        self._start()

    def _start(self) -> None:
        """Empty per-token arrays, and the known bigrams as sorted keys of token ids."""
        sparse = _sparse()
        self._generation = TOKENS.generation
        self._unigram = np.zeros(0, dtype=np.int64)  # token id -> word column, -1 if none
        self._row = np.zeros(0, dtype=np.int64)  # token id -> its row of _char_matrix, -1 if not worked out yet
        self._char_matrix = sparse.csr_matrix((0, len(self.chars.idf)))  # row -> the token's n-gram columns
        # per row of _char_matrix, the `_share` of its n-grams each counted once (room to grow: the first
        # _char_matrix.shape[0] rows are filled)
        self._token_shares = np.zeros((1024, self._share.shape[1]))
        pairs = [(name[2:].split(" ", 1), column) for name, column in self.words.vocabulary.items() if name.startswith("b:")]
        keys = np.array([TOKENS.id(a) * _PAIR + TOKENS.id(b) for (a, b), _ in pairs], dtype=np.int64)
        order = np.argsort(keys)
        self._bigram_keys = keys[order]
        self._bigram_columns = np.array([column for _, column in pairs], dtype=np.int64)[order]
        # token id -> whether it begins, or ends, a known bigram (every such token is in the table by now)
        self._begins = np.zeros(len(TOKENS), dtype=bool)
        self._ends = np.zeros(len(TOKENS), dtype=bool)
        self._begins[keys // _PAIR], self._ends[keys % _PAIR] = True, True

    def features(self, ids: np.ndarray, rows: np.ndarray, n_rows: int) -> tuple[Any, np.ndarray]:
        """(word block as TF-IDF rows in a CSR matrix, character block's TF-IDF rows times `char_weights`)
        for tokens `ids` where `rows` gives each token's row; a row's tokens are contiguous and in order
        (bigrams join neighbours of the same row)."""
        self._learn(ids)
        return self._words(ids, rows, n_rows), self._char_scores(ids, rows, n_rows)

    def _words(self, ids: np.ndarray, rows: np.ndarray, n_rows: int) -> Any:
        unigram = self._unigram[ids]
        known = unigram >= 0
        columns, owners = [unigram[known]], [rows[known]]
        if len(ids) > 1:
            # neighbours in one text, of which the first begins a known bigram and the second ends one: half of
            # the pairs, looked up in the sorted keys (a binary search each, the cost here)
            first, second = ids[:-1], ids[1:]
            pair = np.flatnonzero((rows[1:] == rows[:-1]) & self._begins[first] & self._ends[second])
            found, hit = find_sorted(self._bigram_keys, first[pair] * _PAIR + second[pair])
            columns.append(self._bigram_columns[found[hit]])
            owners.append(rows[pair[hit]])
        column, owner = np.concatenate(columns), np.concatenate(owners)
        counts = _sparse().csr_matrix((np.ones(len(column)), (owner, column)), shape=(n_rows, len(self.words.idf)))
        return tfidf(counts, self.words.idf)

    def _char_scores(self, ids: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """`tfidf(n-gram counts) @ char_weights` without the TF-IDF matrix. Were every n-gram of a text
        counted once, its row would be the sum of its tokens' rows of `_token_shares` (the last column its
        squared norm), divided by the norm. Only the n-grams a text has more than once (some 8 %
        of them: repeated words, shared endings) are then put right, to the sublinear 1 + log(count)."""
        sparse = _sparse()
        # one entry per token, grouped by row (each language's tokens come apart: a stable sort of a few runs)
        by_row = np.argsort(rows, kind="stable")
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_rows))]
        occurrences = sparse.csr_matrix((np.ones(len(ids)), self._row[ids[by_row]], indptr), shape=(n_rows, self._char_matrix.shape[0]))
        shares = occurrences @ self._token_shares[: self._char_matrix.shape[0]]
        scores, squares = shares[:, :-1], shares[:, -1]
        counts = occurrences @ self._char_matrix  # each text's n-gram counts, to find those above one
        repeated = np.flatnonzero(counts.data > 1)
        if len(repeated):
            count, columns = counts.data[repeated], counts.indices[repeated]
            tf, idf = np.log(count), self.chars.idf[columns]
            tf += 1.0
            starts = np.searchsorted(repeated, counts.indptr)
            owner = np.repeat(np.arange(n_rows), np.diff(starts))
            squares += np.bincount(owner, weights=(tf * tf - count) * (idf * idf), minlength=n_rows)
            correction = sparse.csr_matrix(((tf - count) * idf, columns, starts), shape=counts.shape)
            scores += correction @ self.char_weights
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0  # an empty row stays empty
        scores /= norms[:, None]
        result: np.ndarray = scores
        return result

    def _learn(self, ids: np.ndarray) -> None:
        """Work out the columns of the tokens among `ids` not seen before (only those: the bigram keys put
        every token of the vocabulary in the table, most of which a run never meets)."""
        if self._generation != TOKENS.generation:
            self._start()  # the table was cleared: ids were renumbered
        total = len(TOKENS)
        if len(self._row) < total:
            missing = np.full(total - len(self._row), -1, dtype=np.int64)
            self._row, self._unigram = np.concatenate([self._row, missing]), np.concatenate([self._unigram, missing])
        if len(self._begins) < total:
            none = np.zeros(total - len(self._begins), dtype=bool)  # tokens new since _start begin no bigram
            self._begins, self._ends = np.concatenate([self._begins, none]), np.concatenate([self._ends, none])
        new = np.unique(ids[self._row[ids] < 0])
        if not len(new):
            return
        sparse = _sparse()
        strings = [TOKENS.strings[i] for i in new.tolist()]
        words, chars = self.words.vocabulary, self.chars.vocabulary
        self._unigram[new] = np.fromiter((words.get("w:" + t, -1) for t in strings), dtype=np.int64, count=len(strings))
        grams = [char_features((t,)) for t in strings]
        counts = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        found = np.fromiter(map(chars.get, itertools.chain.from_iterable(grams), itertools.repeat(-1)), dtype=np.int64, count=int(counts.sum()))
        known = found >= 0  # each token's n-grams of the vocabulary, in order, repeats kept (they add up)
        per_token = np.bincount(np.repeat(np.arange(len(grams)), counts)[known], minlength=len(grams))
        block = sparse.csr_matrix(
            (np.ones(int(known.sum())), found[known], np.r_[0, np.cumsum(per_token)]),
            shape=(len(new), len(self.chars.idf)),
        )
        first = self._char_matrix.shape[0]
        end = first + len(new)
        if end > len(self._token_shares):  # room doubled: appending stays linear over a run
            grown = np.zeros((max(end, 2 * len(self._token_shares)), self._share.shape[1]))
            grown[:first] = self._token_shares[:first]
            self._token_shares = grown
        self._token_shares[first:end] = block @ self._share
        self._row[new] = np.arange(first, end)
        self._char_matrix = sparse.vstack([self._char_matrix, block], format="csr")
