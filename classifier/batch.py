"""Classify and score a stream of input records in chunks, in one process or several, keeping input order.

Memory stays bounded by the chunk size whatever the length of the input. Each chunk is turned into scored
records (labels, satisfaction, loyalty risk, reasons) in one place, a worker process when `jobs` > 1, so
the main process only reads and writes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .io import InputRecord
from .labels import Lang
from .output import json_bytes
from .scoring import Weights, add_scores, scores_into

if TYPE_CHECKING:  # the model (numpy, scipy) is imported where texts are classified: not by the main
    from .model import Model  # process of --jobs, which only reads and writes

CHUNK_SIZE = 2000
#: Longer texts are cut to this many characters for the features (the record keeps the whole text).
MAX_CHARS = 20_000


@functools.cache
def _worker_model(path: str | None) -> Model:
    """A model per process, loaded once."""
    from .model import load_model

    return load_model(path)


def _score_texts(
    model: Model | str | None, lang: Lang | None, weights: Weights, items: list[tuple[str | None, str, dict[str, Any]]], as_json: bool
) -> list[dict[str, Any]] | list[bytes]:
    """Classify the texts of (id, text, fields) items and add their scores: the work of one chunk, in
    whichever process runs it. With `as_json`, each result is already its JSONL line (UTF-8 bytes),
    so that with several processes the main one only reads and writes."""
    loaded = _worker_model(model) if model is None or isinstance(model, str) else model
    with _no_cycle_collection():
        results: list[dict[str, Any]] | list[bytes] = _scored(loaded, lang, weights, items)
        if as_json:  # the dicts are freed here, before the collector is back: it finds only bytes
            results = [json_bytes(result) for result in results]
    return results


def _scored(model: Model, lang: Lang | None, weights: Weights, items: list[tuple[str | None, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    texts = [text[:MAX_CHARS] for _, text, _ in items]
    records = model.classify_records(texts, None if lang is None else [lang] * len(texts))
    results = []
    for (id_, text, fields), (record, evidence) in zip(items, records):
        record["id"], record["text"], record["fields"] = id_, text, fields
        results.append(scores_into(record, evidence, weights))
    return results


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a chunk is classified, as it was before (reference counting
    still frees everything). A chunk allocates some 200,000 objects that live until it is written; the
    collector ran a hundred times a chunk over them, and over everything older, for no garbage: 4 % of
    the time of classify. What the chunk leaves alive when it is back is looked at once."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_PREDICTION_FIELDS = frozenset(("sentiment_scores", "intent_scores", "dimensions", "sentiment", "intent"))


def _is_prediction(fields: Mapping[str, Any]) -> bool:
    return fields.keys() >= _PREDICTION_FIELDS


def scored_records(
    records: Iterable[InputRecord],
    model: Model | str | os.PathLike[str] | None = None,
    lang: Lang | None = None,
    jobs: int = 1,
    weights: Weights | None = None,
    chunk_size: int = CHUNK_SIZE,
    as_json: bool = False,
) -> Iterator[tuple[InputRecord, Any]]:
    """Yield (record, classify record with satisfaction, loyalty risk and reasons), in input order.

    `model` is a loaded Model or a directory (None: the bundled one); with `jobs` > 1 each worker process
    loads the directory itself. Input records that are already classify output (JSONL with labels) are
    scored as they are, without classifying again. With `as_json` the classify record comes as its JSONL
    line (UTF-8 bytes with the newline, from `output.json_bytes`) instead of a dict.
    """
    reference = os.fspath(model) if isinstance(model, (str, os.PathLike)) else model
    if jobs > 1 and reference is not None and not isinstance(reference, str):
        raise ValueError("jobs > 1 needs the model's directory, not a loaded model")
    weights = weights or Weights()
    iterator = iter(records)
    chunks = iter(lambda: list(itertools.islice(iterator, chunk_size)), [])

    def task(chunk: list[InputRecord]) -> tuple[Any, ...]:
        # fields as a plain dict (what JSON and pickling to a worker want), copied only when they are not one
        items = [(r.id, r.text, r.fields if type(r.fields) is dict else dict(r.fields)) for r in chunk if not _is_prediction(r.fields)]
        return (reference, lang, weights, items, as_json)

    if jobs > 1:
        from joblib import Parallel, delayed

        pending: list[list[InputRecord]] = []

        def tasks() -> Iterator[Any]:
            for chunk in chunks:
                pending.append(chunk)
                yield delayed(_score_texts)(*task(chunk))

        for results in Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")(tasks()):
            yield from _merge(pending.pop(0), results, weights, as_json)
    else:
        for chunk in chunks:
            yield from _merge(chunk, _score_texts(*task(chunk)), weights, as_json)


def _merge(chunk: list[InputRecord], results: list[Any], weights: Weights, as_json: bool) -> Iterator[tuple[InputRecord, Any]]:
    """Pair each input record with its scored record; records that were classify output are scored here."""
    scored = iter(results)
    for record in chunk:
        if _is_prediction(record.fields):
            result = add_scores(record.fields, weights)
            yield record, json_bytes(result) if as_json else result
        else:
            yield record, next(scored)
