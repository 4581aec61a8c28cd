"""The library API: load_model, classify, classify_many, train, save."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import classifier
from classifier import Example, Prediction, classify, load_model, train
from classifier.batch import _score_in_worker as _real_score_in_worker

from .conftest import EXAMPLE_CSV, ROOT


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


@pytest.fixture(params=["forked", "spawned"])
def pool(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each kind of worker pool in turn: forked from this process (Linux, one thread) or loky's, whose
    workers start afresh (macOS, Windows, a program with threads); no pool is left running either way."""
    from classifier import batch

    batch.stop_workers()
    if request.param == "spawned":
        monkeypatch.setattr(batch, "_can_fork", lambda: False)
    elif not _forking_possible():
        pytest.skip("workers are forked only on Linux, from a process with one thread")
    yield request.param
    batch.stop_workers()


def _forking_possible() -> bool:
    """Whether this process forks its workers, once the threads of a pool stopped by the test before have
    ended (a pool's queue thread can outlive its shutdown by a moment)."""
    from classifier import batch

    for _ in range(50):  # up to 5 s
        if batch._can_fork() or sys.platform != "linux":
            break
        time.sleep(0.1)
    return batch._can_fork()


def _exit_at_once(*args: object) -> object:
    """Stands in for a worker's work: the worker dies, as when it runs out of memory."""
    os._exit(1)


def test_a_worker_that_dies_gives_an_error_naming_its_rows(pool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (out of memory, say) ends the run with an error that names the rows it had,
    not with the process pool's traceback."""
    from classifier import batch
    from classifier.errors import FeedbackError
    from classifier.io import read_records
    from classifier.model import default_model_path

    monkeypatch.setattr(batch, "_score_in_worker", _exit_at_once)
    records = list(read_records(str(EXAMPLE_CSV)))
    with pytest.raises(FeedbackError, match=r"feedback\.csv, from row \d+: a worker process stopped"):
        list(batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=3))


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_a_worker_that_dies_mid_send_gives_an_error_not_a_hang() -> None:
    """A worker killed halfway through sending its result through the pool's pipe (the start of a message
    whose rest never comes): the pool's reader waits for the rest for ever and reports nothing, and the run
    used to hang; it stops with the same error as for any dead worker. In a process of its own, as the broken
    pool can leave a thread behind that would keep this one from forking workers for the tests after."""
    import subprocess

    code = (
        "import os, struct, sys\n"
        "from classifier import batch\n"
        "from classifier.errors import FeedbackError\n"
        "from classifier.io import read_records\n"
        "from classifier.model import default_model_path\n"
        "def dies_mid_send(*args):\n"
        "    os.write(batch._executor._result_queue._writer.fileno(), struct.pack('!i', 1 << 20) + b'cut off')\n"
        "    os._exit(1)\n"
        "batch._score_in_worker = dies_mid_send\n"
        "batch._PATIENCE = 0.2\n"
        f"records = list(read_records({str(EXAMPLE_CSV)!r}))\n"
        "try:\n"
        "    list(batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=3))\n"
        "except FeedbackError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    # the timeout is a guard against a hang, not a measure of speed
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 3, result.stderr
    assert re.search(r"feedback\.csv, from row \d+: a worker process stopped", result.stdout), result.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_a_forked_worker_ends_with_the_main_process_even_on_sigkill() -> None:
    """A forked worker holds the pool's pipes itself; killed with the main process rather than left waiting."""
    import signal
    import subprocess

    code = (
        "import time\n"
        "from classifier import batch\n"
        "from classifier.io import read_records\n"
        "from classifier.model import default_model_path\n"
        f"records = list(read_records({str(EXAMPLE_CSV)!r}))\n"
        "run = batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=3)\n"
        "next(run)\n"
        "print(*batch._executor._processes, flush=True)\n"
        "time.sleep(60)\n"
    )
    main = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert main.stdout is not None
        workers = [int(pid) for pid in main.stdout.readline().split()]
        assert workers
    finally:
        main.send_signal(signal.SIGKILL)
        main.wait()
    for _ in range(100):  # up to 10 s
        alive = [pid for pid in workers if _running(pid)]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"worker(s) {alive} left running"


def _half_sent(flag: str) -> None:
    """Stands in for a worker killed while it sends a result through the pool's pipe: the start of a message
    whose rest never comes."""
    import struct

    from classifier import batch

    writer = batch._executor._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1 << 20) + b"cut off")
    Path(flag).touch()
    time.sleep(60)


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_stopping_a_forked_pool_does_not_hang_on_a_result_cut_off_mid_send(tmp_path: Path) -> None:
    """Ctrl-C, or the end of a run whose last chunk a worker still has, kills the workers; one killed halfway
    through sending its result left the pool's reader waiting for the rest for ever, and the command hung."""
    import threading

    from classifier import batch

    batch.stop_workers()
    if not _forking_possible():
        pytest.skip("workers are forked only from a process with one thread")
    flag = tmp_path / "sending"
    batch._pool(1, None).submit(_half_sent, str(flag))
    for _ in range(300):  # up to 30 s for the worker to write
        if flag.exists():
            break
        time.sleep(0.1)
    assert flag.exists()
    stopping = threading.Thread(target=batch.stop_workers, daemon=True)
    stopping.start()
    stopping.join(60)  # a guard against a hang, not a measure of speed
    assert not stopping.is_alive(), "stopping the workers hung"


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (one that exited but that no parent has reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("writable", [True, False])
def test_worker_lines_come_back_whole_through_a_file_or_the_pipe(
    pool: str, writable: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


def _slow_worker(*args: object) -> object:
    """Stands in for a worker's work: the same, after a wait long enough for this process to reach the end."""
    time.sleep(2)
    return _real_score_in_worker(*args)


def test_this_process_takes_back_a_chunk_queued_for_a_slow_worker(
    pool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the end of the input, the chunk queued behind a worker's running one is classified here rather than
    waited for; every line is still the one one process writes, in its place, and nothing is left in TMPDIR."""
    import tempfile

    from classifier import batch
    from classifier.io import read_records
    from classifier.model import default_model_path

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    records = list(read_records(str(EXAMPLE_CSV)))[:16]
    alone = [line for _, line in batch.scored_records(records, chunk_size=4, as_json=True)]
    here: list[str] = []
    score_texts = batch._score_texts

    def recorded(*args: Any) -> list[Any]:
        here.extend(text for _, text, _ in args[3])
        return score_texts(*args)

    monkeypatch.setattr(batch, "_score_texts", recorded)
    monkeypatch.setattr(batch, "_score_in_worker", _slow_worker)
    run = batch.scored_records(records, model=str(default_model_path()), jobs=2, chunk_size=4, as_json=True)
    shared = [line for _, line in run]
    assert shared == alone
    # chunks 1 and 2 went to the worker, 3 and the last (in pieces) were done here; then 2 was taken back
    assert here == [r.text for r in records[8:16] + records[4:8]]
    batch.stop_workers()
    assert list(tmp_path.iterdir()) == []


def test_a_chunk_taken_back_leaves_no_file_once_its_worker_is_done(tmp_path: Path) -> None:
    from concurrent.futures import Future

    from classifier import batch

    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "late.jsonl").write_bytes(b"{}\n")
    done: Future[object] = Future()
    done.set_result(batch._Spooled(str(spool / "late.jsonl"), 1))
    batch._discarded(done, None)  # the run goes on: its directory stays
    assert list(spool.iterdir()) == []
    batch._discarded(done, str(spool))  # the run has ended
    assert not spool.exists()
    stopped: Future[object] = Future()
    stopped.set_exception(RuntimeError("pool stopped"))
    batch._discarded(stopped, str(tmp_path / "gone"))
    cancelled: Future[object] = Future()
    cancelled.cancel()
    batch._discarded(cancelled, None)


@pytest.mark.parametrize(("sizes", "pieces", "expected"), [
    ([4, 4, 4], 4, [4, 4, 1, 1, 1, 1]),
    ([4, 3], 2, [4, 2, 1]),
    ([5], 4, [2, 2, 1]),
    ([1], 4, [1]),
    ([], 4, []),
])
def test_the_last_chunk_is_cut_into_pieces(sizes: list[int], pieces: int, expected: list[int]) -> None:
    from classifier import batch

    rows = iter(range(sum(sizes)))
    chunks = [[next(rows) for _ in range(size)] for size in sizes]
    cut = list(batch._last_in_pieces(iter(chunks), pieces))  # type: ignore[arg-type]
    assert [len(piece) for piece in cut] == expected
    assert [row for piece in cut for row in piece] == list(range(sum(sizes)))


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
