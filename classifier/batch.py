"""Classify a stream of input records in chunks, in one process or several, keeping input order.

Memory stays bounded by the chunk size whatever the length of the input.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

from .io import InputRecord
from .labels import Lang
from .model import Model, load_model
from .records import Prediction

CHUNK_SIZE = 2000
#: Longer texts are cut to this many characters for the features (the record keeps the whole text).
MAX_CHARS = 20_000


@functools.cache
def _worker_model(path: str | None) -> Model:
    """A model per worker process, loaded once."""
    return load_model(path)


def _classify_chunk(path: str | None, lang: Lang | None, texts: list[str]) -> list[Prediction]:
    model = _worker_model(path)
    return model.classify_many(texts, None if lang is None else [lang] * len(texts))


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
        predictions = loaded.classify_many(texts, None if lang is None else [lang] * len(texts))
        yield from _attach(chunk, predictions)


def _attach(chunk: list[InputRecord], predictions: list[Prediction]) -> Iterator[tuple[InputRecord, Prediction]]:
    """Give each prediction its record's id, full text and input fields."""
    from dataclasses import replace

    for record, prediction in zip(chunk, predictions):
        yield record, replace(prediction, id=record.id, text=record.text, fields=record.fields)
