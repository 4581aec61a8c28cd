"""Read feedback records from CSV / TSV, JSONL or plain text, streaming, whatever the encoding.

Every error names the file and the row and says what to do. Nothing here prints: notes for the user
(an encoding that was guessed) are returned in `Source.notes` for the CLI to show.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any, NamedTuple

from .errors import InputError

#: Column names that hold the text, in the conventions of our languages and English; matched without accents.
TEXT_COLUMNS = (
    "text", "texte", "komentar", "komentare", "comment", "comments", "commentaire", "commentaires", "avis",
    "review", "feedback", "message", "zprava", "sprava", "odpoved", "hodnoceni", "hodnotenie", "recenze",
    "recenzia", "body", "content", "verbatim", "评论", "内容", "评价", "留言", "意见", "評論", "評價", "意見",
)
ID_COLUMNS = ("id", "review_id", "ticket", "ticket_id", "cislo", "编号")
SAMPLE_BYTES = 64 * 1024
#: Encodings other than UTF-8/16 that exports in our markets come in: Czech and Slovak Windows and ISO,
#: French Windows and ISO, mainland Chinese and Taiwan / Hong Kong.
LEGACY_ENCODINGS = ("cp1250", "iso8859_2", "cp1252", "iso8859_15", "gb18030", "big5", "utf_16")
_SLAVIC_ONLY = frozenset("čďěňřšťůžľĺôŕäČĎĚŇŘŠŤŮŽĽĹÔŔÄ")
_FRENCH_ONLY = frozenset("àâæèêëîïœùûüÿçÀÂÆÈÊËÎÏŒÙÛÜŸÇ")
_OUR_LETTERS = frozenset("áčďéěíňóřšťúůýžäľĺôŕÁČĎÉĚÍŇÓŘŠŤÚŮÝŽÄĽĹÔŔàâæçèêëîïœùûüÿÀÂÆÇÈÊËÎÏŒÙÛÜŸ€")
DELIMITERS = ",;\t|"


class InputRecord(NamedTuple):
    """One text to classify, with where it came from and the other columns it carried. (A named tuple:
    made for every row of a file, it costs a third of a frozen dataclass.)"""

    source: str
    row: int
    text: str
    id: str | None = None
    fields: Mapping[str, Any] = MappingProxyType({})


@dataclass
class Source:
    """An opened input: its name, format, encoding, and notes for the user."""

    name: str
    format: str
    encoding: str
    notes: list[str] = field(default_factory=list)


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "_")


def detect_encoding(sample: bytes, name: str) -> tuple[str, str | None]:
    """(encoding, note): BOMs first, then strict UTF-8, then charset-normalizer; the note says what was assumed."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if sample.startswith(bom):
            return encoding, None
    try:
        sample.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut by the end of the sample
            return "utf-8", None
    from charset_normalizer import from_bytes

    candidates = [m for m in from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS))]
    if not candidates:
        raise InputError(f"{name}: not a text file (no encoding fits); is it binary? Give a CSV, JSONL or text file.")
    least_chaos = min(m.chaos for m in candidates)
    best = max((m for m in candidates if m.chaos <= least_chaos + 0.01), key=lambda m: _letter_score(str(m)))
    encoding = codecs.lookup(best.encoding).name
    return encoding, f"{name}: not UTF-8; read as {encoding} (override with --encoding)."


def _letter_score(text: str) -> int:
    """How much a decoding looks like our languages: letters of cs/sk/fr and CJK count, odd symbols cost,
    and so does mixing Czech/Slovak-only with French-only letters (cp1250 reads French "è" as "č")."""
    score = slavic = french = 0
    for c in text:
        if c in _OUR_LETTERS or "\u4e00" <= c <= "\u9fff":
            score += 1
            slavic += c in _SLAVIC_ONLY
            french += c in _FRENCH_ONLY
        elif not (c.isascii() or c.isalpha()) or c in "¤¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿":
            score -= 2
    return score - 3 * min(slavic, french)


def detect_format(name: str, head: str) -> str:
    """csv, tsv, jsonl or text: by the file's suffix, else by its first line."""
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".tsv", ".jsonl", ".ndjson"):
        return {".ndjson": "jsonl"}.get(suffix, suffix[1:])
    if suffix == ".txt":
        return "text"
    first = _first_line(head.lstrip("\ufeff").lstrip())
    if first.startswith("{"):
        return "jsonl"
    if any(d in first for d in DELIMITERS) and any(_fold(c) in TEXT_COLUMNS for c in _split_header(first)):
        return "csv"
    return "text"


def _first_line(text: str) -> str:
    """Up to the first line break: LF, CRLF or a lone CR (Excel for Mac's "CSV (Macintosh)")."""
    return text.split("\n", 1)[0].split("\r", 1)[0]


def _split_header(line: str) -> list[str]:
    for delimiter in DELIMITERS:
        if delimiter in line:
            return next(csv.reader([line], delimiter=delimiter))
    return [line]


def open_source(path: str, encoding: str | None = None, errors: str = "strict") -> tuple[Source, IO[str]]:
    """Open a file (or `-` for stdin) as text, its encoding detected unless given."""
    name = "<stdin>" if path == "-" else path
    if path != "-" and Path(path).is_dir():
        raise InputError(f"{path}: is a directory; give the files inside it.")
    try:
        raw: Any = getattr(sys.stdin.buffer, "raw", sys.stdin.buffer) if path == "-" else open(path, "rb", buffering=0)  # noqa: SIM115
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give the files inside it.") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions.") from None
    buffered = io.BufferedReader(raw, buffer_size=SAMPLE_BYTES)
    try:
        return _as_text(name, buffered, encoding, errors)
    except BaseException:
        if path != "-":
            buffered.close()
        raise


def _as_text(name: str, buffered: io.BufferedReader, encoding: str | None, errors: str) -> tuple[Source, IO[str]]:
    sample = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    if b"\0" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: binary file (NUL bytes); give a CSV, TSV, JSONL or text file.")
    note = None
    if encoding is None:
        encoding, note = detect_encoding(sample, name)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}; try utf-8, cp1250, iso-8859-2, gb18030 or big5.") from None
    stream = io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="")
    head = sample.decode(encoding, errors="replace")
    source = Source(name, detect_format(name, head), encoding, [note] if note else [])
    return source, stream


def read_records(
    path: str,
    text_column: str | None = None,
    id_column: str | None = None,
    encoding: str | None = None,
    source_notes: list[str] | None = None,
    *,
    no_header: bool = False,
    on_error: str = "fail",
    sheet: str | None = None,
) -> Iterator[InputRecord]:
    """Stream the records of one input. `source_notes` collects notes for the user (an assumed encoding,
    rows skipped with on_error="skip"); with on_error="fail" a row that cannot be read raises InputError."""
    notes = source_notes if source_notes is not None else []
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be 'fail' or 'skip', not {on_error!r}")

    def problem(message: str) -> None:
        if on_error == "fail":
            raise InputError(message + " Fix the row, or pass --on-error skip to leave such rows out.")
        notes.append(message + " Skipped.")

    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        from .xlsx import xlsx_records

        yield from xlsx_records(path, sheet, text_column, id_column, no_header)
        return
    source, stream = open_source(path, encoding, errors="replace" if on_error == "skip" else "strict")
    notes.extend(source.notes)
    try:
        if source.format in ("csv", "tsv"):
            yield from _csv_records(source, stream, text_column, id_column, no_header, problem)
        elif source.format == "jsonl":
            yield from _jsonl_records(source, stream, text_column or "text", id_column or "id", problem)
        else:
            for row, line in enumerate(stream, 1):
                text = line.rstrip("\r\n")
                if text.strip():
                    yield InputRecord(source.name, row, text)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source.name}: bytes that are not {source.encoding} ({exc.reason}); try --encoding cp1250, "
            "iso-8859-2, gb18030 or big5, or --on-error skip to replace them."
        ) from None
    finally:
        if path != "-":
            stream.close()


def _csv_records(
    source: Source, stream: IO[str], text_column: str | None, id_column: str | None, no_header: bool,
    problem: Callable[[str], None],
) -> Iterator[InputRecord]:
    sample = stream.read(SAMPLE_BYTES)
    if not sample.endswith("\n"):
        sample += stream.readline()  # the sample ends with a whole line: the reader is then fed lines in C
    delimiter = "\t" if source.format == "tsv" else _sniff_delimiter(sample)
    # newline="": the sample's lines end where the stream's do, at a lone CR too
    reader = csv.reader(itertools.chain(io.StringIO(sample, newline=""), stream), delimiter=delimiter)
    if no_header:
        first_rows = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 50))
        width = max((len(r) for r in first_rows), default=1)
        header = [str(i + 1) for i in range(width)]
        if text_column is None:  # the column with the longest texts
            text_column = max(header, key=lambda c: sum(len(r[int(c) - 1]) for r in first_rows if len(r) >= int(c)))
    else:
        try:
            header = [h.lstrip("\ufeff").strip() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{source.name}, row 1: unreadable CSV header ({exc}); check its quoting.") from None
    text_at = find_column(source.name, header, text_column, TEXT_COLUMNS, "--text-column")
    id_at = find_column(source.name, header, id_column, ID_COLUMNS, "--id-column", required=id_column is not None)
    assert text_at is not None
    name, previous = source.name, reader.line_num
    while True:
        try:
            # One row a line is the common case: its line is the reader's count, with no need to count the
            # line breaks of quoted fields; a loop rather than next() and try per row (half of the reading time).
            for values in reader:
                line = reader.line_num
                if len(values) > text_at:
                    start = line if line - previous == 1 else _start_line(line, values)
                    previous = line
                    record_id = values[id_at] if id_at is not None and id_at < len(values) else None
                    yield InputRecord(name, start, values[text_at], record_id, dict(zip(header, values)))
                    continue
                previous = line
                if values:  # a blank line is no row
                    problem(
                        f"{name}, row {line}: {len(values)} field(s) but the text is column {text_at + 1} "
                        f"('{header[text_at]}'); check the delimiter or quoting of that row."
                    )
            return
        except csv.Error as exc:
            previous = reader.line_num
            problem(f"{name}, row {previous}: unreadable CSV ({exc}); check the quoting of that row.")


def _start_line(line_num: int, values: list[str]) -> int:
    """The file line on which a CSV record that ends on line `line_num` starts: a quoted field may hold line
    breaks, each a line for the reader (LF, CRLF or a lone CR)."""
    return line_num - sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in values if "\n" in v or "\r" in v)


def _sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample among , ; tab and |; failing the sniffer, the commonest in the header."""
    lines = "\n".join(line.rstrip("\r\n") for line in io.StringIO(sample, newline="").readlines()[:20])
    try:
        return csv.Sniffer().sniff(lines, DELIMITERS).delimiter
    except csv.Error:
        header = _first_line(sample)
        return max(DELIMITERS, key=header.count)


def find_column(name: str, header: list[str], wanted: str | None, known: tuple[str, ...], option: str, required: bool = True) -> int | None:
    """Index of the wanted column, or of the first known name; InputError lists the columns that exist."""
    folded = [_fold(h) for h in header]
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        if _fold(wanted) in folded:
            return folded.index(_fold(wanted))
    else:
        for candidate in known:
            if candidate in folded:
                return folded.index(candidate)
        if len(header) == 1 and required:
            return 0
    if not required:
        return None
    columns = ";".join(header)
    if wanted is not None:
        raise InputError(f"{name}: no column '{wanted}'; columns are {columns}. Use {option} with one of them.")
    raise InputError(f"{name}: no text column found; columns are {columns}. Use {option} with one of them.")


def _jsonl_records(
    source: Source, stream: IO[str], text_field: str, id_field: str, problem: Callable[[str], None]
) -> Iterator[InputRecord]:
    for row, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problem(f"{source.name}, line {row}: not valid JSON ({exc.msg}).")
            continue
        if not isinstance(obj, dict):
            problem(f"{source.name}, line {row}: expected a JSON object with a '{text_field}' field.")
            continue
        text = _get_path(obj, text_field)
        if not isinstance(text, str):
            keys = ", ".join(obj) or "none"
            problem(f"{source.name}, line {row}: no text in field '{text_field}'; fields are {keys}. Use --text-column.")
            continue
        record_id = _get_path(obj, id_field)
        yield InputRecord(source.name, row, text, None if record_id is None else str(record_id), obj)


def _get_path(obj: Any, dotted: str) -> Any:
    """obj["review"]["body"] for "review.body"; None where a step is missing."""
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj
