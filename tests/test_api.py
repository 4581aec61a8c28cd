"""The library API: load_model, classify, classify_many, train, save."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import classifier
from classifier import Example, Prediction, classify, load_model, train

from .conftest import EXAMPLE_CSV


def test_public_api_is_small() -> None:
    assert {"load_model", "classify", "train", "Model", "Prediction", "Example"} <= set(classifier.__all__)


def test_classify_returns_a_frozen_record() -> None:
    prediction = classify("Balík přišel rozbitý a nikdo mi neodpovídá!!!")
    assert isinstance(prediction, Prediction)
    assert prediction.lang == "cs"
    assert abs(sum(prediction.sentiment_scores.values()) - 1) < 1e-3
    assert prediction.sentiment == max(prediction.sentiment_scores, key=prediction.sentiment_scores.__getitem__)
    assert prediction.dimensions and prediction.dimensions == tuple(sorted(prediction.dimensions, key=lambda d: -d.score))
    with pytest.raises(dataclasses.FrozenInstanceError):
        prediction.sentiment = "positive"  # type: ignore[misc]


def test_classify_many_keeps_order_and_given_languages() -> None:
    model = load_model()
    texts = ["Super!", "服务很好", "Service au top, je reviendrai"]
    predictions = model.classify_many(texts, langs=["sk", None, None])
    assert [p.text for p in predictions] == texts
    assert [p.lang for p in predictions] == ["sk", "zh", "fr"]
    assert model.classify_many([]) == []


def test_empty_text_does_not_crash() -> None:
    prediction = classify("")
    assert prediction.lang is None and prediction.dimensions


def test_train_from_examples_then_save(small_training_set: list[Example], tmp_path: Path) -> None:
    model = train(small_training_set[:300])
    path = model.save(tmp_path / "mine")
    again = load_model(path)
    text = "Objednávka nepřišla, peníze nevrátili."
    assert again.classify(text).to_dict() == model.classify(text).to_dict()


def test_scored_records_as_json_lines_equal_the_records() -> None:
    from classifier.batch import scored_records
    from classifier.io import read_records

    records = list(read_records(str(EXAMPLE_CSV)))
    as_dicts = [scored for _, scored in scored_records(records, chunk_size=5)]
    as_lines = [line for _, line in scored_records(records, chunk_size=5, as_json=True)]
    assert all(line.endswith(b"}\n") and line.count(b"\n") == 1 for line in as_lines)
    assert [json.loads(line) for line in as_lines] == as_dicts


@pytest.mark.parametrize("jobs", [1, 2])
def test_classify_output_among_new_texts_is_scored_in_its_place(jobs: int) -> None:
    """Rows that are already classify output (re-read JSONL) are scored without classifying again, and
    every result keeps its record's place, in this process and with a worker alike."""
    from classifier.batch import scored_records
    from classifier.io import InputRecord, read_records
    from classifier.model import default_model_path
    from classifier.scoring import add_scores

    texts = list(read_records(str(EXAMPLE_CSV)))
    earlier = [scored for _, scored in scored_records(texts[:4])]
    mixed = []
    for i, record in enumerate(texts[4:12]):
        mixed.append(record)
        if i < len(earlier):
            fields = {k: earlier[i][k] for k in ("id", "text", "lang", "sentiment", "sentiment_scores", "dimensions", "intent", "intent_scores")}
            mixed.append(InputRecord("earlier.jsonl", i + 1, fields["text"], fields["id"], fields))
    results = list(scored_records(mixed, model=str(default_model_path()), jobs=jobs, chunk_size=3))
    assert [record for record, _ in results] == mixed
    for record, scored in results:
        if record.source == "earlier.jsonl":
            assert scored == add_scores(record.fields)
        else:
            assert scored["text"] == record.text and "satisfaction" in scored


def test_several_jobs_need_a_model_directory() -> None:
    from classifier.batch import scored_records

    with pytest.raises(ValueError, match="needs the model's directory"):
        next(scored_records([], model=load_model(), jobs=2))


def test_a_worker_that_dies_gives_an_error_naming_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (out of memory, say) ends the run with an error that names the rows it had,
    not with the process pool's traceback."""
    import os

    from classifier import batch
    from classifier.errors import FeedbackError
    from classifier.io import read_records
    from classifier.model import default_model_path

    def dies(*args: object) -> object:  # a closure: the pool sends it to the worker by value
        os._exit(1)

    monkeypatch.setattr(batch, "_score_in_worker", dies)
    records = list(read_records(str(EXAMPLE_CSV)))
    with pytest.raises(FeedbackError, match=r"feedback\.csv, from row \d+: a worker process stopped"):
        list(batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=3))


@pytest.mark.parametrize("writable", [True, False])
def test_worker_lines_come_back_whole_through_a_file_or_the_pipe(writable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --jobs, a worker leaves its JSONL lines in a file of a spool directory (in TMPDIR), which the run
    removes; where no file can be written there, the lines come through the pool's pipe. Either way every
    line is the one this process would have written, in its place."""
    import tempfile

    from classifier import batch
    from classifier.io import read_records
    from classifier.model import default_model_path

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if not writable:
        monkeypatch.setattr(batch, "_spool_directory", lambda: str(tmp_path / "gone"))
    read_back = 0
    lines = batch._Spooled.lines

    def counted(self: batch._Spooled) -> list[bytes]:
        nonlocal read_back
        read_back += 1
        return lines(self)

    monkeypatch.setattr(batch._Spooled, "lines", counted)
    records = list(read_records(str(EXAMPLE_CSV)))
    alone = [line for _, line in batch.scored_records(records, chunk_size=3, as_json=True)]
    shared = [line for _, line in batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=3, as_json=True)]
    assert shared == alone
    assert (read_back > 0) == writable
    assert list(tmp_path.iterdir()) == []


def test_a_worker_collects_cycles_before_it_freezes_what_survives_a_chunk() -> None:
    """What a worker's chunk left as cyclic garbage is freed, not frozen with the heap that survives."""
    import gc
    import weakref

    from classifier import batch

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]
    gone = weakref.ref(node)
    del node
    try:
        batch._collect_and_freeze()
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_reading_a_chunk_pauses_the_collector_and_gives_it_back_on_an_error() -> None:
    import gc

    from classifier import batch
    from classifier.errors import InputError
    from classifier.io import InputRecord

    seen: list[bool] = []

    def records() -> Iterator[InputRecord]:
        seen.append(gc.isenabled())
        yield InputRecord("in.csv", 2, "Super")
        raise InputError("in.csv, row 3: broken")

    assert gc.isenabled()
    with pytest.raises(InputError):
        list(batch.scored_records(records()))
    assert seen == [False] and gc.isenabled()
