"""Which of cs / sk / fr / zh a text is, with a confidence, or None.

Chinese is told by script. Czech, Slovak and French are told by a multinomial naive Bayes over hashed
character 1-4-grams of each word (framed by spaces, so that " ne" and "ý " count), trained on our corpora plus their diacritics-stripped copies (so that Czech typed on a
phone without háčky still reads as Czech), and on a small set of texts in other languages, so that English or
Polish comes out as None rather than as the nearest of ours. Everything is vectorised over a batch in numpy.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from .labels import Lang
from .tokenizers.base import PIECES, WORD, ScannedBatch, scan_batch
from .tokenizers.stream import TOKENS

BUCKETS = 1 << 18
MAX_N = 4
#: fewer letters than this and a text is too short to tell
MIN_LETTERS = 4
#: below this posterior the best guess is not given
MIN_SCORE = 0.5
OTHER = "other"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - 18)


def strip_diacritics(text: str) -> str:
    """"Přišla pozdě" -> "Prisla pozde": how people type on phones."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _codes(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All words framed by spaces as one array of code points, each followed by a 0, and the word of each."""
    framed = [f" {w.rstrip(chr(39))} " for w in words]
    codes = np.frombuffer(("\0".join(framed) + "\0").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(w) + 1 for w in framed), dtype=np.int64, count=len(framed))
    return codes, np.repeat(np.arange(len(words)), lengths)


def ngram_buckets(codes: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash buckets of every character 1-4-gram in `codes` (from `_codes`), and the word each belongs to."""
    separator = codes == 0
    buckets, owners = [], []
    acc = np.zeros(len(codes), dtype=np.uint64)
    bad = np.zeros(len(codes), dtype=bool)
    for n in range(1, MAX_N + 1):
        size = len(codes) - n + 1
        if size <= 0:
            break
        acc = acc[:size] * np.uint64(1000003) + codes[n - 1 : n - 1 + size]
        bad = bad[:size] | separator[n - 1 : n - 1 + size]
        hashed = ((acc + np.uint64(n)) * _GOLDEN) >> _SHIFT
        keep = ~bad
        if n == 1:
            keep &= codes[:size] != 32  # a lone space says nothing
        buckets.append(hashed[keep].astype(np.int64))
        owners.append(owner[:size][keep])
    return np.concatenate(buckets), np.concatenate(owners)


def _script_counts(words: Sequence[str]) -> np.ndarray:
    """Per word: letters, Han characters, and kana or hangul characters (which make a text not Chinese)."""
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    owner = np.repeat(np.arange(len(words)), [len(w) for w in words])
    letter = codes != 39  # the apostrophe of "l'"
    han = ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
    other_cjk = ((codes >= 0x3040) & (codes <= 0x30FF)) | ((codes >= 0xAC00) & (codes <= 0xD7AF))
    return np.stack([np.bincount(owner[mask], minlength=len(words)) for mask in (letter, han, other_cjk)], axis=1)


def _class_sums(owners: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """(n, classes): the rows of `weights` summed by owner (a word's n-grams, a text's words)."""
    return np.stack([np.bincount(owners, weights=weights[:, c], minlength=n) for c in range(weights.shape[1])], axis=1)


def _words(batch: ScannedBatch) -> tuple[np.ndarray, np.ndarray]:
    """The piece numbers of the batch's words and the text of each."""
    is_word = PIECES.kind_array()[batch.piece] == WORD
    return batch.piece[is_word], batch.row[is_word]


class LanguageIdentifier:
    """Fitted naive Bayes log-probabilities, `log_probs[bucket, class]`, applied to whole batches.

    A text scores the sum of its words' scores, each word's (its framed n-grams) worked out once per process."""

    def __init__(self, log_probs: np.ndarray, classes: Sequence[str]) -> None:
        self.log_probs = log_probs.astype(np.float32)
        self.classes = tuple(classes)
        self._start()

    def __getstate__(self) -> dict[str, object]:
        return {"log_probs": self.log_probs, "classes": self.classes}  # caches hold this process's numbers

    def __setstate__(self, state: dict[str, object]) -> None:
        LanguageIdentifier.__init__(self, state["log_probs"], state["classes"])  # type: ignore[arg-type]

    def _start(self) -> None:
        self._generation = TOKENS.generation
        self._word_scores = np.zeros((0, len(self.classes)), dtype=np.float32)  # per piece number
        self._word_scripts = np.zeros((0, 3), dtype=np.int64)

    def detect(self, text: str) -> tuple[Lang | None, float]:
        """(language, confidence 0-1) of one text; (None, score) when it is none of ours or too short."""
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[tuple[Lang | None, float]]:
        """`detect` for a batch; much faster per text than calling `detect` in a loop."""
        return self.detect_scanned(scan_batch(texts)) if texts else []

    def detect_scanned(self, batch: ScannedBatch) -> list[tuple[Lang | None, float]]:
        """`detect` for every text of a scanned batch."""
        pieces, rows = _words(batch)
        self._grow()
        n = batch.n_rows
        letters, han, other_cjk = (np.bincount(rows, weights=self._word_scripts[pieces, k], minlength=n) for k in range(3))
        scores = _class_sums(rows, self._word_scores[pieces], n)
        scores -= scores.max(axis=1, keepdims=True)
        posterior = np.exp(scores)
        posterior /= posterior.sum(axis=1, keepdims=True)
        classes = self.classes
        results: list[tuple[Lang | None, float]] = []
        # as Python numbers: indexing numpy arrays one element at a time costs more than the rule itself
        for han_i, other_i, letters_i, best_i, top_i in zip(
            han.tolist(), other_cjk.tolist(), letters.tolist(), posterior.argmax(axis=1).tolist(), posterior.max(axis=1).tolist()
        ):
            if han_i and not other_i and han_i >= 0.5 * letters_i:
                results.append(("zh", round(han_i / letters_i, 4)))
                continue
            lang, score = classes[best_i], round(top_i, 4)
            if letters_i < MIN_LETTERS or lang == OTHER or score < MIN_SCORE:
                results.append((None, score if letters_i >= MIN_LETTERS else 0.0))
            else:
                results.append((lang, score))
        return results

    def _grow(self) -> None:
        """Score the words first seen since the last call (all pieces get a row; only words score)."""
        if self._generation != TOKENS.generation:
            self._start()
        known, total = len(self._word_scores), len(PIECES.pieces)
        if known >= total:
            return
        kinds = PIECES.kind_array()[known:total]
        new = [p if k == WORD else "" for p, k in zip(PIECES.pieces[known:total], kinds.tolist())]
        buckets, owners = ngram_buckets(*_codes(new))
        scores = _class_sums(owners, self.log_probs[buckets], len(new))
        self._word_scores = np.concatenate([self._word_scores, scores.astype(np.float32)])
        self._word_scripts = np.concatenate([self._word_scripts, _script_counts(new)])


def train_language_identifier(texts: Sequence[str], labels: Sequence[str], alpha: float = 0.1) -> LanguageIdentifier:
    """Fit on labelled texts (cs, sk, fr and `other`; Chinese needs none); each text is also learnt unaccented."""
    classes = sorted(set(labels) - {"zh"})
    pairs = [(t, y) for t, y in zip(texts, labels) if y != "zh"]
    augmented = [t for t, _ in pairs] + [strip_diacritics(t) for t, _ in pairs]
    targets = np.array([classes.index(y) for _, y in pairs] * 2)
    pieces, rows = _words(scan_batch(augmented))
    # each distinct word once, with how often each class uses it
    keys, counts = np.unique(pieces * len(classes) + targets[rows], return_counts=True)
    words, word_class = np.divmod(keys, len(classes))
    unique_words, word_index = np.unique(words, return_inverse=True)
    buckets, owners = ngram_buckets(*_codes([PIECES.pieces[p] for p in unique_words.tolist()]))
    per_word = np.zeros((len(unique_words), len(classes)))
    np.add.at(per_word, (word_index, word_class), counts)
    counts_by_bucket = _class_sums(buckets, per_word[owners], BUCKETS)
    smoothed = counts_by_bucket + alpha
    log_probs = np.log(smoothed / smoothed.sum(axis=0, keepdims=True))
    # stored as float16 (half the size); rounded here too, so a model scores the same before and after saving
    return LanguageIdentifier(log_probs.astype(np.float16), classes)
