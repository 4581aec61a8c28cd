"""Classify and score a stream of input records in chunks, in one process or several, keeping input order.

Memory stays bounded by the chunk size whatever the length of the input. Each chunk is turned into scored
records (labels, satisfaction, loyalty risk, reasons) in one place, a worker process when `jobs` > 1, so
the main process only reads and writes.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .io import InputRecord
from .labels import Lang
from .model import Model, load_model
from .scoring import Weights, add_scores

CHUNK_SIZE = 2000
#: Longer texts are cut to this many characters for the features (the record keeps the whole text).
MAX_CHARS = 20_000


@functools.cache
def _worker_model(path: str | None) -> Model:
    """A model per process, loaded once."""
    return load_model(path)


def _score_texts(model: Model | str | None, lang: Lang | None, weights: Weights, texts: list[str]) -> list[dict[str, Any]]:
    """Classify texts and add their scores: the work of one chunk, in whichever process runs it."""
    loaded = model if isinstance(model, Model) else _worker_model(model)
    predictions = loaded.classify_many(texts, None if lang is None else [lang] * len(texts), explain=True)
    return [add_scores({**p.to_dict(), "evidence": list(p.evidence)}, weights) for p in predictions]


def _is_prediction(fields: Mapping[str, Any]) -> bool:
    return all(k in fields for k in ("sentiment_scores", "intent_scores", "dimensions", "sentiment", "intent"))


def scored_records(
    records: Iterable[InputRecord],
    model: Model | str | Path | None = None,
    lang: Lang | None = None,
    jobs: int = 1,
    weights: Weights | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple[InputRecord, dict[str, Any]]]:
    """Yield (record, classify record with satisfaction, loyalty risk and reasons), in input order.

    `model` is a loaded Model or a directory (None: the bundled one); with `jobs` > 1 each worker process
    loads the directory itself. Input records that are already classify output (JSONL with labels) are
    scored as they are, without classifying again.
    """
    if jobs > 1 and isinstance(model, Model):
        raise ValueError("jobs > 1 needs the model's directory, not a loaded model")
    weights = weights or Weights()
    reference: Model | str | None = model if isinstance(model, Model) or model is None else str(model)
    iterator = iter(records)
    chunks = iter(lambda: list(itertools.islice(iterator, chunk_size)), [])

    def task(chunk: list[InputRecord]) -> tuple[Any, ...]:
        texts = [r.text[:MAX_CHARS] for r in chunk if not _is_prediction(r.fields)]
        return (reference, lang, weights, texts)

    if jobs > 1:
        from joblib import Parallel, delayed

        pending: list[list[InputRecord]] = []

        def tasks() -> Iterator[Any]:
            for chunk in chunks:
                pending.append(chunk)
                yield delayed(_score_texts)(*task(chunk))

        for results in Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")(tasks()):
            yield from _merge(pending.pop(0), results, weights)
    else:
        for chunk in chunks:
            yield from _merge(chunk, _score_texts(*task(chunk)), weights)


def _merge(chunk: list[InputRecord], results: list[dict[str, Any]], weights: Weights) -> Iterator[tuple[InputRecord, dict[str, Any]]]:
    """Pair each input record with its scored record, giving it the record's id, whole text and fields."""
    scored = iter(results)
    for record in chunk:
        if _is_prediction(record.fields):
            yield record, add_scores(record.fields, weights)
            continue
        result = next(scored)
        result["id"], result["text"], result["fields"] = record.id, record.text, dict(record.fields)
        yield record, result
