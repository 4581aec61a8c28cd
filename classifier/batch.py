"""Classify and score a stream of input records in chunks, in one process or several, keeping input order.

Memory stays bounded by the chunk size whatever the length of the input. Each chunk is turned into scored
records (labels, satisfaction, loyalty risk, reasons) in one place: this process, or with `jobs` > 1 this
process or a worker, whichever is free.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import itertools
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import BrokenExecutor, Future
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import FeedbackError
from .io import InputRecord
from .labels import Lang
from .output import json_bytes
from .scoring import Weights, add_scores, scores_into

if TYPE_CHECKING:  # the model (numpy, scipy) is imported on the first chunk classified, not with this module
    from .model import Model

#: Rows classified together. Against 2,000: 2 % faster in one process and 4 % with --jobs 2 on 100,000 rows
#: (fewer numpy calls and worker round trips), for some 30 MB more peak memory; 8,000 was slower with --jobs 2.
CHUNK_SIZE = 4000
#: Longer texts are cut to this many characters for the features (the record keeps the whole text).
MAX_CHARS = 20_000


@functools.cache
def _worker_model(path: str | None) -> Model:
    """A model per process, loaded once."""
    from .model import load_model

    return load_model(path)


def _score_texts(
    model: Model | str | None, lang: Lang | None, weights: Weights, items: list[tuple[str | None, str, dict[str, Any]]], as_json: bool
) -> list[Any]:
    """Classify the texts of (id, text, fields) items and add their scores: the work of one chunk, in
    whichever process runs it. With `as_json`, each result is already its JSONL line (UTF-8 bytes),
    so that what comes back from a worker is ready to write."""
    loaded = _worker_model(model) if model is None or isinstance(model, str) else model
    with _no_cycle_collection():
        scored = _scored(loaded, lang, weights, items)
        results: list[Any] = [json_bytes(result) for result in scored] if as_json else scored
        del scored  # with `as_json` the dicts are freed here, before the collector is back: it finds only bytes
    return results


def _score_in_worker(spool: str | None, *arguments: Any) -> list[Any] | _Spooled:
    """`_score_texts` in a worker; with a `spool` directory (JSONL lines only), the lines are left in a file
    there for the main process (`_Spooled`)."""
    results = _score_texts(*arguments)
    done = _spooled(results, spool) if spool is not None else results
    del results
    _collect_and_freeze()
    return done


def _collect_and_freeze() -> None:
    """In a worker, after each chunk: collect the cycles, then freeze what survives (the libraries and the
    model, the caches learned), so that no later collection walks it again. A loky worker runs a full
    collection every second (without psutil): over the 40,000 objects of numpy, scipy and the model, some
    35 ms a time, 4 % of a worker's time, for no garbage. Frozen objects are still freed when unreferenced."""
    gc.collect()
    gc.freeze()


class _Spooled(NamedTuple):
    """A worker's JSONL lines for a chunk, left in a file of the spool directory for the main process.

    Sent back through the pool's pipe (64 KB), a chunk's lines (some 1 KB each) kept the worker waiting until the
    main process, busy classifying, had read them all: some 25 ms a chunk, a tenth of the worker's time.
    A file takes them at once."""

    path: str
    n_lines: int

    def lines(self) -> list[bytes]:
        """The lines, each with its newline (a JSON line holds no other: orjson and json escape CR and LF);
        the file is removed."""
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise FeedbackError(f"{self.path}: a worker's lines could not be read back ({exc.strerror}); "
                                "run again, or with --jobs 1.") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        lines = data.splitlines(keepends=True)
        if len(lines) != self.n_lines:
            raise FeedbackError(f"{self.path}: {len(lines)} lines where a worker wrote {self.n_lines}; "
                                "run again, or with --jobs 1.")
        return lines


def _spooled(lines: list[bytes], spool: str) -> list[bytes] | _Spooled:
    """The lines in a new file of `spool`; the lines themselves when it cannot be written (disk full, say)."""
    try:
        handle, path = tempfile.mkstemp(dir=spool, suffix=".jsonl")
    except OSError:
        return lines
    try:
        with open(handle, "wb") as file:
            file.write(b"".join(lines))
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return lines
    return _Spooled(path, len(lines))


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
    still frees everything). A chunk allocates some 100 objects a row that live until it is written; the
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


def _read_chunk(records: Iterator[InputRecord], size: int) -> list[InputRecord]:
    """The next `size` records, read with the cycle collector paused: they all live until the chunk is
    written, and some ten collections a chunk walked them for no garbage."""
    with _no_cycle_collection():
        return list(itertools.islice(records, size))


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

    `model` is a loaded Model or a directory (None: the bundled one); with `jobs` > 1 this process and
    `jobs` - 1 worker processes classify, each loading the directory itself. Input records that are already
    classify output (JSONL with labels) are scored as they are, without classifying again. With `as_json`
    the classify record comes as its JSONL line (UTF-8 bytes with the newline, from `output.json_bytes`)
    instead of a dict.
    """
    for chunk, results in scored_chunks(records, model, lang, jobs, weights, chunk_size, as_json):
        yield from zip(chunk, results)


def scored_chunks(
    records: Iterable[InputRecord],
    model: Model | str | os.PathLike[str] | None = None,
    lang: Lang | None = None,
    jobs: int = 1,
    weights: Weights | None = None,
    chunk_size: int = CHUNK_SIZE,
    as_json: bool = False,
) -> Iterator[tuple[list[InputRecord], list[Any]]]:
    """`scored_records` a chunk at a time: (records, their results in the same order), for a writer that
    writes a chunk at once. With `jobs` > 1 the last chunk comes in smaller pieces."""
    reference = os.fspath(model) if isinstance(model, (str, os.PathLike)) else model
    if jobs > 1 and reference is not None and not isinstance(reference, str):
        raise ValueError("jobs > 1 needs the model's directory, not a loaded model")
    weights = weights or Weights()
    iterator = iter(records)
    chunks = iter(lambda: _read_chunk(iterator, chunk_size), [])

    def task(chunk: list[InputRecord]) -> tuple[Any, ...]:
        # fields as a plain dict (what JSON and pickling to a worker want), copied only when they are not one
        items = [(r.id, r.text, r.fields if type(r.fields) is dict else dict(r.fields)) for r in chunk if not _is_prediction(r.fields)]
        return (reference, lang, weights, items, as_json)

    if jobs > 1:
        directory = reference if isinstance(reference, str) else None  # not a loaded Model: refused above
        yield from _shared_with_workers(chunks, task, jobs - 1, weights, as_json, directory)
    else:
        for chunk in chunks:
            yield chunk, _merged(chunk, _score_texts(*task(chunk)), weights, as_json)


def _shared_with_workers(
    chunks: Iterator[list[InputRecord]], task: Callable[[list[InputRecord]], tuple[Any, ...]], workers: int,
    weights: Weights, as_json: bool, model: str | None,
) -> Iterator[tuple[list[InputRecord], list[Any]]]:
    """Classify chunks in `workers` processes and in this one: a chunk goes to a worker while fewer than
    two per worker are waiting or running, else it is done here. Results are merged back in input order.

    The process that reads and writes works too, rather than only feed workers: that spares one worker's
    start-up and the sending of a share of the rows, which kept two workers at 1.5 x one process. Rather
    than wait for a worker, it takes back the chunks queued for it (`_take_back_queued`), and the last
    chunk is shared in pieces (`_last_in_pieces`): at the end of 100,000 rows, it sat idle 0.36 s on
    average, now 0.09 s."""
    executor = _pool(workers, model)
    started = False  # whether the first submit, which starts the workers, is done
    pending: collections.deque[tuple[list[InputRecord], Future[Any] | list[Any]]] = collections.deque()
    spool = _spool_directory() if as_json else None

    def classify_here(chunk: list[InputRecord]) -> list[Any]:
        return _score_texts(*task(chunk))

    ended = threading.Event()  # set when the run is over: the spool directory may go once it is empty

    def discard(future: Future[Any]) -> None:
        _discarded(future, spool if ended.is_set() else None)

    try:
        for chunk in _last_in_pieces(chunks, 2 * (workers + 1)):
            busy = sum(1 for _, result in pending if isinstance(result, Future) and not result.done())
            if busy < 2 * workers:
                arguments = task(chunk)
                with _interrupts_ignored() if not started else contextlib.nullcontext():
                    pending.append((chunk, executor.submit(_score_in_worker, spool, *arguments)))
                started = True
            else:
                pending.append((chunk, classify_here(chunk)))
            # written as soon as they are next in order; held back at most 4 chunks a process
            while pending and (_ready(pending[0][1]) or len(pending) > 4 * (workers + 1)):
                _take_back_queued(pending, workers, classify_here, discard)
                chunk, results = _take(pending)
                yield chunk, _merged(chunk, results, weights, as_json)
        while pending:
            _take_back_queued(pending, workers, classify_here, discard)
            chunk, results = _take(pending)
            yield chunk, _merged(chunk, results, weights, as_json)
    except BrokenExecutor:  # found on submitting the next chunk: name the one the worker was given
        _stop(executor)
        failed = (chunk for chunk, result in pending if isinstance(result, Future) and result.done() and result.exception())
        raise _worker_stopped(next(failed, None)) from None
    except BaseException:  # Ctrl-C, an input error, a reader that left: the workers' chunks are not wanted
        _stop(executor)
        raise
    finally:
        ended.set()
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)


def _last_in_pieces(chunks: Iterator[list[InputRecord]], pieces: int) -> Iterator[list[InputRecord]]:
    """The chunks, the last cut into up to `pieces` smaller ones (the input is read a chunk ahead, to know
    which is the last): the processes then finish within a small piece's time of each other, where one
    waited up to a whole chunk's time for the other at the end of the input."""
    last = next(chunks, None)
    if last is None:
        return
    for chunk in chunks:
        yield last
        last = chunk
    size = -(-len(last) // pieces)  # rounded up: at most `pieces` pieces, none empty
    for start in range(0, len(last), size):
        yield last[start : start + size]


def _take_back_queued(
    pending: collections.deque[tuple[list[InputRecord], Future[Any] | list[Any]]], workers: int,
    classify_here: Callable[[list[InputRecord]], list[Any]], discard: Callable[[Future[Any]], None],
) -> None:
    """While the next chunk to write is still with a worker, classify here the newest chunk queued behind the
    workers' running ones instead of waiting: at the end of the input, a worker's queued chunk otherwise
    kept this process idle for a chunk's time or more (on a loaded machine, several). The chunks a worker
    runs first are the oldest it was given; what it still does of a chunk taken back is dropped (`discard`)."""
    while not _ready(pending[0][1]):
        waiting = [i for i, (_, result) in enumerate(pending) if isinstance(result, Future) and not result.done()]
        if len(waiting) <= workers:
            return  # each is running in a worker by now
        index = waiting[-1]
        chunk, future = pending[index]
        assert isinstance(future, Future)
        if not future.cancel():  # already in the workers' queue, so it will run: what it gives is dropped
            future.add_done_callback(discard)
        pending[index] = (chunk, classify_here(chunk))


def _discarded(future: Future[Any], spool: str | None) -> None:
    """A chunk taken back from a worker is done there too (or the pool stopped): its file, if it left one, is
    removed, and with `spool` (the run has ended) the spool directory, if that left it empty."""
    if not future.cancelled() and future.exception() is None and isinstance(done := future.result(), _Spooled):
        with contextlib.suppress(OSError):
            os.unlink(done.path)
    if spool is not None:
        with contextlib.suppress(OSError):
            os.rmdir(spool)  # only once empty: the run's own files are gone by then


def _spool_directory() -> str | None:
    """A new directory for the workers' lines (`_Spooled`) in the system's temporary directory (TMPDIR);
    None when none can be made there, and then the lines come through the pool's pipe."""
    try:
        return tempfile.mkdtemp(prefix="feedback-spool-")
    except OSError:
        return None


def _stop(executor: Any) -> None:
    """Kill the workers and wait for the pool's manager thread. That thread can trip over the work items the
    kill clears (a KeyError in loky, after Ctrl-C with chunks queued) or a result cut off by the kill;
    nothing is lost by then, so what its threads raise while it stops is not printed over our one-line
    message. (loky's manager thread kills its workers itself, so it is never left reading a cut-off result.)"""
    from concurrent.futures import ProcessPoolExecutor

    global _executor
    if executor is _executor:
        _executor = None
    hook = threading.excepthook
    threading.excepthook = lambda args: None
    try:
        if isinstance(executor, ProcessPoolExecutor):  # the standard library's: no kill_workers before 3.14
            processes = _worker_processes(executor)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join()
            # A worker killed halfway through sending a result left its start in the pipe, and the manager
            # thread waiting for the rest for ever: this process's own end for writing, the last one open
            # once the workers are gone, is closed, so that the wait ends.
            writer = getattr(executor._result_queue, "_writer", None)
            if writer is not None:
                writer.close()
            executor.shutdown(wait=True, cancel_futures=True)
        else:
            executor.shutdown(wait=True, kill_workers=True)
    finally:
        threading.excepthook = hook


def start_workers(model: str | os.PathLike[str] | None, jobs: int) -> None:
    """Start the `jobs` - 1 workers of `scored_chunks(..., jobs=jobs)` now and have them load the model,
    while this process still imports and reads: their start-up (some 0.7 s) then overlaps its own instead
    of following it. `scored_chunks` finds them in the same pool. Workers that will be forked need no
    head start: they are forked with the model loaded."""
    if jobs > 1 and not _can_fork():
        with _interrupts_ignored():
            _pool(jobs - 1, None).submit(_load_model_here, None if model is None else os.fspath(model))


def load_model_for_run(model: str | os.PathLike[str] | None) -> None:
    """Load the model that `scored_chunks(..., model)` (a directory, None for the bundled one) will use, now
    rather than on the first chunk: for a caller that wants a missing model reported before it starts."""
    _worker_model(None if model is None else os.fspath(model))


def stop_workers() -> None:
    """Stop the workers at once, for a command whose rows are all classified: the process then need not
    wait, as it exits, for each worker to free its caches and exit on its own (some 0.1 s)."""
    if _executor is not None:
        _stop(_executor)


#: The pool this process started, if any, and its number of workers.
_executor: Any = None
_executor_workers = 0


def _can_fork() -> bool:
    """Whether workers are forked from this process rather than started afresh: on Linux, with no other
    thread that could hold a lock at the fork. A forked worker starts with this process's imports and model,
    where a fresh one spends some 0.7 s of CPU starting beside this process: --jobs 2 took 4 % less time on
    100,000 rows, a third less on 1,000. macOS and Windows, or a program with threads, get loky's pool."""
    return sys.platform == "linux" and threading.active_count() == 1


def _pool(workers: int, model: str | None) -> Any:
    """This process's pool of `workers` workers, made if need be; forked workers get `model` (a directory,
    None for the bundled one) loaded here first, as they are forked on the first submit."""
    global _executor, _executor_workers
    if _executor is not None and _executor_workers != workers:
        _stop(_executor)
    if _executor is None:
        if _can_fork():
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _worker_model(model)
            _executor = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"),
                                            initializer=_forked_worker, initargs=(os.getpid(),))
        else:
            from loky import get_reusable_executor  # joblib's pool, without joblib's import (pyproject.toml says why)

            _executor = get_reusable_executor(max_workers=workers, initializer=_leave_interrupts_to_the_main_process)
        _executor_workers = workers
    return _executor


def _forked_worker(parent: int) -> None:
    """Set up a forked worker: Ctrl-C left to the main process, and the worker killed when that process
    ends, however it ends. A forked worker holds both ends of the pool's pipes, so it would never see them
    close, and would wait for work for ever after a SIGKILL of the main process."""
    import ctypes

    _leave_interrupts_to_the_main_process()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the main process ended before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _load_model_here(model: str | None) -> None:
    _worker_model(model)


def _leave_interrupts_to_the_main_process() -> None:
    """Workers ignore Ctrl-C, which a terminal sends to every process of the command: the main process
    stops them, without a traceback from each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ctrl-C ignored while the pool starts its workers (its creation and first submit, some 10 ms): a
    worker started now inherits that, and Python keeps a signal it starts with ignored, so a worker still
    importing when Ctrl-C comes does not stop with a traceback (the initializer, which ignores it too, runs
    only once it is up). A Ctrl-C within those milliseconds is lost; the next one works. Only the main thread
    may change signal handlers; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


def _ready(result: Future[Any] | list[Any]) -> bool:
    return not isinstance(result, Future) or result.done()


def _take(pending: collections.deque[tuple[list[InputRecord], Future[Any] | list[Any]]]) -> tuple[list[InputRecord], list[Any]]:
    chunk, result = pending.popleft()
    if not isinstance(result, Future):
        return chunk, result
    try:
        done = _awaited(result)
    except BrokenExecutor:
        raise _worker_stopped(chunk) from None
    return chunk, done.lines() if isinstance(done, _Spooled) else done


_PATIENCE = 2.0  # seconds: how often the workers are checked on while a result is awaited


def _awaited(result: Future[Any]) -> Any:
    """The result of a chunk given to a worker. The pool reports a worker that dies (out of memory, killed),
    unless it died halfway through sending a result: then the pool's reader waits for the rest for ever, and
    so would this process. So the standard library's pool (forked workers) is checked on every `_PATIENCE`
    seconds, and a worker found dead that the pool has not reported by the next check is reported here."""
    from concurrent.futures import ProcessPoolExecutor

    dead_seen = False
    while True:
        try:
            return result.result(timeout=_PATIENCE)
        except TimeoutError:
            if not isinstance(_executor, ProcessPoolExecutor):
                continue  # loky's pool kills and reports its workers itself
            if dead_seen:
                raise BrokenExecutor("a worker died and the pool did not say so") from None
            dead_seen = _a_worker_died(_executor)


def _a_worker_died(executor: Any) -> bool:
    from multiprocessing.connection import wait

    processes = _worker_processes(executor)
    return bool(processes) and bool(wait([process.sentinel for process in processes], timeout=0))


def _worker_processes(executor: Any) -> list[Any]:
    """The standard library pool's worker processes (its `_processes`, None before the first submit)."""
    return list((executor._processes or {}).values())


def _worker_stopped(chunk: list[InputRecord] | None) -> FeedbackError:
    where = f"{chunk[0].source}, from row {chunk[0].row}: " if chunk else ""
    return FeedbackError(f"{where}a worker process stopped before it had classified its rows (out of memory, or "
                         "killed); run again with fewer --jobs.")


def _merged(chunk: list[InputRecord], results: list[Any], weights: Weights, as_json: bool) -> list[Any]:
    """The results of a chunk, one per record: the records that were classify output (and so have no
    result) are scored here and put in their place."""
    if len(results) == len(chunk):
        return results  # no such record in the chunk
    scored = iter(results)
    merged = []
    for record in chunk:
        if _is_prediction(record.fields):
            result = add_scores(record.fields, weights)
            merged.append(json_bytes(result) if as_json else result)
        else:
            merged.append(next(scored))
    return merged
