"""Which of cs / sk / fr / zh a text is, with a confidence, or None.

Chinese is told by script. Czech, Slovak and French are told by a multinomial naive Bayes over hashed
character 1-4-grams, trained on our corpora plus their diacritics-stripped copies (so that Czech typed on a
phone without háčky still reads as Czech), and on a small set of texts in other languages, so that English or
Polish comes out as None rather than as the nearest of ours. Everything is vectorised over a batch in numpy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from .labels import Lang

BUCKETS = 1 << 18
MAX_N = 4
#: fewer letters than this and a text is too short to tell
MIN_LETTERS = 4
#: below this posterior the best guess is not given
MIN_SCORE = 0.5
OTHER = "other"
_CLEAN = re.compile(r"[\W\d_]+")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - 18)


def _normalise(text: str) -> str:
    """Lower-case letters only, each word framed by spaces: "Nic moc!" -> " nic moc "."""
    return " " + _CLEAN.sub(" ", unicodedata.normalize("NFC", text).lower()).strip() + " "


def strip_diacritics(text: str) -> str:
    """"Přišla pozdě" -> "Prisla pozde": how people type on phones."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All normalised texts as one array of code points, each followed by a 0, and the text each belongs to."""
    normalised = [_normalise(t) for t in texts]
    codes = np.frombuffer(("\0".join(normalised) + "\0").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) + 1 for t in normalised), dtype=np.int64, count=len(normalised))
    return codes, np.repeat(np.arange(len(texts)), lengths)


def ngram_buckets(codes: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash buckets of every character 1-4-gram in `codes` (from `_codes`), and the text each belongs to."""
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


def _script_counts(codes: np.ndarray, owner: np.ndarray, n_texts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text: letters, Han characters, and kana or hangul characters (which make a text not Chinese)."""
    letter = (codes != 0) & (codes != 32)
    han = ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
    other_cjk = ((codes >= 0x3040) & (codes <= 0x30FF)) | ((codes >= 0xAC00) & (codes <= 0xD7AF))
    return tuple(np.bincount(owner[mask], minlength=n_texts) for mask in (letter, han, other_cjk))  # type: ignore[return-value]


class LanguageIdentifier:
    """Fitted naive Bayes log-probabilities, `log_probs[bucket, class]`, applied to whole batches."""

    def __init__(self, log_probs: np.ndarray, classes: Sequence[str]) -> None:
        self.log_probs = log_probs.astype(np.float32)
        self.classes = tuple(classes)

    def detect(self, text: str) -> tuple[Lang | None, float]:
        """(language, confidence 0-1) of one text; (None, score) when it is none of ours or too short."""
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[tuple[Lang | None, float]]:
        """`detect` for a batch; much faster per text than calling `detect` in a loop."""
        if not texts:
            return []
        codes, owner = _codes(texts)
        letters, han, other_cjk = _script_counts(codes, owner, len(texts))
        buckets, owners = ngram_buckets(codes, owner)
        weights = self.log_probs[buckets]
        scores = np.stack(
            [np.bincount(owners, weights=weights[:, c], minlength=len(texts)) for c in range(len(self.classes))],
            axis=1,
        )
        scores -= scores.max(axis=1, keepdims=True)
        posterior = np.exp(scores)
        posterior /= posterior.sum(axis=1, keepdims=True)
        best = posterior.argmax(axis=1)
        results: list[tuple[Lang | None, float]] = []
        for i in range(len(texts)):
            if han[i] and not other_cjk[i] and han[i] >= 0.5 * letters[i]:
                results.append(("zh", round(float(han[i] / letters[i]), 4)))
                continue
            lang, score = self.classes[best[i]], round(float(posterior[i, best[i]]), 4)
            if letters[i] < MIN_LETTERS or lang == OTHER or score < MIN_SCORE:
                results.append((None, score if letters[i] >= MIN_LETTERS else 0.0))
            else:
                results.append((lang, score))
        return results


def train_language_identifier(texts: Sequence[str], labels: Sequence[str], alpha: float = 0.1) -> LanguageIdentifier:
    """Fit on labelled texts (cs, sk, fr and `other`; Chinese needs none); each text is also learnt unaccented."""
    classes = sorted(set(labels) - {"zh"})
    pairs = [(t, y) for t, y in zip(texts, labels) if y != "zh"]
    augmented = [t for t, _ in pairs] + [strip_diacritics(t) for t, _ in pairs]
    targets = np.array([classes.index(y) for _, y in pairs] * 2)
    buckets, owners = ngram_buckets(*_codes(augmented))
    counts = np.bincount(buckets * len(classes) + targets[owners], minlength=BUCKETS * len(classes))
    smoothed = counts.reshape(BUCKETS, len(classes)) + alpha
    log_probs = np.log(smoothed / smoothed.sum(axis=0, keepdims=True))
    # stored as float16 (half the size); rounded here too, so a model scores the same before and after saving
    return LanguageIdentifier(log_probs.astype(np.float16), classes)
