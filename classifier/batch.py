"""Classify a stream of input records in chunks, in one process or several, keeping input order.

Memory stays bounded by the chunk size whatever the length of the input.
"""

from __future__ import annotations

import functools
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .io import InputRecord
from .labels import Lang
from .model import Model, load_model
from .records import Prediction
from .scoring import Weights, add_scores

CHUNK_SIZE = 2000
#: Longer texts are cut to this many characters for the features (the record keeps the whole text).
MAX_CHARS = 20_000


@functools.cache
def _worker_model(path: str | None) -> Model:
    """A model per worker process, loaded once."""
    return load_model(path)


def _classify_chunk(path: str | None, lang: Lang | None, texts: list[str]) -> list[Prediction]:
    model = _worker_model(path)
    return model.classify_many(texts, None if lang is None else [lang] * len(texts), explain=True)


def _chunks(records: Iterable[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def classify_records(
    records: Iterable[InputRecord],
    model: Model | str | Path | None = None,
    lang: Lang | None = None,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple[InputRecord, Prediction]]:
    """Yield (record, prediction) in input order. `model` is a loaded Model or a directory (None: bundled);
    with `jobs` > 1 each worker process loads the model directory itself."""
    if jobs > 1 and isinstance(model, Model):
        raise ValueError("jobs > 1 needs the model's directory, not a loaded model")
    path = None if model is None or isinstance(model, Model) else str(model)
    loaded = model if isinstance(model, Model) else None
    chunks = _chunks(records, chunk_size)
    if jobs > 1:
        from joblib import Parallel, delayed

        pending: list[list[InputRecord]] = []

        def tasks() -> Iterator[object]:
            for chunk in chunks:
                pending.append(chunk)
                yield delayed(_classify_chunk)(path, lang, [r.text[:MAX_CHARS] for r in chunk])

        results = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")(tasks())
        for predictions in results:
            chunk = pending.pop(0)
            yield from _attach(chunk, predictions)
        return
    if loaded is None:
        loaded = _worker_model(path)
    for chunk in chunks:
        texts = [r.text[:MAX_CHARS] for r in chunk]
        predictions = loaded.classify_many(texts, None if lang is None else [lang] * len(texts), explain=True)
        yield from _attach(chunk, predictions)


def scored_records(
    records: Iterable[InputRecord],
    model: Model | str | Path | None = None,
    lang: Lang | None = None,
    jobs: int = 1,
    weights: Weights | None = None,
) -> Iterator[tuple[InputRecord, dict[str, Any]]]:
    """Yield (record, classify record with satisfaction, loyalty risk and reasons). Input records that are
    already classify output (JSONL with labels) are scored as they are, without classifying again."""
    weights = weights or Weights()
    queue: deque[InputRecord] = deque()  # every record read and not yet yielded, in input order

    def unlabelled() -> Iterator[InputRecord]:
        for record in records:
            queue.append(record)
            if not _is_prediction(record.fields):
                yield record

    for record, prediction in classify_records(unlabelled(), model, lang, jobs):
        while queue[0] is not record:  # already-labelled records that came before this one
            done = queue.popleft()
            yield done, add_scores(done.fields, weights)
        queue.popleft()
        yield record, add_scores({**prediction.to_dict(), "evidence": list(prediction.evidence)}, weights)
    while queue:
        done = queue.popleft()
        yield done, add_scores(done.fields, weights)


def _is_prediction(fields: Mapping[str, Any]) -> bool:
    return all(k in fields for k in ("sentiment_scores", "intent_scores", "dimensions", "sentiment", "intent"))


def _attach(chunk: list[InputRecord], predictions: list[Prediction]) -> Iterator[tuple[InputRecord, Prediction]]:
    """Give each prediction its record's id, full text and input fields."""
    from dataclasses import replace

    for record, prediction in zip(chunk, predictions):
        yield record, replace(prediction, id=record.id, text=record.text, fields=record.fields)
