"""The `feedback` command: parse, call one library function, write. Exit codes: 0 ok, 1 error, 2 usage, 130 Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import FeedbackError
from .labels import LANGUAGES

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


class _Progress:
    """Rows done, rate and time left on stderr, only when stderr is a terminal."""

    def __init__(self, inputs: Sequence[str] = ()) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0
        self.rows = 0
        self.total = _count_lines(inputs) if self.enabled else 0

    def step(self, rows: int = 1) -> None:
        self.rows += rows
        now = time.monotonic()
        if self.enabled and now - self.last > 0.2:
            self.last = now
            rate = self.rows / max(now - self.start, 1e-9)
            line = f"{self.rows:,} rows  {rate:,.0f} rows/s  {now - self.start:.0f} s"
            if self.total > self.rows:
                line = f"{self.rows:,} / ~{self.total:,} rows  {rate:,.0f} rows/s  ~{(self.total - self.rows) / rate:.0f} s left"
            print(f"\r{line}\033[K", end="", file=sys.stderr)

    def done(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def _count_lines(inputs: Sequence[str]) -> int:
    """Lines in the input files (an estimate of the rows, for the time left); 0 for stdin or Excel."""
    total = 0
    for path in inputs:
        if path == "-" or not Path(path).is_file() or Path(path).suffix.lower() in (".xlsx", ".xlsm"):
            return 0
        with open(path, "rb") as handle:
            total += sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    return total


def _classify(args: argparse.Namespace) -> int:
    from .batch import MAX_CHARS, load_model_for_run, scored_chunks, start_workers, stop_workers
    from .output import RecordWriter, open_output

    fmt = args.format or ("csv" if args.output and args.output.lower().endswith(".csv") else "jsonl")

    progress = _Progress(args.inputs)
    weights = _weights(args)
    start_workers(args.model, args.jobs)  # with --jobs: they start up while this process does
    _import_whole("scipy.sparse")
    load_model_for_run(args.model)
    with _frozen_heap(), open_output(args.output, args.inputs) as stream:
        writer = RecordWriter(stream, fmt, raw_csv=args.raw_csv)
        as_json = fmt == "jsonl"  # lines made where the records are (in a worker with --jobs), written a chunk at once
        for chunk, results in scored_chunks(_read_inputs(args), args.model, args.lang, args.jobs, weights, as_json=as_json):
            if as_json:
                writer.write_lines(results)
            else:
                for scored in results:
                    writer.write(scored)
            progress.step(len(chunk))
            for record in [r for r in chunk if len(r.text) > MAX_CHARS]:
                _warn(f"warning: {record.source}, row {record.row}: text of {len(record.text):,} characters; "
                      f"only the first {MAX_CHARS:,} were classified.")
        stop_workers()
        writer.close()
    progress.done()
    return EXIT_OK


def _import_whole(*modules: str) -> None:
    """Imports `modules` with Ctrl-C held back until they are in, then acted on. scipy and scikit-learn run
    `exec("from numpy import *")` while they import, and a KeyboardInterrupt escaping code run by exec makes
    CPython end `python -m classifier` by SIGINT once it has finished, whatever exit code the command chose
    (130 became -2 in one Ctrl-C in 15 to 30; the `feedback` script is spared). The wait is the import's own
    time, 0.2 s for scipy."""
    with _ctrl_c_held():
        for name in modules:
            importlib.import_module(name)


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """A Ctrl-C during the block is acted on once it ends, by the handler there was (KeyboardInterrupt, or
    nothing if ignored). Only the main thread gets signals and may set handlers; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        signal.raise_signal(signal.SIGINT)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """What the command has loaded by now (the libraries, the model) lives until it ends: frozen, Python's
    cycle collector no longer walks it each time it runs, which halved its time in classify (0.27 to 0.13 s
    per 100,000 rows). Given back at the end, for a caller that runs the command in its own process."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _read_inputs(args: argparse.Namespace) -> Any:
    """All records of all inputs, streaming; notes (an assumed encoding) go to stderr as they arise."""
    from .io import read_records

    from .pii import mask_pii

    notes: list[str] = []
    skipped = 0
    for path in args.inputs:
        records = read_records(path, args.text_column, args.id_column, args.encoding, notes,
                               no_header=args.no_header, on_error=args.on_error, sheet=args.sheet)
        for record in records:
            while notes:
                note = notes.pop(0)
                skipped += note.endswith("Skipped.")
                _warn("warning: " + note)
            if args.mask_pii:
                record = record._replace(text=mask_pii(record.text))
            yield record
        for note in notes:
            skipped += note.endswith("Skipped.")
            _warn("warning: " + note)
        notes.clear()
    if skipped:
        _warn(f"{skipped} row(s) skipped (--on-error skip).")


def _weights(args: argparse.Namespace) -> Any:
    from .scoring import Weights

    return Weights.from_toml(args.weights) if getattr(args, "weights", None) else Weights()


def _scored_report(args: argparse.Namespace) -> tuple[Any, list[dict[str, Any]]]:
    from .aggregate import build_report
    from .batch import scored_records, stop_workers

    weights = _weights(args)
    progress = _Progress(args.inputs)
    _import_whole("scipy.sparse")
    records = []
    for _, scored in scored_records(_read_inputs(args), args.model, args.lang, args.jobs, weights):
        records.append(scored)
        progress.step()
    stop_workers()
    progress.done()
    if not records:
        raise FeedbackError(f"no texts in {', '.join(args.inputs)}.")
    for column in (args.by, args.customer_column, args.date_column):
        if column and column not in ("dimension", "lang", "sentiment", "intent", "month", "week"):
            if not any(column in (r.get("fields") or {}) for r in records[:1000]):
                columns = ", ".join(records[0].get("fields") or {}) or "none"
                raise FeedbackError(f"no column '{column}' in {', '.join(args.inputs)}; columns are {columns}.")
    if args.by in ("month", "week") and not args.date_column:
        raise FeedbackError(f"--by {args.by} needs --date-column.")
    report = build_report(records, args.by, args.customer_column, args.date_column, args.period, weights)
    return report, records


def _score(args: argparse.Namespace) -> int:
    from .output import open_output, write_score

    report, _ = _scored_report(args)
    fmt = args.format or ("csv" if args.output and args.output.lower().endswith(".csv") else "table")
    with open_output(args.output, args.inputs) as stream:
        write_score(stream, report, fmt, raw_csv=args.raw_csv)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .output import open_output
    from .report import render_html

    report, _ = _scored_report(args)
    with open_output(args.output, args.inputs) as stream:
        stream.write(render_html(report))
    _warn(f"report written to {args.output}")
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from .evaluation import format_table
    from .training import train_paths

    command = "feedback " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else "feedback train"
    _import_whole("scipy.sparse", "sklearn.feature_extraction.text", "sklearn.linear_model")
    model = train_paths(args.corpus, command=command)
    path = model.save(args.out)
    _warn(f"model written to {path}")
    if "metrics" in model.metadata:
        _warn("held-out (test split) figures:\n" + format_table(model.metadata["metrics"]))
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from .corpus import find_corpus_files, read_examples
    from .evaluation import evaluate, format_table
    from .model import load_model

    splits = find_corpus_files(args.corpus)
    chosen = splits[args.split] or (splits["train"] if all(Path(p).is_file() for p in args.corpus) else [])
    if not chosen:
        raise FeedbackError(f"no {args.split} split in {', '.join(args.corpus)}; choose another with --split.")
    examples = [e for f in chosen for e in read_examples(f)]
    _import_whole("scipy.sparse")
    report = evaluate(load_model(args.model), examples)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_table(report))
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from .evaluation import format_table
    from .model import default_model_path, read_metadata

    path = Path(args.model) if args.model else default_model_path()
    meta = read_metadata(path)
    if args.format == "json":
        print(json.dumps(meta, ensure_ascii=False, indent=2))
        return EXIT_OK
    corpus = meta.get("corpus", {})
    print(f"model:       {path}")
    print(f"built by:    {meta.get('command') or '?'}")
    print(f"versions:    package {meta.get('package_version')}, scikit-learn {meta.get('sklearn_version')}")
    print(f"languages:   {', '.join(meta.get('languages', []))}")
    print(f"corpus:      {corpus.get('examples')} (sha256 {str(corpus.get('sha256', ''))[:12]}...)")
    print(f"dimensions:  {', '.join(meta.get('labels', {}).get('dimensions', []))}")
    if "metrics" in meta:
        print("held-out figures (test split):")
        print(format_table(meta["metrics"]))
    return EXIT_OK


def _corpus_check(args: argparse.Namespace) -> int:
    from .corpus_check import check_corpus, format_report

    _import_whole("scipy.sparse")
    report = check_corpus(args.corpus)
    print(format_report(report))
    return EXIT_OK if report.ok else EXIT_ERROR


def _input_options(p: argparse.ArgumentParser) -> None:
    """Options of every command that reads feedback files: classify, score, report."""
    p.add_argument("--text-column", "--text-field", dest="text_column",
                   help="column (CSV, XLSX) or field (JSONL, dots for nesting: review.body) holding the text")
    p.add_argument("--id-column", "--id-field", dest="id_column", help="column or field holding the record id")
    p.add_argument("--lang", choices=LANGUAGES, help="force the language instead of detecting it")
    p.add_argument("--model", help="model directory (default: the bundled model)")
    p.add_argument("--jobs", type=int, default=1,
                   help="processes that classify: this one and N-1 workers (default 1; 2 on two cores)")
    p.add_argument("--encoding", help="input encoding (default: detected), e.g. cp1250, gb18030, big5")
    p.add_argument("--weights", help="TOML file of dimension weights for satisfaction and risk (see README)")
    p.add_argument("--no-header", action="store_true", help="CSV/XLSX without a header row (columns are 1, 2, ...)")
    p.add_argument("--sheet", help="sheet of an .xlsx file (default: the first)")
    p.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                   help="a row that cannot be read stops the run (fail, default) or is reported and left out (skip)")
    p.add_argument("--mask-pii", action="store_true",
                   help="replace e-mails, phone numbers, IBANs and card numbers in the text written out")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback",
        description="Label customer feedback in Czech, Slovak, French and Chinese by SERVQUAL dimension, "
        "sentiment and loyalty intent.",
        epilog="Exit codes: 0 ok, 1 input, model or runtime error, 2 usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("classify", help="label every text of CSV/TSV, JSONL, XLSX or text files (- for stdin)")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", help="output file (default stdout); written atomically, never an input")
    p.add_argument("--format", choices=("jsonl", "csv", "table"), help="default jsonl, or csv for -o *.csv")
    p.add_argument("--raw-csv", action="store_true", help="do not neutralise spreadsheet formulas in CSV output")
    _input_options(p)
    p.set_defaults(run=_classify)

    for name, run, help_text in (
        ("score", _score, "satisfaction, loyalty risk, drivers and trends per group"),
        ("report", _report, "a self-contained HTML report with charts"),
    ):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("inputs", nargs="+", metavar="INPUT", help="feedback files, or `feedback classify` JSONL output")
        if name == "report":
            p.add_argument("-o", "--output", required=True, help="HTML file to write")
        else:
            p.add_argument("-o", "--output", help="output file (default stdout)")
            p.add_argument("--format", choices=("table", "jsonl", "csv"), help="default table, or csv for -o *.csv")
            p.add_argument("--raw-csv", action="store_true", help="do not neutralise spreadsheet formulas in CSV output")
        p.add_argument("--by", help="group by this column, or lang, sentiment, intent, dimension, month, week")
        p.add_argument("--customer-column", help="column naming the customer: risk per customer")
        p.add_argument("--date-column", help="column with the date: trend, recency of customer risk")
        p.add_argument("--period", choices=("month", "week"), default="month", help="trend period (default month)")
        _input_options(p)
        p.set_defaults(run=run)

    p = commands.add_parser("train", help="train a model on corpus directories or .jsonl/.csv files")
    p.add_argument("corpus", nargs="+", metavar="CORPUS")
    p.add_argument("--out", required=True, help="model directory to write")
    p.set_defaults(run=_train)

    p = commands.add_parser("evaluate", help="per-language figures of a model on a labelled corpus")
    p.add_argument("corpus", nargs="+", metavar="CORPUS")
    p.add_argument("--model", help="model directory (default: the bundled model)")
    p.add_argument("--split", choices=("test", "dev", "train"), default="test", help="split of a corpus directory")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=_evaluate)

    p = commands.add_parser("info", help="what a model is: versions, corpus, held-out figures")
    p.add_argument("--model", help="model directory (default: the bundled model)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_info)

    p = commands.add_parser("corpus", help="corpus tools")
    corpus_commands = p.add_subparsers(dest="corpus_command", metavar="SUBCOMMAND", required=True)
    c = corpus_commands.add_parser("check", help="validate a corpus, count labels, flag duplicates")
    c.add_argument("corpus", nargs="+", metavar="CORPUS")
    c.set_defaults(run=_corpus_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be at least 1")
    try:
        return int(args.run(args))
    except FeedbackError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted; no output file was written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()  # `feedback classify x.csv | head`: the reader left, nothing to report
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
