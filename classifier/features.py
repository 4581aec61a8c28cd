"""Tokens -> TF-IDF features, applied with numpy alone (no scikit-learn on the classify path).

Two blocks, each L2-normalised on its own, so that the many character n-grams do not drown the words:
- words: token unigrams and bigrams ("w:ne_doporuc", "b:kurier ne_je");
- chars: character n-grams inside each word token, robust to typos and inflection ("c: obje").
`training.py` fits the same blocks with scikit-learn's TfidfVectorizer; `tests/test_model.py` proves that
`TfidfTransform` reproduces it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

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
        for n in range(low, high + 1):
            features.extend("c:" + framed[i : i + n] for i in range(len(framed) - n + 1))
    return features


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix as three arrays, the shape scikit-learn and scipy use."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1


class TfidfTransform:
    """Fitted vocabulary and idf of one block; `transform` = scikit-learn's sublinear TF-IDF with L2 norm."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray, offset: int = 0) -> None:
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        #: where this block's columns start in the joint feature space
        self.offset = offset
        self._token_cache: dict[str, list[int]] = {}

    def transform(self, documents: Sequence[Sequence[str]]) -> SparseRows:
        """Rows of L2-normalised (1 + log tf) * idf over the known features; unknown features are ignored."""
        vocabulary = self.vocabulary
        return self.transform_indices([[vocabulary[f] for f in doc if f in vocabulary] for doc in documents])

    def transform_indices(self, documents: Sequence[Sequence[int]]) -> SparseRows:
        """`transform` for documents already given as vocabulary indices (repeats count); counted for the
        whole batch at once with numpy rather than document by document."""
        lengths = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
        flat = np.fromiter(itertools.chain.from_iterable(documents), dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        keys, counts = np.unique(rows * len(self.idf) + flat, return_counts=True)
        row_of, columns = np.divmod(keys, len(self.idf)) if len(self.idf) else (keys, keys)
        indptr = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(documents)), out=indptr[1:])
        data = (1.0 + np.log(counts.astype(np.float64))) * self.idf[columns]
        norms = np.sqrt(np.bincount(row_of, weights=data**2, minlength=len(documents)))
        norms[norms == 0] = 1.0
        return SparseRows(indptr, columns + self.offset, data / norms[row_of])

    def char_indices(self, tokens: Sequence[str]) -> list[int]:
        """Indices of the known character n-grams of the tokens; each token's are computed once and cached."""
        cache = self._token_cache
        indices: list[int] = []
        for token in tokens:
            known = cache.get(token)
            if known is None:
                if len(cache) >= 200_000:
                    cache.clear()
                vocabulary = self.vocabulary
                known = cache[token] = [vocabulary[f] for f in char_features([token]) if f in vocabulary]
            indices.extend(known)
        return indices


def hstack(blocks: Sequence[SparseRows]) -> SparseRows:
    """Join blocks side by side (their columns are already offset); rows keep their order."""
    lengths = np.stack([np.diff(b.indptr) for b in blocks], axis=1)
    indptr = np.concatenate(([0], np.cumsum(lengths.sum(axis=1))))
    order = np.argsort(np.concatenate([np.repeat(np.arange(b.n_rows), np.diff(b.indptr)) for b in blocks]), kind="stable")
    indices = np.concatenate([b.indices for b in blocks])[order]
    data = np.concatenate([b.data for b in blocks])[order]
    return SparseRows(indptr, indices, data)


def linear_scores(rows: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """rows @ weights + bias, for weights of shape (n_features, n_outputs); an empty row gets the bias."""
    contributions = weights[rows.indices] * rows.data[:, None]
    lengths = np.diff(rows.indptr)
    scores = np.zeros((rows.n_rows, weights.shape[1]), dtype=np.float64)
    nonempty = lengths > 0
    if contributions.shape[0]:
        scores[nonempty] = np.add.reduceat(contributions, rows.indptr[:-1][nonempty], axis=0)
    result: np.ndarray = scores + bias
    return result
