"""The fitted classifier: classify texts with numpy alone; save and load a model directory safely.

A model directory holds `model.json` (metadata readable without loading anything), `arrays.npz` (numbers,
loaded with allow_pickle=False) and `vocabulary.json`. Nothing in it can run code when loaded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .errors import ModelError
from .explain import WordWeights, top_words
from .features import Featurizer, TfidfTransform
from .labels import DIMENSIONS, INTENTS, SENTIMENTS, Dimension, Lang, Sentiment
from .langid import LanguageIdentifier
from .records import DimensionScore, Prediction
from .tokenizers import ScannedBatch, TokenStream, scan_batch, tokenize_batch, tokenize_scanned

#: Bumped when the files change shape; a model of another major version is refused with "retrain".
FORMAT_VERSION = 1
FILES = ("model.json", "arrays.npz", "vocabulary.json")
#: Output columns of the weight matrix: sentiment, intent, then dimensions, each in labels.py order.
_SENT = slice(0, 3)
_INTENT = slice(3, 6)
_DIMS = slice(6, 6 + len(DIMENSIONS))
#: A dimension's sentiment blends the clause that speaks of it most with the whole text (chosen on dev:
#: clauses alone are noisy where all aspects agree, the text alone misses "X good, but Y bad"). Where the
#: whole text reads neutral (a balanced "X good, but Y bad", by LABELS.md) the clause decides alone.
CLAUSE_WEIGHT = 0.4
#: What a text with fewer than two letters gets ("", "👍", "?"): even sentiment and intent scores (ties
#: broken toward neutral and none), `general` at zero confidence: visibly unclassified rather than guessed.
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.DOTALL)
UNINFORMATIVE = np.array([0.3333, 0.3334, 0.3333, 0.3333, 0.3333, 0.3334] + [0.0] * len(DIMENSIONS))


class _Text(NamedTuple):
    """One text on its way through the model (a tuple: made for every text, three times cheaper than a
    frozen dataclass)."""

    text: str
    lang: Lang | None
    lang_score: float


@dataclass(frozen=True)
class _Labels:
    """What the model found in a batch, before it is dressed as Predictions or records."""

    items: list[_Text]
    sentiment: list[int]  # index into SENTIMENTS
    intent: list[int]  # index into INTENTS
    rounded: list[list[float]]  # every probability, rounded to 4 places
    dimensions: list[list[tuple[Dimension, float, Sentiment]]]
    evidence: list[tuple[str, ...]] | None


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp: np.ndarray = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def _sigmoid(scores: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-scores))
    return result


class Model:
    """TF-IDF features -> linear heads for sentiment, intent and dimensions; language ID in front."""

    def __init__(
        self,
        words: TfidfTransform,
        chars: TfidfTransform,
        weights: np.ndarray,
        bias: np.ndarray,
        thresholds: np.ndarray,
        langid: LanguageIdentifier,
        metadata: Mapping[str, Any],
    ) -> None:
        self.words = words
        self.chars = chars
        # float32 on disk; rounded here too, so that a model scores the same before and after saving
        self.weights = weights.astype(np.float32).astype(np.float64)
        self.bias = bias.astype(np.float64)
        self.thresholds = thresholds.astype(np.float64)
        self.langid = langid
        self.metadata = dict(metadata)
        self._features: Featurizer | None = None
        self._word_weights: WordWeights | None = None  # for evidence

    def __getstate__(self) -> dict[str, Any]:
        # the featurizer's and the evidence's arrays are indexed by this process's token numbers: another
        # process rebuilds them
        return {**self.__dict__, "_features": None, "_word_weights": None}

    # -- classifying -----------------------------------------------------------------------------------------

    def classify(self, text: str, lang: Lang | None = None) -> Prediction:
        """Labels of one text; `lang` skips language detection."""
        return self.classify_many([text], None if lang is None else [lang])[0]

    def classify_many(
        self,
        texts: Sequence[str],
        langs: Sequence[Lang | None] | None = None,
        ids: Sequence[str | None] | None = None,
        fields: Sequence[Mapping[str, Any]] | None = None,
        explain: bool = False,
    ) -> list[Prediction]:
        """Labels of many texts, in order. A language given in `langs` is used as is; None is detected.
        With `explain`, each prediction carries the words that pushed its labels most (`evidence`)."""
        labels = self._label(texts, langs, explain)
        return [
            Prediction(
                id=ids[i] if ids is not None else None,
                text=item.text,
                lang=item.lang,
                lang_score=item.lang_score,
                sentiment=SENTIMENTS[labels.sentiment[i]],
                sentiment_scores=dict(zip(SENTIMENTS, probs[_SENT])),
                dimensions=tuple(DimensionScore(*d) for d in labels.dimensions[i]),
                intent=INTENTS[labels.intent[i]],
                intent_scores=dict(zip(INTENTS, probs[_INTENT])),
                fields=fields[i] if fields is not None else {},
                evidence=labels.evidence[i] if labels.evidence is not None else (),
            )
            for i, (item, probs) in enumerate(zip(labels.items, labels.rounded))
        ]

    def classify_records(self, texts: Sequence[str], langs: Sequence[Lang | None] | None = None) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        """Per text, its record as `classify_many(...)[i].to_dict()` gives it, and its evidence words: for
        callers that write records, without the Prediction objects in between (what `feedback classify` uses)."""
        labels = self._label(texts, langs, explain=True)
        evidence = labels.evidence or []
        (positive, neutral, negative), (stay, leave, none) = SENTIMENTS, INTENTS  # dict literals: 3 x faster than dict(zip())
        return [
            (
                {
                    "id": None,
                    "text": item.text,
                    "lang": item.lang,
                    "lang_score": item.lang_score,
                    "sentiment": SENTIMENTS[labels.sentiment[i]],
                    "sentiment_scores": {positive: p[0], neutral: p[1], negative: p[2]},
                    "dimensions": [{"dimension": d, "score": score, "sentiment": s} for d, score, s in labels.dimensions[i]],
                    "intent": INTENTS[labels.intent[i]],
                    "intent_scores": {stay: p[3], leave: p[4], none: p[5]},
                    "fields": {},
                },
                evidence[i],
            )
            for i, (item, p) in enumerate(zip(labels.items, labels.rounded))
        ]

    def _label(self, texts: Sequence[str], langs: Sequence[Lang | None] | None, explain: bool) -> _Labels:
        batch = scan_batch(texts)
        items = self._identify(texts, langs, batch)
        stream = tokenize_scanned(batch, [item.lang for item in items])
        words, char_scores = self._featurizer().features(stream.ids, stream.row, len(items))
        probabilities = self._probabilities(words, char_scores)
        uninformative = np.fromiter((_TWO_LETTERS.search(t) is None for t in texts), dtype=bool, count=len(texts))
        probabilities[uninformative] = UNINFORMATIVE
        return _Labels(
            items=items,
            sentiment=probabilities[:, _SENT].argmax(axis=1).tolist(),
            intent=probabilities[:, _INTENT].argmax(axis=1).tolist(),
            rounded=probabilities.round(4).tolist(),
            dimensions=self._dimensions(stream, probabilities),
            evidence=self._evidence(items, batch, words, probabilities) if explain else None,
        )

    def _featurizer(self) -> Featurizer:
        if self._features is None:
            self._features = Featurizer(self.words, self.chars, self.weights[len(self.words.idf) :])
        return self._features

    def _evidence(self, items: Sequence[_Text], batch: ScannedBatch, words: Any, probabilities: np.ndarray) -> list[tuple[str, ...]]:
        if self._word_weights is None:
            self._word_weights = WordWeights(self.words.vocabulary, self.weights)
        texts, langs = [i.text for i in items], [i.lang for i in items]
        return top_words(words, probabilities, self._word_weights, batch, texts, langs)

    def _identify(self, texts: Sequence[str], langs: Sequence[Lang | None] | None, batch: ScannedBatch | None = None) -> list[_Text]:
        """Each text with its language: as given, or detected (None where it is none of ours)."""
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
        given = list(langs) if langs is not None else [None] * len(texts)
        if all(lang is not None for lang in given):
            return [_Text(text, lang, 1.0) for text, lang in zip(texts, given)]
        detected = self.langid.detect_scanned(batch if batch is not None else scan_batch(texts))
        return [
            _Text(text, lang, 1.0) if lang is not None else _Text(text, *found)
            for text, lang, found in zip(texts, given, detected)
        ]

    def probabilities(self, items: Sequence[_Text]) -> np.ndarray:
        """Per text: 3 sentiment, 3 intent and 8 dimension probabilities, in the order of labels.py."""
        stream = tokenize_batch([i.text for i in items], [i.lang for i in items])
        return self._probabilities(*self._featurizer().features(stream.ids, stream.row, len(items)))

    def _probabilities(self, words: Any, char_scores: np.ndarray) -> np.ndarray:
        """From the word block's TF-IDF rows and what the character block adds to the scores (`features`)."""
        scores = words @ self.weights[: len(self.words.idf)] + char_scores + self.bias
        probs: np.ndarray = np.empty_like(scores)
        probs[:, _SENT] = _softmax(scores[:, _SENT])
        probs[:, _INTENT] = _softmax(scores[:, _INTENT])
        probs[:, _DIMS] = _sigmoid(scores[:, _DIMS])
        return probs

    def _dimensions(self, stream: TokenStream, probabilities: np.ndarray) -> list[list[tuple[Dimension, float, Sentiment]]]:
        """Per text: (dimension, probability, sentiment) over the thresholds, best first (at least one).

        For a text with several dimensions and clauses, each dimension takes the sentiment of the clause
        that speaks of it most, blended with the whole text's ("staff lovely, but prices a robbery": empathy
        positive, price negative). All clauses of a batch go through the model in one call.
        """
        n = len(probabilities)
        dim_probs = probabilities[:, _DIMS]
        over = (dim_probs >= self.thresholds) & (dim_probs > 0)
        best_first = np.argsort(-dim_probs, axis=1, kind="stable")
        picked = np.take_along_axis(over, best_first, axis=1)
        # a text with no dimension over its threshold gets its likeliest one (general where all are zero)
        none = ~over.any(axis=1)
        best_first[none, 0] = np.where(dim_probs[none].any(axis=1), dim_probs[none].argmax(axis=1), DIMENSIONS.index("general"))
        picked[none, 0] = True
        sentiments = np.repeat(probabilities[:, _SENT].argmax(axis=1)[:, None], len(DIMENSIONS), axis=1)
        several = (over.sum(axis=1) > 1) & (np.bincount(stream.clause_row, minlength=n) > 1)
        if several.any():
            sentiments[several] = self._clause_sentiments(stream, probabilities, several)[several]
        rows, ranks = np.nonzero(picked)  # text by text, best first
        dims = best_first[rows, ranks]
        result: list[list[tuple[Dimension, float, Sentiment]]] = [[] for _ in range(n)]
        for row, d, score, sentiment in zip(rows.tolist(), dims.tolist(), dim_probs[rows, dims].round(4).tolist(), sentiments[rows, dims].tolist()):
            result[row].append((DIMENSIONS[d], score, SENTIMENTS[sentiment]))
        return result

    def _clause_sentiments(self, stream: TokenStream, probabilities: np.ndarray, texts: np.ndarray) -> np.ndarray:
        """Per text in `texts` (a mask) and dimension: the sentiment of the clause with the highest probability
        of that dimension (the first such clause on a tie), blended with the text's own sentiment."""
        wanted = texts[stream.clause_row]
        keep = stream.clause >= 0
        keep[keep] = wanted[stream.clause[keep]]
        number = np.cumsum(wanted) - 1  # selected clauses renumbered 0..k-1, still contiguous per text
        clause_probs = self._probabilities(*self._featurizer().features(stream.ids[keep], number[stream.clause[keep]], int(wanted.sum())))
        owner = stream.clause_row[wanted]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        dims = clause_probs[:, _DIMS]
        best = np.maximum.reduceat(dims, starts, axis=0)
        group = np.cumsum(np.r_[True, owner[1:] != owner[:-1]]) - 1
        positions = np.where(dims == best[group], np.arange(len(dims))[:, None], len(dims))
        first_best = np.minimum.reduceat(positions, starts, axis=0)  # (texts, dimensions) -> clause
        text_sentiment = probabilities[owner[starts], _SENT]
        weight = np.where(text_sentiment.argmax(axis=1) == SENTIMENTS.index("neutral"), 1.0, CLAUSE_WEIGHT)[:, None, None]
        blended = weight * clause_probs[first_best][:, :, _SENT] + (1 - weight) * text_sentiment[:, None, :]
        result = np.zeros((len(probabilities), len(DIMENSIONS)), dtype=np.int64)
        result[owner[starts]] = blended.argmax(axis=2)
        return result

    # -- saving and loading ----------------------------------------------------------------------------------

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the model directory atomically (a temporary sibling renamed into place); returns its path."""
        target = Path(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        with open(staging / "arrays.npz", "wb") as handle:
            np.savez_compressed(
                handle,
                weights=self.weights.astype(np.float32),
                bias=self.bias,
                thresholds=self.thresholds,
                word_idf=self.words.idf,
                char_idf=self.chars.idf,
                langid_log_probs=self.langid.log_probs.astype(np.float16),
            )
        vocabulary = {
            "words": sorted(self.words.vocabulary, key=self.words.vocabulary.__getitem__),
            "chars": sorted(self.chars.vocabulary, key=self.chars.vocabulary.__getitem__),
            "langid_classes": list(self.langid.classes),
        }
        (staging / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
        metadata = dict(self.metadata, format_version=FORMAT_VERSION)
        metadata["files"] = {name: _sha256(staging / name) for name in FILES[1:]}
        (staging / "model.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, backup / target.name)
            os.replace(staging, target)
            _remove_tree(backup)
        else:
            os.replace(staging, target)
        return target


def read_metadata(directory: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """`model.json` of a model directory (the bundled one by default), checked for a compatible format."""
    path = Path(directory) if directory is not None else default_model_path()
    meta_path = path / "model.json"
    if not path.is_dir():
        raise ModelError(f"{path}: no such model directory. Train one with `feedback train CORPUS --out {path}`.")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{meta_path}: missing; {path} is not a model directory.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable ({exc}); the model is corrupted, retrain it.") from None
    if not isinstance(metadata, dict) or metadata.get("format_version") != FORMAT_VERSION:
        version = metadata.get("format_version") if isinstance(metadata, dict) else None
        raise ModelError(
            f"{meta_path}: model format {version!r}, this version reads format {FORMAT_VERSION}. "
            "Retrain it with `feedback train`."
        )
    return metadata


def load_model(directory: str | os.PathLike[str] | None = None) -> Model:
    """Load a model directory (default: the bundled model); raises ModelError naming the file at fault."""
    path = Path(directory) if directory is not None else default_model_path()
    metadata = read_metadata(path)
    for name, digest in metadata.get("files", {}).items():
        file = path / name
        if not file.is_file():
            raise ModelError(f"{file}: missing from the model directory; retrain or reinstall the model.")
        if _sha256(file) != digest:
            raise ModelError(f"{file}: checksum differs from model.json; the file is corrupted, retrain the model.")
    try:
        with np.load(path / "arrays.npz", allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        vocabulary = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
        words = {w: i for i, w in enumerate(vocabulary["words"])}
        chars = {c: i for i, c in enumerate(vocabulary["chars"])}
        model = Model(
            words=TfidfTransform(words, arrays["word_idf"]),
            chars=TfidfTransform(chars, arrays["char_idf"]),
            weights=arrays["weights"],
            bias=arrays["bias"],
            thresholds=arrays["thresholds"],
            langid=LanguageIdentifier(arrays["langid_log_probs"], vocabulary["langid_classes"]),
            metadata=metadata,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: cannot load the model ({exc}); retrain it with `feedback train`.") from None
    expected = len(words) + len(chars)
    if model.weights.shape != (expected, 6 + len(DIMENSIONS)):
        raise ModelError(f"{path / 'arrays.npz'}: weights of shape {model.weights.shape} do not fit the vocabulary.")
    return model


@functools.cache
def _default_model() -> Model:
    return load_model()


def classify(text: str, lang: Lang | None = None) -> Prediction:
    """Labels of one text by the bundled model (loaded once per process)."""
    return _default_model().classify(text, lang)


def default_model_path() -> Path:
    """The bundled model: inside the installed package, or `models/default` of a source checkout."""
    installed = Path(__file__).parent / "models" / "default"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "models" / "default"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()
